#pragma once
// `semaphore backup` and `semaphore restore` on SQLite, through SQLite's online backup API: a consistent copy
// of a database that the service goes on writing (in WAL mode a reader blocks no writer, so the copy is one
// read transaction: a snapshot, never a mix of two rounds).
#include <cstdint>
#include <string>

#include "core/result.h"

namespace semaphore::store {

struct BackupSummary {
  std::int64_t bytes = 0;  // the backup file's size
  int schema_version = 0;  // the schema the copy holds
};

// Copies the database at `database_path` to `backup_path`: a new file (an existing one is refused), mode
// 0600, in rollback-journal mode (one self-contained file), checked with PRAGMA integrity_check, written
// beside its final name and renamed there only when complete, so that a failed or interrupted backup never
// leaves a file that looks like one.
Result<BackupSummary> backup_sqlite(const std::string& database_path, const std::string& backup_path);

// Replaces the database at `database_path` with the backup at `backup_path`, after checking that the backup
// is a sound Semaphore database (integrity_check, a schema_version no newer than `newest_schema`). The
// caller stops the ping service first (and migrates afterwards when the backup's schema is older).
Result<BackupSummary> restore_sqlite(const std::string& backup_path, const std::string& database_path,
                                     int newest_schema);

}  // namespace semaphore::store
