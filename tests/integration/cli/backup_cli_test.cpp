// `semaphore backup` and `semaphore restore` on SQLite, with the real binary while `semaphore run` writes a
// round every 500 ms: every backup is a consistent snapshot (whole rounds only), restore refuses while the
// ping service runs and puts a backup back exactly when it is stopped.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kHosts = 4;

std::string sql(const std::string& file, const std::string& query) {
  auto result = run_command({"sqlite3", file, query});
  EXPECT_EQ(result.exit_code, 0) << query << ": " << result.err;
  while (!result.out.empty() && result.out.back() == '\n') result.out.pop_back();
  return result.out;
}

int free_port() {
  auto out = run_command({"python3", "-c",
                          "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
                          "print(s.getsockname()[1])"});
  return std::atoi(out.out.c_str());
}

// What a backup must hold for it to be a snapshot: rounds whose rows are all there (one per host), and a
// checksum of the rows to compare a restore with.
const std::string kPartialRounds =
    "SELECT COUNT(*) FROM (SELECT ts FROM ping_results GROUP BY ts HAVING COUNT(*) <> " +
    std::to_string(kHosts) + ")";
constexpr const char* kRowsAndChecksum =
    "SELECT COUNT(*) || ' ' || COALESCE(SUM(host_id * 7 + ts % 100000 + sent * 3 + received), 0) "
    "FROM ping_results";

class BackupCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_semaphore({"migrate", "--db", db_}).exit_code, 0);
    auto user = run_command({semaphore_binary(), "user", "add", "--db", db_, "ops@example.com"},
                            "long enough password\n");
    ASSERT_EQ(user.exit_code, 0) << user.err;
    for (int i = 1; i <= kHosts; ++i) {
      auto host = run_semaphore(
          {"host", "add", "--db", db_, "--user", "ops@example.com", "127.0.0." + std::to_string(i)});
      ASSERT_EQ(host.exit_code, 0) << host.err;
    }
  }

  std::unique_ptr<ChildProcess> start_run() {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{semaphore_binary(), "run", "--db", db_, "--listen",
                                 "127.0.0.1:" + std::to_string(free_port()), "--signup", "closed",
                                 "--interval", "500ms", "--probes", "2", "--spool-dir", dir_.file("spool")},
        dir_.file("run.log"));
  }

  int rows(const std::string& file) {
    return std::atoi(sql(file, "SELECT COUNT(*) FROM ping_results").c_str());
  }

  TempDir dir_;
  std::string path_ = dir_.file("live.db");
  std::string db_ = "sqlite:" + path_;
};

TEST_F(BackupCliTest, BackupsTakenWhileTheServiceWritesAreWholeSnapshotsAndRestoreExactly) {
  auto run = start_run();
  const auto deadline = std::chrono::steady_clock::now() + 60s;  // bounds a wait for a broken service only
  while (rows(path_) < 2 * kHosts && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);
  ASSERT_GE(rows(path_), 2 * kHosts) << run->log();

  std::vector<std::string> backups;
  int previous = 0;
  for (int i = 0; i < 3; ++i) {
    const std::string file = dir_.file("backup-" + std::to_string(i) + ".db");
    auto made = run_semaphore({"backup", "--db", db_, file});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    EXPECT_NE(made.out.find("backed up to " + file), std::string::npos) << made.out;
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "a backup holds password hashes and sessions";
    EXPECT_EQ(sql(file, "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(sql(file, "PRAGMA journal_mode"), "delete") << "one self-contained file";
    EXPECT_EQ(sql(file, kPartialRounds), "0") << "a round is written in one transaction: never half of one";
    const int copied = rows(file);
    EXPECT_GE(copied, previous);
    previous = copied;
    backups.push_back(file);
    std::this_thread::sleep_for(700ms);  // at least one more round
  }
  EXPECT_GT(rows(backups.back()), rows(backups.front())) << "the service went on writing meanwhile";

  auto exists = run_semaphore({"backup", "--db", db_, backups[0]});
  EXPECT_EQ(exists.exit_code, 1);
  EXPECT_NE(exists.err.find("exists"), std::string::npos) << exists.err;

  // The running service holds the database: restoring under it is refused, and nothing changes.
  auto refused = run_semaphore({"restore", "--db", db_, backups[1]});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("another probe worker"), std::string::npos) << refused.err;

  ASSERT_EQ(run->stop(SIGTERM), 0) << run->log();
  ASSERT_GT(rows(path_), rows(backups[1]));
  auto restored = run_semaphore({"restore", "--db", db_, backups[1]});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(sql(path_, kRowsAndChecksum), sql(backups[1], kRowsAndChecksum));
  EXPECT_EQ(sql(path_, "SELECT email FROM users"), "ops@example.com");
  EXPECT_EQ(sql(path_, "SELECT COUNT(*) FROM hosts"), std::to_string(kHosts));
  EXPECT_EQ(sql(path_, "PRAGMA journal_mode"), "wal") << "the live database goes back to WAL";

  // And the service runs on the restored database.
  run = start_run();
  const int before = rows(path_);
  while (rows(path_) <= before && std::chrono::steady_clock::now() < deadline + 30s)
    std::this_thread::sleep_for(100ms);
  EXPECT_GT(rows(path_), before) << run->log();
}

TEST_F(BackupCliTest, RestoreRefusesWhatIsNotASoundBackupAndLeavesTheDatabaseAlone) {
  const std::string before = sql(path_, "SELECT COUNT(*) FROM hosts");
  const std::string garbage = dir_.file("garbage.db");
  std::ofstream(garbage) << std::string(8192, 'x');
  auto not_sqlite = run_semaphore({"restore", "--db", db_, garbage});
  EXPECT_EQ(not_sqlite.exit_code, 1);
  EXPECT_NE(not_sqlite.err.find("not a SQLite database"), std::string::npos) << not_sqlite.err;

  const std::string other = dir_.file("other.db");
  sql(other, "CREATE TABLE t (x INTEGER)");
  auto foreign = run_semaphore({"restore", "--db", db_, other});
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("not a Semaphore database"), std::string::npos) << foreign.err;

  const std::string newer = dir_.file("newer.db");
  ASSERT_EQ(run_semaphore({"backup", "--db", db_, newer}).exit_code, 0);
  sql(newer, "INSERT INTO schema_version (version, applied_at) VALUES (999, 0)");
  auto too_new = run_semaphore({"restore", "--db", db_, newer});
  EXPECT_EQ(too_new.exit_code, 1);
  EXPECT_NE(too_new.err.find("newer than this binary"), std::string::npos) << too_new.err;

  EXPECT_EQ(sql(path_, "SELECT COUNT(*) FROM hosts"), before);
}

TEST_F(BackupCliTest, OnPostgresqlTheCommandsNameTheToolsToUse) {
  auto backup = run_semaphore({"backup", "--db", "postgresql://semaphore:secret@db.invalid/semaphore", "x"});
  EXPECT_EQ(backup.exit_code, 2);
  EXPECT_NE(backup.err.find("pg_dump"), std::string::npos) << backup.err;
  EXPECT_EQ(backup.err.find("secret"), std::string::npos) << "no password in messages";
  auto restore =
      run_semaphore({"restore", "--db", "postgresql://db.invalid/semaphore", dir_.file("live.db")});
  EXPECT_EQ(restore.exit_code, 2);
  EXPECT_NE(restore.err.find("pg_restore"), std::string::npos) << restore.err;
}

}  // namespace
}  // namespace semaphore::testing
