// GET /manage, POST /manage/hosts (add), GET|POST /manage/hosts/{id} (edit), POST /manage/hosts/{id}/delete,
// POST /manage/hosts/{id}/alerts (the host's alert rule overrides; the edit page also shows its alert state).
// The edit form's "Ping from" boxes switch a location off for the host (issue 16; with more than one
// location).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <variant>

#include "alerts/maintenance_window.h"
#include "alerts/round_evaluator.h"
#include "alerts/rule_fields.h"
#include "core/provider.h"
#include "core/text.h"
#include "web/app_context.h"
#include "web/view/alert_view.h"
#include "web/view/host_state.h"

namespace semaphore::web {
namespace {

TemplateData provider_options(std::string_view selected) {
  TemplateData list{TemplateData::type::list};
  for (Provider provider : kAllProviders) {
    TemplateData option;
    option.set("name", std::string(to_string(provider)));
    const auto chosen = parse_provider(selected);
    option.set("selected", chosen ? *chosen == provider : provider == Provider::other);
    list.push_back(option);
  }
  return list;
}

void set_errors(TemplateData& data, const domain::HostErrors& errors) {
  set_if(data, "hostname_error", errors.hostname);
  set_if(data, "provider_error", errors.provider);
  set_if(data, "service_error", errors.service);
  set_if(data, "label_error", errors.label);
}

constexpr std::string_view kMethodChoices[][2] = {
    {"icmp", "ICMP ping"}, {"tcp", "TCP connect"}, {"both", "Both (ICMP and TCP)"}};

// The method choice and the port field, as typed, with the probe's error beside the field it concerns: a
// method that is none of the choices (a hand-made request) beside the choice, anything else beside the port.
void set_probe(TemplateData& data, const ProbeFields& probe, const std::string& error) {
  TemplateData methods{TemplateData::type::list};
  bool known = false;
  for (const auto& [value, label] : kMethodChoices) {
    TemplateData option;
    option.set("value", std::string(value));
    option.set("label", std::string(label));
    option.set("selected", probe.method == value);
    known = known || probe.method == value;
    methods.push_back(option);
  }
  data.set("probe_methods", methods);
  data.set("tcp_port", probe.port);
  if (error.empty()) return;
  set_if(data, known ? "tcp_port_error" : "probe_method_error", error);
}

}  // namespace

ProbeFields ProbeFields::from_form(const FormData& form) {
  ProbeFields fields;
  fields.method = form.get("probe_method");
  if (fields.method.empty()) fields.method = "icmp";  // a form from before probe methods
  fields.port = form.get("tcp_port");
  return fields;
}

ProbeFields ProbeFields::of(const ProbeSpec& spec) {
  return {std::string(to_string(spec.method)), std::to_string(spec.tcp_port)};
}

std::string ProbeFields::spec_text() const {
  if (method == "icmp") return method;  // the port field is ignored
  const std::string_view typed = trim(port);
  return typed.empty() ? method : method + ":" + std::string(typed);
}

Response manage_page(RequestContext& ctx, store::HostStore& hosts, int status, const ManageView& view) {
  const domain::HostInput& typed = view.typed;
  auto listed = hosts.list_hosts(ctx.user->id);
  if (!listed) return ctx.store_error(listed.error());
  TemplateData data;
  data.set("hostname", typed.hostname);
  data.set("service", typed.service);
  data.set("label", typed.label);
  data.set("providers", provider_options(typed.provider));
  set_errors(data, view.errors);
  set_probe(data, view.probe, view.errors.probe);
  set_if(data, "form_error", view.form_error);
  data.set("import_text", view.import_text);
  set_if(data, "import_error", view.import_error);
  data.set("count", std::to_string(listed->size()));
  data.set("max_hosts", std::to_string(domain::host_limit(*ctx.user, ctx.site.options.hosts)));

  TemplateData groups{TemplateData::type::list};
  for (Provider provider : kAllProviders) {
    TemplateData rows{TemplateData::type::list};
    int count = 0;
    for (const auto& host : *listed) {
      if (host.provider != provider) continue;
      TemplateData row;
      row.set("id", std::to_string(host.id));
      row.set("hostname", host.hostname);
      row.set("service", host.service);  // always set: an absent key would show the add form's value
      row.set("label", host.label);
      row.set("method", method_label(host.probe));
      row.set("enabled", host.enabled);
      rows.push_back(row);
      ++count;
    }
    if (count == 0) continue;
    TemplateData group;
    group.set("provider", std::string(to_string(provider)));
    group.set("count", std::to_string(count));
    group.set("hosts", rows);
    groups.push_back(group);
  }
  data.set("groups", groups);
  return ctx.page(status, "manage", "Hosts", std::move(data), "manage");
}

namespace {

domain::HostInput input_from_form(const FormData& form, bool with_enabled) {
  domain::HostInput input;
  input.hostname = form.get("hostname");
  input.provider = form.get("provider");
  input.service = form.get("service");
  input.label = form.get("label");
  input.enabled = !with_enabled || form.get("enabled") == "1";
  input.probe = ProbeFields::from_form(form).spec_text();
  return input;
}

domain::HostInput input_of(const store::Host& host) {
  domain::HostInput shown;
  shown.hostname = host.hostname;
  shown.provider = std::string(to_string(host.provider));
  shown.service = host.service;
  shown.label = host.label;
  shown.enabled = host.enabled;
  shown.probe = format_probe_spec(host.probe);
  return shown;
}

Response add_host(RequestContext& ctx, store::HostStore& hosts, domain::HostService& host_service) {
  const domain::HostInput input = input_from_form(ctx.form, false);
  const ProbeFields probe = ProbeFields::from_form(ctx.form);
  auto additions = host_service.add(ctx.user->id, std::span(&input, 1));
  if (!additions) return ctx.store_error(additions.error());
  const domain::HostAddition& addition = additions->front();
  switch (addition.outcome) {
    case domain::HostOutcome::added:
      break;
    case domain::HostOutcome::invalid:
      return manage_page(ctx, hosts, 400, ManageView::with(input, addition.errors, "", probe));
    case domain::HostOutcome::over_limit:
      return manage_page(ctx, hosts, 400,
                         ManageView::with(input, {},
                                          "You have reached the limit of " +
                                              std::to_string(host_service.host_limit(*ctx.user)) +
                                              " hosts. Delete one to add another.",
                                          probe));
    case domain::HostOutcome::duplicate: {
      domain::HostErrors errors;
      errors.hostname = "You are watching this host already.";
      return manage_page(ctx, hosts, 400, ManageView::with(input, errors, "", probe));
    }
  }
  return ctx.redirect_with_flash("/manage", "host_added");
}

// The override form after a refusal: what was typed and what was wrong, by field.
struct OverrideForm {
  std::map<std::string, std::string> typed, errors;
  std::string form_error;
};

// The host's alert rules (blank: the user's value, shown as the placeholder) and its alert state. A read
// failure shows as the section's error; the host form above still works.
void add_alert_section(RequestContext& ctx, store::AlertStore& alerts, const store::Host& host,
                       const OverrideForm& form, TemplateData& data) {
  std::string form_error = form.form_error;
  const auto note_failure = [&](const Error& error) {
    spdlog::error("user {}: host {} alerts not read: {}", ctx.user->id, host.id, log_safe(error.message));
    if (form_error.empty()) form_error = "The alert rules could not be read just now.";
  };
  auto user_rules = alerts.user_alert_rules(ctx.user->id);
  if (!user_rules) note_failure(user_rules.error());
  const alerts::AlertRules defaults = alerts::rules_from(user_rules ? *user_rules : std::nullopt);
  auto stored = alerts.host_alert_overrides(ctx.user->id, host.id);
  if (!stored) note_failure(stored.error());
  const alerts::HostRuleOverrides overrides =
      alerts::overrides_from(stored ? *stored : store::HostAlertOverrides{});
  std::vector<RuleFormRow> rows;
  for (const alerts::RuleField& field : alerts::kRuleFields) {
    RuleFormRow row;
    row.field = &field;
    const std::string name(field.name);
    if (const auto typed = form.typed.find(name); typed != form.typed.end()) {
      row.value = typed->second;
    } else if (const auto value = alerts::override_value(overrides, field)) {
      row.value = alerts::format_rule_value(*value);
    }
    const auto inherited = alerts::rule_value(defaults, field);
    row.placeholder = inherited ? alerts::format_rule_value(*inherited) : std::string(field.unset);
    row.default_text =
        "your default, " +
        (inherited ? alerts::format_rule_value(*inherited) + " " + std::string(field.unit)
                   : std::string(field.unset)) +
        (!field.can_be_off      ? std::string()
         : field.unset == "off" ? std::string("; 0 turns it off for this host")
                                : "; 0 sets it back to " + std::string(field.unset) + " for this host");
    if (const auto error = form.errors.find(name); error != form.errors.end()) row.error = error->second;
    rows.push_back(std::move(row));
  }
  data.set("rules", rule_form_rows(rows, "override"));
  set_if(data, "rules_error", form_error);

  auto state = alerts.host_quorum_state(ctx.user->id, host.id);
  auto windows = alerts.list_maintenance_windows(ctx.user->id);
  bool in_maintenance = false;
  if (windows) {
    std::erase_if(*windows, [&](const auto& window) { return window.host_id && *window.host_id != host.id; });
    alerts::TimeZones zones;
    in_maintenance = alerts::in_any_window(*windows, ctx.now, zones);
  }
  const std::optional<store::QuorumStateRecord> record = state ? *state : std::nullopt;
  data.set("alert_state", alert_state_word(host, record, in_maintenance));
  if (record && record->last_change_at > 0) {
    data.set("alert_since", event_time(record->last_change_at));
  }
  data.set("in_maintenance", in_maintenance);
}

// "Ping from": a checkbox per location, ticked for those that ping the host (issue 16), shown only when
// there is more than one location to choose from. `off` is what the form shows as switched off: the stored
// set, or what was just sent. A read failure leaves the section out (the rest of the form still works).
void add_location_section(RequestContext& ctx, store::LocationStore& locations, const store::Host& host,
                          const std::vector<store::Id>& off, TemplateData& data) {
  auto all = locations.list_locations();
  if (!all) {
    spdlog::error("user {}: host {} locations not read: {}", ctx.user->id, host.id,
                  log_safe(all.error().message));
    return;
  }
  if (all->size() < 2) return;
  TemplateData list{TemplateData::type::list};
  for (const store::Location& location : *all) {
    TemplateData item;
    item.set("location_id", std::to_string(location.id));
    item.set("location_text",
             location.label.empty() ? location.name : location.name + " (" + location.label + ")");
    item.set("location_on", std::find(off.begin(), off.end(), location.id) == off.end());
    list.push_back(item);
  }
  data.set("ping_locations", list);
  data.set("several_locations", true);
}

// The locations the edit form switches off: every location whose box is not ticked, or nullopt when the form
// had no such boxes (one location only, or a form from before them): then nothing changes.
std::optional<std::vector<store::Id>> locations_off_from_form(const FormData& form,
                                                              const std::vector<store::Location>& all) {
  if (form.get("locations_shown") != "1") return std::nullopt;
  const std::vector<std::string>& ticked = form.get_all("ping_from");
  std::vector<store::Id> off;
  for (const store::Location& location : all) {
    const std::string id = std::to_string(location.id);
    if (std::find(ticked.begin(), ticked.end(), id) == ticked.end()) off.push_back(location.id);
  }
  return off;
}

Response edit_page(RequestContext& ctx, store::AlertStore& alerts, store::LocationStore& locations,
                   int status, const store::Host& stored, const domain::HostInput& shown,
                   const ProbeFields& probe, const domain::HostErrors& errors,
                   const OverrideForm& overrides = {}, const std::vector<store::Id>* typed_off = nullptr) {
  TemplateData data;
  add_alert_section(ctx, alerts, stored, overrides, data);
  add_location_section(ctx, locations, stored, typed_off ? *typed_off : stored.locations_off, data);
  data.set("id", std::to_string(stored.id));
  data.set("original_hostname", stored.hostname);
  data.set("hostname", shown.hostname);
  data.set("service", shown.service);
  data.set("label", shown.label);
  data.set("enabled", shown.enabled);
  data.set("providers", provider_options(shown.provider));
  set_errors(data, errors);
  set_probe(data, probe, errors.probe);
  return ctx.page(status, "host_edit", "Edit " + stored.hostname, std::move(data), "manage");
}

Response get_edit(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                  store::LocationStore& locations) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  auto host = hosts.find_host(ctx.user->id, *id);
  if (!host) return ctx.store_error(host.error());
  return edit_page(ctx, alerts, locations, 200, *host, input_of(*host), ProbeFields::of(host->probe), {});
}

Response post_edit(RequestContext& ctx, store::HostStore& hosts, const domain::HostService& host_service,
                   store::AlertStore& alerts, store::LocationStore& locations) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  auto stored = hosts.find_host(ctx.user->id, *id);
  if (!stored) return ctx.store_error(stored.error());
  const domain::HostInput input = input_from_form(ctx.form, true);
  const ProbeFields probe = ProbeFields::from_form(ctx.form);
  std::optional<std::vector<store::Id>> off;
  if (ctx.form.get("locations_shown") == "1") {
    auto all = locations.list_locations();
    if (!all) return ctx.store_error(all.error());
    off = locations_off_from_form(ctx.form, *all);
  }
  const std::vector<store::Id>* typed_off = off ? &*off : nullptr;
  domain::HostErrors errors;
  auto host = host_service.validate(input, errors);
  if (!host) return edit_page(ctx, alerts, locations, 400, *stored, input, probe, errors, {}, typed_off);
  host->id = *id;
  host->user_id = ctx.user->id;
  if (auto updated = hosts.update_host(*host); !updated) {
    if (updated.error().code == Errc::duplicate) {
      errors.hostname = "You are watching this host already.";
      return edit_page(ctx, alerts, locations, 400, *stored, input, probe, errors, {}, typed_off);
    }
    return ctx.store_error(updated.error());
  }
  if (off && *off != stored->locations_off) {
    if (auto set = hosts.set_host_locations_off(ctx.user->id, *id, *off); !set) {
      return ctx.store_error(set.error());
    }
    spdlog::info("user {}: host {} switched off for {} locations", ctx.user->id, *id, off->size());
  }
  return ctx.redirect_with_flash("/manage", "host_updated");
}

