// /api/v1/hosts: list (filters, cursor pages), add one, read, change, delete, import up to 10,000 at once.
// A host's `locations_off` (issue 16): the names of the locations switched off for it, set on POST and PATCH.
// Every host goes in through domain::HostService (the same field rules, target policy and per-user limit as
// the pages and the CLI); every read is scoped by the caller's user id (another user's host is 404).
#include <boost/json/array.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <span>
#include <variant>
#include <vector>

#include "alerts/maintenance_window.h"
#include "alerts/round_evaluator.h"
#include "core/provider.h"
#include "web/api/api_error.h"
#include "web/api/api_json.h"
#include "web/view/alert_view.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using api::host_json;

constexpr std::size_t kDefaultPage = 100;
constexpr std::size_t kMaxPage = 1000;
constexpr std::size_t kMaxImport = 10'000;
constexpr std::size_t kStateScanBatch = 1000;  // hosts read at a time while filtering by state

Response not_found() {
  return api_error(404, "not_found", "No such host, or it is not yours.");
}

// The first field at fault and its message, as the 400 naming it.
std::pair<std::string_view, std::string_view> first_error(const domain::HostErrors& errors) {
  if (!errors.hostname.empty()) return {"hostname", errors.hostname};
  if (!errors.provider.empty()) return {"provider", errors.provider};
  if (!errors.service.empty()) return {"service", errors.service};
  if (!errors.label.empty()) return {"label", errors.label};
  return {"probe", errors.probe};
}

struct FieldError {
  std::string field, message;
};

// The fields of a host object (`allowed` of hostname, provider, service, label, enabled, probe) into `input`;
// a field of another name or type is a FieldError naming it.
std::optional<FieldError> read_host_fields(const json::value& value,
                                           std::span<const std::string_view> allowed,
                                           domain::HostInput& input, bool hostname_required) {
  const json::object* body = value.if_object();
  if (body == nullptr) return FieldError{"", "Send a JSON object."};
  for (const auto& [key, field] : *body) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return FieldError{std::string(key), "This field is not known here."};
    }
    if (key == "alert_rules") continue;    // read by patch_host (api::read_overrides)
    if (key == "locations_off") continue;  // read by add_host and patch_host (api::read_locations_off)
    if (key == "enabled") {
      if (!field.is_bool()) return FieldError{"enabled", "enabled is true or false."};
      input.enabled = field.get_bool();
      continue;
    }
    if (!field.is_string()) return FieldError{std::string(key), std::string(key) + " must be a string."};
    const std::string text(field.get_string());
    if (key == "hostname") input.hostname = text;
    if (key == "provider") input.provider = text;
    if (key == "service") input.service = text;
    if (key == "label") input.label = text;
    if (key == "probe") input.probe = text;
  }
  if (hostname_required && !body->contains("hostname")) {
    return FieldError{"hostname", "Enter a hostname or IP address."};
  }
  return std::nullopt;
}

// An import's items: the fields of a host alone. One host added (POST) may say its locations switched off
// too (issue 16), as may a PATCH.
constexpr std::array<std::string_view, 6> kImportFields = {"hostname", "provider", "service",
                                                           "label",    "enabled",  "probe"};
constexpr std::array<std::string_view, 7> kAddFields = {"hostname", "provider", "service",      "label",
                                                        "enabled",  "probe",    "locations_off"};
constexpr std::array<std::string_view, 7> kPatchFields = {"provider",    "service", "label",        "enabled",
                                                          "alert_rules", "probe",   "locations_off"};

// Every location, to name the ids of Host::locations_off and to read the names a body sends.
std::variant<std::vector<store::Location>, Response> all_locations(store::LocationStore& locations) {
  auto all = locations.list_locations();
  if (!all) return api_store_error(all.error());
  return std::move(*all);
}

