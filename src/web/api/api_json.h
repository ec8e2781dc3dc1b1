#pragma once
// What the /api/v1 handlers share (internal to src/web/api): the JSON of a host and of a point, times in
// and out, query parameters (limit, cursor) and the opaque cursors. Every value goes through Boost.JSON.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "alerts/alert_rules.h"
#include "core/clock.h"
#include "store/alert_records.h"
#include "store/location_store.h"
#include "store/records.h"
#include "web/app_context.h"
#include "web/view/host_state.h"
#include "web/view/series.h"

namespace semaphore::web::api {

// A body field at fault ("" when the body as a whole is) and what is wrong with it.
struct FieldProblem {
  std::string field, message;
};

// A number, or null.
boost::json::value number_or_null(const std::optional<double>& value);

// The latest round of a host as JSON (null when there is none), with the name of the location it was
// measured from (issue 16).
boost::json::value latest_json(const std::optional<store::PingResult>& latest, std::string_view location);
// A host with its state, probe spec and latest round (and a both host's latest tcp round), both from the
// location named `location`, and the names of the locations switched off for it (`locations_off`, issue 16;
// Host::locations_off named from `all_locations`): the one Host schema of every API answer.
boost::json::object host_json(const store::Host& host, HostState state,
                              const std::optional<store::PingResult>& latest,
                              const std::optional<store::PingResult>& latest_tcp, std::string_view location,
                              std::span<const store::Location> all_locations);
// host_json of a host's status (one location's: `location` its name), its state judged by its probe method
// (view/host_state.h judge_host).
boost::json::object status_json(const store::HostStatus& status, std::string_view location, EpochMs now,
                                std::chrono::seconds stale_after,
                                std::span<const store::Location> all_locations);
// Host::locations_off as the API says it: the locations' names, by id (an id no longer among
// `all_locations` is left out).
boost::json::array locations_off_json(const store::Host& host,
                                      std::span<const store::Location> all_locations);
// A body's `locations_off` (a list of location names, each at most once) as location ids, or the problem
// (field "locations_off") with a name that is no location's, or a value of another shape.
std::variant<std::vector<store::Id>, FieldProblem> read_locations_off(
    const boost::json::value& value, std::span<const store::Location> all_locations);

// The location a request names with `location=NAME`: nullopt when it names none; the 400 answer (bad_field)
// for a name that is no location's.
std::variant<std::optional<store::Location>, Response> location_param(const RequestContext& ctx,
                                                                      store::LocationStore& locations);
// The location named by `location=NAME`, else `local` (id 1, whatever its name now); or the 400 answer.
std::variant<store::Location, Response> location_or_local(const RequestContext& ctx,
                                                          store::LocationStore& locations);
// One point of a host's results.
boost::json::object point_json(const SeriesPoint& point);

// The alerts' JSON (v1_alerts.cpp): an event; the rules (every field, null = off); a host's overrides (every
// field, null = the user's value).
boost::json::object event_json(const store::AlertEventRecord& event);
boost::json::object rules_json(const alerts::AlertRules& rules);
boost::json::object overrides_json(const alerts::HostRuleOverrides& overrides);

// A host's `alert_rules` object laid over `overrides`: a number sets a rule, null clears it (the user's value
// applies again); each value is checked. The problem names "alert_rules.<rule>".
std::optional<FieldProblem> read_overrides(const boost::json::value& value,
                                           alerts::HostRuleOverrides& overrides);

// A time parameter: epoch seconds ("1767225600"), or ISO 8601 / RFC 3339 ("2026-01-01T00:00:00Z", with
// fractions and offsets, or a date "2026-01-01" for its midnight UTC). nullopt when it is neither.
std::optional<EpochMs> parse_time(std::string_view text);

// The query parameter `name` as a count 1..max (`fallback` when absent), or the 400 naming it.
std::variant<std::size_t, Response> limit_param(const RequestContext& ctx, std::size_t fallback,
                                                std::size_t max);

// Opaque cursors: a kind letter and a number, base64url. decode_cursor gives nullopt for anything else
// (another kind's cursor included).
std::string encode_cursor(char kind, std::int64_t value);
std::optional<std::int64_t> decode_cursor(char kind, std::string_view cursor);

}  // namespace semaphore::web::api
