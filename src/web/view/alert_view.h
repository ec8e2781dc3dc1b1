#pragma once
// How the pages show alerts (issue 14): a host's alert state as a word, an event's figures and whether it was
// to be sent, and the rows of an events table (/alerts, /report's strip, the host page), written with
// HtmlWriter so that every value is escaped.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/alert_records.h"
#include "store/records.h"

namespace semaphore::web {

// The state the alerts show for a host: "paused" when it is disabled or inside a maintenance window, else
// its state across its locations as their rounds left it ("up", "degraded", "down", "flapping"; issue 16's
// quorum), "unknown" before one.
std::string alert_state_word(const store::Host& host, const std::optional<store::QuorumStateRecord>& state,
                             bool in_maintenance);

// "notify", or why not: "quiet: first round", "quiet: flapping", "quiet: maintenance window".
std::string quiet_text(std::string_view quiet);
// "0 of 5 replies · median —", "5 of 5 replies · 11.2 / 12.0 / 14.9 ms" (min / median / max).
std::string event_figures(const store::AlertEventRecord& event);
// "2026-03-01 12:34:56" (UTC).
std::string event_time(EpochMs at);

// <tr> rows of an events table: Time (UTC), [Host,] Change, Reason, Round, Notification. `hostnames` names
// each host; a host not in it (deleted meanwhile) shows as "#id". An event with a stored path shows its
// verdict under the reason ("Path: the loss starts at hop 6, ..."), linked to the host page's path section.
void write_event_rows(const std::vector<store::AlertEventRecord>& events,
                      const std::map<store::Id, std::string>& hostnames, bool with_host, std::string& out);

}  // namespace semaphore::web
