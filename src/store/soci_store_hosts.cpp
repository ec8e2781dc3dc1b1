// SociStore: hosts, ping results and rollups. Every query of a user's data is scoped by user_id.
#include <array>
#include <optional>

#include "store/postgres_array.h"
#include "store/soci_store.h"

namespace semaphore::store {
namespace {

constexpr const char* kHostColumns =
    "h.id, h.user_id, h.hostname, h.provider, h.service, h.label, h.enabled, h.created_at";

// The row buffers SOCI fills for kHostColumns.
struct HostRow {
  long long id = 0, user_id = 0, created_at = 0;
  std::string hostname, provider, service, label;
  int enabled = 1;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(hostname));
    st.exchange(soci::into(provider));
    st.exchange(soci::into(service));
    st.exchange(soci::into(label));
    st.exchange(soci::into(enabled));
    st.exchange(soci::into(created_at));
  }
  Host take() const {
    return Host{id,      user_id, hostname,     parse_provider(provider).value_or(Provider::other),
                service, label,   enabled != 0, created_at};
  }
};

// The row buffers for one ping_results row: ts, sent, received, the five RTT figures and error.
struct ResultRow {
  long long host_id = 0, ts = 0;
  int sent = 0, received = 0;
  double figures[5] = {};
  soci::indicator indicators[5] = {};
  std::string error;
  soci::indicator error_indicator = soci::i_null;
  // Every column is NULL when a LEFT JOIN found no result: SOCI needs an indicator for each.
  soci::indicator ts_indicator = soci::i_null, other_indicators[3] = {};

  void bind(soci::statement& st) {
    st.exchange(soci::into(host_id, other_indicators[0]));
    st.exchange(soci::into(ts, ts_indicator));
    st.exchange(soci::into(sent, other_indicators[1]));
    st.exchange(soci::into(received, other_indicators[2]));
    for (int i = 0; i < 5; ++i) st.exchange(soci::into(figures[i], indicators[i]));
    st.exchange(soci::into(error, error_indicator));
  }
  std::optional<double> figure(int i) const {
    return indicators[i] == soci::i_ok ? std::optional<double>(figures[i]) : std::nullopt;
  }
  // The inverse of take(), for binding a row to insert.
  void put(const PingResult& result) {
    host_id = result.host_id;
    ts = result.ts;
    sent = result.sent;
    received = result.received;
    const std::optional<double>* values[5] = {&result.min_ms, &result.avg_ms, &result.max_ms,
                                              &result.median_ms, &result.stddev_ms};
    for (int i = 0; i < 5; ++i) {
      figures[i] = values[i]->value_or(0.0);
      indicators[i] = values[i]->has_value() ? soci::i_ok : soci::i_null;
    }
    error = result.error;
    error_indicator = result.error.empty() ? soci::i_null : soci::i_ok;
  }
  PingResult take() const {
    PingResult result;
    result.host_id = host_id;
    result.ts = ts;
    result.sent = sent;
    result.received = received;
    result.min_ms = figure(0);
    result.avg_ms = figure(1);
    result.max_ms = figure(2);
    result.median_ms = figure(3);
    result.stddev_ms = figure(4);
    if (error_indicator == soci::i_ok) result.error = error;
    return result;
  }
};

constexpr const char* kResultColumns =
    "r.host_id, r.ts, r.sent, r.received, r.min_ms, r.avg_ms, r.max_ms, r.median_ms, r.stddev_ms, r.error";

// Prepares `query` with `row` bound for output plus `uses`, and calls `each` for every row fetched.
// `bind_uses(st)` binds the query's parameters.
template <class Row, class BindUses, class Each>
void for_each_row(soci::session& sql, Row& row, const std::string& query, BindUses bind_uses, Each each) {
  soci::statement st(sql);
  row.bind(st);
  bind_uses(st);
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  if (!st.execute(true)) return;
  do each();
  while (st.fetch());
}

