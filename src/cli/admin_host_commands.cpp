#include "cli/admin_host_commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "cli/option_types.h"
#include "cli/store_access.h"
#include "core/email.h"
#include "core/probe_method.h"
#include "domain/host_list.h"
#include "domain/host_service.h"

namespace semaphore::cli {
namespace {

struct HostCommandOptions {
  std::string user;
  std::string provider = "Other";
  std::string service;
  std::string label;
  std::string probe = "icmp";  // --probe: icmp, tcp[:PORT] or both[:PORT] (core/probe_method.h)
  std::vector<std::string> hosts;
  std::string file;
  domain::HostRules rules;              // --max-hosts-per-user: the web's option, with its default
  std::optional<TargetPolicy> targets;  // --targets; private unless given (an admin adds hosts it trusts)
};

domain::HostRules rules_of(const HostCommandOptions& options) {
  domain::HostRules rules = options.rules;
  rules.targets = options.targets.value_or(TargetPolicy::allow_private);
  return rules;
}

// Adds `inputs` through the domain's HostService (the web's rules: target policy, cleaning, limit) and
// prints each outcome, `where[i]` naming input i in messages. Returns the number added.
int add_and_report(store::HostStore& store, const store::User& user, const domain::HostRules& rules,
                   const std::vector<domain::HostInput>& inputs, const std::vector<std::string>& where) {
  auto additions = domain::HostService(store, rules).add(user.id, inputs);
  if (!additions) throw CommandExit{1, additions.error().message};
  int added = 0;
  for (std::size_t i = 0; i < additions->size(); ++i) {
    const domain::HostAddition& addition = (*additions)[i];
    const store::Host& host = addition.host;
    switch (addition.outcome) {
      case domain::HostOutcome::added:
        std::printf("added %s (%s%s%s%s%s)\n", host.hostname.c_str(),
                    std::string(to_string(host.provider)).c_str(), host.service.empty() ? "" : ", ",
                    host.service.c_str(), host.probe == ProbeSpec{} ? "" : ", probe ",
                    host.probe == ProbeSpec{} ? "" : format_probe_spec(host.probe).c_str());
        ++added;
        break;
      case domain::HostOutcome::invalid:
        std::fprintf(stderr, "%s%s\n", where[i].c_str(), addition.errors.first().c_str());
        break;
      case domain::HostOutcome::duplicate:
        std::fprintf(stderr, "%s%s is already in the user's hosts\n", where[i].c_str(),
                     host.hostname.c_str());
        break;
      case domain::HostOutcome::over_limit:
        std::fprintf(stderr, "%sthe user has reached the limit of %lld hosts (%s)\n", where[i].c_str(),
                     static_cast<long long>(domain::host_limit(user, rules)),
                     user.max_hosts ? "theirs: semaphore user set --max-hosts" : "--max-hosts-per-user");
        break;
    }
  }
  return added;
}

void add_hosts(const GlobalOptions& global, const HostCommandOptions& options) {
  if (!parse_provider(options.provider)) throw CommandExit{2, "--provider must be AWS, GCP, Azure or Other"};
  if (std::string why; !parse_probe_spec(options.probe, why)) throw CommandExit{2, "--probe: " + why};
  auto store = open_store(global);
  const auto user = find_user(*store, options.user);
  std::vector<domain::HostInput> inputs;
  std::vector<std::string> where;
  for (const auto& text : options.hosts) {
    inputs.push_back({text, options.provider, options.service, options.label, true, options.probe});
    where.push_back(text + ": ");
  }
  const int added = add_and_report(*store, user, rules_of(options), inputs, where);
  const auto refused = options.hosts.size() - static_cast<std::size_t>(added);
  if (refused > 0) {
    throw CommandExit{
        1, std::to_string(refused) + " of " + std::to_string(options.hosts.size()) + " hosts not added"};
  }
}

void import_hosts(const GlobalOptions& global, const HostCommandOptions& options) {
  std::stringstream content;
  if (options.file == "-") {
    content << std::cin.rdbuf();
  } else {
    std::ifstream in(options.file);
    if (!in) throw CommandExit{1, "cannot read " + options.file};
    content << in.rdbuf();
  }
  auto store = open_store(global);
  const auto user = find_user(*store, options.user);
  const domain::ParsedHostList parsed = domain::parse_host_list(content.str());

  for (const auto& rejected : parsed.rejected) {
    std::fprintf(stderr, "%s:%d: %s (%s)\n", options.file.c_str(), rejected.line, rejected.reason.c_str(),
                 rejected.text.c_str());
  }
  std::vector<domain::HostInput> inputs;
  std::vector<std::string> where;
  for (const auto& entry : parsed.entries) {
    inputs.push_back(domain::to_host_input(entry));
    where.push_back(options.file + ":" + std::to_string(entry.line) + ": ");
  }
  const int added = add_and_report(*store, user, rules_of(options), inputs, where);
  const auto refused = parsed.rejected.size() + parsed.entries.size() - static_cast<std::size_t>(added);
  std::printf("imported %d hosts, %zu lines refused\n", added, refused);
  if (refused > 0) throw CommandExit{1, ""};
}

void list_hosts(const GlobalOptions& global, const HostCommandOptions& options) {
  auto store = open_store(global);
  std::vector<store::User> users;
  if (!options.user.empty()) {
    users.push_back(find_user(*store, options.user));
  } else {
    auto all = store->list_users();
    if (!all) throw CommandExit{1, all.error().message};
    users = std::move(all).value();
  }
  std::printf("%-6s %-30s %-40s %-6s %-20s %-10s %s\n", "ID", "USER", "HOST", "CLOUD", "SERVICE", "PROBE",
              "ENABLED");
  for (const auto& user : users) {
    auto hosts = store->list_hosts(user.id);
    if (!hosts) throw CommandExit{1, hosts.error().message};
    for (const auto& host : *hosts) {
      std::printf("%-6lld %-30s %-40s %-6s %-20s %-10s %s\n", static_cast<long long>(host.id),
                  user.email.c_str(), host.hostname.c_str(), std::string(to_string(host.provider)).c_str(),
                  host.service.c_str(), format_probe_spec(host.probe).c_str(), host.enabled ? "yes" : "no");
    }
  }
}

}  // namespace

void add_host_commands(CLI::App& app, const GlobalOptions& global) {
  auto* host = app.add_subcommand("host", "manage users' hosts");
  host->require_subcommand(1);
  auto options = std::make_shared<HostCommandOptions>();

  auto* add = host->add_subcommand("add", "add hosts to a user");
  add->add_option("--user", options->user, "the owner's email")->required();
  add->add_option("--provider", options->provider, "AWS, GCP, Azure or Other")->capture_default_str();
  add->add_option("--service", options->service, "the provider's service, e.g. EC2");
  add->add_option("--label", options->label, "a label shown beside the host");
  add->add_option("--probe", options->probe,
                  "how the hosts are probed: icmp, tcp[:PORT] (a TCP connect; port 443 by default) or "
                  "both[:PORT]")
      ->capture_default_str();
  add->add_option("hosts", options->hosts, "hostnames or IP addresses")->required();
  add->callback([&global, options] { add_hosts(global, *options); });

  auto* import = host->add_subcommand(
      "import", "add the hosts listed in a file: HOST[,PROVIDER[,SERVICE[,PROBE]]] per line");
  import->add_option("--user", options->user, "the owner's email")->required();
  import->add_option("file", options->file, "the file, or - for stdin")->required();
  import->callback([&global, options] { import_hosts(global, *options);
});

// The rules the web applies to hosts, with its options and environment variables: whichever way a host
// comes in, the same field checks, policy and limit hold. Only --targets' default differs: an admin adds
// hosts they trust (the web's default follows its sign-up setting).
for (CLI::App* command : {add, import}) {
  add_targets_option(*command, options->targets, TargetsHelp::host_admin);
  add_max_hosts_option(*command, options->rules.max_hosts_per_user);
}

auto* list = host->add_subcommand("list", "list hosts (of one user, or of all)");
list->add_option("--user", options->user, "only this user's hosts");
list->callback([&global, options] { list_hosts(global, *options); });
}  // namespace semaphore::cli

}  // namespace semaphore::cli