// The body's `locations_off`, when it has one, as location ids; or the 400 naming it.
std::variant<std::optional<std::vector<store::Id>>, Response> body_locations_off(
    const json::value& body, std::span<const store::Location> all) {
  const json::object* object = body.if_object();
  const json::value* value = object != nullptr ? object->if_contains("locations_off") : nullptr;
  if (value == nullptr) return std::optional<std::vector<store::Id>>();
  auto read = api::read_locations_off(*value, all);
  if (auto* problem = std::get_if<api::FieldProblem>(&read)) {
    return api_error(400, "bad_field", problem->message, problem->field);
  }
  return std::optional<std::vector<store::Id>>(std::move(std::get<std::vector<store::Id>>(read)));
}

Response bad_field(const FieldError& error) {
  if (error.field.empty()) return api_error(400, "bad_field", error.message);
  return api_error(400, "bad_field", error.message, error.field);
}

// The optional text filter `name` of the query.
std::optional<std::string> text_filter(const RequestContext& ctx, const std::string& name) {
  if (!ctx.query.has(name)) return std::nullopt;
  return ctx.query.get(name);
}

Response list_hosts(RequestContext& ctx, store::HostStore& hosts, store::LocationStore& locations) {
  const auto limit = api::limit_param(ctx, kDefaultPage, kMaxPage);
  if (const auto* refused = std::get_if<Response>(&limit)) return *refused;
  // The latest rounds (and the state judged from them) of `location=NAME`, else of `local`.
  auto location = api::location_or_local(ctx, locations);
  if (auto* refused = std::get_if<Response>(&location)) return std::move(*refused);
  const store::Location& shown = std::get<store::Location>(location);
  store::HostQuery query;
  query.location_id = shown.id;
  if (ctx.query.has("provider")) {
    query.provider = parse_provider(ctx.query.get("provider"));
    if (!query.provider)
      return api_error(400, "bad_field", "provider is AWS, GCP, Azure or Other.", "provider");
  }
  query.service = text_filter(ctx, "service");
  query.label = text_filter(ctx, "label");
  std::optional<HostState> state;
  if (ctx.query.has("state")) {
    state = parse_host_state(ctx.query.get("state"));
    if (!state) return api_error(400, "bad_field", "state is up, degraded, down or unknown.", "state");
  }
  if (ctx.query.has("cursor")) {
    const auto after = api::decode_cursor('h', ctx.query.get("cursor"));
    if (!after) return api_error(400, "bad_field", "cursor is not one this API gave.", "cursor");
    query.after_id = *after;
  }

  // Hosts in id order after the cursor; the state (judged here, from the latest round) filters as they come.
  const std::size_t wanted = std::get<std::size_t>(limit) + 1;  // one more: is there a next page?
  query.limit = state ? kStateScanBatch : wanted;
  std::vector<store::HostStatus> page;
  while (page.size() < wanted) {
    auto batch = hosts.find_host_statuses(ctx.user->id, query);
    if (!batch) return api_store_error(batch.error());
    for (auto& status : *batch) {
      query.after_id = status.host.id;
      if (state && judge_host(status, ctx.now, ctx.site.stale_after()).state != *state) continue;
      page.push_back(std::move(status));
      if (page.size() == wanted) break;
    }
    if (batch->size() < query.limit) break;
  }
  json::value next = nullptr;
  if (page.size() == wanted) {
    page.pop_back();
    next = api::encode_cursor('h', page.back().host.id);
  }
  auto all = all_locations(locations);
  if (auto* refused = std::get_if<Response>(&all)) return std::move(*refused);
  const auto& named = std::get<std::vector<store::Location>>(all);
  json::array list;
  list.reserve(page.size());
  for (const auto& status : page) {
    list.push_back(api::status_json(status, shown.name, ctx.now, ctx.site.stale_after(), named));
  }
  return json_response(200, json::object{{"hosts", std::move(list)}, {"next_cursor", std::move(next)}});
}

