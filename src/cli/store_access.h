#pragma once
// Opening the database for a command: parse --db, open, and migrate (or check the schema), turning every
// failure into a CommandExit with a message that names the database and the reason. And the user a command
// names with --user.
#include <memory>
#include <string>

#include "cli/cli_context.h"
#include "store/store.h"

namespace semaphore::cli {

enum class SchemaAction {
  migrate,  // apply missing migrations (migrate, run, serve, probe, and the admin commands)
  check,    // refuse unless the schema is current
};

// Exit code 2 for a malformed --db, 1 when the database cannot be opened or migrated.
std::unique_ptr<store::Store> open_store(const GlobalOptions& global,
                                         SchemaAction action = SchemaAction::migrate);

// The user with this e-mail (--user EMAIL of the admin commands): exit code 2 for a malformed address, 1
// for no such user or a database failure.
store::User find_user(store::AccountStore& store, const std::string& email_text);

}  // namespace semaphore::cli
