// /alerts' Channels section (issue 14) and its forms: POST /alerts/channels (add; a webhook's signing secret
// is shown once on the page that answers), GET|POST /alerts/channels/{id} (edit), POST
// /alerts/channels/{id}/enable|disable|delete, POST /alerts/channels/{id}/rotate-secret (a new secret, shown
// once) and POST /alerts/channels/{id}/test (Send test: web/channel_tester.h). Channels are checked by
// alerts/channel_service.h (the same rules as the API and the CLI); every query is scoped by the signed-in
// user (another user's channel is 404). The list shows where a channel points by the URL's host only: a
// Slack or Discord URL holds its secret in its path.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <variant>

#include "alerts/channel_service.h"
#include "core/text.h"
#include "web/app_context.h"
#include "web/channel_tester.h"
#include "web/view/host_state.h"

namespace semaphore::web {

// What the Channels section shows beyond the list (app_context.h).
struct ChannelsView {
  // The add form as typed, and what was wrong with it, by form field.
  std::map<std::string, std::string> typed;
  std::vector<std::string> host_ids, providers, states;
  std::map<std::string, std::string> errors;
  std::string form_error;
  // A webhook's signing secret, shown once (after adding or rotating).
  store::Id secret_channel_id = 0;
  std::string secret_channel;
  std::string secret;
  // A Send test's outcome.
  struct TestResult {
    store::Id channel_id = 0;
    std::string channel;
    bool delivered = false;
    std::string error;
    std::optional<int> status;
  };
  std::optional<TestResult> test;
  std::string section_error;  // e.g. too many tests
};

namespace {

namespace json = boost::json;

constexpr std::pair<std::string_view, std::string_view> kKinds[] = {{"webhook", "Webhook (signed JSON)"},
                                                                    {"slack", "Slack"},
                                                                    {"discord", "Discord"},
                                                                    {"ntfy", "ntfy"},
                                                                    {"email", "E-mail (SMTP)"}};
constexpr std::pair<std::string_view, std::string_view> kTlsModes[] = {
    {"", "By URL (smtp://: STARTTLS, smtps://: TLS)"},
    {"starttls", "STARTTLS"},
    {"tls", "TLS (smtps://)"},
    {"none", "None (no login)"}};
constexpr const char* kTextFields[] = {"name",     "kind",           "url",       "email_from",
                                       "email_to", "email_username", "email_tls", "ntfy_priority"};
constexpr int kDeliveriesShown = 20;

Response not_found(RequestContext& ctx) {
  return ctx.error_page(404, "There is no such page, or it is not yours.");
}

// The form field an issue of alerts/channel_options names ("options.to" -> "email_to").
std::string form_field(const std::string& field) {
  static const std::map<std::string, std::string, std::less<>> kFields = {
      {"options.from", "email_from"},
      {"options.to", "email_to"},
      {"options.username", "email_username"},
      {"options.tls", "email_tls"},
      {"options.priority", "ntfy_priority"},
      {"secret", "secret"},
      {"url", "url"},
      {"kind", "kind"},
      {"name", "name"},
      {"host_ids", "host_ids"},
      {"providers", "providers"},
      {"states", "states"}};
  const auto found = kFields.find(field);
  return found != kFields.end() ? found->second : std::string();
}

std::string capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  if (!text.empty() && text.back() != '.') text += '.';
  return text;
}

// Splits "a@x, b@y c@z" into addresses.
std::vector<std::string> split_addresses(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (const char c : text) {
    if (c == ',' || c == ';' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

// The form's channel (kind-specific settings as options JSON), or the problem with a field the form itself
// can tell (the rest: alerts::check_channel_input).
std::variant<store::ChannelRecord, std::pair<std::string, std::string>> read_channel(
    const RequestContext& ctx) {
  const FormData& in = ctx.form;
  store::ChannelRecord channel;
  channel.user_id = ctx.user->id;
  channel.name = in.get("name");
  channel.kind = in.get("kind");
  channel.url = in.get("url");
  channel.secret = in.get("secret");
  for (const auto& id : in.get_all("host_id")) {
    const auto parsed = parse_id(id);
    if (!parsed) return std::pair<std::string, std::string>{"host_ids", "Choose hosts from the list."};
    channel.host_ids.push_back(*parsed);
  }
  channel.providers = in.get_all("provider");
  channel.states = in.get_all("state");
  json::object options;
  if (channel.kind == "email") {
    options["from"] = std::string(trim(in.get("email_from")));
    json::array to;
    for (auto& address : split_addresses(in.get("email_to"))) to.emplace_back(address);
    options["to"] = std::move(to);
    if (const auto user = trim(in.get("email_username")); !user.empty())
      options["username"] = std::string(user);
    if (const auto tls = trim(in.get("email_tls")); !tls.empty()) options["tls"] = std::string(tls);
  } else if (channel.kind == "ntfy") {
    if (const auto priority = trim(in.get("ntfy_priority")); !priority.empty()) {
      if (priority.size() != 1 || priority[0] < '1' || priority[0] > '5') {
        return std::pair<std::string, std::string>{"ntfy_priority",
                                                   "A whole number from 1 (min) to 5 (urgent)."};
      }
      options["priority"] = priority[0] - '0';
    }
  }
  channel.options = json::serialize(options);
  return channel;
}

// The add form typed, for showing it again.
void keep_typed(const RequestContext& ctx, ChannelsView& view) {
  for (const char* field : kTextFields) view.typed[field] = ctx.form.get(field);
  view.host_ids = ctx.form.get_all("host_id");
  view.providers = ctx.form.get_all("provider");
  view.states = ctx.form.get_all("state");
}

std::set<store::Id> own_host_ids(const std::vector<store::Host>& hosts) {
  std::set<store::Id> ids;
  for (const auto& host : hosts) ids.insert(host.id);
  return ids;
}

// The fields of the add or edit form (channel_fields.mustache), rendered.
std::string render_fields(RequestContext& ctx, std::string_view prefix, const std::vector<store::Host>& hosts,
                          const std::map<std::string, std::string>& typed,
                          const std::vector<std::string>& host_ids, const std::vector<std::string>& providers,
                          const std::vector<std::string>& states,
                          const std::map<std::string, std::string>& errors, bool kind_locked) {
  TemplateData data;
  const auto typed_value = [&](const char* name) {
    const auto found = typed.find(name);
    return found != typed.end() ? found->second : std::string();
  };
  data.set("prefix", std::string(prefix));
  std::string kind = typed_value("kind");
  if (kind.empty()) kind = "webhook";
  data.set("kind", kind);
  data.set("kind_locked", kind_locked);
  TemplateData kinds{TemplateData::type::list};
  for (const auto& [value, title] : kKinds) {
    TemplateData option;
    option.set("value", std::string(value));
    option.set("title", std::string(title));
    option.set("selected", kind == value);
    kinds.push_back(option);
  }
  data.set("kinds", kinds);
  for (const char* name : {"name", "url", "email_from", "email_to", "email_username", "ntfy_priority"}) {
    data.set(name, typed_value(name));
  }
  data.set("url_placeholder",
           kind_locked ? std::string("unchanged") : std::string("https://hooks.example.com/semaphore"));
  data.set("url_required", !kind_locked);
  data.set("secret_hint", kind_locked ? std::string("blank: unchanged") : std::string("optional"));
  TemplateData tls{TemplateData::type::list};
  const std::string typed_tls = typed_value("email_tls");
  for (const auto& [value, title] : kTlsModes) {
    TemplateData option;
    option.set("value", std::string(value));
    option.set("title", std::string(title));
    option.set("selected", typed_tls == value);
    tls.push_back(option);
  }
  data.set("tls_modes", tls);
  TemplateData host_options{TemplateData::type::list};
  for (const auto& host : hosts) {
    TemplateData option;
    option.set("id", std::to_string(host.id));
    option.set("hostname", host.hostname);
    option.set("selected",
               std::find(host_ids.begin(), host_ids.end(), std::to_string(host.id)) != host_ids.end());
    host_options.push_back(option);
  }
  data.set("host_options", host_options);
  const auto checks = [](const auto& words, const std::vector<std::string>& chosen) {
    TemplateData list{TemplateData::type::list};
    for (const std::string_view word : words) {
      TemplateData item;
      item.set("value", std::string(word));
      item.set("checked", std::find(chosen.begin(), chosen.end(), word) != chosen.end());
      list.push_back(item);
    }
    return list;
  };
  data.set("provider_options", checks(alerts::kCoverableProviders, providers));
  data.set("state_options", checks(alerts::kCoverableStates, states));
  for (const char* field : {"name", "kind", "url", "secret", "email_from", "email_to", "email_username",
                            "email_tls", "ntfy_priority", "host_ids", "providers", "states"}) {
    const auto error = errors.find(field);
    data.set(std::string(field) + "_error",
             error != errors.end() ? TemplateData(error->second) : TemplateData(false));
  }
  return ctx.site.templates.render("channel_fields", data);
}

// "All hosts, all providers, all states" or what the channel was narrowed to.
std::string covers_text(const store::ChannelRecord& channel, const std::map<store::Id, std::string>& names) {
  std::string hosts = "all hosts";
  if (!channel.host_ids.empty()) {
    hosts.clear();
    for (std::size_t i = 0; i < channel.host_ids.size(); ++i) {
      if (i == 3) {
        hosts += " and " + std::to_string(channel.host_ids.size() - 3) + " more";
        break;
      }
      const auto name = names.find(channel.host_ids[i]);
      hosts += (i == 0 ? "" : ", ") +
               (name != names.end() ? name->second : "#" + std::to_string(channel.host_ids[i]));
    }
  }
  const auto words = [](const std::vector<std::string>& list, const char* all) {
    if (list.empty()) return std::string(all);
    std::string out;
    for (const auto& word : list) out += (out.empty() ? "" : "/") + word;
    return out;
  };
  return hosts + "; " + words(channel.providers, "all providers") + "; " +
         words(channel.states, "all states");
}

std::string when(const std::optional<EpochMs>& at, EpochMs now) {
  return at ? format_age(*at, now) : std::string();
}

}  // namespace

void add_channels_section(RequestContext& ctx, store::AlertStore& alerts,
                          const std::vector<store::Host>& hosts, const ChannelsView* channels,
                          TemplateData& data) {
  static const ChannelsView kEmpty;
  const ChannelsView& view = channels != nullptr ? *channels : kEmpty;
  std::map<store::Id, std::string> names;
  for (const auto& host : hosts) names[host.id] = host.hostname;
  TemplateData section;
  section.set("csrf_token", ctx.csrf_token());
  std::string error = view.section_error;
  auto listed = alerts.list_channels(ctx.user->id);
  TemplateData list{TemplateData::type::list};
  if (listed) {
    for (const auto& [channel, status] : *listed) {
      TemplateData row;
      row.set("id", std::to_string(channel.id));
      row.set("name", channel.name);
      row.set("kind", channel.kind);
      row.set("target", alerts::channel_target(channel));
      row.set("covers", covers_text(channel, names));
      row.set("enabled", channel.enabled);
      row.set("failing", status.failing);
      row.set("pending", std::to_string(status.pending));
      set_if(row, "last_success", when(status.last_success_at, ctx.now));
      set_if(row, "last_error", status.last_error);
      set_if(row, "last_attempt", when(status.last_attempt_at, ctx.now));
      row.set("csrf_token", ctx.csrf_token());
      list.push_back(row);
    }
  } else {
    spdlog::error("user {}: channels not listed: {}", ctx.user->id, log_safe(listed.error().message));
    if (error.empty()) error = "Your channels could not be read just now.";
  }
  section.set("channels", list);
  section.set("has_channels", listed && !listed->empty());
  set_if(section, "channels_error", error);
  if (!view.secret.empty()) {
    section.set("secret", view.secret);
    section.set("secret_channel", view.secret_channel);
    section.set("secret_channel_id", std::to_string(view.secret_channel_id));
  }
  if (view.test) {
    TemplateData result;
    result.set("channel_id", std::to_string(view.test->channel_id));
    result.set("channel", view.test->channel);
    result.set("delivered", view.test->delivered);
    result.set("error", view.test->error.empty() ? std::string("no answer") : view.test->error);
    if (view.test->status) result.set("status", std::to_string(*view.test->status));
    section.set("test_result", result);
  }
  set_if(section, "add_error", view.form_error);
  section.set("fields_html", render_fields(ctx, "channel", hosts, view.typed, view.host_ids, view.providers,
                                           view.states, view.errors, /*kind_locked=*/false));
  data.set("channels_html", ctx.site.templates.render("alert_channels", section));
}

namespace {

Response post_channel(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  ChannelsView view;
  keep_typed(ctx, view);
  auto read = read_channel(ctx);
  if (auto* problem = std::get_if<std::pair<std::string, std::string>>(&read)) {
    view.errors[problem->first] = problem->second;
    view.form_error = "The channel needs a fix; it was not added.";
    return alerts_page(ctx, hosts, alerts, 400, &view);
  }
  auto listed = hosts.list_hosts(ctx.user->id);
  if (!listed) return ctx.store_error(listed.error());
  const std::set<store::Id> own = own_host_ids(*listed);
  auto created = alerts::create_channel(alerts, std::get<store::ChannelRecord>(std::move(read)),
                                        ctx.site.options.hosts.targets, &own);
  if (created.issue) {
    const std::string field = form_field(created.issue->field);
    view.errors[field.empty() ? "url" : field] = capitalized(created.issue->message);
    view.form_error = "The channel needs a fix; it was not added.";
    return alerts_page(ctx, hosts, alerts, 400, &view);
  }
  if (created.error) {
    switch (created.error->code) {
      case Errc::duplicate:
        view.errors["name"] = "You have a channel of that name already.";
        view.form_error = "The channel needs a fix; it was not added.";
        return alerts_page(ctx, hosts, alerts, 409, &view);
      case Errc::limit_exceeded:
        view.form_error = "You have " + std::to_string(alerts::kMaxChannelsPerUser) +
                          " channels, the most there may be: delete one first.";
        return alerts_page(ctx, hosts, alerts, 422, &view);
      default:
        return ctx.store_error(*created.error);
    }
  }
  const store::ChannelRecord& channel = *created.channel;
  spdlog::info("user {}: channel {} ({}) added", ctx.user->id, channel.id, channel.kind);
  ChannelsView done;
  if (channel.kind == "webhook") {
    done.secret_channel_id = channel.id;
    done.secret_channel = channel.name;
    done.secret = channel.secret;
  }
  // The page itself answers (not a redirect): the secret is shown once, and is kept nowhere but here.
  return alerts_page(ctx, hosts, alerts, 200, &done);
}

// The edit page of `channel` with the typed values and errors (or its stored values).
Response edit_page(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                   const store::ChannelRecord& channel, int status,
                   const std::map<std::string, std::string>* typed,
                   const std::map<std::string, std::string>& errors, const std::string& form_error,
                   const std::string& secret = {}) {
  auto listed = hosts.list_hosts(ctx.user->id);
  if (!listed) return ctx.store_error(listed.error());
  std::map<std::string, std::string> values;
  std::vector<std::string> host_ids, providers, states;
  bool enabled = channel.enabled;
  if (typed != nullptr) {
    values = *typed;
    host_ids = ctx.form.get_all("host_id");
    providers = ctx.form.get_all("provider");
    states = ctx.form.get_all("state");
    enabled = ctx.form.get("enabled") == "1";
  } else {
    values["name"] = channel.name;
    values["kind"] = channel.kind;
    // The URL is not shown again (Slack's and Discord's hold their secret): blank keeps it.
    if (auto options = alerts::parse_channel_options(channel.kind, channel.options, channel.url)) {
      if (channel.kind == "email") {
        values["email_from"] = options->email.from;
        std::string to;
        for (const auto& address : options->email.to) to += (to.empty() ? "" : ", ") + address;
        values["email_to"] = to;
        values["email_username"] = options->email.username;
        values["email_tls"] = alerts::to_string(options->email.tls);
      } else if (channel.kind == "ntfy" && options->ntfy.priority) {
        values["ntfy_priority"] = std::to_string(*options->ntfy.priority);
      }
    }
    for (const auto id : channel.host_ids) host_ids.push_back(std::to_string(id));
    providers = channel.providers;
    states = channel.states;
  }
  values["kind"] = channel.kind;
  TemplateData data;
  data.set("id", std::to_string(channel.id));
  data.set("name", channel.name);
  data.set("enabled", enabled);
  data.set("webhook", channel.kind == "webhook");
  set_if(data, "secret", secret);
  set_if(data, "form_error", form_error);
  data.set("fields_html", render_fields(ctx, "edit", *listed, values, host_ids, providers, states, errors,
                                        /*kind_locked=*/true));
  TemplateData rows{TemplateData::type::list};
  auto deliveries = alerts.channel_deliveries(ctx.user->id, channel.id, kDeliveriesShown);
  if (deliveries) {
    for (const auto& delivery : *deliveries) {
      TemplateData row;
      row.set("at", format_iso8601(delivery.event.at));
      row.set("to_state", delivery.event.to_state);
      row.set("status", delivery.status);
      row.set("attempts", std::to_string(delivery.attempts));
      row.set("last_error", delivery.last_error);
      rows.push_back(row);
    }
  }
  data.set("deliveries", rows);
  data.set("has_deliveries", deliveries && !deliveries->empty());
  return ctx.page(status, "alert_channel", "Channel " + channel.name, std::move(data), "alerts");
}

Response get_channel(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return not_found(ctx);
  auto found = alerts.find_channel(ctx.user->id, *id);
  if (!found) return ctx.store_error(found.error());
  return edit_page(ctx, hosts, alerts, found->channel, 200, nullptr, {}, {});
}

Response update_channel(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return not_found(ctx);
  auto found = alerts.find_channel(ctx.user->id, *id);
  if (!found) return ctx.store_error(found.error());
  const store::ChannelRecord& old = found->channel;
  std::map<std::string, std::string> typed;
  for (const char* field : kTextFields) typed[field] = ctx.form.get(field);
  std::map<std::string, std::string> errors;
  const std::string fix = "The channel needs a fix; it was not saved.";
  ctx.form.set("kind", old.kind);  // the kind is not changed: delete and add for another kind
  auto read = read_channel(ctx);
  if (auto* problem = std::get_if<std::pair<std::string, std::string>>(&read)) {
    errors[problem->first] = problem->second;
    return edit_page(ctx, hosts, alerts, old, 400, &typed, errors, fix);
  }
  auto channel = std::get<store::ChannelRecord>(std::move(read));
  channel.id = old.id;
  channel.created_at = old.created_at;
  channel.enabled = ctx.form.get("enabled") == "1";
  if (trim(channel.url).empty()) channel.url = old.url;  // blank: unchanged (it is never shown again)
  if (channel.kind == "webhook" || channel.secret.empty()) channel.secret = old.secret;
  auto listed = hosts.list_hosts(ctx.user->id);
  if (!listed) return ctx.store_error(listed.error());
  const std::set<store::Id> own = own_host_ids(*listed);
  if (auto issue = alerts::check_channel_input(channel, ctx.site.options.hosts.targets, &own)) {
    const std::string field = form_field(issue->field);
    errors[field.empty() ? "url" : field] = capitalized(issue->message);
    return edit_page(ctx, hosts, alerts, old, 400, &typed, errors, fix);
  }
  if (auto saved = alerts.update_channel(channel); !saved) {
    if (saved.error().code == Errc::duplicate) {
      errors["name"] = "You have another channel of that name.";
      return edit_page(ctx, hosts, alerts, old, 409, &typed, errors, fix);
    }
    return ctx.store_error(saved.error());
  }
  spdlog::info("user {}: channel {} saved", ctx.user->id, channel.id);
  return ctx.redirect_with_flash("/alerts#channels", "channel_saved");
}

Response set_enabled(RequestContext& ctx, store::AlertStore& alerts, bool enabled) {
  const auto id = ctx.id_param();
  if (!id) return not_found(ctx);
  auto found = alerts.find_channel(ctx.user->id, *id);
  if (!found) return ctx.store_error(found.error());
  store::ChannelRecord channel = found->channel;
  channel.enabled = enabled;
  if (auto saved = alerts.update_channel(channel); !saved) return ctx.store_error(saved.error());
  spdlog::info("user {}: channel {} {}", ctx.user->id, channel.id, enabled ? "enabled" : "disabled");
  return ctx.redirect_with_flash("/alerts#channels", enabled ? "channel_enabled" : "channel_disabled");
}

Response enable_channel(RequestContext& ctx, store::AlertStore& alerts) {
  return set_enabled(ctx, alerts, true);
}

Response disable_channel(RequestContext& ctx, store::AlertStore& alerts) {
  return set_enabled(ctx, alerts, false);
}

Response delete_channel(RequestContext& ctx, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return not_found(ctx);
  if (auto deleted = alerts.delete_channel(ctx.user->id, *id); !deleted)
    return ctx.store_error(deleted.error());
  spdlog::info("user {}: channel {} deleted", ctx.user->id, *id);
  return ctx.redirect_with_flash("/alerts#channels", "channel_deleted");
}

Response rotate_secret(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return not_found(ctx);
  auto found = alerts.find_channel(ctx.user->id, *id);
  if (!found) return ctx.store_error(found.error());
  store::ChannelRecord channel = found->channel;
  if (channel.kind != "webhook") return ctx.error_page(400, "Only a webhook has a signing secret to rotate.");
  channel.secret = alerts::make_webhook_secret();
  if (auto saved = alerts.update_channel(channel); !saved) return ctx.store_error(saved.error());
  spdlog::info("user {}: channel {}: signing secret rotated", ctx.user->id, channel.id);
  return edit_page(ctx, hosts, alerts, channel, 200, nullptr, {}, {}, channel.secret);
}

Response test_channel(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts,
                      ChannelTester& tester) {
  const auto id = ctx.id_param();
  if (!id) return not_found(ctx);
  auto found = alerts.find_channel(ctx.user->id, *id);
  if (!found) return ctx.store_error(found.error());
  const store::ChannelRecord& channel = found->channel;
  const ChannelTester::Result result = tester.test(channel, ctx.now);
  ChannelsView view;
  switch (result.verdict) {
    case ChannelTester::Verdict::throttled: {
      view.section_error = "Too many tests: you may send " +
                           std::to_string(static_cast<int>(ChannelTester::kTestsPerMinute)) +
                           " a minute. Try again in " + retry_after_seconds(result.retry_after) + " s.";
      Response response = alerts_page(ctx, hosts, alerts, 429, &view);
      response.add_header("Retry-After", retry_after_seconds(result.retry_after));
      return response;
    }
    case ChannelTester::Verdict::busy: {
      view.section_error = "Other tests are being sent just now. Try again in a few seconds.";
      Response response = alerts_page(ctx, hosts, alerts, 503, &view);
      response.add_header("Retry-After", "5");
      return response;
    }
    case ChannelTester::Verdict::unavailable:
      view.section_error = "This server does not send notifications (no sender is set up in this process).";
      return alerts_page(ctx, hosts, alerts, 503, &view);
    case ChannelTester::Verdict::sent:
      break;
  }
  view.test = ChannelsView::TestResult{channel.id, channel.name, result.outcome.delivered,
                                       result.outcome.error, result.outcome.status};
  return alerts_page(ctx, hosts, alerts, 200, &view);
}

}  // namespace

void add_alert_channel_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                              ChannelTester& tester) {
  routes.add(Method::post, "/alerts/channels", Access::signed_in, bind_handler(post_channel, hosts, alerts));
  routes.add(Method::get, "/alerts/channels/{id}", Access::signed_in,
             bind_handler(get_channel, hosts, alerts));
  routes.add(Method::post, "/alerts/channels/{id}", Access::signed_in,
             bind_handler(update_channel, hosts, alerts));
  routes.add(Method::post, "/alerts/channels/{id}/enable", Access::signed_in,
             bind_handler(enable_channel, alerts));
  routes.add(Method::post, "/alerts/channels/{id}/disable", Access::signed_in,
             bind_handler(disable_channel, alerts));
  routes.add(Method::post, "/alerts/channels/{id}/delete", Access::signed_in,
             bind_handler(delete_channel, alerts));
  routes.add(Method::post, "/alerts/channels/{id}/rotate-secret", Access::signed_in,
             bind_handler(rotate_secret, hosts, alerts));
  routes.add(Method::post, "/alerts/channels/{id}/test", Access::signed_in,
             bind_handler(test_channel, hosts, alerts, tester));
}

}  // namespace semaphore::web
