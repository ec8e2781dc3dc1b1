// The SQLite database holds password hashes and session token hashes: a file this store creates, and its
// -wal and -shm companions, are readable by their owner only, whatever the umask; a file that exists keeps
// the mode its operator gave it.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <string>

#include "support/file_modes.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

TEST(SqliteFileModes, ANewDatabaseAndItsWalAndShmAre0600WhateverTheUmask) {
  OpenUmask umask_all;
  TempDir dir;
  auto store = open_migrated_sqlite(dir, "new.db");  // migrating writes: the WAL and its index exist now
  const std::string db = dir.file("new.db");
  EXPECT_EQ(mode_of(db), 0600u);
  EXPECT_EQ(mode_of(db + "-wal"), 0600u);
  EXPECT_EQ(mode_of(db + "-shm"), 0600u);
  auto lock = store->lock_single_worker("test");
  ASSERT_TRUE(lock) << lock.error().message;
  EXPECT_EQ(mode_of(db + ".probe-lock"), 0600u);
}

TEST(SqliteFileModes, AnExistingDatabaseKeepsItsMode) {
  TempDir dir;
  const std::string db = dir.file("kept.db");
  open_migrated_sqlite(dir, "kept.db").reset();
  ASSERT_EQ(::chmod(db.c_str(), 0640), 0);
  auto store = open_migrated_sqlite(dir, "kept.db");
  EXPECT_EQ(mode_of(db), 0640u);
}

}  // namespace
}  // namespace semaphore::testing
