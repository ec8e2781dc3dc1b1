// SociStore's AlertStore reads that only the pages need (issue 14): every host's alert state of one user in
// one query, for the report's state column. Scoped by user_id like every user-facing query.
#include "store/alert_rows.h"
#include "store/rows.h"
#include "store/soci_store.h"

namespace semaphore::store {

Result<std::vector<AlertStateRecord>> SociStore::user_alert_states(Id user_id, Id location_id) {
  using Out = std::vector<AlertStateRecord>;
  return with_session<Out>("read alert states", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id, location = location_id;
    StateRow row;
    Out states;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kStateColumns +
            " FROM alert_state WHERE host_id IN (SELECT id FROM hosts WHERE user_id = :u) AND location_id = "
            ":l "
            "ORDER BY host_id",
        [&](soci::statement& st) {
          st.exchange(soci::use(user));
          st.exchange(soci::use(location));
        },
        [&] { states.push_back(row.take()); });
    return states;
  });
}

namespace {

// Reads the alert_quorum rows of `where` (with one bound value), by host id.
std::vector<QuorumStateRecord> quorum_rows(soci::session& sql, const std::string& where, long long bound) {
  std::vector<QuorumStateRecord> states;
  QuorumRow row;
  for_each_row(
      sql, row,
      std::string("SELECT ") + kQuorumColumns + " FROM alert_quorum WHERE " + where + " ORDER BY host_id",
      [&](soci::statement& st) { st.exchange(soci::use(bound)); }, [&] { states.push_back(row.take()); });
  return states;
}

}  // namespace

Result<std::optional<QuorumStateRecord>> SociStore::host_quorum_state(Id user_id, Id host_id) {
  using Out = std::optional<QuorumStateRecord>;
  return with_session<Out>("read host state", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id, host = host_id;
    long long owned = 0;
    sql << "SELECT COUNT(*) FROM hosts WHERE id = :h AND user_id = :u", soci::use(host), soci::use(user),
        soci::into(owned);
    if (owned == 0) return make_error(Errc::not_found, "no such host");
    auto states = quorum_rows(sql, "host_id = :h", host);
    // A row made only to be locked (PostgreSQL) before the host's first verdict reads as none.
    if (states.empty() || (states.front().shown == "unknown" && states.front().last_change_at == 0)) {
      return Out{};
    }
    return Out{std::move(states.front())};
  });
}

Result<std::vector<QuorumStateRecord>> SociStore::user_quorum_states(Id user_id) {
  using Out = std::vector<QuorumStateRecord>;
  return with_session<Out>("read host states", [&](soci::session& sql) -> Result<Out> {
    auto states = quorum_rows(sql, "host_id IN (SELECT id FROM hosts WHERE user_id = :u)", user_id);
    std::erase_if(states, [](const auto& s) { return s.shown == "unknown" && s.last_change_at == 0; });
    return states;
  });
}

}  // namespace semaphore::store