bool host_belongs_to(soci::session& sql, long long user_id, long long host_id) {
  long long found = 0;
  sql << "SELECT COUNT(*) FROM hosts WHERE id = :h AND user_id = :u", soci::use(host_id), soci::use(user_id),
      soci::into(found);
  return found > 0;
}

Error no_such_host() {
  return make_error(Errc::not_found, "no such host");
}

// Inserts `host` (user_id and created_at set) and returns it with its id; Errc::duplicate when the user has
// its hostname already. ON CONFLICT DO NOTHING rather than a failed INSERT, which would abort the caller's
// PostgreSQL transaction.
Result<Host> insert_host(soci::session& sql, Host host) {
  const long long user_id = host.user_id, created = host.created_at;
  const std::string provider(to_string(host.provider));
  const int enabled = host.enabled ? 1 : 0;
  long long id = 0;
  soci::indicator id_indicator = soci::i_null;
  sql << "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) "
         "VALUES (:u, :h, :p, :s, :l, :e, :c) ON CONFLICT (user_id, hostname) DO NOTHING RETURNING id",
      soci::use(user_id), soci::use(host.hostname), soci::use(provider), soci::use(host.service),
      soci::use(host.label), soci::use(enabled), soci::use(created), soci::into(id, id_indicator);
  if (!sql.got_data() || id_indicator != soci::i_ok) {
    return make_error(Errc::duplicate, host.hostname + " is already in your hosts");
  }
  host.id = id;
  return host;
}

}  // namespace

Result<Host> SociStore::add_host(const Host& input) {
  return with_session<Host>("add host", [&](soci::session& sql) -> Result<Host> {
    Host host = input;
    host.created_at = now_epoch_ms();
    return insert_host(sql, std::move(host));
  });
}

Result<std::vector<Result<Host>>> SociStore::add_hosts(Id user_id, std::span<const Host> hosts,
                                                       std::int64_t max_hosts) {
  using Outcomes = std::vector<Result<Host>>;
  return with_session<Outcomes>("add hosts", [&](soci::session& sql) -> Result<Outcomes> {
    WriteTransaction transaction(sql, url_.kind);
    // The lock makes concurrent calls for one user take turns between here and COMMIT, so the count below
    // stays true until this transaction's inserts are committed. On SQLite, BEGIN IMMEDIATE has taken the
    // database's write lock already. PostgreSQL: NO KEY UPDATE, which still lets other transactions insert
    // rows that refer to the user (a session at sign-in) while an import runs.
    const long long user = user_id;
    long long found = 0;
    sql << std::string("SELECT id FROM users WHERE id = :u") +
               (url_.kind == DbKind::postgresql ? " FOR NO KEY UPDATE" : ""),
        soci::use(user), soci::into(found);
    if (!sql.got_data()) return make_error(Errc::not_found, "no such user");
    long long count = 0;
    sql << "SELECT COUNT(*) FROM hosts WHERE user_id = :u", soci::use(user), soci::into(count);

    Outcomes outcomes;
    outcomes.reserve(hosts.size());
    const EpochMs now = now_epoch_ms();
    for (const Host& input : hosts) {
      if (count >= max_hosts) {
        outcomes.emplace_back(make_error(Errc::limit_exceeded,
                                         "the limit of " + std::to_string(max_hosts) + " hosts is reached"));
        continue;
      }
      Host host = input;
      host.user_id = user_id;
      host.created_at = now;
      outcomes.push_back(insert_host(sql, std::move(host)));
      if (outcomes.back()) ++count;
    }
    transaction.commit();
    return outcomes;
  });
}

