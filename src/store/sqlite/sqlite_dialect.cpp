// SQLite's side of the store: connection set-up, the data version, row-by-row result inserts and the
// single-worker file lock.
#include "store/sqlite/sqlite_dialect.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <soci/sqlite3/soci-sqlite3.h>  // includes sqlite3.h inside namespace sqlite_api

#include <cerrno>
#include <cstring>
#include <mutex>

#include "store/rows.h"

namespace semaphore::store {
namespace {

class FileWorkerLock : public WorkerLock {
 public:
  explicit FileWorkerLock(int fd) : fd_(fd) {}
  ~FileWorkerLock() override { ::close(fd_); }

 private:
  int fd_;
};

class NoMaintenanceLock : public WorkerLock {};

// Creates the database file 0600 when it does not exist yet, whatever the umask: it holds password hashes
// and session token hashes. SQLite would create it 0644 & ~umask. Its -wal and -shm files take the
// database file's mode (SQLite copies it, and fchmods a new file past the umask), so they are 0600 too. An
// existing file keeps the mode its operator gave it.
void create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;  // exists already (or cannot be made: SQLite's own open reports that)
  ::fchmod(fd, 0600);
  ::close(fd);
}

}  // namespace

std::string SqliteDialect::display_name() const {
  return "sqlite:" + redact_db_url(path_);
}

void SqliteDialect::open(Connections& connections) {
  // SQLite's default (serialized) mode locks a connection's mutex in every API call, twice per column
  // read: a fifth of the CPU of a /report miss at 10,000 hosts. Multi-thread mode drops those locks; it
  // asks that no connection or statement be used by two threads at once, which the pool guarantees (a
  // session is one caller's until it is returned) and the data-version connection's own mutex too. It can
  // only be chosen before SQLite initializes: once per process, before the first connection; if something
  // opened one earlier, SQLite refuses (SQLITE_MISUSE) and stays serialized, which is only slower.
  static std::once_flag multi_thread_mode;
  std::call_once(multi_thread_mode, [] { sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD); });
  create_private_file(path_);
  for (std::size_t i = 0; i < connections.size(); ++i) {
    soci::session& sql = connections.at(i);
    sql.open(soci::sqlite3, "db=" + path_ + " timeout=10");
    std::string mode;
    sql << "PRAGMA journal_mode=WAL", soci::into(mode);
    sql << "PRAGMA synchronous=NORMAL";
    sql << "PRAGMA foreign_keys=ON";
    sql << "PRAGMA busy_timeout=10000";
  }
  version_sql_ = std::make_unique<soci::session>(soci::sqlite3, "db=" + path_ + " timeout=10");
  *version_sql_ << "PRAGMA busy_timeout=10000";
}

std::vector<Migration> SqliteDialect::migrations() const {
  return migrations_in("sqlite/migrations/");
}

bool SqliteDialect::lock_user(soci::session& sql, long long user_id) const {
  long long found = 0;
  sql << "SELECT id FROM users WHERE id = :u", soci::use(user_id), soci::into(found);
  return sql.got_data();
}

Result<std::string> SqliteDialect::data_version(Connections&) {
  // PRAGMA data_version changes when another connection (of this pool or of another process) commits;
  // this connection never writes, so it changes with every commit.
  std::lock_guard lock(version_mutex_);
  try {
    long long version = 0;
    *version_sql_ << "PRAGMA data_version", soci::into(version);
    return std::to_string(version);
  } catch (const soci::soci_error& error) {
    return translate(error, "read data version");
  }
}

std::int64_t SqliteDialect::insert_results(soci::session& sql, std::span<const PingResult> results,
                                           std::vector<std::size_t>* inserted_rows) const {
  // INSERT ... SELECT ... WHERE EXISTS drops rows of hosts deleted since the round (instead of failing the
  // batch on the foreign key), and NOT EXISTS those of a host switched off for the row's location since
  // (issue 16: it has no say from that moment, however late its rows arrive); ON CONFLICT DO NOTHING makes
  // replays idempotent.
  ResultRow row;
  soci::statement st =
      (sql.prepare
           << "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
              "stddev_ms, method, refused) SELECT :h, :t, :s, :r, :f0, :f1, :f2, :f3, :f4, :m, :x "
              "WHERE EXISTS (SELECT 1 FROM hosts WHERE id = :h2) AND NOT EXISTS (SELECT 1 FROM "
              "host_location_exclusions WHERE host_id = :h3 AND location_id = " +
                  sql_location_of(":m2") + ") ON CONFLICT (host_id, ts, method) DO NOTHING",
       soci::use(row.host_id), soci::use(row.ts), soci::use(row.sent), soci::use(row.received),
       soci::use(row.figures[0], row.indicators[0]), soci::use(row.figures[1], row.indicators[1]),
       soci::use(row.figures[2], row.indicators[2]), soci::use(row.figures[3], row.indicators[3]),
       soci::use(row.figures[4], row.indicators[4]), soci::use(row.method), soci::use(row.refused),
       soci::use(row.host_id), soci::use(row.host_id), soci::use(row.method));
  std::int64_t inserted = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    row.put(results[i]);
    st.execute(true);
    const auto affected = st.get_affected_rows();
    inserted += affected;
    if (affected > 0 && inserted_rows) inserted_rows->push_back(i);
  }
  return inserted;
}

Result<LeaseGrant> SqliteDialect::claim_host_leases(Connections&, const LeaseRequest&) {
  return make_error(Errc::invalid_argument, "host leases need PostgreSQL; SQLite runs a single probe worker");
}

Result<LeaseBatch> SqliteDialect::claim_more_host_leases(Connections&, const LeaseRequest&, Id) {
  return make_error(Errc::invalid_argument, "host leases need PostgreSQL; SQLite runs a single probe worker");
}

Status SqliteDialect::release_host_leases(Connections&, const std::string&, std::int64_t) {
  return {};
}

Result<std::unique_ptr<WorkerLock>> SqliteDialect::lock_single_worker(const std::string& worker_id,
                                                                      Id location_id) {
  // One worker per location (issue 16): `local`'s lock keeps the name it always had.
  const std::string path =
      path_ + ".probe-lock" + (location_id == kLocalLocationId ? "" : "-" + std::to_string(location_id));
  create_private_file(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(Errc::unavailable, "cannot open the probe lock " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[256] = {};
    const ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "another process";
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    return make_error(
        Errc::limit_exceeded,
        "another probe worker (" + who + ") is already running on sqlite:" + path_ +
            ". With SQLite only one worker may run (semaphore run includes one): stop the other "
            "one, or use PostgreSQL (--db postgresql://...) to run several probe workers");
  }
  const std::string me = worker_id + " pid " + std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, me.data(), me.size(), 0);
  }
  return std::unique_ptr<WorkerLock>(std::make_unique<FileWorkerLock>(fd));
}

Result<std::unique_ptr<WorkerLock>> SqliteDialect::try_lock_maintenance(Connections&) {
  return std::unique_ptr<WorkerLock>(std::make_unique<NoMaintenanceLock>());
}

}  // namespace semaphore::store
