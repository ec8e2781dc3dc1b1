#include "domain/agent_protocol.h"

#include <sodium.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdint>
#include <optional>

namespace semaphore::domain {
namespace {

namespace json = boost::json;

constexpr double kMaxRttMs = 3'600'000;  // an hour: far above any timeout a round can have

Error invalid(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

const char* policy_word(TargetPolicy policy) {
  return policy == TargetPolicy::public_only ? "public" : "private";
}

// An integer member of `object` in [low, high], or nullopt (missing, not an integer, out of range).
std::optional<std::int64_t> integer_field(const json::object& object, std::string_view name, std::int64_t low,
                                          std::int64_t high) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return std::nullopt;
  std::int64_t number = 0;
  if (value->is_int64()) {
    number = value->get_int64();
  } else if (value->is_uint64()) {
    if (value->get_uint64() > static_cast<std::uint64_t>(high)) return std::nullopt;
    number = static_cast<std::int64_t>(value->get_uint64());
  } else {
    return std::nullopt;
  }
  if (number < low || number > high) return std::nullopt;
  return number;
}

// An RTT member: null or missing is "none"; else a finite number in [0, kMaxRttMs]. `ok` is false for
// anything else.
std::optional<double> rtt_field(const json::object& object, std::string_view name, bool& ok) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_number()) {
    ok = false;
    return std::nullopt;
  }
  const double ms = value->to_number<double>();
  if (!std::isfinite(ms) || ms < 0 || ms > kMaxRttMs) {
    ok = false;
    return std::nullopt;
  }
  return ms;
}

json::value rtt_value(const std::optional<double>& ms) {
  return ms ? json::value(*ms) : json::value(nullptr);
}

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

Result<store::PingResult> decode_row(const json::value& value, std::size_t index) {
  const std::string where = "row " + std::to_string(index) + ": ";
  const json::object* object = value.if_object();
  if (object == nullptr) return invalid(where + "must be an object");
  store::PingResult row;
  const auto host = integer_field(*object, "host", 1, INT64_MAX);
  if (!host) return invalid(where + "\"host\" must be a positive integer (a host id)");
  row.host_id = *host;
  const auto ts = integer_field(*object, "ts", 0, INT64_MAX);
  if (!ts) return invalid(where + "\"ts\" must be a time in epoch milliseconds");
  row.ts = *ts;
  const json::value* method = object->if_contains("method");
  if (method == nullptr || !method->is_string())
    return invalid(where + "\"method\" must be \"icmp\" or \"tcp\"");
  if (method->get_string() == "icmp") {
    row.method = ProbeKind::icmp;
  } else if (method->get_string() == "tcp") {
    row.method = ProbeKind::tcp;
  } else {
    return invalid(where + "\"method\" must be \"icmp\" or \"tcp\"");
  }
  const auto sent = integer_field(*object, "sent", 0, kMaxAgentProbesPerRound);
  if (!sent) return invalid(where + "\"sent\" must be 0-" + std::to_string(kMaxAgentProbesPerRound));
  row.sent = static_cast<int>(*sent);
  const auto received = integer_field(*object, "received", 0, row.sent);
  if (!received) return invalid(where + "\"received\" must be 0 to \"sent\"");
  row.received = static_cast<int>(*received);
  if (object->contains("refused")) {
    const auto refused = integer_field(*object, "refused", 0, row.received);
    if (!refused) return invalid(where + "\"refused\" must be 0 to \"received\"");
    row.refused = static_cast<int>(*refused);
  }
  bool rtts_ok = true;
  row.min_ms = rtt_field(*object, "min_ms", rtts_ok);
  row.avg_ms = rtt_field(*object, "avg_ms", rtts_ok);
  row.max_ms = rtt_field(*object, "max_ms", rtts_ok);
  row.median_ms = rtt_field(*object, "median_ms", rtts_ok);
  row.stddev_ms = rtt_field(*object, "stddev_ms", rtts_ok);
  if (!rtts_ok) {
    return invalid(where + "an RTT field must be null or a number of milliseconds from 0 to 3600000");
  }
  if (const json::value* error = object->if_contains("error"); error != nullptr && !error->is_null()) {
    if (!error->is_string() || error->get_string().size() > kMaxAgentErrorChars) {
      return invalid(where + "\"error\" must be a word of at most " + std::to_string(kMaxAgentErrorChars) +
                     " characters");
    }
    for (const char c : error->get_string()) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return invalid(where + "\"error\" must hold no control characters");
      }
    }
    row.error = std::string(error->get_string());
  }
  return row;
}

}  // namespace