// The caller's host `id` with its state and latest rounds at `location=NAME` (else `local`), its alert state
// there and its alert rule overrides, or the 404.
Response one_host(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                  store::LocationStore& locations, store::Id id, int status) {
  auto location = api::location_or_local(ctx, locations);
  if (auto* refused = std::get_if<Response>(&location)) return std::move(*refused);
  const store::Location& shown = std::get<store::Location>(location);
  store::HostQuery query;
  query.id = id;
  query.location_id = shown.id;
  auto found = hosts.find_host_statuses(ctx.user->id, query);
  if (!found) return api_store_error(found.error());
  if (found->empty()) return not_found();
  const store::HostStatus& host = found->front();
  auto state = alerts.host_quorum_state(ctx.user->id, id);
  if (!state) return api_store_error(state.error());
  auto location_state = alerts.host_alert_state(ctx.user->id, id, shown.id);
  if (!location_state) return api_store_error(location_state.error());
  auto overrides = alerts.host_alert_overrides(ctx.user->id, id);
  if (!overrides) return api_store_error(overrides.error());
  auto windows = alerts.list_maintenance_windows(ctx.user->id);
  if (!windows) return api_store_error(windows.error());
  std::erase_if(*windows, [&](const auto& window) { return window.host_id && *window.host_id != id; });
  auto all = all_locations(locations);
  if (auto* refused = std::get_if<Response>(&all)) return std::move(*refused);
  alerts::TimeZones zones;
  json::object body = api::status_json(host, shown.name, ctx.now, ctx.site.stale_after(),
                                       std::get<std::vector<store::Location>>(all));
  const bool in_window = alerts::in_any_window(*windows, ctx.now, zones);
  body["alert_state"] = alert_state_word(host.host, *state, in_window);
  // The shown location's own verdict (its vote): the same words, "unknown" before it judged a round.
  body["location_alert_state"] = !host.host.enabled || in_window ? "paused"
                                 : *location_state               ? (*location_state)->shown
                                                                 : "unknown";
  body["alert_rules"] = api::overrides_json(alerts::overrides_from(*overrides));
  return json_response(status, body);
}

Response get_host(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                  store::LocationStore& locations) {
  const auto id = ctx.id_param();
  if (!id) return not_found();
  return one_host(ctx, hosts, alerts, locations, *id, 200);
}

Response add_host(RequestContext& ctx, store::HostStore& hosts, domain::HostService& host_service,
                  store::LocationStore& locations) {
  domain::HostInput input;
  if (auto error = read_host_fields(ctx.json, kAddFields, input, true)) return bad_field(*error);
  auto all = all_locations(locations);
  if (auto* refused = std::get_if<Response>(&all)) return std::move(*refused);
  const auto& named = std::get<std::vector<store::Location>>(all);
  // Checked before the host is added: a refused POST adds nothing.
  auto off = body_locations_off(ctx.json, named);
  if (auto* refused = std::get_if<Response>(&off)) return std::move(*refused);
  auto& locations_off = std::get<std::optional<std::vector<store::Id>>>(off);
  auto additions = host_service.add(ctx.user->id, std::span(&input, 1));
  if (!additions) return api_store_error(additions.error());
  const domain::HostAddition& addition = additions->front();
  switch (addition.outcome) {
    case domain::HostOutcome::added:
      break;
    case domain::HostOutcome::invalid: {
      const auto [field, message] = first_error(addition.errors);
      return api_error(400, "bad_field", message, field);
    }
    case domain::HostOutcome::duplicate:
      return api_error(409, "duplicate", "You have this host already.", "hostname");
    case domain::HostOutcome::over_limit:
      return api_error(
          422, "limit_exceeded",
          "You have reached the limit of " + std::to_string(host_service.host_limit(*ctx.user)) + " hosts.");
  }
  store::Host added = addition.host;
  if (locations_off && !locations_off->empty()) {
    if (auto set = hosts.set_host_locations_off(ctx.user->id, added.id, *locations_off); !set) {
      return api_store_error(set.error());
    }
    added.locations_off = *locations_off;
  }
  Response response =
      json_response(201, host_json(added, HostState::unknown, std::nullopt, std::nullopt, "", named));
  response.add_header("Location", "/api/v1/hosts/" + std::to_string(addition.host.id));
  return response;
}

