#pragma once
// The agents' wire format (issue 16): what a remote agent (src/agent) and the server's /api/v1/agent/...
// routes (web/api/v1_agent.cpp) send each other, in one module so that the two sides never drift apart.
// JSON, in the API's conventions (api/openapi.json documents the same shapes):
//
//   GET  /api/v1/agent/assignment   -> {"version", "location", "settings": {...}, "hosts": [{"id", "target",
//                                       "probe"}]}; with If-None-Match: "<version>" unchanged -> 304
//   GET  /api/v1/agent/assignment?since=<version>
//                                   -> the same, or, when the server still knows <version>, only what
//                                   changed:
//                                      {"version", "location", "settings", "since", "changed": [hosts],
//                                       "removed": [ids]} (domain/assignment_changes.h)
//   POST /api/v1/agent/results      <- {"rows": [{"host", "ts", "method", "sent", "received", "refused",
//                                       "min_ms", "avg_ms", "max_ms", "median_ms", "stddev_ms", "error"}]}
//                                   -> {"inserted", "duplicates", "skipped"}
//   POST /api/v1/agent/heartbeat    <- {"version", "rounds_on_time", "rounds_late", "spool_backlog",
//                                       "interval_ms"}
//
// An agent learns only what it needs to ping: a host's id, its target and probe method; never its owner,
// label or provider. The location of every row and heartbeat is the token's, never a field an agent sends.
// The server checks everything an agent sends as untrusted input: a malformed row is refused with the index
// and field that are wrong (decode_result_batch); the rules that need the clock are the caller's
// (check_row_time).
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/target.h"
#include "store/location_store.h"
#include "store/records.h"

namespace semaphore::domain {

// A batch holds at most this many rows (the agent's writer sends its batch size, 1,000 by default): about
// 200 bytes of JSON a row, so a full batch stays within the server's 1 MiB body limit.
inline constexpr std::size_t kMaxAgentBatchRows = 4000;
// The largest error word a row may carry (the store keeps five words and "error" for any other).
inline constexpr std::size_t kMaxAgentErrorChars = 32;
// Probes a round may report per host (ServiceOptions::probes is at most 100).
inline constexpr int kMaxAgentProbesPerRound = 100;
// The server stores rows at most this old (a spool replayed after a long outage) and at most this far ahead
// of its own clock (an agent's clock that runs fast); rows outside are skipped, counted, and said so.
inline constexpr std::chrono::hours kMaxAgentRowAge{24 * 30};
inline constexpr std::chrono::minutes kMaxAgentClockAhead{5};

// What every agent is told to do each round (the server's --agent-interval and --agent-probes, or `run`'s
// own service options, and its --targets).
struct AgentSettings {
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
  int probes = 5;
  std::chrono::milliseconds timeout{0};        // 0: the service's automatic choice
  std::chrono::milliseconds probe_spacing{0};  // 0: automatic
  TargetPolicy targets = TargetPolicy::public_only;

  bool operator==(const AgentSettings&) const = default;
};

struct AgentAssignment {
  std::string version;   // changes whenever the settings or the hosts do (assignment_version)
  std::string location;  // the agent's location's name, for its logs
  AgentSettings settings;
  std::vector<store::Host> hosts;  // id, hostname and probe set; enabled; the rest empty
};

// A short text that changes whenever `settings` or any host's id, target or probe does (a BLAKE2b hash):
// the assignment's ETag.
std::string assignment_version(const AgentSettings& settings, const std::vector<store::Host>& hosts);

// What changed from the assignment of version `since` to the one of version `version` (the hosts added or
// whose target or probe changed, and the ids of those removed; the settings and location whole).
struct AssignmentChanges {
  std::string version;
  std::string location;
  AgentSettings settings;
  std::string since;
  std::vector<store::Host> changed;  // sorted by id
  std::vector<store::Id> removed;    // sorted
};

std::string encode_assignment(const AgentAssignment& assignment);
std::string encode_assignment_changes(const AssignmentChanges& changes);
// Errc::invalid_argument saying what is wrong (the agent logs it and keeps its last assignment).
Result<AgentAssignment> decode_assignment(std::string_view json);
// Either reply to GET /api/v1/agent/assignment: a whole assignment, or the changes (a "since" member).
Result<std::variant<AgentAssignment, AssignmentChanges>> decode_assignment_reply(std::string_view json);

std::string encode_result_batch(std::span<const store::PingResult> rows);
// The rows of a batch (their location_id left at its default: the caller sets the token's). Errc::
// invalid_argument naming the row and field for anything malformed or out of range (an unknown method, a
// negative or non-finite RTT, received above sent, more than kMaxAgentBatchRows rows, ...).
Result<std::vector<store::PingResult>> decode_result_batch(const boost::json::value& body);
// Whether a row's time is one the server stores, as of `now` (kMaxAgentRowAge, kMaxAgentClockAhead).
bool row_time_accepted(EpochMs ts, EpochMs now);

std::string encode_heartbeat(const store::LocationHeartbeat& heartbeat);
// version, the counts and interval_ms (location_id and `at` are the server's to set). Errc::invalid_argument
// for a malformed one.
Result<store::LocationHeartbeat> decode_heartbeat(const boost::json::value& body);

}  // namespace semaphore::domain
