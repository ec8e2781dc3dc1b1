#include "web/view/csv.h"

#include "web/view/host_state.h"

namespace semaphore::web {

std::string_view series_csv_header() {
  return "time_utc,rounds,sent,received,loss,min_ms,avg_ms,max_ms,median_ms,stddev_ms,error,method,refused\n";
}

void append_series_csv_row(std::string& out, const SeriesPoint& point) {
  out += format_iso8601(point.ts);
  out += ',' + std::to_string(point.rounds) + ',' + std::to_string(point.sent) + ',' +
         std::to_string(point.received) + ',';
  out += format_number(loss_of(point.sent, point.received), 4) + ',';
  out += format_number(point.min_ms, 3) + ',' + format_number(point.avg_ms, 3) + ',' +
         format_number(point.max_ms, 3) + ',' + format_number(point.median_ms, 3) + ',' +
         format_number(point.stddev_ms, 3) + ',';
  out += csv_field(point.error) + ',';
  out += std::string(to_string(point.method)) + ',' + std::to_string(point.refused) + '\n';
}

std::string csv_field(const std::string& text) {
  std::string value = text;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    value.insert(value.begin(), '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace semaphore::web
