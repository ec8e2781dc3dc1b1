// `semaphore backup FILE`: a consistent copy of a SQLite database that the service goes on writing.
// `semaphore restore FILE`: puts a backup back (the ping service stopped), then migrates it to this binary's
// schema. PostgreSQL has its own tools for both; the commands say which and how.
#include "cli/admin_backup_commands.h"

#include <cstdio>

#include "cli/store_access.h"
#include "core/db_url.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_backup.h"

namespace semaphore::cli {
namespace {

// The SQLite file of --db; on PostgreSQL, exit 2 naming the tool to use instead.
std::string sqlite_path(const GlobalOptions& global, const char* postgresql_advice) {
  auto url = parse_db_url(global.db);
  if (!url) throw CommandExit{2, url.error().message};
  if (url->kind == DbKind::postgresql) {
    throw CommandExit{2, std::string("on PostgreSQL, use its own tools: ") + postgresql_advice};
  }
  return url->location;
}

void backup(const GlobalOptions& global, const std::string& file) {
  const std::string database = sqlite_path(
      global, "pg_dump --format=custom --file FILE URL (consistent while the service writes; see README)");
  auto done = store::backup_sqlite(database, file);
  if (!done) throw CommandExit{1, "backup failed: " + done.error().message};
  std::printf("sqlite:%s backed up to %s: %lld bytes, schema version %d\n", database.c_str(), file.c_str(),
              static_cast<long long>(done->bytes), done->schema_version);
}

void restore(const GlobalOptions& global, const std::string& file) {
  const std::string database = sqlite_path(
      global, "pg_restore --clean --if-exists --dbname URL FILE, then semaphore migrate (see README)");
  {
    // The ping service must not write into the database while it is replaced: hold its lock meanwhile (a
    // running `run` or `probe` holds it, and the restore is refused with who holds it).
    auto store = open_store(global, SchemaAction::migrate);
    auto lock = store->lock_single_worker("restore");
    if (!lock) throw CommandExit{1, "restore refused: " + lock.error().message};
    const int newest = store::latest_version(store::migrations_for(DbKind::sqlite));
    auto done = store::restore_sqlite(file, database, newest);
    if (!done) throw CommandExit{1, "restore failed: " + done.error().message};
    std::printf("%s restored into sqlite:%s (schema version %d)\n", file.c_str(), database.c_str(),
                done->schema_version);
  }
  // A backup made by an older binary: bring it to this one's schema.
  auto store = open_store(global, SchemaAction::migrate);
  std::printf("sqlite:%s: schema version %d\n", database.c_str(), store->schema_version().value());
}

}  // namespace

void add_backup_commands(CLI::App& app, const GlobalOptions& global) {
  auto file = std::make_shared<std::string>();
  auto* backup_command = app.add_subcommand(
      "backup", "copy the SQLite database to FILE while the service runs (PostgreSQL: pg_dump)");
  backup_command->add_option("file", *file, "the backup file to create (never overwritten)")->required();
  backup_command->callback([&global, file] { backup(global, *file); });

  auto restore_file = std::make_shared<std::string>();
  auto* restore_command = app.add_subcommand(
      "restore", "replace the SQLite database with a backup, then migrate it (stop the ping service first)");
  restore_command->add_option("file", *restore_file, "a file made by semaphore backup")
      ->required()
      ->check(CLI::ExistingFile);
  restore_command->callback([&global, restore_file] { restore(global, *restore_file); });
}

}  // namespace semaphore::cli