Response patch_host(RequestContext& ctx, store::HostStore& hosts, domain::HostService& host_service,
                    store::AlertStore& alerts, store::LocationStore& locations) {
  const auto id = ctx.id_param();
  if (!id) return not_found();
  auto stored = hosts.find_host(ctx.user->id, *id);
  if (!stored) return api_store_error(stored.error());
  domain::HostInput input{stored->hostname, std::string(to_string(stored->provider)),
                          stored->service,  stored->label,
                          stored->enabled,  format_probe_spec(stored->probe)};
  if (const json::object* body = ctx.json.if_object(); body != nullptr && body->contains("hostname")) {
    return api_error(400, "bad_field",
                     "A host's hostname is what its results belong to: add the new name as a new host.",
                     "hostname");
  }
  if (auto error = read_host_fields(ctx.json, kPatchFields, input, false)) return bad_field(*error);
  std::optional<std::vector<store::Id>> locations_off;
  if (ctx.json.is_object() && ctx.json.as_object().contains("locations_off")) {
    auto all = all_locations(locations);
    if (auto* refused = std::get_if<Response>(&all)) return std::move(*refused);
    auto off = body_locations_off(ctx.json, std::get<std::vector<store::Location>>(all));
    if (auto* refused = std::get_if<Response>(&off)) return std::move(*refused);
    locations_off = std::move(std::get<std::optional<std::vector<store::Id>>>(off));
  }
  domain::HostErrors errors;
  auto host = host_service.validate(input, errors);
  if (!host) {
    const auto [field, message] = first_error(errors);
    return api_error(400, "bad_field", message, field);
  }
  // The rules are checked before anything is written: a refused PATCH changes nothing.
  std::optional<alerts::HostRuleOverrides> overrides;
  if (const json::value* rules = ctx.json.as_object().if_contains("alert_rules")) {
    auto stored_rules = alerts.host_alert_overrides(ctx.user->id, *id);
    if (!stored_rules) return api_store_error(stored_rules.error());
    overrides = alerts::overrides_from(*stored_rules);
    if (auto problem = api::read_overrides(*rules, *overrides)) {
      return api_error(400, "bad_field", problem->message, problem->field);
    }
  }
  host->id = *id;
  host->user_id = ctx.user->id;
  if (auto updated = hosts.update_host(*host); !updated) return api_store_error(updated.error());
  if (overrides) {
    if (auto saved = alerts.set_host_alert_overrides(ctx.user->id, *id, alerts::to_record(*overrides));
        !saved) {
      return api_store_error(saved.error());
    }
  }
  if (locations_off && *locations_off != stored->locations_off) {
    if (auto set = hosts.set_host_locations_off(ctx.user->id, *id, *locations_off); !set) {
      return api_store_error(set.error());
    }
  }
  return one_host(ctx, hosts, alerts, locations, *id, 200);
}

Response delete_host(RequestContext& ctx, store::HostStore& hosts) {
  const auto id = ctx.id_param();
  if (!id) return not_found();
  if (auto deleted = hosts.delete_host(ctx.user->id, *id); !deleted) return api_store_error(deleted.error());
  return text_response(204, "");
}

json::object rejected(std::size_t index, std::string_view code, std::string_view reason,
                      std::string_view field = {}) {
  json::object item{{"index", index}, {"status", "rejected"}, {"code", code}, {"reason", reason}};
  if (!field.empty()) item["field"] = field;
  return item;
}

