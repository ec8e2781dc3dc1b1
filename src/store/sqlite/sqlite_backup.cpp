#include "store/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace semaphore::store {
namespace {

constexpr int kBusyTimeoutMs = 10000;  // as the store's own connections (a writer holds its lock briefly)

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

Result<Database> open_database(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) {
    return make_error(Errc::unavailable,
                      "cannot open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  return db;
}

// The first column of the first row of `sql`, as text; empty when there is no row.
Result<std::string> query_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) {
    return make_error(Errc::invalid_argument, sqlite3_errmsg(db));
  }
  std::string text;
  const int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
    text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return make_error(Errc::unavailable, sqlite3_errmsg(db));
  return text;
}

Status execute(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    return make_error(Errc::unavailable, text);
  }
  return {};
}

// integrity_check says "ok", and the schema_version table holds a version: a sound Semaphore database.
Result<int> check_database(sqlite3* db, const std::string& path) {
  auto integrity = query_text(db, "PRAGMA integrity_check");
  if (!integrity) return make_error(Errc::invalid_argument, path + " is not a SQLite database");
  if (*integrity != "ok") {
    return make_error(Errc::invalid_argument, path + " is damaged (integrity_check: " + *integrity + ")");
  }
  auto version = query_text(db, "SELECT MAX(version) FROM schema_version");
  if (!version || version->empty()) {
    return make_error(Errc::invalid_argument, path + " is not a Semaphore database (no schema_version)");
  }
  return std::atoi(version->c_str());
}

// Copies every page of `from` into `to` in one step: one read transaction on `from` (a snapshot; in WAL
// mode the service's writer is not blocked), one write transaction on `to`. Busy or locked: retried until
// the busy timeout's worth of attempts has passed.
Status copy_pages(sqlite3* from, sqlite3* to) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) return make_error(Errc::unavailable, sqlite3_errmsg(to));
  int rc = SQLITE_OK;
  for (int waited_ms = 0;; waited_ms += 100) {
    rc = sqlite3_backup_step(backup, -1);
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= kBusyTimeoutMs) break;
    sqlite3_sleep(100);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE)
    return make_error(Errc::unavailable, std::string("copy failed: ") + sqlite3_errstr(rc));
  return {};
}

std::int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : 0;
}

}  // namespace

Result<BackupSummary> backup_sqlite(const std::string& database_path, const std::string& backup_path) {
  if (::access(backup_path.c_str(), F_OK) == 0) {
    return make_error(Errc::duplicate, backup_path + " exists: name a new file (a backup never overwrites)");
  }
  auto source = open_database(database_path, SQLITE_OPEN_READONLY);
  if (!source) return source.error();
  // A database that was never migrated is not worth a backup (and `--db` probably names the wrong file).
  if (auto version = query_text(source->get(), "SELECT MAX(version) FROM schema_version"); !version) {
    return make_error(Errc::invalid_argument, database_path + " is not a Semaphore database");
  }

  const std::string partial = backup_path + ".partial";
  ::unlink(partial.c_str());
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(Errc::permission_denied, "cannot create " + partial + ": " + std::strerror(errno));
  ::close(fd);
  const auto fail = [&](Error error) {
    ::unlink(partial.c_str());
    ::unlink((partial + "-journal").c_str());
    return error;
  };
  Result<int> version = 0;
  {
    auto copy = open_database(partial, SQLITE_OPEN_READWRITE);
    if (!copy) return fail(copy.error());
    if (auto copied = copy_pages(source->get(), copy->get()); !copied) return fail(copied.error());
    // One self-contained file, whatever mode the live database is in.
    if (auto mode = execute(copy->get(), "PRAGMA journal_mode = DELETE"); !mode) return fail(mode.error());
    version = check_database(copy->get(), backup_path);
    if (!version) return fail(version.error());
  }
  if (const int file = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC); file >= 0) {
    ::fsync(file);
    ::close(file);
  }
  if (::rename(partial.c_str(), backup_path.c_str()) != 0) {
    return fail(
        make_error(Errc::permission_denied, "cannot rename " + partial + ": " + std::strerror(errno)));
  }
  return BackupSummary{file_size(backup_path), *version};
}

Result<BackupSummary> restore_sqlite(const std::string& backup_path, const std::string& database_path,
                                     int newest_schema) {
  auto backup = open_database(backup_path, SQLITE_OPEN_READONLY);
  if (!backup) return backup.error();
  auto version = check_database(backup->get(), backup_path);
  if (!version) return version.error();
  if (*version > newest_schema) {
    return make_error(Errc::schema_too_new, backup_path + " holds schema version " +
                                                std::to_string(*version) + ", newer than this binary's " +
                                                std::to_string(newest_schema) +
                                                ": restore it with the binary that made it");
  }
  auto target = open_database(database_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!target) return target.error();
  // The whole of the target is replaced in one write transaction: a failure leaves it as it was.
  if (auto copied = copy_pages(backup->get(), target->get()); !copied) return copied.error();
  if (auto mode = execute(target->get(), "PRAGMA journal_mode = WAL"); !mode) return mode.error();
  return BackupSummary{file_size(database_path), *version};
}

}  // namespace semaphore::store
