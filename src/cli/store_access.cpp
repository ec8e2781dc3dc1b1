#include "cli/store_access.h"

#include "core/email.h"

namespace semaphore::cli {

std::unique_ptr<store::Store> open_store(const GlobalOptions& global, SchemaAction action) {
  auto url = parse_db_url(global.db);
  if (!url) throw CommandExit{2, url.error().message};
  auto opened = store::Store::open(*url);
  if (!opened) throw CommandExit{1, opened.error().message};
  std::unique_ptr<store::Store> store = std::move(opened).value();
  const Status schema = action == SchemaAction::migrate ? store->migrate() : store->check_schema();
  if (!schema) throw CommandExit{1, redact_db_url(global.db) + ": " + schema.error().message};
  return store;
}

store::User find_user(store::AccountStore& store, const std::string& email_text) {
  auto email = normalize_email(email_text);
  if (!email) throw CommandExit{2, "--user: " + email.error().message};
  auto user = store.find_user_by_email(*email);
  if (!user) {
    if (user.error().code == Errc::not_found) {
      throw CommandExit{1, "no user " + *email + " (see semaphore user list)"};
    }
    throw CommandExit{1, user.error().message};
  }
  return *user;
}

}  // namespace semaphore::cli
