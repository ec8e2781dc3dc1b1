#pragma once
// The Store: everything Semaphore keeps, behind one interface with a SQLite and a PostgreSQL back end
// (src/store/soci_store.cpp, both through SOCI). The web UI, the ping service and the admin CLI use only
// this.
//
// Rules every implementation keeps:
//  - Every method that touches hosts or results of a user takes that user's id and scopes the query by it:
//    another user's host id is Errc::not_found, never told apart from a missing one.
//  - Methods never throw. Database failures are Errc::unavailable (retrying may help); unique-key clashes are
//    Errc::duplicate; missing rows Errc::not_found.
//  - Safe to call from many threads at once (a connection pool inside).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/db_url.h"
#include "core/provider.h"
#include "core/result.h"

namespace semaphore::store {

using Id = std::int64_t;

struct User {
  Id id = 0;
  std::string email;  // stored lower-cased
  std::string password_hash;
  bool is_admin = false;
  EpochMs created_at = 0;
};

struct Session {
  std::string token_hash;  // hex SHA-256 (or similar) of the cookie token: the token itself is never stored
  Id user_id = 0;
  std::string csrf_token;
  EpochMs created_at = 0;
  EpochMs last_seen_at = 0;
  EpochMs expires_at = 0;  // absolute expiry; idle expiry is judged from last_seen_at by the caller
};

struct Host {
  Id id = 0;
  Id user_id = 0;
  std::string hostname;  // normalized by core/target.h parse_target before it gets here
  Provider provider = Provider::other;
  std::string service;  // free text: EC2, App Engine, ...
  std::string label;
  bool enabled = true;
  EpochMs created_at = 0;
};

// One row per host per round. RTT fields are empty when nothing came back; `error` then says why
// ("unresolvable", "unreachable", "timeout", ...). Loss = 1 - received / sent.
struct PingResult {
  Id host_id = 0;
  EpochMs ts = 0;  // the round's start, UTC ms: (host_id, ts) is the primary key, so inserts are idempotent
  int sent = 0;
  int received = 0;
  std::optional<double> min_ms, avg_ms, max_ms, median_ms, stddev_ms;
  std::string error;  // empty when at least one reply came back
};

// A host's latest round, for the report and overview pages.
struct HostStatus {
  Host host;
  std::optional<PingResult> latest;
};

// Hourly (period_s = 3600) or daily (86400) aggregate of a host's rounds, for long chart ranges.
struct Rollup {
  Id host_id = 0;
  int period_s = 3600;
  EpochMs bucket_start = 0;
  int rounds = 0;
  int sent = 0;
  int received = 0;
  std::optional<double> min_ms, max_ms, avg_ms, median_ms;  // median = median of the rounds' medians
};

// --- ping service types (issue 4; see the ping service section of Store) ---

// A probe worker's request for its share of the hosts (PostgreSQL leases).
struct LeaseRequest {
  std::string worker_id;
  EpochMs now = 0;
  std::int64_t ttl_ms = 90000;  // leases (and the worker's heartbeat) live this long unless renewed
  int chunk = 1000;             // hosts claimed per statement
};

struct LeaseGrant {
  std::vector<Host> hosts;  // the enabled hosts the worker holds, ordered by id
  std::int64_t live_workers = 1;
  std::int64_t fair_share = 0;  // ceil(enabled hosts / live workers)
};

// Held while this process is the one probe worker of a SQLite database; released when destroyed (or when
// the process dies).
class WorkerLock {
 public:
  virtual ~WorkerLock() = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens the database named by `url` (creating a SQLite file if needed). Does not migrate.
  // Errc::unavailable with a message that names the database (password redacted) and the reason.
  static Result<std::unique_ptr<Store>> open(const DbUrl& url);

  virtual DbKind kind() const = 0;

  // --- schema (src/store/migrations/<backend>/NNN_name.sql) ---
  // Applies the migrations the database lacks, each in its own transaction; applying twice is a no-op.
  // Errc::schema_too_new when the database has a version this binary does not know.
  virtual Status migrate() = 0;
  // The schema version the database has, and the newest this binary knows.
  virtual Result<int> schema_version() = 0;
  static int latest_schema_version(DbKind kind);
  // Errc::schema_too_new / Errc::invalid_argument ("run semaphore migrate") unless the schema is current.
  Status check_schema();

  // An opaque token that changes whenever a write was committed to the database, by this process or any
  // other, since it was last read (it may change without one, too). Readers that keep what they read check
  // it first and read again when it differs: read it before the data it guards. Cheap (no table is read).
  virtual Result<std::string> data_version() = 0;

  // --- users ---
  // The first user ever created becomes admin when `first_user_is_admin`. Errc::duplicate for a known email.
  virtual Result<User> create_user(const std::string& email, const std::string& password_hash,
                                   bool first_user_is_admin) = 0;
  virtual Result<User> find_user_by_email(const std::string& email) = 0;
  virtual Result<User> find_user(Id user_id) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  virtual Status set_password_hash(Id user_id, const std::string& password_hash) = 0;

  // --- sessions ---
  virtual Status create_session(const Session& session) = 0;
  virtual Result<Session> find_session(const std::string& token_hash) = 0;
  virtual Status touch_session(const std::string& token_hash, EpochMs last_seen_at) = 0;
  virtual Status delete_session(const std::string& token_hash) = 0;
  // Every session of the user except `keep_token_hash` (empty: all of them).
  virtual Status delete_user_sessions(Id user_id, const std::string& keep_token_hash) = 0;
  virtual Status delete_expired_sessions(EpochMs now, EpochMs idle_cutoff) = 0;

