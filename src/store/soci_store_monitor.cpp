// SociStore: what the ping service needs beyond hosts and results (issue 4): host leases for several probe
// workers (PostgreSQL), the single-worker lock (SQLite), rollup refresh and batched retention.
//
// Work over every host goes in chunks of host ids, and each chunk names its ids in an IN list: both back ends
// then seek each host's (host_id, ts) primary-key range, where a `host_id BETWEEN` range would walk every row
// of those hosts. One short transaction per chunk keeps SQLite's single writer lock free for the result
// writer.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "store/soci_store.h"

namespace semaphore::store {
namespace {

class FileWorkerLock : public WorkerLock {
 public:
  explicit FileWorkerLock(int fd) : fd_(fd) {}
  ~FileWorkerLock() override { ::close(fd_); }

 private:
  int fd_;
};

class NoWorkerLock : public WorkerLock {};

// The next chunk of host ids after `after`, ascending; empty at the end.
std::vector<long long> next_host_ids(soci::session& sql, long long after, int count) {
  std::vector<long long> ids(static_cast<std::size_t>(std::max(1, count)));
  sql << "SELECT id FROM hosts WHERE id > :a ORDER BY id LIMIT :k", soci::use(after), soci::use(count),
      soci::into(ids);
  return ids;
}

std::string in_list(const std::vector<long long>& ids) {
  std::string list;
  for (long long id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  return list;
}

// Rollups of one chunk of hosts, recomputed from their raw rows in [lo, hi) (bucket-aligned). The median of
// the round medians is taken with window functions, which SQLite (3.25+) and PostgreSQL both have, so one
// statement serves both back ends. avg_ms weights each round's mean by its replies: the mean of every reply.
std::string rollup_statement(const std::string& ids, long long period_ms, int period_s, long long lo,
                             long long hi) {
  const std::string p = std::to_string(period_ms);
  return "WITH r AS (SELECT host_id, (ts / " + p + ") * " + p +
         " AS bucket, sent, received, min_ms, max_ms, avg_ms, median_ms FROM ping_results WHERE host_id IN "
         "(" +
         ids + ") AND ts >= " + std::to_string(lo) + " AND ts < " + std::to_string(hi) +
         "), ranked AS (SELECT host_id, bucket, median_ms, "
         "ROW_NUMBER() OVER (PARTITION BY host_id, bucket ORDER BY median_ms) AS rn, "
         "COUNT(*) OVER (PARTITION BY host_id, bucket) AS cnt FROM r WHERE median_ms IS NOT NULL), "
         "med AS (SELECT host_id, bucket, AVG(median_ms) AS median_ms FROM ranked "
         "WHERE rn = (cnt + 1) / 2 OR rn = (cnt + 2) / 2 GROUP BY host_id, bucket), "
         "agg AS (SELECT host_id, bucket, COUNT(*) AS rounds, SUM(sent) AS sent, SUM(received) AS received, "
         "MIN(min_ms) AS min_ms, MAX(max_ms) AS max_ms, SUM(CASE WHEN avg_ms IS NULL THEN 0.0 ELSE avg_ms * "
         "received "
         "END) / NULLIF(SUM(CASE WHEN avg_ms IS NULL THEN 0 ELSE received END), 0) AS avg_ms "
         "FROM r GROUP BY host_id, bucket) "
         "INSERT INTO ping_rollups (host_id, period_s, bucket_start, rounds, sent, received, min_ms, max_ms, "
         "avg_ms, "
         "median_ms) SELECT a.host_id, " +
         std::to_string(period_s) +
         ", a.bucket, a.rounds, a.sent, a.received, a.min_ms, a.max_ms, a.avg_ms, m.median_ms FROM agg a "
         "LEFT JOIN med m ON m.host_id = a.host_id AND m.bucket = a.bucket WHERE true "
         "ON CONFLICT (host_id, period_s, bucket_start) DO UPDATE SET rounds = excluded.rounds, sent = "
         "excluded.sent, "
         "received = excluded.received, min_ms = excluded.min_ms, max_ms = excluded.max_ms, "
         "avg_ms = excluded.avg_ms, median_ms = excluded.median_ms";
}

}  // namespace

Status SociStore::check_connection() {
  auto version = schema_version();
  if (!version) return version.error();
  return {};
}

bool SociStore::leases_hosts() const {
  return url_.kind == DbKind::postgresql;
}

Result<LeaseGrant> SociStore::claim_host_leases(const LeaseRequest& request) {
  if (url_.kind != DbKind::postgresql) {
    return make_error(Errc::invalid_argument,
                      "host leases need PostgreSQL; SQLite runs a single probe worker");
  }
  return with_session<LeaseGrant>("claim host leases", [&](soci::session& sql) -> Result<LeaseGrant> {
    WriteTransaction transaction(sql, url_.kind);
    const std::string& worker = request.worker_id;
    const long long now = request.now, expires = request.now + request.ttl_ms,
                    stale = request.now - request.ttl_ms;
    sql << "INSERT INTO probe_workers (worker_id, last_seen) VALUES (:w, :n) "
           "ON CONFLICT (worker_id) DO UPDATE SET last_seen = excluded.last_seen",
        soci::use(worker), soci::use(now);
    sql << "DELETE FROM probe_workers WHERE last_seen < :s", soci::use(stale);
    sql << "DELETE FROM host_leases WHERE worker_id = :w AND host_id IN (SELECT id FROM hosts WHERE enabled "
           "= 0)",
        soci::use(worker);
    sql << "UPDATE host_leases SET expires_at = :e WHERE worker_id = :w", soci::use(expires),
        soci::use(worker);

    long long workers = 1, enabled = 0, own = 0;
    sql << "SELECT COUNT(*) FROM probe_workers", soci::into(workers);
    sql << "SELECT COUNT(*) FROM hosts WHERE enabled = 1", soci::into(enabled);
    sql << "SELECT COUNT(*) FROM host_leases WHERE worker_id = :w", soci::use(worker), soci::into(own);
    workers = std::max(1LL, workers);
    LeaseGrant grant;
    grant.live_workers = workers;
    grant.fair_share = (enabled + workers - 1) / workers;

    // Claim free hosts (never leased, or the lease expired) a chunk at a time. SKIP LOCKED: hosts another
    // claimer is taking right now are passed over, not waited for; the ON CONFLICT guard re-checks the expiry
    // on the latest row version, so a lease taken meanwhile is never stolen. FOR NO KEY UPDATE does not block
    // the result writer's foreign-key checks (FOR KEY SHARE) on the same hosts.
    // Each chunk continues after the last id the previous one claimed: rescanning from the first host every
    // time made a first claim of 100,000 hosts take 15 s.
    long long after = 0;
    while (own < grant.fair_share) {
      const long long want = std::min<long long>(request.chunk, grant.fair_share - own);
      std::vector<long long> claimed(static_cast<std::size_t>(want));
      soci::statement st =
          (sql.prepare
               << "INSERT INTO host_leases (host_id, worker_id, expires_at) SELECT id, :w, :e FROM "
                  "(SELECT h.id FROM hosts h LEFT JOIN host_leases l ON l.host_id = h.id "
                  "WHERE h.enabled = 1 AND h.id > :a AND (l.host_id IS NULL OR l.expires_at < :n) "
                  "ORDER BY h.id LIMIT :k FOR NO KEY UPDATE OF h SKIP LOCKED) AS free "
                  "ON CONFLICT (host_id) DO UPDATE SET worker_id = excluded.worker_id, "
                  "expires_at = excluded.expires_at WHERE host_leases.expires_at < :n2 RETURNING host_id",
           soci::use(worker), soci::use(expires), soci::use(after), soci::use(now), soci::use(want),
           soci::use(now), soci::into(claimed));
      if (!st.execute(true) || claimed.empty()) break;
      own += static_cast<long long>(claimed.size());
      after = *std::max_element(claimed.begin(), claimed.end());
    }

    long long id = 0, user_id = 0, created_at = 0;
    int host_enabled = 1;
    std::string hostname, provider, service, label;
    soci::statement st =
        (sql.prepare << "SELECT h.id, h.user_id, h.hostname, h.provider, h.service, h.label, "
                        "h.enabled, h.created_at FROM hosts h JOIN host_leases l ON l.host_id = h.id "
                        "WHERE l.worker_id = :w AND h.enabled = 1 ORDER BY h.id",
         soci::use(worker), soci::into(id), soci::into(user_id), soci::into(hostname), soci::into(provider),
         soci::into(service), soci::into(label), soci::into(host_enabled), soci::into(created_at));
    if (st.execute(true)) {
      do {
        grant.hosts.push_back(Host{id, user_id, hostname, parse_provider(provider).value_or(Provider::other),
                                   service, label, host_enabled != 0, created_at});
      } while (st.fetch());
    }
    transaction.commit();
    return grant;
  });
}

Status SociStore::release_host_leases(const std::string& worker_id, std::int64_t keep) {
  if (url_.kind != DbKind::postgresql) return {};
  return execute("release host leases", [&](soci::session& sql) {
    WriteTransaction transaction(sql, url_.kind);
    if (keep <= 0) {
      sql << "DELETE FROM host_leases WHERE worker_id = :w", soci::use(worker_id);
      sql << "DELETE FROM probe_workers WHERE worker_id = :w", soci::use(worker_id);
    } else {
      const long long offset = keep - 1;
      sql << "DELETE FROM host_leases WHERE worker_id = :w AND host_id > (SELECT host_id FROM host_leases "
             "WHERE worker_id = :w2 ORDER BY host_id LIMIT 1 OFFSET :o)",
          soci::use(worker_id), soci::use(worker_id), soci::use(offset);
    }
    transaction.commit();
  });
}

Result<std::unique_ptr<WorkerLock>> SociStore::lock_single_worker(const std::string& worker_id) {
  if (url_.kind != DbKind::sqlite) return std::unique_ptr<WorkerLock>(std::make_unique<NoWorkerLock>());
  const std::string path = url_.location + ".probe-lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
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
        "another probe worker (" + who + ") is already running on sqlite:" + url_.location +
            ". With SQLite only one worker may run (semaphore run includes one): stop the other "
            "one, or use PostgreSQL (--db postgresql://...) to run several probe workers");
  }
  const std::string me = worker_id + " pid " + std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, me.data(), me.size(), 0);
  }
  return std::unique_ptr<WorkerLock>(std::make_unique<FileWorkerLock>(fd));
}