Status SociStore::update_host(const Host& host) {
  const long long id = host.id, user_id = host.user_id;
  const std::string provider(to_string(host.provider));
  const int enabled = host.enabled ? 1 : 0;
  auto updated = with_session<bool>("update host", [&](soci::session& sql) -> Result<bool> {
    soci::statement st =
        (sql.prepare << "UPDATE hosts SET hostname = :h, provider = :p, service = :s, label = :l, "
                        "enabled = :e WHERE id = :i AND user_id = :u",
         soci::use(host.hostname), soci::use(provider), soci::use(host.service), soci::use(host.label),
         soci::use(enabled), soci::use(id), soci::use(user_id));
    st.execute(true);
    if (st.get_affected_rows() == 0) return no_such_host();
    return true;
  });
  if (!updated) {
    if (updated.error().code == Errc::duplicate) {
      return make_error(Errc::duplicate, host.hostname + " is already in your hosts");
    }
    return updated.error();
  }
  return {};
}

Status SociStore::delete_host(Id user_id, Id host_id) {
  const long long user = user_id, host = host_id;
  auto deleted = with_session<bool>("delete host", [&](soci::session& sql) -> Result<bool> {
    WriteTransaction transaction(sql, url_.kind);
    if (!host_belongs_to(sql, user, host)) return no_such_host();
    // Explicit deletes (not only ON DELETE CASCADE) so that a SQLite connection opened without
    // foreign_keys=ON by another tool still leaves no orphans.
    sql << "DELETE FROM ping_results WHERE host_id = :h", soci::use(host);
    sql << "DELETE FROM ping_rollups WHERE host_id = :h", soci::use(host);
    sql << "DELETE FROM hosts WHERE id = :h AND user_id = :u", soci::use(host), soci::use(user);
    transaction.commit();
    return true;
  });
  if (!deleted) return deleted.error();
  return {};
}

Result<Host> SociStore::find_host(Id user_id, Id host_id) {
  const long long user = user_id, host = host_id;
  return with_session<Host>("find host", [&](soci::session& sql) -> Result<Host> {
    HostRow row;
    std::optional<Host> found;
    for_each_row(
        sql, row, std::string("SELECT ") + kHostColumns + " FROM hosts h WHERE h.id = :h AND h.user_id = :u",
        [&](soci::statement& st) {
          st.exchange(soci::use(host));
          st.exchange(soci::use(user));
        },
        [&] { found = row.take(); });
    if (!found) return no_such_host();
    return *found;
  });
}

Result<std::vector<Host>> SociStore::list_hosts(Id user_id) {
  const long long user = user_id;
  return with_session<std::vector<Host>>("list hosts", [&](soci::session& sql) -> Result<std::vector<Host>> {
    HostRow row;
    std::vector<Host> hosts;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kHostColumns +
            " FROM hosts h WHERE h.user_id = :u ORDER BY h.provider, h.hostname",
        [&](soci::statement& st) { st.exchange(soci::use(user)); }, [&] { hosts.push_back(row.take()); });
    return hosts;
  });
}

Result<std::int64_t> SociStore::count_hosts(Id user_id) {
  const long long user = user_id;
  return with_session<std::int64_t>("count hosts", [&](soci::session& sql) -> Result<std::int64_t> {
    long long count = 0;
    sql << "SELECT COUNT(*) FROM hosts WHERE user_id = :u", soci::use(user), soci::into(count);
    return static_cast<std::int64_t>(count);
  });
}

Result<std::vector<Host>> SociStore::list_enabled_hosts() {
  return with_session<std::vector<Host>>(
      "list enabled hosts", [&](soci::session& sql) -> Result<std::vector<Host>> {
        HostRow row;
        std::vector<Host> hosts;
        for_each_row(
            sql, row,
            std::string("SELECT ") + kHostColumns + " FROM hosts h WHERE h.enabled = 1 ORDER BY h.id",
            [](soci::statement&) {}, [&] { hosts.push_back(row.take()); });
        return hosts;
      });
}

Result<std::int64_t> SociStore::insert_results(std::span<const PingResult> results) {
  if (results.empty()) return std::int64_t{0};
  return with_session<std::int64_t>("insert results", [&](soci::session& sql) -> Result<std::int64_t> {
    WriteTransaction transaction(sql, url_.kind);
    const std::int64_t inserted = url_.kind == DbKind::postgresql ? insert_results_as_arrays(sql, results)
                                                                  : insert_results_by_row(sql, results);
    transaction.commit();
    return inserted;
  });
}