std::string assignment_version(const AgentSettings& settings, const std::vector<store::Host>& hosts) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 16);
  const auto add = [&state](std::string_view text) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>("\n"), 1);
  };
  add(std::to_string(settings.interval.count()) + " " + std::to_string(settings.probes) + " " +
      std::to_string(settings.timeout.count()) + " " + std::to_string(settings.probe_spacing.count()) + " " +
      policy_word(settings.targets));
  for (const auto& host : hosts) {
    add(std::to_string(host.id) + " " + host.hostname + " " + format_probe_spec(host.probe));
  }
  unsigned char digest[16];
  crypto_generichash_final(&state, digest, sizeof digest);
  return hex(digest, sizeof digest);
}

namespace {

json::object settings_object(const AgentSettings& s) {
  return json::object{{"interval_ms", s.interval.count()},
                      {"probes", s.probes},
                      {"timeout_ms", s.timeout.count()},
                      {"probe_spacing_ms", s.probe_spacing.count()},
                      {"targets", policy_word(s.targets)}};
}

json::array hosts_array(const std::vector<store::Host>& hosts) {
  json::array list;
  list.reserve(hosts.size());
  for (const auto& host : hosts) {
    list.push_back(
        json::object{{"id", host.id}, {"target", host.hostname}, {"probe", format_probe_spec(host.probe)}});
  }
  return list;
}

// The members every reply has: version, location and settings.
Status decode_heading(const json::object& object, std::string& version, std::string& location,
                      AgentSettings& settings) {
  const json::value* version_value = object.if_contains("version");
  const json::value* location_value = object.if_contains("location");
  const json::value* settings_value = object.if_contains("settings");
  if (version_value == nullptr || !version_value->is_string() || location_value == nullptr ||
      !location_value->is_string() || settings_value == nullptr || !settings_value->is_object()) {
    return invalid("the assignment lacks its version, location, settings or hosts");
  }
  version = std::string(version_value->get_string());
  location = std::string(location_value->get_string());
  const json::object& s = settings_value->get_object();
  const auto interval = integer_field(s, "interval_ms", 100, 24LL * 3600 * 1000);
  const auto probes = integer_field(s, "probes", 1, kMaxAgentProbesPerRound);
  const auto timeout = integer_field(s, "timeout_ms", 0, 3'600'000);
  const auto spacing = integer_field(s, "probe_spacing_ms", 0, 3'600'000);
  const json::value* targets = s.if_contains("targets");
  if (!interval || !probes || !timeout || !spacing || targets == nullptr || !targets->is_string()) {
    return invalid("the assignment's settings are incomplete or out of range");
  }
  auto policy = parse_target_policy(targets->get_string());
  if (!policy) return invalid("the assignment's settings name an unknown target policy");
  settings = AgentSettings{std::chrono::milliseconds(*interval), static_cast<int>(*probes),
                           std::chrono::milliseconds(*timeout), std::chrono::milliseconds(*spacing), *policy};
  return {};
}

Result<std::vector<store::Host>> decode_hosts(const json::array& list) {
  std::vector<store::Host> hosts;
  hosts.reserve(list.size());
  for (const json::value& item : list) {
    const json::object* host = item.if_object();
    if (host == nullptr) return invalid("an assignment's host is not an object");
    const auto id = integer_field(*host, "id", 1, INT64_MAX);
    const json::value* target = host->if_contains("target");
    const json::value* probe = host->if_contains("probe");
    if (!id || target == nullptr || !target->is_string() || probe == nullptr || !probe->is_string()) {
      return invalid("an assignment's host lacks its id, target or probe");
    }
    std::string why;
    auto spec = parse_probe_spec(probe->get_string(), why);
    if (!spec) return invalid("host " + std::to_string(*id) + ": " + why);
    store::Host parsed;
    parsed.id = *id;
    parsed.hostname = std::string(target->get_string());
    parsed.probe = *spec;
    hosts.push_back(std::move(parsed));
  }
  return hosts;
}

Result<AssignmentChanges> decode_changes(const json::object& object) {
  AssignmentChanges changes;
  if (auto heading = decode_heading(object, changes.version, changes.location, changes.settings); !heading) {
    return heading.error();
  }
  const json::value* since = object.if_contains("since");
  const json::value* changed = object.if_contains("changed");
  const json::value* removed = object.if_contains("removed");
  if (since == nullptr || !since->is_string() || changed == nullptr || !changed->is_array() ||
      removed == nullptr || !removed->is_array()) {
    return invalid("the assignment's changes lack their since, changed or removed");
  }
  changes.since = std::string(since->get_string());
  auto hosts = decode_hosts(changed->get_array());
  if (!hosts) return hosts.error();
  changes.changed = std::move(*hosts);
  changes.removed.reserve(removed->get_array().size());
  for (const json::value& id : removed->get_array()) {
    if (!id.is_int64() || id.get_int64() < 1) return invalid("a removed host's id is not a positive integer");
    changes.removed.push_back(id.get_int64());
  }
  return changes;
}

Result<AgentAssignment> decode_whole(const json::object& object) {
  AgentAssignment assignment;
  if (auto heading = decode_heading(object, assignment.version, assignment.location, assignment.settings);
      !heading) {
    return heading.error();
  }
  const json::value* hosts = object.if_contains("hosts");
  if (hosts == nullptr || !hosts->is_array()) {
    return invalid("the assignment lacks its version, location, settings or hosts");
  }
  auto decoded = decode_hosts(hosts->get_array());
  if (!decoded) return decoded.error();
  assignment.hosts = std::move(*decoded);
  return assignment;
}

Result<json::object> parse_reply(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return invalid("the assignment is not valid JSON");
  json::object* object = value.if_object();
  if (object == nullptr) return invalid("the assignment is not a JSON object");
  return std::move(*object);
}

}  // namespace