Result<std::int64_t> SociStore::refresh_rollups(int period_s, EpochMs from, EpochMs to, int hosts_per_batch) {
  if (period_s <= 0 || to <= from) return std::int64_t{0};
  const long long period_ms = static_cast<long long>(period_s) * 1000;
  const long long lo = from - ((from % period_ms) + period_ms) % period_ms;
  const long long hi = to + (period_ms - ((to % period_ms) + period_ms) % period_ms) % period_ms;
  return with_session<std::int64_t>("refresh rollups", [&](soci::session& sql) -> Result<std::int64_t> {
    return in_host_batches(sql, hosts_per_batch, [&](const std::string& host_ids) {
      return rollup_statement(host_ids, period_ms, period_s, lo, hi);
    });
  });
}

Result<std::int64_t> SociStore::prune_results(EpochMs cutoff, int hosts_per_batch) {
  return with_session<std::int64_t>("prune results", [&](soci::session& sql) -> Result<std::int64_t> {
    return in_host_batches(sql, hosts_per_batch, [&](const std::string& host_ids) {
      return "DELETE FROM ping_results WHERE host_id IN (" + host_ids + ") AND ts < " +
             std::to_string(cutoff);
    });
  });
}

Result<std::int64_t> SociStore::prune_rollups(EpochMs cutoff, int hosts_per_batch) {
  return with_session<std::int64_t>("prune rollups", [&](soci::session& sql) -> Result<std::int64_t> {
    return in_host_batches(sql, hosts_per_batch, [&](const std::string& host_ids) {
      return "DELETE FROM ping_rollups WHERE host_id IN (" + host_ids +
             ") AND period_s IN (3600, 86400) AND bucket_start < " + std::to_string(cutoff);
    });
  });
}

std::int64_t SociStore::in_host_batches(soci::session& sql, int hosts_per_batch,
                                        const std::function<std::string(const std::string&)>& statement_for) {
  // A few hosts per transaction, each batch continuing after the last id, so that maintenance never holds the
  // write lock long enough to stall the result writer.
  std::int64_t affected = 0;
  long long after = 0;
  for (;;) {
    const auto ids = next_host_ids(sql, after, hosts_per_batch);
    if (ids.empty()) break;
    after = ids.back();
    WriteTransaction transaction(sql, url_.kind);
    soci::statement st = (sql.prepare << statement_for(in_list(ids)));
    st.execute(true);
    affected += st.get_affected_rows();
    transaction.commit();
  }
  return affected;
}

}  // namespace semaphore::store