Response import_hosts(RequestContext& ctx, domain::HostService& host_service) {
  const json::object* body = ctx.json.if_object();
  if (body == nullptr) return api_error(400, "bad_field", "Send {\"hosts\": [...]}.");
  for (const auto& [key, value] : *body) {
    if (key != "hosts") return api_error(400, "bad_field", "This field is not known here.", key);
  }
  const json::array* items = body->contains("hosts") ? body->at("hosts").if_array() : nullptr;
  if (items == nullptr) return api_error(400, "bad_field", "hosts is a list of hosts.", "hosts");
  if (items->empty()) return api_error(400, "bad_field", "Send at least one host.", "hosts");
  if (items->size() > kMaxImport) {
    return api_error(413, "too_large", "Import at most " + std::to_string(kMaxImport) + " hosts at a time.",
                     "hosts");
  }

  // Items of the wrong shape are answered here; the rest go to the host service in one call (one
  // transaction), which judges each field and the limit.
  std::vector<json::value> results(items->size());
  std::vector<domain::HostInput> inputs;
  std::vector<std::size_t> input_index;  // inputs[i] is items[input_index[i]]
  inputs.reserve(items->size());
  input_index.reserve(items->size());
  for (std::size_t i = 0; i < items->size(); ++i) {
    domain::HostInput input;
    if (auto error = read_host_fields((*items)[i], kImportFields, input, true)) {
      results[i] = rejected(i, "bad_field", error->message, error->field);
      continue;
    }
    inputs.push_back(std::move(input));
    input_index.push_back(i);
  }
  auto additions = host_service.add(ctx.user->id, inputs);
  if (!additions) return api_store_error(additions.error());
  std::size_t added = 0;
  const std::string over_limit =
      "You have reached the limit of " + std::to_string(host_service.host_limit(*ctx.user)) + " hosts.";
  for (std::size_t k = 0; k < additions->size(); ++k) {
    const std::size_t i = input_index[k];
    const domain::HostAddition& addition = (*additions)[k];
    switch (addition.outcome) {
      case domain::HostOutcome::added:
        ++added;
        results[i] = json::object{{"index", i},
                                  {"status", "added"},
                                  {"id", addition.host.id},
                                  {"hostname", addition.host.hostname}};
        break;
      case domain::HostOutcome::invalid: {
        const auto [field, message] = first_error(addition.errors);
        results[i] = rejected(i, "bad_field", message, field);
        break;
      }
      case domain::HostOutcome::duplicate:
        results[i] = rejected(i, "duplicate", "You have this host already.", "hostname");
        break;
      case domain::HostOutcome::over_limit:
        results[i] = rejected(i, "limit_exceeded", over_limit);
        break;
    }
  }
  json::array list(std::make_move_iterator(results.begin()), std::make_move_iterator(results.end()));
  return json_response(
      200, json::object{{"added", added}, {"rejected", items->size() - added}, {"results", std::move(list)}});
}

}  // namespace

void add_api_host_routes(Routes& routes, store::HostStore& hosts, domain::HostService& host_service,
                         store::AlertStore& alerts, store::LocationStore& locations) {
  routes.add(Method::get, "/api/v1/hosts", Access::api, bind_handler(list_hosts, hosts, locations));
  routes.add(Method::post, "/api/v1/hosts", Access::api,
             bind_handler(add_host, hosts, host_service, locations));
  routes.add(Method::post, "/api/v1/hosts/import", Access::api, bind_handler(import_hosts, host_service));
  routes.add(Method::get, "/api/v1/hosts/{id}", Access::api,
             bind_handler(get_host, hosts, alerts, locations));
  routes.add(Method::patch, "/api/v1/hosts/{id}", Access::api,
             bind_handler(patch_host, hosts, host_service, alerts, locations));
  routes.add(Method::delete_, "/api/v1/hosts/{id}", Access::api, bind_handler(delete_host, hosts));
}

}  // namespace semaphore::web