std::string encode_assignment(const AgentAssignment& assignment) {
  return json::serialize(json::object{
      {"version", assignment.version},
      {"location", assignment.location},
      {"settings", settings_object(assignment.settings)},
      {"hosts", hosts_array(assignment.hosts)},
  });
}

std::string encode_assignment_changes(const AssignmentChanges& changes) {
  json::array removed;
  removed.reserve(changes.removed.size());
  for (const store::Id id : changes.removed) removed.push_back(id);
  return json::serialize(json::object{
      {"version", changes.version},
      {"location", changes.location},
      {"settings", settings_object(changes.settings)},
      {"since", changes.since},
      {"changed", hosts_array(changes.changed)},
      {"removed", std::move(removed)},
  });
}

Result<AgentAssignment> decode_assignment(std::string_view text) {
  auto object = parse_reply(text);
  if (!object) return object.error();
  return decode_whole(*object);
}

Result<std::variant<AgentAssignment, AssignmentChanges>> decode_assignment_reply(std::string_view text) {
  auto object = parse_reply(text);
  if (!object) return object.error();
  if (object->contains("since")) {
    auto changes = decode_changes(*object);
    if (!changes) return changes.error();
    return std::variant<AgentAssignment, AssignmentChanges>(std::move(*changes));
  }
  auto whole = decode_whole(*object);
  if (!whole) return whole.error();
  return std::variant<AgentAssignment, AssignmentChanges>(std::move(*whole));
}

