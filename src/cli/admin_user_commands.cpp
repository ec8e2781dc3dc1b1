#include "cli/admin_user_commands.h"

#include <cstdio>
#include <fstream>
#include <memory>
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

void list_users(const GlobalOptions& global) {
  auto store = open_store(global);
  auto users = store->list_users();
  if (!users) throw CommandExit{1, users.error().message};
  std::printf("%-6s %-40s %-6s %s\n", "ID", "EMAIL", "ADMIN", "CREATED");
  for (const auto& user : *users) {
    std::printf("%-6lld %-40s %-6s %s\n", static_cast<long long>(user.id), user.email.c_str(),
                user.is_admin ? "yes" : "no", format_iso8601(user.created_at).c_str());
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

  auto* list = user->add_subcommand("list", "list the users");
  list->callback([&global] { list_users(global); });
}

}  // namespace semaphore::cli
