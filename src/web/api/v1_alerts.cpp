// /api/v1 of the alerts (issue 14): GET /events (newest first, by host and time, cursor pages),
// GET|POST /maintenance and GET|DELETE /maintenance/{id}, GET|PUT /alert-rules (the user's defaults). Rules
// and windows are checked by src/alerts (validate_rules, validate_window) as on /alerts; every query is
// scoped by the caller's user id (another user's host or window is 404). The alert fields of one host
// (alert_state, alert_rules) are in v1_hosts.cpp, with the helpers below (api_json.h).
#include <boost/json/array.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <span>
#include <variant>

#include "alerts/maintenance_window.h"
#include "alerts/round_evaluator.h"
#include "alerts/rule_fields.h"
#include "alerts/window_fields.h"
#include "domain/event_pages.h"
#include "web/api/api_error.h"
#include "web/api/api_json.h"

namespace semaphore::web {

namespace json = boost::json;

namespace api {

json::object event_json(const store::AlertEventRecord& event) {
  const std::optional<double> loss =
      event.sent > 0 ? std::optional<double>(1.0 - static_cast<double>(event.received) / event.sent)
                     : std::nullopt;
  return json::object{
      {"id", event.id},
      {"host_id", event.host_id},
      {"at", format_iso8601(event.at)},
      {"from", event.from_state},
      {"to", event.to_state},
      {"trigger", event.trigger},
      {"reason", event.reason},
      {"notify", event.quiet == "no"},
      {"quiet", event.quiet == "no" ? json::value(nullptr) : json::value(event.quiet)},
      {"round", json::object{{"sent", event.sent},
                             {"received", event.received},
                             {"loss", number_or_null(loss)},
                             {"min_ms", number_or_null(event.min_ms)},
                             {"median_ms", number_or_null(event.median_ms)},
                             {"max_ms", number_or_null(event.max_ms)}}},
      // Issue 15: where the trouble is, from the path traced for the event; null until it is stored.
      {"path_verdict", event.path_verdict.empty() ? json::value(nullptr) : json::value(event.path_verdict)},
      // Issue 16: the locations that saw the new state (empty for events recorded before they were named).
      {"locations",
       [&] {
         json::array names;
         for (const std::string& name : event.locations) names.emplace_back(name);
         return names;
       }()},
  };
}

// A rule's value: a whole number as an integer (20, not 2E1), null when off or not set.
json::value rule_number(const std::optional<double>& value) {
  if (!value) return nullptr;
  if (std::abs(*value) < 1e15 && *value == std::floor(*value)) return static_cast<std::int64_t>(*value);
  return *value;
}

json::object rules_json(const alerts::AlertRules& rules) {
  json::object out;
  for (const alerts::RuleField& field : alerts::kRuleFields) {
    const auto value = alerts::rule_value(rules, field);
    out[field.name] = rule_number(value);
  }
  return out;
}

json::object overrides_json(const alerts::HostRuleOverrides& overrides) {
  json::object out;
  for (const alerts::RuleField& field : alerts::kRuleFields) {
    const auto value = alerts::override_value(overrides, field);
    out[field.name] = rule_number(value);
  }
  return out;
}

std::optional<FieldProblem> read_overrides(const json::value& value, alerts::HostRuleOverrides& overrides) {
  const json::object* body = value.if_object();
  if (body == nullptr) return FieldProblem{"alert_rules", "alert_rules is an object of rules."};
  for (const auto& [key, field_value] : *body) {
    const alerts::RuleField* field = alerts::find_rule_field(key);
    if (field == nullptr) return FieldProblem{"alert_rules." + std::string(key), "This rule is not known."};
    const std::string name = "alert_rules." + std::string(key);
    if (field_value.is_null()) {
      alerts::set_override_value(overrides, *field, std::nullopt);
      continue;
    }
    if (!field_value.is_number()) return FieldProblem{name, std::string(key) + " is a number or null."};
    const double number = field_value.to_number<double>();
    if (auto wrong = alerts::check_whole(*field, number)) return FieldProblem{name, *wrong};
    alerts::HostRuleOverrides alone;
    alerts::set_override_value(alone, *field, number);
    if (auto error = alerts::validate_overrides(alone)) return FieldProblem{name, error->message};
    alerts::set_override_value(overrides, *field, number);
  }
  return std::nullopt;
}

}  // namespace api

namespace {

constexpr std::size_t kDefaultEvents = 100;
constexpr std::size_t kMaxEvents = 1000;
constexpr std::size_t kMaxWindows = 100;  // per user, as on /alerts
constexpr std::size_t kMaxNote = 200;

Response bad_field(const api::FieldProblem& problem) {
  return api_error(400, "bad_field", problem.message, problem.field);
}

// --- events ---

Response list_events(RequestContext& ctx, store::AlertStore& alerts) {
  const auto limit = api::limit_param(ctx, kDefaultEvents, kMaxEvents);
  if (const auto* refused = std::get_if<Response>(&limit)) return *refused;
  domain::EventFilter filter;
  filter.limit = std::get<std::size_t>(limit);
  if (ctx.query.has("host_id")) {
    const auto id = parse_id(ctx.query.get("host_id"));
    if (!id) return api_error(400, "bad_field", "host_id is a host's id.", "host_id");
    filter.host_id = *id;
  }
  if (ctx.query.has("since")) {
    const auto since = api::parse_time(ctx.query.get("since"));
    if (!since) return api_error(400, "bad_field", "since is ISO 8601 or epoch seconds.", "since");
    filter.since = *since;
  }
  if (ctx.query.has("cursor")) {
    const auto before = api::decode_cursor('e', ctx.query.get("cursor"));
    if (!before || *before <= 0)
      return api_error(400, "bad_field", "cursor is not one this API gave.", "cursor");
    filter.before_id = *before;
  }
  auto page = domain::read_events(alerts, ctx.user->id, filter);
  if (!page) {
    if (page.error().code == Errc::not_found) {
      return api_error(404, "not_found", "No such host, or it is not yours.", "host_id");
    }
    return api_store_error(page.error());
  }
  json::array list;
  list.reserve(page->events.size());
  for (const auto& event : page->events) list.push_back(api::event_json(event));
  json::value next = nullptr;
  if (page->next_before_id) next = api::encode_cursor('e', *page->next_before_id);
  return json_response(200, json::object{{"events", std::move(list)}, {"next_cursor", std::move(next)}});
}

// --- maintenance windows ---

json::object window_json(const store::MaintenanceWindowRecord& window) {
  const bool once = window.kind == "once";
  json::array days;
  if (!once) {
    for (std::size_t i = 0; i < alerts::kDayNames.size(); ++i) {
      if ((window.days >> i) & 1) days.emplace_back(alerts::kDayNames[i]);
    }
  }
  return json::object{
      {"id", window.id},
      {"host_id", window.host_id ? json::value(*window.host_id) : json::value(nullptr)},
      {"kind", window.kind},
      {"starts_at", once ? json::value(format_iso8601(window.starts_at)) : json::value(nullptr)},
      {"ends_at", once ? json::value(format_iso8601(window.ends_at)) : json::value(nullptr)},
      {"days", once ? json::value(nullptr) : json::value(std::move(days))},
      {"start", once ? json::value(nullptr) : json::value(alerts::format_minute(window.start_minute))},
      {"end", once ? json::value(nullptr) : json::value(alerts::format_minute(window.end_minute))},
      {"time_zone", once ? json::value(nullptr) : json::value(window.time_zone)},
      {"note", window.note},
      {"created_at", format_iso8601(window.created_at)},
  };
}

// The window of a POST body, or the problem naming its field.
std::variant<store::MaintenanceWindowRecord, api::FieldProblem> read_window(const RequestContext& ctx) {
  const json::object* body = ctx.json.if_object();
  if (body == nullptr) return api::FieldProblem{"", "Send a JSON object."};
  static constexpr std::string_view kOnce[] = {"kind", "host_id", "starts_at", "ends_at", "note"};
  static constexpr std::string_view kWeekly[] = {"kind", "host_id",   "days", "start",
                                                 "end",  "time_zone", "note"};
  const json::value* kind = body->if_contains("kind");
  if (kind == nullptr || !kind->is_string() ||
      (kind->get_string() != "once" && kind->get_string() != "weekly")) {
    return api::FieldProblem{"kind", "kind is once or weekly."};
  }
  store::MaintenanceWindowRecord window;
  window.user_id = ctx.user->id;
  window.kind = std::string(kind->get_string());
  const bool once = window.kind == "once";
  for (const auto& [key, value] : *body) {
    const auto& allowed =
        once ? std::span<const std::string_view>(kOnce) : std::span<const std::string_view>(kWeekly);
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return api::FieldProblem{std::string(key), "This field is not known for a " + window.kind + " window."};
    }
  }
  if (const json::value* host = body->if_contains("host_id"); host != nullptr && !host->is_null()) {
    if (!host->is_int64() || host->get_int64() <= 0) {
      return api::FieldProblem{"host_id", "host_id is a host's id, or null for all your hosts."};
    }
    window.host_id = host->get_int64();
  }
  if (const json::value* note = body->if_contains("note"); note != nullptr) {
    if (!note->is_string()) return api::FieldProblem{"note", "note is a string."};
    if (note->get_string().size() > kMaxNote)
      return api::FieldProblem{"note", "note is at most 200 characters."};
    window.note = std::string(note->get_string());
  }
  const auto text_of = [&](const char* name) -> std::optional<std::string> {
    const json::value* value = body->if_contains(name);
    if (value == nullptr || !value->is_string()) return std::nullopt;
    return std::string(value->get_string());
  };
  if (once) {
    for (const char* name : {"starts_at", "ends_at"}) {
      std::optional<EpochMs> at;
      const json::value* given = body->if_contains(name);
      if (given != nullptr && given->is_int64() && given->get_int64() > 0 &&
          given->get_int64() < (1LL << 40)) {
        at = given->get_int64() * 1000;  // epoch seconds as a number
      } else if (const auto text = text_of(name)) {
        at = api::parse_time(*text);
      }
      if (!at) return api::FieldProblem{name, std::string(name) + " is ISO 8601 or epoch seconds."};
      (std::string_view(name) == "starts_at" ? window.starts_at : window.ends_at) = *at;
    }
  } else {
    const json::value* days = body->if_contains("days");
    if (days == nullptr || !days->is_array()) {
      return api::FieldProblem{"days", "days is a list of mon, tue, wed, thu, fri, sat, sun."};
    }
    for (const json::value& day : days->get_array()) {
      const auto bit = day.is_string() ? alerts::day_bit(day.get_string()) : std::nullopt;
      if (!bit) return api::FieldProblem{"days", "days is a list of mon, tue, wed, thu, fri, sat, sun."};
      window.days |= 1 << *bit;
    }
    for (const char* name : {"start", "end"}) {
      const auto text = text_of(name);
      const auto minute = text ? alerts::parse_minute(*text) : std::nullopt;
      if (!minute) return api::FieldProblem{name, std::string(name) + " is a time of day as HH:MM."};
      (std::string_view(name) == "start" ? window.start_minute : window.end_minute) = *minute;
    }
    const auto zone = text_of("time_zone");
    window.time_zone = zone.value_or("UTC");
    if (body->contains("time_zone") && !zone)
      return api::FieldProblem{"time_zone", "time_zone is an IANA name."};
    if (!alerts::plausible_zone_name(window.time_zone)) {
      return api::FieldProblem{"time_zone", "unknown time zone"};
    }
  }
  if (auto error = alerts::validate_window(window)) {
    static const std::map<std::string, std::string, std::less<>> kToBody = {{"start_minute", "start"},
                                                                            {"end_minute", "end"}};
    const auto renamed = kToBody.find(error->field);
    return api::FieldProblem{renamed != kToBody.end() ? renamed->second : error->field, error->message};
  }
  return window;
}

Response window_not_found() {
  return api_error(404, "not_found", "No such maintenance window, or it is not yours.");
}

Response list_windows(RequestContext& ctx, store::AlertStore& alerts) {
  auto windows = alerts.list_maintenance_windows(ctx.user->id);
  if (!windows) return api_store_error(windows.error());
  json::array list;
  for (const auto& window : *windows) list.push_back(window_json(window));
  return json_response(200, json::object{{"windows", std::move(list)}});
}

Response add_window(RequestContext& ctx, store::AlertStore& alerts) {
  auto read = read_window(ctx);
  if (const auto* problem = std::get_if<api::FieldProblem>(&read)) {
    if (problem->field.empty()) return api_error(400, "bad_field", problem->message);
    return bad_field(*problem);
  }
  auto existing = alerts.list_maintenance_windows(ctx.user->id);
  if (!existing) return api_store_error(existing.error());
  if (existing->size() >= kMaxWindows) {
    return api_error(
        422, "limit_exceeded",
        "You have " + std::to_string(kMaxWindows) + " maintenance windows, the most there may be.");
  }
  auto added = alerts.add_maintenance_window(std::get<store::MaintenanceWindowRecord>(read));
  if (!added) {
    if (added.error().code == Errc::not_found) {
      return api_error(404, "not_found", "No such host, or it is not yours.", "host_id");
    }
    return api_store_error(added.error());
  }
  Response response = json_response(201, window_json(*added));
  response.add_header("Location", "/api/v1/maintenance/" + std::to_string(added->id));
  return response;
}

Response get_window(RequestContext& ctx, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return window_not_found();
  auto windows = alerts.list_maintenance_windows(ctx.user->id);
  if (!windows) return api_store_error(windows.error());
  for (const auto& window : *windows) {
    if (window.id == *id) return json_response(200, window_json(window));
  }
  return window_not_found();
}

Response delete_window(RequestContext& ctx, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return window_not_found();
  if (auto deleted = alerts.delete_maintenance_window(ctx.user->id, *id); !deleted) {
    if (deleted.error().code == Errc::not_found) return window_not_found();
    return api_store_error(deleted.error());
  }
  return text_response(204, "");
}

// --- the user's default rules ---

Response get_rules(RequestContext& ctx, store::AlertStore& alerts) {
  auto stored = alerts.user_alert_rules(ctx.user->id);
  if (!stored) return api_store_error(stored.error());
  return json_response(200, api::rules_json(alerts::rules_from(*stored)));
}

// PUT replaces the defaults: a rule left out takes its built-in default; null turns median_ms or
// baseline_factor off.
Response put_rules(RequestContext& ctx, store::AlertStore& alerts) {
  const json::object* body = ctx.json.if_object();
  if (body == nullptr) return api_error(400, "bad_field", "Send a JSON object of rules.");
  alerts::AlertRules rules;
  for (const auto& [key, value] : *body) {
    const alerts::RuleField* field = alerts::find_rule_field(key);
    if (field == nullptr) return api_error(400, "bad_field", "This rule is not known.", key);
    if (value.is_null() && field->can_be_off) {
      alerts::set_rule_value(rules, *field, std::nullopt);
      continue;
    }
    if (!value.is_number()) {
      return api_error(400, "bad_field",
                       std::string(key) + (field->can_be_off ? " is a number or null." : " is a number."),
                       key);
    }
    const double number = value.to_number<double>();
    if (auto wrong = alerts::check_whole(*field, number)) return api_error(400, "bad_field", *wrong, key);
    alerts::set_rule_value(rules, *field, number);
  }
  if (auto error = alerts::validate_rules(rules))
    return api_error(400, "bad_field", error->message, error->field);
  if (auto saved = alerts.set_user_alert_rules(ctx.user->id, alerts::to_record(rules)); !saved) {
    return api_store_error(saved.error());
  }
  return json_response(200, api::rules_json(rules));
}

}  // namespace

void add_api_alert_routes(Routes& routes, store::AlertStore& alerts) {
  routes.add(Method::get, "/api/v1/events", Access::api, bind_handler(list_events, alerts));
  routes.add(Method::get, "/api/v1/maintenance", Access::api, bind_handler(list_windows, alerts));
  routes.add(Method::post, "/api/v1/maintenance", Access::api, bind_handler(add_window, alerts));
  routes.add(Method::get, "/api/v1/maintenance/{id}", Access::api, bind_handler(get_window, alerts));
  routes.add(Method::delete_, "/api/v1/maintenance/{id}", Access::api, bind_handler(delete_window, alerts));
  routes.add(Method::get, "/api/v1/alert-rules", Access::api, bind_handler(get_rules, alerts));
  routes.add(Method::put, "/api/v1/alert-rules", Access::api, bind_handler(put_rules, alerts));
}

}  // namespace semaphore::web