  // --- sign-in throttling: failures by key ("account:<email>", "client:<address>"), shared by replicas ---
  virtual Status record_signin_failure(const std::string& key, EpochMs at) = 0;
  virtual Result<std::vector<EpochMs>> signin_failures_since(const std::string& key, EpochMs since) = 0;
  virtual Status clear_signin_failures(const std::string& key) = 0;

  // --- hosts (all scoped by user) ---
  // Sets id and created_at. Errc::duplicate when the user already has this hostname. Knows no per-user limit:
  // for tests and tools that seed a database; users' hosts come in through add_hosts (domain/host_service.h).
  virtual Result<Host> add_host(const Host& host) = 0;
  // Adds `hosts` for `user_id` (each one's user_id, id and created_at are set here), in order, in one
  // transaction that first locks the user and counts their hosts (PostgreSQL: SELECT ... FOR NO KEY UPDATE
  // on the users row; SQLite: the write transaction's BEGIN IMMEDIATE), so that concurrent calls take turns
  // and cannot take a user past `max_hosts`. One outcome per host, in order: the stored host, or
  // Errc::limit_exceeded (the user held `max_hosts` hosts when its turn came; checked first) or
  // Errc::duplicate (the user has this hostname, maybe from earlier in `hosts`). The call's own Error, with
  // nothing added: Errc::not_found for an unknown user, or the database's failure.
  virtual Result<std::vector<Result<Host>>> add_hosts(Id user_id, std::span<const Host> hosts,
                                                      std::int64_t max_hosts) = 0;
  // Updates hostname, provider, service, label, enabled of host.id owned by host.user_id.
  virtual Status update_host(const Host& host) = 0;
  virtual Status delete_host(Id user_id, Id host_id) = 0;  // its results go with it
  virtual Result<Host> find_host(Id user_id, Id host_id) = 0;
  virtual Result<std::vector<Host>> list_hosts(Id user_id) = 0;  // ordered by provider, hostname
  virtual Result<std::int64_t> count_hosts(Id user_id) = 0;
  // Every enabled host of every user: what the ping service pings.
  virtual Result<std::vector<Host>> list_enabled_hosts() = 0;

  // --- results ---
  // Inserts the batch in one transaction; rows whose (host_id, ts) exists already are skipped (idempotent
  // replays), and rows of hosts deleted meanwhile are dropped. Returns the number of rows inserted.
  virtual Result<std::int64_t> insert_results(std::span<const PingResult> results) = 0;
  // Each of the user's hosts with its latest result.
  virtual Result<std::vector<HostStatus>> host_statuses(Id user_id) = 0;
  // The host's rounds with from <= ts < to, oldest first; Errc::not_found if the host is not the user's.
  virtual Result<std::vector<PingResult>> results_between(Id user_id, Id host_id, EpochMs from,
                                                          EpochMs to) = 0;
  // The host's rollups of `period_s` with from <= bucket_start < to, oldest first; scoped like
  // results_between.
  virtual Result<std::vector<Rollup>> rollups_between(Id user_id, Id host_id, int period_s, EpochMs from,
                                                      EpochMs to) = 0;

  // --- ping service: leases, rollups, retention (src/store/soci_store_monitor.cpp; issue 4) ---
  // Leases (PostgreSQL): in one transaction, records the worker's heartbeat, drops workers silent for ttl,
  // renews the worker's leases to now + ttl, then claims free or expired enabled hosts in chunks
  // (FOR NO KEY UPDATE SKIP LOCKED, so concurrent claimers never wait on or take each other's hosts) until
  // it holds its fair share. SQLite: Errc::invalid_argument (one worker there: lock_single_worker).
  virtual Result<LeaseGrant> claim_host_leases(const LeaseRequest& request) = 0;
  // Keeps the worker's `keep` lowest-id leases and releases the rest; keep = 0 also forgets the worker.
  virtual Status release_host_leases(const std::string& worker_id, std::int64_t keep) = 0;
  // SQLite: makes this process the database's only probe worker (an flock on "<file>.probe-lock", which the
  // kernel releases if the process dies). Errc::limit_exceeded naming the holder when another worker runs.
  // PostgreSQL: a lock that holds nothing (workers share hosts through leases).
  virtual Result<std::unique_ptr<WorkerLock>> lock_single_worker(const std::string& worker_id) = 0;
  // Recomputes from ping_results the rollups of `period_s` (3600 or 86400) whose buckets overlap
  // [from, to), `hosts_per_batch` hosts per transaction: rounds, sent, received, min, max, avg (of every
  // reply), median (of the round medians). Returns the rollup rows written.
  virtual Result<std::int64_t> refresh_rollups(int period_s, EpochMs from, EpochMs to,
                                               int hosts_per_batch) = 0;
  // Deletes ping_results rows with ts < cutoff, `hosts_per_batch` hosts per short transaction so that
  // writers are never blocked for long. Returns the rows deleted.
  virtual Result<std::int64_t> prune_results(EpochMs cutoff, int hosts_per_batch) = 0;
  // The same for ping_rollups rows with bucket_start < cutoff.
  virtual Result<std::int64_t> prune_rollups(EpochMs cutoff, int hosts_per_batch) = 0;
};

}  // namespace semaphore::store
