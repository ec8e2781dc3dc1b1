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

}  // namespace semaphore::store