// Both forms: INSERT ... SELECT ... WHERE EXISTS drops rows of hosts deleted since the round (instead of
// failing the batch on the foreign key); ON CONFLICT DO NOTHING makes replays idempotent.

std::int64_t SociStore::insert_results_by_row(soci::session& sql, std::span<const PingResult> results) {
  // SQLite: a prepared statement executed per row is cheap in-process (no round trip per row).
  ResultRow row;
  soci::statement st =
      (sql.prepare
           << "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
              "stddev_ms, error) SELECT :h, :t, :s, :r, :f0, :f1, :f2, :f3, :f4, :e "
              "WHERE EXISTS (SELECT 1 FROM hosts WHERE id = :h2) ON CONFLICT (host_id, ts) DO NOTHING",
       soci::use(row.host_id), soci::use(row.ts), soci::use(row.sent), soci::use(row.received),
       soci::use(row.figures[0], row.indicators[0]), soci::use(row.figures[1], row.indicators[1]),
       soci::use(row.figures[2], row.indicators[2]), soci::use(row.figures[3], row.indicators[3]),
       soci::use(row.figures[4], row.indicators[4]), soci::use(row.error, row.error_indicator),
       soci::use(row.host_id));
  std::int64_t inserted = 0;
  for (const PingResult& result : results) {
    row.put(result);
    st.execute(true);
    inserted += st.get_affected_rows();
  }
  return inserted;
}

std::int64_t SociStore::insert_results_as_arrays(soci::session& sql, std::span<const PingResult> results) {
  // PostgreSQL: one statement per batch. A statement per row costs a network round trip per row, which made
  // the writer the probe process's main CPU cost; unnest() turns ten array parameters back into rows.
  std::array<PostgresArrayBuilder, 10> columns;
  for (const PingResult& result : results) {
    columns[0].add_integer(result.host_id);
    columns[1].add_integer(result.ts);
    columns[2].add_integer(result.sent);
    columns[3].add_integer(result.received);
    columns[4].add_real(result.min_ms);
    columns[5].add_real(result.avg_ms);
    columns[6].add_real(result.max_ms);
    columns[7].add_real(result.median_ms);
    columns[8].add_real(result.stddev_ms);
    columns[9].add_text(result.error);
  }
  std::array<std::string, 10> arrays;
  for (std::size_t i = 0; i < columns.size(); ++i) arrays[i] = columns[i].finish();
  soci::statement st =
      (sql.prepare
           << "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
              "stddev_ms, error) SELECT v.* FROM unnest(CAST(:h AS BIGINT[]), CAST(:t AS BIGINT[]), "
              "CAST(:s AS INTEGER[]), CAST(:r AS INTEGER[]), CAST(:f0 AS DOUBLE PRECISION[]), "
              "CAST(:f1 AS DOUBLE PRECISION[]), CAST(:f2 AS DOUBLE PRECISION[]), "
              "CAST(:f3 AS DOUBLE PRECISION[]), CAST(:f4 AS DOUBLE PRECISION[]), CAST(:e AS TEXT[])) "
              "AS v(host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, stddev_ms, error) "
              "WHERE EXISTS (SELECT 1 FROM hosts WHERE id = v.host_id) ON CONFLICT (host_id, ts) DO NOTHING",
       soci::use(arrays[0]), soci::use(arrays[1]), soci::use(arrays[2]), soci::use(arrays[3]),
       soci::use(arrays[4]), soci::use(arrays[5]), soci::use(arrays[6]), soci::use(arrays[7]),
       soci::use(arrays[8]), soci::use(arrays[9]));
  st.execute(true);
  return st.get_affected_rows();
}

