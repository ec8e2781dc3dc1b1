// SociStore's HostStore: hosts, ping results and rollups. Every query of a user's data is scoped by user_id.
#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <unordered_map>

#include "store/result_location.h"
#include "store/rows.h"
#include "store/soci_store.h"

namespace semaphore::store {
namespace {

bool host_belongs_to(soci::session& sql, long long user_id, long long host_id) {
  long long found = 0;
  sql << "SELECT COUNT(*) FROM hosts WHERE id = :h AND user_id = :u", soci::use(host_id), soci::use(user_id),
      soci::into(found);
  return found > 0;
}

Error no_such_host() {
  return make_error(Errc::not_found, "no such host");
}

// The locations switched off for the user's hosts (issue 16), by host then location: all of them, or
// `host_id`'s only (when not 0). One range of the table's key per host, reached through hosts' user index.
std::vector<HostLocationOff> read_locations_off(soci::session& sql, long long user_id, long long host_id) {
  std::vector<HostLocationOff> found;
  long long host = 0, location = 0;
  soci::statement st =
      (sql.prepare
           << "SELECT x.host_id, x.location_id FROM host_location_exclusions x JOIN hosts h ON h.id = "
              "x.host_id WHERE h.user_id = :u AND (:h1 = 0 OR h.id = :h2) ORDER BY x.host_id, "
              "x.location_id",
       soci::use(user_id), soci::use(host_id), soci::use(host_id), soci::into(host), soci::into(location));
  st.execute();
  while (st.fetch()) found.push_back(HostLocationOff{host, location});
  return found;
}

// Sets each host's Host::locations_off from `off` (ordered by host id, then location id).
void attach_locations_off(std::span<Host> hosts, const std::vector<HostLocationOff>& off) {
  if (off.empty()) return;
  std::unordered_map<Id, Host*> by_id;
  by_id.reserve(hosts.size());
  for (Host& host : hosts) by_id.emplace(host.id, &host);
  for (const HostLocationOff& each : off) {
    if (const auto found = by_id.find(each.host_id); found != by_id.end()) {
      found->second->locations_off.push_back(each.location_id);
    }
  }
}

// Inserts `host` (user_id and created_at set) and returns it with its id; Errc::duplicate when the user has
// its hostname already. ON CONFLICT DO NOTHING rather than a failed INSERT, which would abort the caller's
// PostgreSQL transaction.
Result<Host> insert_host(soci::session& sql, Host host) {
  const long long user_id = host.user_id, created = host.created_at;
  const std::string provider(to_string(host.provider));
  const int enabled = host.enabled ? 1 : 0;
  const std::string method(to_string(host.probe.method));
  const int port = host.probe.tcp_port;
  long long id = 0;
  soci::indicator id_indicator = soci::i_null;
  sql << "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at, probe_method, "
         "tcp_port) VALUES (:u, :h, :p, :s, :l, :e, :c, :m, :t) ON CONFLICT (user_id, hostname) DO NOTHING "
         "RETURNING id",
      soci::use(user_id), soci::use(host.hostname), soci::use(provider), soci::use(host.service),
      soci::use(host.label), soci::use(enabled), soci::use(created), soci::use(method), soci::use(port),
      soci::into(id, id_indicator);
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
                                                       std::int64_t default_max_hosts) {
  using Outcomes = std::vector<Result<Host>>;
  return with_session<Outcomes>("add hosts", [&](soci::session& sql) -> Result<Outcomes> {
    WriteTransaction transaction(sql, *dialect_);
    // The lock makes concurrent calls for one user take turns between here and COMMIT, so the count below
    // stays true until this transaction's inserts are committed.
    const long long user = user_id;
    if (!dialect_->lock_user(sql, user)) return make_error(Errc::not_found, "no such user");
    long long count = 0;
    sql << "SELECT COUNT(*) FROM hosts WHERE user_id = :u", soci::use(user), soci::into(count);
    // The user's own limit, when an admin set one, else the server's: read under the same lock, so that a
    // `user set --max-hosts` lands between two batches, never inside one.
    const long long fallback = default_max_hosts;
    long long limit = fallback;
    sql << "SELECT COALESCE(max_hosts, :d) FROM users WHERE id = :u", soci::use(fallback, "d"),
        soci::use(user, "u"), soci::into(limit);

    Outcomes outcomes;
    outcomes.reserve(hosts.size());
    const EpochMs now = now_epoch_ms();
    for (const Host& input : hosts) {
      if (count >= limit) {
        outcomes.emplace_back(
            make_error(Errc::limit_exceeded, "the limit of " + std::to_string(limit) + " hosts is reached"));
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
  const std::string method(to_string(host.probe.method));
  const int port = host.probe.tcp_port;
  auto updated = with_session<bool>("update host", [&](soci::session& sql) -> Result<bool> {
    soci::statement st =
        (sql.prepare << "UPDATE hosts SET hostname = :h, provider = :p, service = :s, label = :l, "
                        "enabled = :e, probe_method = :m, tcp_port = :t WHERE id = :i AND user_id = :u",
         soci::use(host.hostname), soci::use(provider), soci::use(host.service), soci::use(host.label),
         soci::use(enabled), soci::use(method), soci::use(port), soci::use(id), soci::use(user_id));
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
    WriteTransaction transaction(sql, *dialect_);
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
    for (const HostLocationOff& off : read_locations_off(sql, user, host)) {
      found->locations_off.push_back(off.location_id);
    }
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
    attach_locations_off(hosts, read_locations_off(sql, user, 0));
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

Status SociStore::set_host_locations_off(Id user_id, Id host_id, std::span<const Id> location_ids) {
  const long long user = user_id, host = host_id;
  std::vector<long long> ids(location_ids.begin(), location_ids.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto set = with_session<bool>("switch locations off", [&](soci::session& sql) -> Result<bool> {
    WriteTransaction transaction(sql, *dialect_);
    if (!host_belongs_to(sql, user, host)) return no_such_host();
    // Each id checked first: the foreign key would refuse it too, but as a failed statement (which aborts
    // a PostgreSQL transaction) rather than as the caller's mistake.
    for (const long long id : ids) {
      long long found = 0;
      sql << "SELECT COUNT(*) FROM locations WHERE id = :i", soci::use(id), soci::into(found);
      if (found == 0) return make_error(Errc::not_found, "no location has id " + std::to_string(id));
    }
    sql << "DELETE FROM host_location_exclusions WHERE host_id = :h", soci::use(host);
    for (long long id : ids) {
      sql << "INSERT INTO host_location_exclusions (host_id, location_id) VALUES (:h, :l)", soci::use(host),
          soci::use(id);
    }
    // The host list that the report keeps under this number holds each host's switched-off locations.
    sql << "INSERT INTO host_list_versions (user_id, version) VALUES (:u, 1) ON CONFLICT (user_id) DO UPDATE "
           "SET version = host_list_versions.version + 1",
        soci::use(user);
    transaction.commit();
    return true;
  });
  if (!set) return set.error();
  return {};
}

Result<std::vector<Id>> SociStore::host_locations_off(Id user_id, Id host_id) {
  const long long user = user_id, host = host_id;
  return with_session<std::vector<Id>>(
      "read locations off", [&](soci::session& sql) -> Result<std::vector<Id>> {
        if (!host_belongs_to(sql, user, host)) return no_such_host();
        std::vector<Id> ids;
        for (const HostLocationOff& off : read_locations_off(sql, user, host)) {
          ids.push_back(off.location_id);
        }
        return ids;
      });
}

Result<std::vector<HostLocationOff>> SociStore::user_locations_off(Id user_id) {
  const long long user = user_id;
  return with_session<std::vector<HostLocationOff>>(
      "read locations off", [&](soci::session& sql) -> Result<std::vector<HostLocationOff>> {
        return read_locations_off(sql, user, 0);
      });
}

namespace {

// Each host the query picks with its latest results from `location_id`: `where` is the WHERE clause (bound
// by `bind_where`), `order` the ORDER BY and LIMIT that follow it. HostStatus::latest is the latest row of
// the host's main kind (icmp for icmp and both hosts, tcp for tcp hosts); latest_tcp, for both hosts only,
// the latest tcp row. Both come from latest_results (migration 010), the copy of each (host, method)'s newest
// row that a trigger on ping_results keeps: a key lookup in a small table per host, where reading the newest
// row out of ping_results itself was an index seek per host into millions of rows (141 ms for 10,000 hosts on
// SQLite, 456 ms on PostgreSQL, on every /report after a write).
std::vector<HostStatus> read_host_statuses(soci::session& sql, Id location_id, const std::string& where_order,
                                           const std::function<void(soci::statement&)>& bind_where) {
  struct Row {
    HostRow host;
    ResultRow result, tcp;
    void bind(soci::statement& st) {
      host.bind(st);
      result.bind(st);
      tcp.bind(st);
    }
  } row;
  const std::string main_kind = "(CASE WHEN h.probe_method = 'tcp' THEN 1 ELSE 0 END)";
  // The id goes into the text as a number (an integer, never a request's text), where the join needs it.
  const std::string location = std::to_string(location_id);
  // A location switched off for a host (issue 16) shows none of its old rounds of it.
  const std::string off =
      "NOT EXISTS (SELECT 1 FROM host_location_exclusions x WHERE x.host_id = h.id AND "
      "x.location_id = " +
      location + ")";
  std::vector<HostStatus> statuses;
  for_each_row(
      sql, row,
      std::string("SELECT ") + kHostColumns + ", " + latest_result_columns("r") + ", " +
          latest_result_columns("t") +
          " FROM hosts h LEFT JOIN latest_results r ON r.user_id = h.user_id AND r.host_id = h.id AND "
          "r.location_id = " +
          location + " AND r.method = " + main_kind + " AND " + off +
          " LEFT JOIN latest_results t ON h.probe_method = 'both' AND t.user_id = h.user_id AND t.host_id = "
          "h.id AND t.location_id = " +
          location + " AND t.method = 1 AND " + off + " " + where_order,
      bind_where, [&] {
        HostStatus status{row.host.take(), std::nullopt, std::nullopt, {}};
        if (row.result.found()) status.latest = row.result.take();
        if (row.tcp.found()) status.latest_tcp = row.tcp.take();
        statuses.push_back(std::move(status));
      });
  return statuses;
}

// A limit for SQL: HostStore::kAll (or anything past it) as the largest BIGINT, which both back ends take
// as "no limit".
long long sql_limit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<long long>::max());
  return static_cast<long long>(std::min(limit, kMax));
}

}  // namespace

// The host list and the latest rounds, each one range read, joined here: for a user with many hosts this
// is cheaper than the join in SQL (a key lookup per host and per method), and it is the join the report
// does with a host list it kept (join_latest_rounds).
Result<std::vector<HostStatus>> SociStore::host_statuses(Id user_id, Id location_id) {
  auto hosts = list_hosts(user_id);
  if (!hosts) return hosts.error();
  auto rounds = latest_rounds(user_id);
  if (!rounds) return rounds.error();
  return join_latest_rounds(*hosts, *rounds, location_id);
}

// Every location's rows in one range of latest_results' key (user_id, host_id, location_id, method): a page
// that shows every location reads them all at the cost of one, and learns which locations report.
Result<std::vector<PingResult>> SociStore::latest_rounds(Id user_id) {
  const long long user = user_id;
  return with_session<std::vector<PingResult>>(
      "read latest rounds", [&](soci::session& sql) -> Result<std::vector<PingResult>> {
        ResultRow row;
        std::vector<PingResult> rounds;
        for_each_row(
            sql, row,
            "SELECT " + latest_result_columns("r") +
                " FROM latest_results r WHERE r.user_id = :u ORDER BY r.user_id, r.host_id, r.location_id, "
                "r.method",
            [&](soci::statement& st) { st.exchange(soci::use(user)); },
            [&] { rounds.push_back(row.take()); });
        return rounds;
      });
}

// The user's key range again, keeping only the rows the version's snapshot did not see (the dialect's
// condition, migration 018): PostgreSQL still walks the range, but sends, and we parse, only those rows.
Result<std::optional<std::vector<PingResult>>> SociStore::latest_rounds_written_since(
    Id user_id, const std::string& data_version) {
  using Out = std::optional<std::vector<PingResult>>;
  const std::string written_since = dialect_->written_since("r");
  if (written_since.empty() || data_version.empty()) return Out{};
  const long long user = user_id;
  return with_session<Out>("read latest rounds written since", [&](soci::session& sql) -> Result<Out> {
    ResultRow row;
    std::vector<PingResult> rounds;
    for_each_row(
        sql, row,
        "SELECT " + latest_result_columns("r") + " FROM latest_results r WHERE r.user_id = :u AND " +
            written_since,
        [&](soci::statement& st) {
          st.exchange(soci::use(user));
          st.exchange(soci::use(data_version));
        },
        [&] { rounds.push_back(row.take()); });
    return Out{std::move(rounds)};
  });
}

Result<std::vector<PingResult>> SociStore::latest_rounds_of_host(Id user_id, Id host_id) {
  const long long user = user_id, host = host_id;
  return with_session<std::vector<PingResult>>(
      "read a host's latest rounds", [&](soci::session& sql) -> Result<std::vector<PingResult>> {
        ResultRow row;
        std::vector<PingResult> rounds;
        for_each_row(
            sql, row,
            "SELECT " + latest_result_columns("r") +
                " FROM latest_results r WHERE r.user_id = :u AND r.host_id = :h ORDER BY r.user_id, "
                "r.host_id, r.location_id, r.method",
            [&](soci::statement& st) {
              st.exchange(soci::use(user));
              st.exchange(soci::use(host));
            },
            [&] { rounds.push_back(row.take()); });
        return rounds;
      });
}

Result<std::int64_t> SociStore::host_list_version(Id user_id) {
  const long long user = user_id;
  return with_session<std::int64_t>("read host list version",
                                    [&](soci::session& sql) -> Result<std::int64_t> {
                                      long long version = 0;
                                      sql << "SELECT version FROM host_list_versions WHERE user_id = :u",
                                          soci::use(user), soci::into(version);
                                      return sql.got_data() ? static_cast<std::int64_t>(version) : 0;
                                    });
}

Result<std::vector<HostStatus>> SociStore::all_host_statuses(Id location_id) {
  return with_session<std::vector<HostStatus>>(
      "read every host's status", [&](soci::session& sql) -> Result<std::vector<HostStatus>> {
        return read_host_statuses(sql, location_id, "ORDER BY h.id", [](soci::statement&) {});
      });
}

Result<std::vector<HostStatus>> SociStore::find_host_statuses(Id user_id, const HostQuery& query) {
  const long long user = user_id, after = query.after_id, only = query.id.value_or(0);
  const long long limit = sql_limit(query.limit == 0 ? kAll : query.limit);
  const std::string provider(query.provider ? to_string(*query.provider) : "");
  // The filters that are set, each bound (never pasted): the clause text only says which there are.
  std::string where = "WHERE h.user_id = :u AND h.id > :a";
  if (query.id) where += " AND h.id = :i";
  if (query.provider) where += " AND h.provider = :p";
  if (query.service) where += " AND h.service = :s";
  if (query.label) where += " AND h.label = :l";
  where += " ORDER BY h.id LIMIT :n";
  return with_session<std::vector<HostStatus>>(
      "find host statuses", [&](soci::session& sql) -> Result<std::vector<HostStatus>> {
        auto statuses = read_host_statuses(sql, query.location_id, where, [&](soci::statement& st) {
          st.exchange(soci::use(user));
          st.exchange(soci::use(after));
          if (query.id) st.exchange(soci::use(only));
          if (query.provider) st.exchange(soci::use(provider));
          if (query.service) st.exchange(soci::use(*query.service));
          if (query.label) st.exchange(soci::use(*query.label));
          st.exchange(soci::use(limit));
        });
        // The API's hosts say which locations are off (a page of hosts: the user's few rows, or one host's).
        const auto off = read_locations_off(sql, user, query.id ? only : 0);
        if (!off.empty()) {
          std::unordered_map<Id, std::size_t> position;
          for (std::size_t i = 0; i < statuses.size(); ++i) position.emplace(statuses[i].host.id, i);
          for (const HostLocationOff& each : off) {
            if (const auto found = position.find(each.host_id); found != position.end()) {
              statuses[found->second].host.locations_off.push_back(each.location_id);
            }
          }
        }
        return statuses;
      });
}

Result<std::vector<PingResult>> SociStore::results_between(Id user_id, Id host_id, Id location_id,
                                                           EpochMs from, EpochMs to, std::size_t limit) {
  const long long user = user_id, host = host_id, from_ms = from, to_ms = to, count = sql_limit(limit);
  return with_session<std::vector<PingResult>>(
      "read results", [&](soci::session& sql) -> Result<std::vector<PingResult>> {
        if (!host_belongs_to(sql, user, host)) return no_such_host();
        ResultRow row;
        std::vector<PingResult> results;
        for_each_row(
            sql, row,
            "SELECT " + result_columns("r") + " FROM ping_results r WHERE r.host_id = :h AND " +
                sql_method_of_location("r.method", location_id) +
                " AND r.ts >= :f AND r.ts < :t ORDER BY r.ts, r.method LIMIT :n",
            [&](soci::statement& st) {
              st.exchange(soci::use(host));
              st.exchange(soci::use(from_ms));
              st.exchange(soci::use(to_ms));
              st.exchange(soci::use(count));
            },
            [&] { results.push_back(row.take()); });
        return results;
      });
}

namespace {

// One ping_rollups row as read by the SELECTs below (kRollupColumns, in that order).
constexpr const char* kRollupColumns =
    "r.host_id, r.period_s, r.bucket_start, r.rounds, r.sent, r.received, r.min_ms, r.max_ms, r.avg_ms, "
    "r.median_ms, r.method, r.location_id";
struct RollupRow {
  long long host_id = 0, bucket_start = 0;
  int period = 0, rounds = 0, sent = 0, received = 0, method = 0;
  long long location_id = kLocalLocationId;
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
    st.exchange(soci::into(method));
    st.exchange(soci::into(location_id));
  }
  std::optional<double> figure(int i) const {
    return indicators[i] == soci::i_ok ? std::optional<double>(figures[i]) : std::nullopt;
  }
  Rollup take() const {
    return Rollup{host_id,
                  period,
                  bucket_start,
                  rounds,
                  sent,
                  received,
                  figure(0),
                  figure(1),
                  figure(2),
                  figure(3),
                  probe_kind_from_int(method).value_or(ProbeKind::icmp),
                  location_id};
  }
};

}  // namespace

Result<std::vector<Rollup>> SociStore::rollups_between(Id user_id, Id host_id, Id location_id, int period_s,
                                                       EpochMs from, EpochMs to, std::size_t limit) {
  const long long user = user_id, host = host_id, location = location_id, from_ms = from, to_ms = to,
                  count = sql_limit(limit);
  return with_session<std::vector<Rollup>>(
      "read rollups", [&](soci::session& sql) -> Result<std::vector<Rollup>> {
        if (!host_belongs_to(sql, user, host)) return no_such_host();
        RollupRow row;
        std::vector<Rollup> rollups;
        for_each_row(
            sql, row,
            std::string("SELECT ") + kRollupColumns +
                " FROM ping_rollups r WHERE r.host_id = :h AND r.period_s = :p AND r.bucket_start >= :f AND "
                "r.bucket_start < :t AND r.location_id = :l ORDER BY r.bucket_start, r.method LIMIT :n",
            [&](soci::statement& st) {
              st.exchange(soci::use(host));
              st.exchange(soci::use(period_s));
              st.exchange(soci::use(from_ms));
              st.exchange(soci::use(to_ms));
              st.exchange(soci::use(location));
              st.exchange(soci::use(count));
            },
            [&] { rollups.push_back(row.take()); });
        return rollups;
      });
}

Result<std::vector<Rollup>> SociStore::rollups_of_hosts(Id user_id, std::span<const Id> host_ids,
                                                        Id location_id, int period_s, EpochMs from,
                                                        EpochMs to) {
  if (host_ids.size() > kMaxHostsPerRead) {
    return make_error(Errc::invalid_argument, "too many hosts in one read");
  }
  std::vector<Rollup> rollups;
  if (host_ids.empty()) return rollups;
  const long long user = user_id, location = location_id, from_ms = from, to_ms = to;
  // The ids go into the text as numbers (they are integers, never a request's text): one statement whatever
  // their count, each host's range a seek on the (host_id, period_s, bucket_start, method) key; the join
  // keeps other users' hosts out.
  std::string ids;
  ids.reserve(host_ids.size() * 8);
  for (const Id id : host_ids) {
    if (!ids.empty()) ids += ',';
    ids += std::to_string(id);
  }
  return with_session<
      std::vector<Rollup>>("read rollups of hosts", [&](soci::session& sql) -> Result<std::vector<Rollup>> {
    RollupRow row;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kRollupColumns +
            " FROM ping_rollups r JOIN hosts h ON h.id = r.host_id WHERE h.user_id = :u AND r.host_id IN (" +
            ids +
            ") AND r.period_s = :p AND r.bucket_start >= :f AND r.bucket_start < :t AND r.location_id = :l "
            "ORDER BY r.host_id, r.bucket_start, r.method",
        [&](soci::statement& st) {
          st.exchange(soci::use(user));
          st.exchange(soci::use(period_s));
          st.exchange(soci::use(from_ms));
          st.exchange(soci::use(to_ms));
          st.exchange(soci::use(location));
        },
        [&] { rollups.push_back(row.take()); });
    return rollups;
  });
}

namespace {

// Puts `round` where a host of `method` keeps it: `latest` (its main kind) or `latest_tcp` (a both host's
// tcp round); a round of a kind the host no longer measures is left out.
void place_round(ProbeMethod method, const PingResult& round, std::optional<PingResult>& latest,
                 std::optional<PingResult>& latest_tcp) {
  const ProbeKind main_kind = method == ProbeMethod::tcp ? ProbeKind::tcp : ProbeKind::icmp;
  if (round.method == main_kind) {
    latest = round;
  } else if (method == ProbeMethod::both && round.method == ProbeKind::tcp) {
    latest_tcp = round;
  }
}

// Each host of `hosts` as a status with nothing measured yet, and where each host id is among them.
std::vector<HostStatus> empty_statuses(std::span<const Host> hosts,
                                       std::unordered_map<Id, std::size_t>& position) {
  position.reserve(hosts.size());
  std::vector<HostStatus> statuses;
  statuses.reserve(hosts.size());
  for (const Host& host : hosts) {
    position.emplace(host.id, statuses.size());
    statuses.push_back(HostStatus{host, std::nullopt, std::nullopt, {}});
  }
  return statuses;
}

}  // namespace

std::vector<HostStatus> join_latest_rounds(std::span<const Host> hosts, std::span<const PingResult> rounds,
                                           Id location_id) {
  std::unordered_map<Id, std::size_t> position;
  std::vector<HostStatus> statuses = empty_statuses(hosts, position);
  for (const PingResult& round : rounds) {
    if (round.location_id != location_id) continue;
    const auto found = position.find(round.host_id);
    if (found == position.end()) continue;
    HostStatus& status = statuses[found->second];
    if (status.host.location_off(round.location_id)) continue;  // its old rounds: never shown (issue 16)
    place_round(status.host.probe.method, round, status.latest, status.latest_tcp);
  }
  return statuses;
}

std::vector<HostStatus> join_rounds_by_location(std::span<const Host> hosts,
                                                std::span<const PingResult> rounds,
                                                StatusPositions* positions) {
  StatusPositions position;
  std::vector<HostStatus> statuses = empty_statuses(hosts, position);
  place_rounds_by_location(statuses, position, rounds);
  if (positions != nullptr) *positions = std::move(position);
  return statuses;
}

void place_rounds_by_location(std::vector<HostStatus>& statuses, const StatusPositions& positions,
                              std::span<const PingResult> rounds) {
  for (const PingResult& round : rounds) {
    const auto found = positions.find(round.host_id);
    if (found == positions.end()) continue;
    HostStatus& status = statuses[found->second];
    if (status.host.location_off(round.location_id)) continue;  // its old rounds: never shown (issue 16)
    // latest_rounds orders a host's rows by location, so the location is most often the last one added.
    auto at = std::find_if(status.locations.begin(), status.locations.end(),
                           [&](const LocationRounds& each) { return each.location_id >= round.location_id; });
    if (at == status.locations.end() || at->location_id != round.location_id) {
      at = status.locations.insert(at, LocationRounds{round.location_id, std::nullopt, std::nullopt});
    }
    place_round(status.host.probe.method, round, at->latest, at->latest_tcp);
  }
}

}  // namespace semaphore::store
