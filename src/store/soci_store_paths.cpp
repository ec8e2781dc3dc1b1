// SociStore's PathStore (issue 15): hosts' measured network paths (table host_paths, 007_paths.sql) and the
// path of an alert event. The service's calls are not scoped by user; every read of a user's host is.
#include <algorithm>

#include "store/alert_rows.h"
#include "store/rows.h"
#include "store/soci_store.h"

namespace semaphore::store {
namespace {

constexpr const char* kPathColumns =
    "p.id, p.host_id, p.measured_at, p.trigger, p.reached, p.good, p.hops, p.changed, p.previous_id, "
    "p.verdict, "
    "p.verdict_kind, p.verdict_hop";

struct PathRow {
  long long id = 0, host_id = 0, measured_at = 0;
  std::string trigger, hops, verdict, verdict_kind;
  int reached = 0, good = 0, changed = 0;
  Nullable<long long> previous_id;
  Nullable<int> verdict_hop;
  // With a change (kPathColumns then the previous path's q.measured_at, q.hops).
  Nullable<long long> previous_measured_at;
  Nullable<std::string> previous_hops;
  bool with_previous = false;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(host_id));
    st.exchange(soci::into(measured_at));
    st.exchange(soci::into(trigger));
    st.exchange(soci::into(reached));
    st.exchange(soci::into(good));
    st.exchange(soci::into(hops));
    st.exchange(soci::into(changed));
    st.exchange(previous_id.into());
    st.exchange(soci::into(verdict));
    st.exchange(soci::into(verdict_kind));
    st.exchange(verdict_hop.into());
    if (with_previous) {
      st.exchange(previous_measured_at.into());
      st.exchange(previous_hops.into());
    }
  }
  HostPathRecord take() const {
    HostPathRecord p;
    p.id = id;
    p.host_id = host_id;
    p.measured_at = measured_at;
    p.trigger = trigger;
    p.reached = reached != 0;
    p.good = good != 0;
    p.hops = hops;
    p.changed = changed != 0;
    if (auto previous = previous_id.get()) p.previous_id = *previous;
    p.verdict = verdict;
    p.verdict_kind = verdict_kind;
    p.verdict_hop = verdict_hop.get();
    if (auto at = previous_measured_at.get()) p.previous_measured_at = *at;
    p.previous_hops = previous_hops.get().value_or("");
    return p;
  }
};

bool host_of_user(soci::session& sql, long long user_id, long long host_id) {
  long long found = 0;
  sql << "SELECT COUNT(*) FROM hosts WHERE id = :h AND user_id = :u", soci::use(host_id), soci::use(user_id),
      soci::into(found);
  return found > 0;
}

Error no_such_host() {
  return make_error(Errc::not_found, "no such host");
}

// The first path `where` selects (kPathColumns from host_paths p), binding one id.
std::optional<HostPathRecord> first_path(soci::session& sql, const std::string& where, long long id) {
  PathRow row;
  std::optional<HostPathRecord> found;
  for_each_row(
      sql, row, std::string("SELECT ") + kPathColumns + " FROM host_paths p WHERE " + where + " LIMIT 1",
      [&](soci::statement& st) { st.exchange(soci::use(id)); }, [&] { found = row.take(); });
  return found;
}

}  // namespace

Result<HostPathRecord> SociStore::insert_path(const HostPathRecord& input, std::optional<EpochMs> event_at) {
  return with_session<HostPathRecord>("store path", [&](soci::session& sql) -> Result<HostPathRecord> {
    WriteTransaction transaction(sql, *dialect_);
    HostPathRecord path = input;
    const long long host = path.host_id, at = path.measured_at;
    long long found = 0;
    sql << "SELECT COUNT(*) FROM hosts WHERE id = :h", soci::use(host), soci::into(found);
    if (found == 0) return no_such_host();
    const int reached = path.reached ? 1 : 0, good = path.good ? 1 : 0, changed = path.changed ? 1 : 0;
    long long previous = path.previous_id.value_or(0);
    soci::indicator previous_indicator = path.previous_id ? soci::i_ok : soci::i_null;
    int hop = path.verdict_hop.value_or(0);
    soci::indicator hop_indicator = path.verdict_hop ? soci::i_ok : soci::i_null;
    long long id = 0;
    sql << "INSERT INTO host_paths (host_id, measured_at, trigger, reached, good, hops, changed, "
           "previous_id, "
           "verdict, verdict_kind, verdict_hop) VALUES (:h, :m, :t, :r, :g, :o, :c, :p, :v, :k, :n) "
           "RETURNING id",
        soci::use(host), soci::use(at), soci::use(path.trigger), soci::use(reached), soci::use(good),
        soci::use(path.hops), soci::use(changed), soci::use(previous, previous_indicator),
        soci::use(path.verdict), soci::use(path.verdict_kind), soci::use(hop, hop_indicator), soci::into(id);
    path.id = id;
    if (event_at) {
      const long long event = *event_at;
      sql << "UPDATE alert_events SET path_id = :p WHERE host_id = :h AND at = :a AND path_id IS NULL",
          soci::use(id), soci::use(host), soci::use(event);
      // Their notifications waited for this path (kNotificationPathWaitMs): due now, at the event's time.
      // Rows tried already keep their retry time.
      sql << "UPDATE alert_outbox SET next_attempt_at = (SELECT e.at FROM alert_events e WHERE e.id = "
             "alert_outbox.event_id) WHERE status = 'pending' AND attempts = 0 AND event_id IN (SELECT e.id "
             "FROM alert_events e WHERE e.path_id = :p)",
          soci::use(id);
    }
    transaction.commit();
    return path;
  });
}