Response post_overrides(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                        store::LocationStore& locations) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  auto host = hosts.find_host(ctx.user->id, *id);
  if (!host) return ctx.store_error(host.error());
  OverrideForm form;
  alerts::HostRuleOverrides overrides;
  for (const alerts::RuleField& field : alerts::kRuleFields) {
    const std::string name(field.name);
    form.typed[name] = ctx.form.get(name);
    auto parsed = alerts::parse_rule_text(field, form.typed[name]);
    if (auto* message = std::get_if<std::string>(&parsed)) {
      form.errors[name] = *message;
      continue;
    }
    alerts::HostRuleOverrides alone;  // each field on its own, so that every wrong one is named
    alerts::set_override_value(alone, field, std::get<std::optional<double>>(parsed));
    if (auto error = alerts::validate_overrides(alone)) {
      form.errors[name] = error->message;
      continue;
    }
    alerts::set_override_value(overrides, field, std::get<std::optional<double>>(parsed));
  }
  if (!form.errors.empty()) {
    form.form_error = "Some rules need a fix; nothing was saved.";
    return edit_page(ctx, alerts, locations, 400, *host, input_of(*host), ProbeFields::of(host->probe), {},
                     form);
  }
  if (auto saved = alerts.set_host_alert_overrides(ctx.user->id, *id, alerts::to_record(overrides)); !saved) {
    return ctx.store_error(saved.error());
  }
  spdlog::info("user {}: host {} alert rules saved", ctx.user->id, *id);
  return ctx.redirect_with_flash("/manage/hosts/" + std::to_string(*id) + "#alerts", "host_rules_saved");
}

