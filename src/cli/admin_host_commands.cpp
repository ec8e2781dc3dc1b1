#include "cli/admin_host_commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "cli/store_access.h"
#include "core/email.h"
#include "domain/host_list.h"

namespace semaphore::cli {
namespace {

struct HostCommandOptions {
  std::string user;
  std::string provider = "Other";
  std::string service;
  std::string label;
  std::vector<std::string> hosts;
  std::string file;
};

store::User find_user(store::Store& store, const std::string& email_text) {
  auto email = normalize_email(email_text);
  if (!email) throw CommandExit{2, "--user: " + email.error().message};
  auto user = store.find_user_by_email(*email);
  if (!user) {
    if (user.error().code == Errc::not_found)
      throw CommandExit{1, "no user " + *email + " (see semaphore user list)"};
    throw CommandExit{1, user.error().message};
  }
  return *user;
}

// Adds one host, printing the outcome; false when it was refused.
bool add_one(store::Store& store, const store::User& user, const Target& target, Provider provider,
             const std::string& service, const std::string& label, const std::string& where) {
  if (target.kind != TargetKind::hostname) {
    // Addresses that must never be pinged are refused here already; names are checked on every resolution.
    if (auto refused = check_target_address(*IpAddress::parse(target.text), TargetPolicy::allow_private);
        !refused) {
      std::fprintf(stderr, "%s%s\n", where.c_str(), refused.error().message.c_str());
      return false;
    }
  }
  store::Host host;
  host.user_id = user.id;
  host.hostname = target.text;
  host.provider = provider;
  host.service = service;
  host.label = label;
  auto added = store.add_host(host);
  if (!added) {
    std::fprintf(stderr, "%s%s\n", where.c_str(),
                 added.error().code == Errc::duplicate
                     ? (target.text + " is already in the user's hosts").c_str()
                     : added.error().message.c_str());
    return false;
  }
  std::printf("added %s (%s%s%s)\n", added->hostname.c_str(), std::string(to_string(provider)).c_str(),
              service.empty() ? "" : ", ", service.c_str());
  return true;
}

void add_hosts(const GlobalOptions& global, const HostCommandOptions& options) {
  const auto provider = parse_provider(options.provider);
  if (!provider) throw CommandExit{2, "--provider must be AWS, GCP, Azure or Other"};
  auto store = open_store(global);
  const auto user = find_user(*store, options.user);
  int refused = 0;
  for (const auto& text : options.hosts) {
    auto target = parse_target(text);
    if (!target) {
      std::fprintf(stderr, "%s: %s\n", text.c_str(), target.error().message.c_str());
      ++refused;
      continue;
    }
    if (!add_one(*store, user, *target, *provider, options.service, options.label, text + ": ")) ++refused;
  }
  if (refused > 0)
    throw CommandExit{
        1, std::to_string(refused) + " of " + std::to_string(options.hosts.size()) + " hosts not added"};
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

  int added = 0;
  int refused = static_cast<int>(parsed.rejected.size());
  for (const auto& rejected : parsed.rejected) {
    std::fprintf(stderr, "%s:%d: %s (%s)\n", options.file.c_str(), rejected.line, rejected.reason.c_str(),
                 rejected.text.c_str());
  }
  for (const auto& entry : parsed.entries) {
    const std::string where = options.file + ":" + std::to_string(entry.line) + ": ";
    if (add_one(*store, user, entry.target, entry.provider, entry.service, "", where)) {
      ++added;
    } else {
      ++refused;
    }
  }
  std::printf("imported %d hosts, %d lines refused\n", added, refused);
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
  std::printf("%-6s %-30s %-40s %-6s %-20s %s\n", "ID", "USER", "HOST", "CLOUD", "SERVICE", "ENABLED");
  for (const auto& user : users) {
    auto hosts = store->list_hosts(user.id);
    if (!hosts) throw CommandExit{1, hosts.error().message};
    for (const auto& host : *hosts) {
      std::printf("%-6lld %-30s %-40s %-6s %-20s %s\n", static_cast<long long>(host.id), user.email.c_str(),
                  host.hostname.c_str(), std::string(to_string(host.provider)).c_str(), host.service.c_str(),
                  host.enabled ? "yes" : "no");
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
  add->add_option("hosts", options->hosts, "hostnames or IP addresses")->required();
  add->callback([&global, options] { add_hosts(global, *options); });

  auto* import =
      host->add_subcommand("import", "add the hosts listed in a file: HOST[,PROVIDER[,SERVICE]] per line");
  import->add_option("--user", options->user, "the owner's email")->required();
  import->add_option("file", options->file, "the file, or - for stdin")->required();
  import->callback([&global, options] { import_hosts(global, *options);
});

auto* list = host->add_subcommand("list", "list hosts (of one user, or of all)");
list->add_option("--user", options->user, "only this user's hosts");
list->callback([&global, options] { list_hosts(global, *options); });
}  // namespace semaphore::cli

}  // namespace semaphore::cli