Result<std::optional<HostPathRecord>> SociStore::latest_path(Id host_id) {
  using Out = std::optional<HostPathRecord>;
  return with_session<Out>("read latest path", [&](soci::session& sql) -> Result<Out> {
    return first_path(sql, "p.host_id = :h ORDER BY p.id DESC", host_id);
  });
}

Result<std::optional<HostPathRecord>> SociStore::last_good_path(Id host_id) {
  using Out = std::optional<HostPathRecord>;
  return with_session<Out>("read last good path", [&](soci::session& sql) -> Result<Out> {
    return first_path(sql, "p.host_id = :h AND p.good = 1 ORDER BY p.id DESC", host_id);
  });
}

Result<std::optional<HostPathRecord>> SociStore::reference_path(Id host_id) {
  using Out = std::optional<HostPathRecord>;
  return with_session<Out>("read reference path", [&](soci::session& sql) -> Result<Out> {
    return first_path(
        sql, "p.host_id = :h ORDER BY p.changed DESC, CASE WHEN p.changed = 1 THEN -p.id ELSE p.id END",
        host_id);
  });
}

Result<std::int64_t> SociStore::prune_paths(EpochMs cutoff, std::int64_t limit) {
  const long long before = cutoff, most = limit;
  return with_session<std::int64_t>("prune paths", [&](soci::session& sql) -> Result<std::int64_t> {
    // Each host keeps its newest path and its newest good one: the next trace and the next verdict compare
    // with them, however old they are. The ids of one batch, then those (no DELETE ... LIMIT).
    soci::statement st =
        (sql.prepare
             << "DELETE FROM host_paths WHERE id IN (SELECT p.id FROM host_paths p WHERE p.measured_at < :c "
                "AND EXISTS (SELECT 1 FROM host_paths n WHERE n.host_id = p.host_id AND n.id > p.id) AND "
                "(p.good = 0 OR EXISTS (SELECT 1 FROM host_paths g WHERE g.host_id = p.host_id AND g.good = "
                "1 "
                "AND g.id > p.id)) LIMIT :l)",
         soci::use(before), soci::use(most));
    st.execute(true);
    return static_cast<std::int64_t>(st.get_affected_rows());
  });
}

Result<std::optional<HostPathRecord>> SociStore::user_latest_path(Id user_id, Id host_id) {
  using Out = std::optional<HostPathRecord>;
  return with_session<Out>("read latest path", [&](soci::session& sql) -> Result<Out> {
    if (!host_of_user(sql, user_id, host_id)) return no_such_host();
    return first_path(sql, "p.host_id = :h ORDER BY p.id DESC", host_id);
  });
}

Result<std::vector<HostPathRecord>> SociStore::host_paths(Id user_id, Id host_id, const PathQuery& query) {
  using Out = std::vector<HostPathRecord>;
  return with_session<Out>("list paths", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id, host = host_id,
                    before = query.before_id > 0 ? query.before_id : (1LL << 62),
                    most = std::clamp(query.limit, 1, 100);
    if (!host_of_user(sql, user, host)) return no_such_host();
    PathRow row;
    row.with_previous = true;
    std::string text =
        std::string("SELECT ") + kPathColumns +
        ", q.measured_at, q.hops FROM host_paths p LEFT JOIN host_paths q ON q.id = p.previous_id "
        "WHERE p.host_id = :h AND p.id < :b";
    if (query.changes_only) text += " AND p.changed = 1";
    text += " ORDER BY p.id DESC LIMIT :l";
    Out paths;
    for_each_row(
        sql, row, text,
        [&](soci::statement& st) {
          st.exchange(soci::use(host));
          st.exchange(soci::use(before));
          st.exchange(soci::use(most));
        },
        [&] { paths.push_back(row.take()); });
    return paths;
  });
}

Result<HostPathRecord> SociStore::find_path(Id user_id, Id path_id) {
  return with_session<HostPathRecord>("read path", [&](soci::session& sql) -> Result<HostPathRecord> {
    const long long user = user_id, id = path_id;
    PathRow row;
    std::optional<HostPathRecord> found;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kPathColumns +
            " FROM host_paths p JOIN hosts h ON h.id = p.host_id WHERE p.id = :i AND h.user_id = :u",
        [&](soci::statement& st) {
          st.exchange(soci::use(id));
          st.exchange(soci::use(user));
        },
        [&] { found = row.take(); });
    if (!found) return make_error(Errc::not_found, "no such path");
    return std::move(*found);
  });
}

}  // namespace semaphore::store