Response post_delete(RequestContext& ctx, store::HostStore& hosts) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  if (auto deleted = hosts.delete_host(ctx.user->id, *id); !deleted) {
    return ctx.store_error(deleted.error());
  }
  return ctx.redirect_with_flash("/manage", "host_deleted");
}

}  // namespace

void add_manage_routes(Routes& routes, store::HostStore& hosts, domain::HostService& host_service,
                       store::AlertStore& alerts, store::LocationStore& locations) {
  routes.add(Method::get, "/manage", Access::signed_in,
             [&hosts](RequestContext& ctx) { return manage_page(ctx, hosts, 200, ManageView{}); });
  routes.add(Method::post, "/manage/hosts", Access::signed_in, bind_handler(add_host, hosts, host_service));
  routes.add(Method::get, "/manage/hosts/{id}", Access::signed_in,
             bind_handler(get_edit, hosts, alerts, locations));
  routes.add(Method::post, "/manage/hosts/{id}", Access::signed_in,
             bind_handler(post_edit, hosts, host_service, alerts, locations));
  routes.add(Method::post, "/manage/hosts/{id}/alerts", Access::signed_in,
             bind_handler(post_overrides, hosts, alerts, locations));
  routes.add(Method::post, "/manage/hosts/{id}/delete", Access::signed_in, bind_handler(post_delete, hosts));
}

}  // namespace semaphore::web