Result<std::vector<HostStatus>> SociStore::host_statuses(Id user_id) {
  const long long user = user_id;
  return with_session<std::vector<HostStatus>>(
      "read host statuses", [&](soci::session& sql) -> Result<std::vector<HostStatus>> {
        struct Row {
          HostRow host;
          ResultRow result;
          void bind(soci::statement& st) {
            host.bind(st);
            result.bind(st);
          }
        } row;
        std::vector<HostStatus> statuses;
        for_each_row(
            sql, row,
            std::string("SELECT ") + kHostColumns + ", " + kResultColumns +
                " FROM hosts h LEFT JOIN ping_results r ON r.host_id = h.id AND r.ts = "
                "(SELECT MAX(ts) FROM ping_results WHERE host_id = h.id) "
                "WHERE h.user_id = :u ORDER BY h.provider, h.hostname",
            [&](soci::statement& st) { st.exchange(soci::use(user)); },
            [&] {
              HostStatus status{row.host.take(), std::nullopt};
              if (row.result.ts_indicator == soci::i_ok) status.latest = row.result.take();
              statuses.push_back(std::move(status));
            });
        return statuses;
      });
}

Result<std::vector<PingResult>> SociStore::results_between(Id user_id, Id host_id, EpochMs from, EpochMs to) {
  const long long user = user_id, host = host_id, from_ms = from, to_ms = to;
  return with_session<std::vector<PingResult>>(
      "read results", [&](soci::session& sql) -> Result<std::vector<PingResult>> {
        if (!host_belongs_to(sql, user, host)) return no_such_host();
        ResultRow row;
        std::vector<PingResult> results;
        for_each_row(
            sql, row,
            std::string("SELECT ") + kResultColumns +
                " FROM ping_results r WHERE r.host_id = :h AND r.ts >= :f AND r.ts < :t ORDER BY r.ts",
            [&](soci::statement& st) {
              st.exchange(soci::use(host));
              st.exchange(soci::use(from_ms));
              st.exchange(soci::use(to_ms));
            },
            [&] { results.push_back(row.take()); });
        return results;
      });
}

Result<std::vector<Rollup>> SociStore::rollups_between(Id user_id, Id host_id, int period_s, EpochMs from,
                                                       EpochMs to) {
  const long long user = user_id, host = host_id, from_ms = from, to_ms = to;
  return with_session<
      std::vector<Rollup>>("read rollups", [&](soci::session& sql) -> Result<std::vector<Rollup>> {
    if (!host_belongs_to(sql, user, host)) return no_such_host();
    struct Row {
      long long host_id = 0, bucket_start = 0;
      int period = 0, rounds = 0, sent = 0, received = 0;
      double figures[4] = {};
      soci::indicator indicators[4] = {};
      void bind(soci::statement& st) {
        st.exchange(soci::into(host_id));
        st.exchange(soci::into(period));
        st.exchange(soci::into(bucket_start));
        st.exchange(soci::into(rounds));
        st.exchange(soci::into(sent));
        st.exchange(soci::into(received));
        for (int i = 0; i < 4; ++i) st.exchange(soci::into(figures[i], indicators[i]));
      }
      std::optional<double> figure(int i) const {
        return indicators[i] == soci::i_ok ? std::optional<double>(figures[i]) : std::nullopt;
      }
    } row;
    std::vector<Rollup> rollups;
    for_each_row(
        sql, row,
        "SELECT host_id, period_s, bucket_start, rounds, sent, received, min_ms, max_ms, avg_ms, median_ms "
        "FROM ping_rollups WHERE host_id = :h AND period_s = :p AND bucket_start >= :f AND bucket_start < :t "
        "ORDER BY bucket_start",
        [&](soci::statement& st) {
          st.exchange(soci::use(host));
          st.exchange(soci::use(period_s));
          st.exchange(soci::use(from_ms));
          st.exchange(soci::use(to_ms));
        },
        [&] {
          rollups.push_back(Rollup{row.host_id, row.period, row.bucket_start, row.rounds, row.sent,
                                   row.received, row.figure(0), row.figure(1), row.figure(2), row.figure(3)});
        });
    return rollups;
  });
}

}  // namespace semaphore::store