std::string encode_result_batch(std::span<const store::PingResult> rows) {
  json::array list;
  list.reserve(rows.size());
  for (const auto& row : rows) {
    json::object item{{"host", row.host_id},
                      {"ts", row.ts},
                      {"method", std::string(to_string(row.method))},
                      {"sent", row.sent},
                      {"received", row.received},
                      {"refused", row.refused},
                      {"min_ms", rtt_value(row.min_ms)},
                      {"avg_ms", rtt_value(row.avg_ms)},
                      {"max_ms", rtt_value(row.max_ms)},
                      {"median_ms", rtt_value(row.median_ms)},
                      {"stddev_ms", rtt_value(row.stddev_ms)}};
    if (!row.error.empty()) item["error"] = row.error;
    list.push_back(std::move(item));
  }
  return json::serialize(json::object{{"rows", std::move(list)}});
}

Result<std::vector<store::PingResult>> decode_result_batch(const json::value& body) {
  const json::object* object = body.if_object();
  const json::value* rows = object ? object->if_contains("rows") : nullptr;
  if (rows == nullptr || !rows->is_array())
    return invalid("the body must be an object with a \"rows\" array");
  const json::array& list = rows->get_array();
  if (list.size() > kMaxAgentBatchRows) {
    return invalid("a batch holds at most " + std::to_string(kMaxAgentBatchRows) + " rows");
  }
  std::vector<store::PingResult> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto row = decode_row(list[i], i);
    if (!row) return row.error();
    out.push_back(std::move(*row));
  }
  return out;
}

bool row_time_accepted(EpochMs ts, EpochMs now) {
  const EpochMs oldest = now - std::chrono::duration_cast<std::chrono::milliseconds>(kMaxAgentRowAge).count();
  const EpochMs newest =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(kMaxAgentClockAhead).count();
  return ts >= oldest && ts <= newest;
}

std::string encode_heartbeat(const store::LocationHeartbeat& heartbeat) {
  return json::serialize(json::object{{"version", heartbeat.version},
                                      {"rounds_on_time", heartbeat.rounds_on_time},
                                      {"rounds_late", heartbeat.rounds_late},
                                      {"spool_backlog", heartbeat.spool_backlog},
                                      {"interval_ms", heartbeat.interval_ms}});
}

Result<store::LocationHeartbeat> decode_heartbeat(const json::value& body) {
  const json::object* object = body.if_object();
  if (object == nullptr) return invalid("the heartbeat must be a JSON object");
  store::LocationHeartbeat heartbeat;
  const json::value* version = object->if_contains("version");
  if (version == nullptr || !version->is_string() || version->get_string().size() > 64) {
    return invalid("\"version\" must be a string of at most 64 characters");
  }
  for (const char c : version->get_string()) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return invalid("\"version\" must hold no control characters");
    }
  }
  heartbeat.version = std::string(version->get_string());
  constexpr std::int64_t kMaxCount = std::int64_t{1} << 40;
  const auto on_time = integer_field(*object, "rounds_on_time", 0, kMaxCount);
  const auto late = integer_field(*object, "rounds_late", 0, kMaxCount);
  const auto backlog = integer_field(*object, "spool_backlog", 0, kMaxCount);
  const auto interval = integer_field(*object, "interval_ms", 0, 24LL * 3600 * 1000);
  if (!on_time || !late || !backlog || !interval) {
    return invalid("the heartbeat's counts must be non-negative integers and interval_ms at most a day");
  }
  heartbeat.rounds_on_time = *on_time;
  heartbeat.rounds_late = *late;
  heartbeat.spool_backlog = *backlog;
  heartbeat.interval_ms = *interval;
  return heartbeat;
}

}  // namespace semaphore::domain
