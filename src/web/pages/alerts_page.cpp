// GET /alerts: the user's default alert rules (a form), the channels (their section and forms:
// pages/alert_channels_page.cpp), the maintenance windows (list, add, delete) and the last 100 events.
// POST /alerts/rules, POST /alerts/maintenance,
// POST /alerts/maintenance/{id}/delete. Every query is scoped by the signed-in user (another user's window is
// 404); rules and windows are checked by src/alerts (validate_rules, validate_window) before they are stored.
#include <spdlog/spdlog.h>

#include <map>
#include <variant>

#include "alerts/maintenance_window.h"
#include "alerts/round_evaluator.h"
#include "alerts/rule_fields.h"
#include "alerts/window_fields.h"
#include "core/text.h"
#include "web/app_context.h"
#include "web/view/alert_view.h"

namespace semaphore::web {
namespace {

constexpr int kEventsShown = 100;
constexpr std::size_t kMaxNote = 200;
constexpr std::size_t kMaxWindows = 100;  // per user

// What the maintenance form shows after a refusal: what was typed and what was wrong, by field.
struct WindowForm {
  std::string kind = "weekly";
  std::string host_id;
  std::string starts, ends;  // datetime-local
  int days = 0;
  std::string start = "02:00", end = "04:00";
  std::string time_zone = "UTC";
  std::string note;
  std::map<std::string, std::string> errors;  // by form field
  std::string form_error;
};

struct RulesForm {
  std::map<std::string, std::string> typed;   // by field name, after a refusal
  std::map<std::string, std::string> errors;  // by field name
  std::string form_error;
};

void add_rules(RequestContext& ctx, store::AlertStore& alerts, const RulesForm& form, TemplateData& data) {
  auto stored = alerts.user_alert_rules(ctx.user->id);
  std::string form_error = form.form_error;
  if (!stored) {
    spdlog::error("user {}: alert rules not read: {}", ctx.user->id, log_safe(stored.error().message));
    if (form_error.empty()) form_error = "Your rules could not be read just now; the defaults are shown.";
  }
  const alerts::AlertRules current = alerts::rules_from(stored ? *stored : std::nullopt);
  const alerts::AlertRules defaults;
  std::vector<RuleFormRow> rows;
  for (const alerts::RuleField& field : alerts::kRuleFields) {
    RuleFormRow row;
    row.field = &field;
    const auto typed = form.typed.find(std::string(field.name));
    if (typed != form.typed.end()) {
      row.value = typed->second;
    } else if (const auto value = alerts::rule_value(current, field)) {
      row.value = alerts::format_rule_value(*value);
    }
    const auto built_in = alerts::rule_value(defaults, field);
    row.placeholder = built_in ? alerts::format_rule_value(*built_in) : std::string(field.unset);
    row.default_text = built_in ? alerts::format_rule_value(*built_in) + " " + std::string(field.unit)
                                : std::string(field.unset);
    const auto error = form.errors.find(std::string(field.name));
    if (error != form.errors.end()) row.error = error->second;
    rows.push_back(std::move(row));
  }
  data.set("rules", rule_form_rows(rows, "rule"));
  set_if(data, "rules_error", form_error);
}

void add_windows(RequestContext& ctx, store::AlertStore& alerts, const std::vector<store::Host>& hosts,
                 const WindowForm& form, TemplateData& data) {
  std::map<store::Id, std::string> names;
  for (const auto& host : hosts) names[host.id] = host.hostname;
  auto windows = alerts.list_maintenance_windows(ctx.user->id);
  std::string form_error = form.form_error;
  TemplateData list{TemplateData::type::list};
  if (windows) {
    for (const auto& window : *windows) {
      TemplateData row;
      row.set("id", std::to_string(window.id));
      row.set("when", alerts::describe_window(window));
      row.set("kind", window.kind == "once" ? std::string("once") : std::string("weekly"));
      const auto name = window.host_id ? names.find(*window.host_id) : names.end();
      row.set("hosts", !window.host_id       ? std::string("All hosts")
                       : name != names.end() ? name->second
                                             : "#" + std::to_string(*window.host_id));
      row.set("note", window.note);
      list.push_back(row);
    }
  } else {
    spdlog::error("user {}: windows not listed: {}", ctx.user->id, log_safe(windows.error().message));
    if (form_error.empty()) form_error = "Your maintenance windows could not be read just now.";
  }
  data.set("windows", list);
  data.set("has_windows", windows && !windows->empty());
  set_if(data, "window_error", form_error);

  data.set("kind_once", form.kind == "once");
  data.set("kind_weekly", form.kind != "once");
  TemplateData host_options{TemplateData::type::list};
  for (const auto& host : hosts) {
    TemplateData option;
    option.set("id", std::to_string(host.id));
    option.set("hostname", host.hostname);
    option.set("selected", form.host_id == std::to_string(host.id));
    host_options.push_back(option);
  }
  data.set("host_options", host_options);
  data.set("starts", form.starts);
  data.set("ends", form.ends);
  TemplateData days{TemplateData::type::list};
  for (std::size_t i = 0; i < alerts::kDayNames.size(); ++i) {
    TemplateData day;
    day.set("name", std::string(alerts::kDayNames[i]));
    day.set("title", std::string(alerts::kDayTitles[i]));
    day.set("checked", ((form.days >> i) & 1) != 0);
    days.push_back(day);
  }
  data.set("days", days);
  data.set("start", form.start);
  data.set("end", form.end);
  data.set("time_zone", form.time_zone);
  data.set("note", form.note);
  TemplateData zones{TemplateData::type::list};
  for (const std::string_view zone : alerts::kCommonZones) {
    TemplateData item;
    item.set("name", std::string(zone));
    zones.push_back(item);
  }
  data.set("zones", zones);
  for (const char* field :
       {"kind", "host_id", "starts", "ends", "days", "start", "end", "time_zone", "note"}) {
    const auto error = form.errors.find(field);
    data.set(std::string(field) + "_error",
             error != form.errors.end() ? TemplateData(error->second) : TemplateData(false));
  }
}

void add_events(RequestContext& ctx, store::AlertStore& alerts, const std::vector<store::Host>& hosts,
                TemplateData& data) {
  std::map<store::Id, std::string> names;
  for (const auto& host : hosts) names[host.id] = host.hostname;
  auto events = alerts.user_events(ctx.user->id, 0, kEventsShown);
  if (!events) {
    spdlog::error("user {}: events not read: {}", ctx.user->id, log_safe(events.error().message));
    data.set("events_error", std::string("Your events could not be read just now."));
    data.set("has_events", false);
    return;
  }
  std::string rows;
  write_event_rows(*events, names, /*with_host=*/true, rows);
  data.set("events_html", rows);
  data.set("has_events", !events->empty());
}

Response alerts_form(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts, int status,
                     const RulesForm& rules = {}, const WindowForm& window = {},
                     const ChannelsView* channels = nullptr) {
  auto listed = hosts.list_hosts(ctx.user->id);
  if (!listed) return ctx.store_error(listed.error());
  TemplateData data;
  add_rules(ctx, alerts, rules, data);
  add_channels_section(ctx, alerts, *listed, channels, data);
  add_windows(ctx, alerts, *listed, window, data);
  add_events(ctx, alerts, *listed, data);
  return ctx.page(status, "alerts", "Alerts", std::move(data), "alerts");
}

Response get_alerts(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  return alerts_form(ctx, hosts, alerts, 200);
}

Response post_rules(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  RulesForm form;
  alerts::AlertRules rules;  // a blank field takes the built-in default (median and baseline: off)
  for (const alerts::RuleField& field : alerts::kRuleFields) {
    const std::string name(field.name);
    const std::string& text = ctx.form.get(name);
    form.typed[name] = text;
    auto parsed = alerts::parse_rule_text(field, text);
    if (auto* message = std::get_if<std::string>(&parsed)) {
      form.errors[name] = *message;
      continue;
    }
    const auto value = std::get<std::optional<double>>(parsed);
    if (!value && !field.can_be_off) continue;
    alerts::AlertRules alone;  // each field checked on its own, so every wrong field is named at once
    alerts::set_rule_value(alone, field, value);
    if (auto error = alerts::validate_rules(alone)) {
      form.errors[name] = error->message;
      continue;
    }
    alerts::set_rule_value(rules, field, value);
  }
  if (!form.errors.empty()) {
    form.form_error = "Some rules need a fix; nothing was saved.";
    return alerts_form(ctx, hosts, alerts, 400, form);
  }
  if (auto error = alerts::validate_rules(rules)) {  // the whole set (each field passed on its own)
    form.errors[error->field] = error->message;
    return alerts_form(ctx, hosts, alerts, 400, form);
  }
  if (auto saved = alerts.set_user_alert_rules(ctx.user->id, alerts::to_record(rules)); !saved) {
    return ctx.store_error(saved.error());
  }
  spdlog::info("user {}: alert rules saved", ctx.user->id);
  return ctx.redirect_with_flash("/alerts#rules", "rules_saved");
}

// The form's window, or the form to show again with its errors.
std::variant<store::MaintenanceWindowRecord, WindowForm> read_window(const RequestContext& ctx) {
  const FormData& in = ctx.form;
  WindowForm form;
  form.kind = in.get("kind") == "once" ? "once" : "weekly";
  form.host_id = in.get("host_id");
  form.starts = in.get("starts");
  form.ends = in.get("ends");
  for (std::size_t i = 0; i < alerts::kDayNames.size(); ++i) {
    if (in.get("day_" + std::string(alerts::kDayNames[i])) == "1") form.days |= 1 << i;
  }
  form.start = in.get("start");
  form.end = in.get("end");
  form.time_zone = std::string(trim(in.get("time_zone")));
  if (form.time_zone.empty()) form.time_zone = "UTC";
  form.note = std::string(trim(in.get("note")));

  store::MaintenanceWindowRecord window;
  window.user_id = ctx.user->id;
  window.kind = form.kind;
  window.note = form.note;
  window.time_zone = form.time_zone;
  if (in.get("kind") != "once" && in.get("kind") != "weekly") form.errors["kind"] = "Choose once or weekly.";
  if (!form.host_id.empty()) {
    const auto id = parse_id(form.host_id);
    if (!id) {
      form.errors["host_id"] = "Choose a host from the list.";
    } else {
      window.host_id = *id;
    }
  }
  if (form.note.size() > kMaxNote) form.errors["note"] = "Keep the note to 200 characters.";
  const auto zone =
      alerts::plausible_zone_name(form.time_zone) ? alerts::TimeZone::load(form.time_zone) : std::nullopt;
  if (!zone) form.errors["time_zone"] = "Unknown time zone: use an IANA name such as Europe/Berlin.";
  if (form.kind == "once") {
    window.time_zone = "UTC";  // a one-off window is two instants; the zone only read the typed times
    const auto starts = zone ? alerts::local_to_epoch(form.starts, *zone) : std::nullopt;
    const auto ends = zone ? alerts::local_to_epoch(form.ends, *zone) : std::nullopt;
    if (zone && !starts) form.errors["starts"] = "Enter the start as a date and time.";
    if (zone && !ends) form.errors["ends"] = "Enter the end as a date and time.";
    if (starts && ends) {
      window.starts_at = *starts;
      window.ends_at = *ends;
      if (*ends <= *starts) form.errors["ends"] = "The end must be after the start.";
    }
  } else {
    window.days = form.days;
    const auto start = alerts::parse_minute(form.start), end = alerts::parse_minute(form.end);
    if (form.days == 0) form.errors["days"] = "Choose at least one day.";
    if (!start) form.errors["start"] = "Enter the start as HH:MM.";
    if (!end) form.errors["end"] = "Enter the end as HH:MM.";
    if (start && end) {
      window.start_minute = *start;
      window.end_minute = *end;
      if (*start == *end) form.errors["end"] = "The end must differ from the start.";
    }
  }
  if (form.errors.empty()) {
    if (auto error = alerts::validate_window(window)) {
      const std::map<std::string, std::string> to_form = {
          {"starts_at", "starts"},   {"ends_at", "ends"},   {"days", "days"},
          {"start_minute", "start"}, {"end_minute", "end"}, {"time_zone", "time_zone"}};
      const auto at = to_form.find(error->field);
      form.errors[at != to_form.end() ? at->second : "kind"] = error->message;
    }
  }
  if (!form.errors.empty()) return form;
  return window;
}

Response post_window(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  auto read = read_window(ctx);
  if (auto* form = std::get_if<WindowForm>(&read)) {
    form->form_error = "The window needs a fix; it was not added.";
    return alerts_form(ctx, hosts, alerts, 400, {}, *form);
  }
  const auto& window = std::get<store::MaintenanceWindowRecord>(read);
  auto existing = alerts.list_maintenance_windows(ctx.user->id);
  if (!existing) return ctx.store_error(existing.error());
  if (existing->size() >= kMaxWindows) {
    WindowForm form;
    form.form_error = "You have " + std::to_string(kMaxWindows) + " windows, the most there may be.";
    return alerts_form(ctx, hosts, alerts, 422, {}, form);
  }
  auto added = alerts.add_maintenance_window(window);
  if (!added) return ctx.store_error(added.error());  // another user's host: 404
  spdlog::info("user {}: maintenance window {} added", ctx.user->id, added->id);
  return ctx.redirect_with_flash("/alerts#maintenance", "window_added");
}

Response delete_window(RequestContext& ctx, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  if (auto deleted = alerts.delete_maintenance_window(ctx.user->id, *id); !deleted) {
    return ctx.store_error(deleted.error());
  }
  spdlog::info("user {}: maintenance window {} deleted", ctx.user->id, *id);
  return ctx.redirect_with_flash("/alerts#maintenance", "window_deleted");
}

}  // namespace

Response alerts_page(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts, int status,
                     const ChannelsView* channels) {
  return alerts_form(ctx, hosts, alerts, status, {}, {}, channels);
}

TemplateData rule_form_rows(const std::vector<RuleFormRow>& rows, std::string_view id_prefix) {
  TemplateData list{TemplateData::type::list};
  for (const RuleFormRow& row : rows) {
    TemplateData item;
    item.set("name", std::string(row.field->name));
    item.set("input_id", std::string(id_prefix) + "-" + std::string(row.field->name));
    item.set("label", std::string(row.field->label));
    item.set("unit", std::string(row.field->unit));
    item.set("help", std::string(row.field->help));
    item.set("value", row.value);
    item.set("placeholder", row.placeholder);
    item.set("default_text", row.default_text);
    item.set("rule_error", row.error.empty() ? TemplateData(false) : TemplateData(row.error));
    list.push_back(item);
  }
  return list;
}

void add_alerts_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts) {
  routes.add(Method::get, "/alerts", Access::signed_in, bind_handler(get_alerts, hosts, alerts));
  routes.add(Method::post, "/alerts/rules", Access::signed_in, bind_handler(post_rules, hosts, alerts));
  routes.add(Method::post, "/alerts/maintenance", Access::signed_in,
             bind_handler(post_window, hosts, alerts));
  routes.add(Method::post, "/alerts/maintenance/{id}/delete", Access::signed_in,
             bind_handler(delete_window, alerts));
}

}  // namespace semaphore::web
