#include "cli/admin_alert_commands.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "alerts/round_evaluator.h"
#include "alerts/rule_fields.h"
#include "cli/store_access.h"
#include "core/email.h"
#include "domain/event_pages.h"

namespace semaphore::cli {
namespace {

struct AlertCommandOptions {
  std::string user;
  std::string host;
  std::size_t limit = 50;
  std::map<std::string, std::string> rules;  // --down-after 5 ... by rule name, as typed
};

// "2026-03-01 12:03:00"
std::string when(EpochMs at) {
  const std::string iso = format_iso8601(at);
  return iso.size() >= 19 ? iso.substr(0, 10) + " " + iso.substr(11, 8) : iso;
}

void list_events(const GlobalOptions& global, const AlertCommandOptions& options) {
  if (options.limit < 1 || options.limit > 1000) throw CommandExit{2, "--limit: between 1 and 1000"};
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  auto hosts = store->list_hosts(user.id);
  if (!hosts) throw CommandExit{1, hosts.error().message};
  std::map<store::Id, std::string> names;
  domain::EventFilter filter;
  filter.limit = options.limit;
  for (const auto& host : *hosts) {
    names[host.id] = host.hostname;
    if (!options.host.empty() && host.hostname == options.host) filter.host_id = host.id;
  }
  if (!options.host.empty() && !filter.host_id) {
    throw CommandExit{1, user.email + " has no host " + options.host + " (see semaphore host list)"};
  }
  // Pages until `limit` events or the last page.
  std::vector<store::AlertEventRecord> events;
  while (events.size() < options.limit) {
    filter.limit = options.limit - events.size();
    auto page = domain::read_events(*store, user.id, filter);
    if (!page) throw CommandExit{1, page.error().message};
    for (auto& event : page->events) events.push_back(std::move(event));
    if (!page->next_before_id) break;
    filter.before_id = *page->next_before_id;
  }
  std::size_t width = 4;
  for (const auto& event : events) width = std::max(width, names[event.host_id].size());
  std::printf("%-19s  %-*s  %-8s  %-8s  %-11s  %s\n", "TIME (UTC)", static_cast<int>(width), "HOST", "FROM",
              "TO", "SENT", "REASON");
  for (const auto& event : events) {
    const auto name = names.find(event.host_id);
    const std::string host = name != names.end() ? name->second : "#" + std::to_string(event.host_id);
    const std::string sent = event.quiet == "no" ? "notify" : "quiet:" + event.quiet;
    std::printf("%-19s  %-*s  %-8s  %-8s  %-11s  %s\n", when(event.at).c_str(), static_cast<int>(width),
                host.c_str(), event.from_state.c_str(), event.to_state.c_str(), sent.c_str(),
                event.reason.c_str());
  }
}

void print_rules(const alerts::AlertRules& rules) {
  for (const alerts::RuleField& field : alerts::kRuleFields) {
    const auto value = alerts::rule_value(rules, field);
    std::printf("%-16s %s%s\n", std::string(field.name).c_str(),
                value ? alerts::format_rule_value(*value).c_str() : std::string(field.unset).c_str(),
                value ? (" " + std::string(field.unit)).c_str() : "");
  }
}

void show_rules(const GlobalOptions& global, const AlertCommandOptions& options) {
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  auto stored = store->user_alert_rules(user.id);
  if (!stored) throw CommandExit{1, stored.error().message};
  print_rules(alerts::rules_from(*stored));
}

void set_rules(const GlobalOptions& global, const AlertCommandOptions& options) {
  if (options.rules.empty()) throw CommandExit{2, "give at least one rule to set (see --help)"};
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  auto stored = store->user_alert_rules(user.id);
  if (!stored) throw CommandExit{1, stored.error().message};
  alerts::AlertRules rules = alerts::rules_from(*stored);
  for (const auto& [name, text] : options.rules) {
    const alerts::RuleField* field = alerts::find_rule_field(name);
    std::string flag = "--" + name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (field->can_be_off && (text == "off" || text == field->unset)) {
      alerts::set_rule_value(rules, *field, std::nullopt);
      continue;
    }
    auto parsed = alerts::parse_rule_text(*field, text);
    if (auto* message = std::get_if<std::string>(&parsed)) throw CommandExit{2, flag + ": " + *message};
    const auto value = std::get<std::optional<double>>(parsed);
    if (!value) throw CommandExit{2, flag + ": give a number" + (field->can_be_off ? " or off" : "")};
    alerts::set_rule_value(rules, *field, value);
  }
  if (auto error = alerts::validate_rules(rules)) {
    std::string flag = "--" + error->field;
    std::replace(flag.begin(), flag.end(), '_', '-');
    throw CommandExit{2, flag + ": " + error->message};
  }
  if (auto saved = store->set_user_alert_rules(user.id, alerts::to_record(rules)); !saved) {
    throw CommandExit{1, saved.error().message};
  }
  std::fprintf(stderr, "alert rules of %s saved\n", user.email.c_str());
  print_rules(rules);
}

}  // namespace

void add_alert_commands(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<AlertCommandOptions>();

  auto* event = app.add_subcommand("event", "read users' alert events");
  event->require_subcommand(1);
  auto* list = event->add_subcommand("list", "a user's alert events, newest first");
  list->add_option("--user", options->user, "the owner's email")->required();
  list->add_option("--host", options->host, "only this host's events (its hostname)");
  list->add_option("--limit", options->limit, "at most this many events (1-1000)")->capture_default_str();
  list->callback([&global, options] { list_events(global, *options); });

  auto* rules = app.add_subcommand("alert-rules", "show or set a user's default alert rules");
  rules->require_subcommand(1);
  auto* show = rules->add_subcommand("show", "print the user's default rules (the built-in ones until set)");
  show->add_option("--user", options->user, "the owner's email")->required();
  show->callback([&global, options] { show_rules(global, *options); });
  auto* set = rules->add_subcommand("set", "change the rules given; the others stay");
  set->add_option("--user", options->user, "the owner's email")->required();
  for (const alerts::RuleField& field : alerts::kRuleFields) {
    std::string flag = "--" + std::string(field.name);
    std::replace(flag.begin(), flag.end(), '_', '-');
    const std::string name(field.name);
    set->add_option_function<std::string>(
        flag, [options, name](const std::string& text) { options->rules[name] = text; },
        std::string(field.help) + (field.can_be_off ? " (a number, or off)" : ""));
  }
  set->callback([&global, options] { set_rules(global, *options); });
}

}  // namespace semaphore::cli
