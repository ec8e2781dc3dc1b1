// `semaphore migrate | user ... | host ... | token ... | location ... | event list | alert-rules ... |
// channel
// ... | backup | restore`: operators' commands. Each prints what it did, one line per item, and exits
// non-zero when something was refused (scripts can tell), never losing the good items.
#include <cstdio>

#include "cli/admin_alert_commands.h"
#include "cli/admin_backup_commands.h"
#include "cli/admin_channel_commands.h"
#include "cli/admin_host_commands.h"
#include "cli/admin_location_commands.h"
#include "cli/admin_token_commands.h"
#include "cli/admin_user_commands.h"
#include "cli/store_access.h"

namespace semaphore::cli {

void add_admin_commands(CLI::App& app, const GlobalOptions& global) {
  auto* migrate = app.add_subcommand("migrate", "create or upgrade the database schema");
  migrate->callback([&global] {
    auto store = open_store(global, SchemaAction::migrate);
    std::printf("%s: schema version %d\n", redact_db_url(global.db).c_str(), store->schema_version().value());
  });

  add_user_commands(app, global);
  add_host_commands(app, global);
  add_token_commands(app, global);
  add_location_commands(app, global);
  add_alert_commands(app, global);
  add_channel_commands(app, global);
  add_backup_commands(app, global);
}

}  // namespace semaphore::cli
