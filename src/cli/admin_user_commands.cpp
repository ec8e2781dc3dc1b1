#include "cli/admin_user_commands.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "cli/password_input.h"
#include "cli/store_access.h"
#include "core/email.h"
#include "domain/passwords.h"

namespace semaphore::cli {
namespace {

struct UserAddOptions {
  std::string email;
  std::string password_file;
};

struct UserSetOptions {
  std::string email;
  std::string max_hosts;  // a count, or "default"
};

// The admin's limit for one user: a count from 0 to kMaxHostsCeiling, or "default" (the server's
// --max-hosts-per-user again). The ceiling only catches typing slips: a million hosts is what the ping
// service is measured at.
constexpr long long kMaxHostsCeiling = 1'000'000;

std::optional<std::int64_t> parse_max_hosts(const std::string& text) {
  if (text == "default") return std::nullopt;
  long long value = -1;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end || value < 0 || value > kMaxHostsCeiling) {
    throw CommandExit{2, "--max-hosts must be a number of hosts from 0 to " +
                             std::to_string(kMaxHostsCeiling) +
                             ", or \"default\" for the server's --max-hosts-per-user"};
  }
  return value;
}

// The first line of the file (or of stdin, not echoed on a terminal), without its line ending.
std::string read_password(const std::string& path, const std::string& email) {
  if (path.empty()) return read_password_line("Password for " + email + ": ");
  std::ifstream in(path);
  if (!in) throw CommandExit{1, "cannot read the password file " + path};
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

void add_user(const GlobalOptions& global, const UserAddOptions& options) {
  auto email = normalize_email(options.email);
  if (!email) throw CommandExit{2, email.error().message};
  const std::string password = read_password(options.password_file, *email);
  if (auto problem = domain::password_problem(password)) throw CommandExit{2, "password: " + *problem};

  auto store = open_store(global);
  auto hash = domain::PasswordHasher().hash(password);
  if (!hash) throw CommandExit{1, hash.error().message};
  auto user = store->create_user(*email, *hash, /*first_user_is_admin=*/true);
  if (!user) {
    if (user.error().code == Errc::duplicate) throw CommandExit{1, "a user " + *email + " already exists"};
    throw CommandExit{1, user.error().message};
  }
  std::printf("added user %s%s\n", user->email.c_str(), user->is_admin ? " (admin)" : "");
}

void set_user(const GlobalOptions& global, const UserSetOptions& options) {
  auto email = normalize_email(options.email);
  if (!email) throw CommandExit{2, email.error().message};
  const std::optional<std::int64_t> max_hosts = parse_max_hosts(options.max_hosts);
  auto store = open_store(global);
  auto user = store->find_user_by_email(*email);
  if (!user) {
    if (user.error().code == Errc::not_found) throw CommandExit{1, "no user " + *email};
    throw CommandExit{1, user.error().message};
  }
  if (auto set = store->set_user_max_hosts(user->id, max_hosts); !set)
    throw CommandExit{1, set.error().message};
  if (max_hosts) {
    std::printf("%s may now hold %lld hosts\n", user->email.c_str(), static_cast<long long>(*max_hosts));
  } else {
    std::printf("%s now has the server's host limit (--max-hosts-per-user)\n", user->email.c_str());
  }
}

void list_users(const GlobalOptions& global) {
  auto store = open_store(global);
  auto users = store->list_users();
  if (!users) throw CommandExit{1, users.error().message};
  std::printf("%-6s %-40s %-6s %-10s %s\n", "ID", "EMAIL", "ADMIN", "MAX-HOSTS", "CREATED");
  for (const auto& user : *users) {
    const std::string limit = user.max_hosts ? std::to_string(*user.max_hosts) : "default";
    std::printf("%-6lld %-40s %-6s %-10s %s\n", static_cast<long long>(user.id), user.email.c_str(),
                user.is_admin ? "yes" : "no", limit.c_str(), format_iso8601(user.created_at).c_str());
  }
}

}  // namespace

void add_user_commands(CLI::App& app, const GlobalOptions& global) {
  auto* user = app.add_subcommand("user", "manage user accounts");
  user->require_subcommand(1);

  auto options = std::make_shared<UserAddOptions>();
  auto* add = user->add_subcommand("add", "add a user; the password is read from stdin or --password-file");
  add->add_option("email", options->email, "the user's email address")->required();
  add->add_option("--password-file", options->password_file, "read the password from this file's first line");
  add->callback([&global, options] { add_user(global, *options); });

  auto set_options = std::make_shared<UserSetOptions>();
  auto* set = user->add_subcommand("set", "change a user's settings");
  set->add_option("email", set_options->email, "the user's email address")->required();
  set->add_option("--max-hosts", set_options->max_hosts,
                  "hosts this user may hold (overrides --max-hosts-per-user), or \"default\"")
      ->required();
  set->callback([&global, set_options] { set_user(global, *set_options); });

  auto* list = user->add_subcommand("list", "list the users");
  list->callback([&global] { list_users(global); });
}

}  // namespace semaphore::cli
