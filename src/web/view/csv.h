#pragma once
// The CSV of a host's rounds (or buckets), one format for the host report's download (/report/{id}.csv)
// and the API's results (Accept: text/csv): a header line, then one line per point, RFC 4180 quoting.
#include <string>
#include <string_view>

#include "web/view/series.h"

namespace semaphore::web {

// "time_utc,rounds,sent,received,loss,min_ms,avg_ms,max_ms,median_ms,stddev_ms,error,method,refused\n"
// (method: icmp or tcp; refused: TCP answers that were a RST, 0 for ICMP and for rollups)
std::string_view series_csv_header();
// Appends one point's line (times ISO 8601 UTC, figures with 3 decimals, loss 0..1 with 4, empty when none).
void append_series_csv_row(std::string& out, const SeriesPoint& point);

// RFC 4180 field: quoted when needed; a leading = + - @ is prefixed with ' so spreadsheets show text.
std::string csv_field(const std::string& text);

}  // namespace semaphore::web
