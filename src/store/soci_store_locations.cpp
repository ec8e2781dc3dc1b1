// SociStore's LocationStore (issue 16): the locations table. An agent's token is here only as its hash.
#include <algorithm>
#include <optional>

#include "store/rows.h"
#include "store/soci_store.h"

namespace semaphore::store {
namespace {

constexpr const char* kLocationColumns =
    "id, name, label, token_hash, created_at, last_seen_at, version, rounds_on_time, rounds_late, "
    "spool_backlog, interval_ms, offline_since";

// The row buffers SOCI fills for kLocationColumns.
struct LocationRow {
  long long id = 0, created_at = 0, last_seen_at = 0, on_time = 0, late = 0, backlog = 0, interval = 0,
            offline_since = 0;
  std::string name, label, token_hash, version;
  soci::indicator hash_indicator = soci::i_null, seen_indicator = soci::i_null,
                  offline_indicator = soci::i_null;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(label));
    st.exchange(soci::into(token_hash, hash_indicator));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(last_seen_at, seen_indicator));
    st.exchange(soci::into(version));
    st.exchange(soci::into(on_time));
    st.exchange(soci::into(late));
    st.exchange(soci::into(backlog));
    st.exchange(soci::into(interval));
    st.exchange(soci::into(offline_since, offline_indicator));
  }
  Location take() const {
    Location location;
    location.id = id;
    location.name = name;
    location.label = label;
    if (hash_indicator == soci::i_ok) location.token_hash = token_hash;
    location.created_at = created_at;
    if (seen_indicator == soci::i_ok) location.last_seen_at = last_seen_at;
    location.version = version;
    location.rounds_on_time = on_time;
    location.rounds_late = late;
    location.spool_backlog = backlog;
    location.interval_ms = interval;
    if (offline_indicator == soci::i_ok) location.offline_since = offline_since;
    return location;
  }
};

// Runs `query` (selecting kLocationColumns) with `uses` bound and returns every row.
template <class BindUses>
std::vector<Location> fetch_locations(soci::session& sql, const std::string& query, BindUses bind_uses) {
  LocationRow row;
  std::vector<Location> locations;
  for_each_row(sql, row, query, bind_uses, [&] { locations.push_back(row.take()); });
  return locations;
}

Result<Location> first_or_not_found(std::vector<Location> found) {
  if (found.empty()) return make_error(Errc::not_found, "no such location");
  return std::move(found.front());
}

Status affected_one(const Result<bool>& changed) {
  if (!changed) return changed.error();
  if (!*changed) return make_error(Errc::not_found, "no such location");
  return {};
}

}  // namespace

Result<Location> SociStore::add_location(const Location& input) {
  return with_session<Location>("add location", [&](soci::session& sql) -> Result<Location> {
    Location location;
    location.name = input.name;
    location.label = input.label;
    location.token_hash = input.token_hash;
    location.created_at = input.created_at == 0 ? now_epoch_ms() : input.created_at;
    const long long created = location.created_at;
    std::string hash = location.token_hash.value_or("");
    soci::indicator hash_indicator = location.token_hash ? soci::i_ok : soci::i_null;
    long long id = 0;
    soci::indicator id_indicator = soci::i_null;
    // ON CONFLICT DO NOTHING rather than a failed INSERT, which would abort a PostgreSQL transaction. The
    // clash is the name: token hashes are SHA-256 of 256 random bits.
    sql << "INSERT INTO locations (name, label, token_hash, created_at) VALUES (:n, :l, :h, :c) "
           "ON CONFLICT DO NOTHING RETURNING id",
        soci::use(location.name), soci::use(location.label), soci::use(hash, hash_indicator),
        soci::use(created), soci::into(id, id_indicator);
    if (!sql.got_data() || id_indicator != soci::i_ok) {
      return make_error(Errc::duplicate, "a location named " + location.name + " exists already");
    }
    location.id = id;
    return location;
  });
}

Result<std::vector<Location>> SociStore::list_locations() {
  return with_session<std::vector<Location>>("list locations", [&](soci::session& sql) {
    return Result<std::vector<Location>>(
        fetch_locations(sql, std::string("SELECT ") + kLocationColumns + " FROM locations ORDER BY id",
                        [](soci::statement&) {}));
  });
}

Result<Location> SociStore::find_location(const std::string& name) {
  return with_session<Location>("find location", [&](soci::session& sql) {
    return first_or_not_found(
        fetch_locations(sql, std::string("SELECT ") + kLocationColumns + " FROM locations WHERE name = :n",
                        [&](soci::statement& st) { st.exchange(soci::use(name)); }));
  });
}

Result<Location> SociStore::find_location_by_id(Id id) {
  const long long wanted = id;
  return with_session<Location>("find location", [&](soci::session& sql) {
    return first_or_not_found(
        fetch_locations(sql, std::string("SELECT ") + kLocationColumns + " FROM locations WHERE id = :i",
                        [&](soci::statement& st) { st.exchange(soci::use(wanted)); }));
  });
}

Result<Location> SociStore::find_location_by_token(const std::string& token_hash) {
  return with_session<Location>("find location", [&](soci::session& sql) {
    return first_or_not_found(fetch_locations(
        sql, std::string("SELECT ") + kLocationColumns + " FROM locations WHERE token_hash = :h",
        [&](soci::statement& st) { st.exchange(soci::use(token_hash)); }));
  });
}

Status SociStore::rename_location(const std::string& old_name, const std::string& new_name) {
  auto renamed = with_session<bool>("rename location", [&](soci::session& sql) -> Result<bool> {
    WriteTransaction transaction(sql, *dialect_);
    long long taken = 0;
    sql << "SELECT COUNT(*) FROM locations WHERE name = :n", soci::use(new_name), soci::into(taken);
    if (taken > 0 && old_name != new_name) {
      return make_error(Errc::duplicate, "a location named " + new_name + " exists already");
    }
    soci::statement st = (sql.prepare << "UPDATE locations SET name = :n WHERE name = :o",
                          soci::use(new_name), soci::use(old_name));
    st.execute(true);
    const bool changed = st.get_affected_rows() > 0;
    transaction.commit();
    return changed;
  });
  return affected_one(renamed);
}

Status SociStore::set_location_label(const std::string& name, const std::string& label) {
  return affected_one(with_session<bool>("set location label", [&](soci::session& sql) -> Result<bool> {
    soci::statement st =
        (sql.prepare << "UPDATE locations SET label = :l WHERE name = :n", soci::use(label), soci::use(name));
    st.execute(true);
    return st.get_affected_rows() > 0;
  }));
}

Status SociStore::set_location_token_hash(const std::string& name, const std::string& token_hash) {
  return affected_one(with_session<bool>("replace location token", [&](soci::session& sql) -> Result<bool> {
    soci::statement st =
        (sql.prepare << "UPDATE locations SET token_hash = :t WHERE name = :n AND token_hash "
                        "IS NOT NULL",
         soci::use(token_hash), soci::use(name));
    st.execute(true);
    return st.get_affected_rows() > 0;
  }));
}

Status SociStore::remove_location(const std::string& name) {
  return affected_one(with_session<bool>("remove location", [&](soci::session& sql) -> Result<bool> {
    // Refused while the location has results (issue 16): its rounds are kept, never deleted with it. Its
    // newest rows (latest_results, which every ping_results row of it reaches: result_location.h), rollups
    // and alert state all refer to it by foreign key; asking first turns the key's refusal into a message.
    // Its leases and workers go with it.
    WriteTransaction transaction(sql, *dialect_);
    long long id = 0, rows = 0;
    sql << "SELECT id FROM locations WHERE name = :n", soci::use(name), soci::into(id);
    if (!sql.got_data()) return false;
    sql << "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM latest_results WHERE location_id = :a LIMIT 1) x) + "
           "(SELECT COUNT(*) FROM (SELECT 1 FROM ping_rollups WHERE location_id = :b LIMIT 1) y) + "
           "(SELECT COUNT(*) FROM (SELECT 1 FROM alert_state WHERE location_id = :c LIMIT 1) z)",
        soci::use(id), soci::use(id), soci::use(id), soci::into(rows);
    if (rows > 0) {
      return make_error(Errc::invalid_argument,
                        "The location " + name +
                            " has stored results (rounds, rollups or alert state), which removing it would "
                            "lose: it cannot be removed while it has any (rename it instead).");
    }
    soci::statement st = (sql.prepare << "DELETE FROM locations WHERE id = :i", soci::use(id));
    st.execute(true);
    transaction.commit();
    return st.get_affected_rows() > 0;
  }));
}

Status SociStore::record_heartbeat(const LocationHeartbeat& heartbeat) {
  const long long id = heartbeat.location_id, at = heartbeat.at, on_time = heartbeat.rounds_on_time,
                  late = heartbeat.rounds_late, backlog = heartbeat.spool_backlog,
                  interval = heartbeat.interval_ms;
  return affected_one(with_session<bool>("record heartbeat", [&](soci::session& sql) -> Result<bool> {
    // One statement: the counts are added in place, so two workers of one location that report at once
    // both count (the row lock orders them); the rest is the last writer's.
    soci::statement st =
        (sql.prepare << "UPDATE locations SET last_seen_at = :a, version = :v, "
                        "rounds_on_time = rounds_on_time + :o, rounds_late = rounds_late + :l, "
                        "spool_backlog = :b, interval_ms = :i WHERE id = :id",
         soci::use(at), soci::use(heartbeat.version), soci::use(on_time), soci::use(late), soci::use(backlog),
         soci::use(interval), soci::use(id));
    st.execute(true);
    return st.get_affected_rows() > 0;
  }));
}

namespace {

// Sets or clears offline_since where `condition` holds and, when this statement changed it, records the
// event and its notifications in the same transaction.
Result<bool> mark_location(soci::session& sql, const Dialect& dialect, long long id, long long at,
                           const char* update, const char* kind) {
  WriteTransaction transaction(sql, dialect);
  soci::statement st = (sql.prepare << update, soci::use(at), soci::use(id));
  st.execute(true);
  if (st.get_affected_rows() == 0) return false;
  const std::string event_kind = kind;
  sql << "INSERT INTO location_events (location_id, at, kind, last_seen_at) SELECT id, :a, :k, last_seen_at "
         "FROM locations WHERE id = :i",
      soci::use(at), soci::use(event_kind), soci::use(id);
  // Its notifications, in the same transaction (migration 016): every enabled channel of an admin that covers
  // all hosts and providers, and whose states (if narrowed) include the one the location's change means for
  // its hosts' checks — down for offline, up for online. The event is the location's newest: this
  // transaction's conditional UPDATE above holds the location's row, so no other event of it comes between.
  const std::string state_pattern = std::string("%,") + (event_kind == "offline" ? "down" : "up") + ",%";
  sql << "INSERT INTO alert_outbox (channel_id, location_event_id, user_id, status, attempts, "
         "next_attempt_at, "
         "created_at) SELECT c.id, (SELECT MAX(e.id) FROM location_events e WHERE e.location_id = :i), "
         "c.user_id, 'pending', 0, :a, :a2 FROM alert_channels c JOIN users u ON u.id = c.user_id WHERE "
         "u.is_admin = 1 AND c.enabled = 1 AND c.host_ids = '' AND c.providers = '' AND (c.states = '' OR "
         "',' || c.states || ',' LIKE :p)",
      soci::use(id), soci::use(at), soci::use(at), soci::use(state_pattern);
  transaction.commit();
  return true;
}

}  // namespace

Result<bool> SociStore::mark_location_offline(Id location_id, EpochMs at) {
  return with_session<bool>("mark location offline", [&](soci::session& sql) -> Result<bool> {
    return mark_location(sql, *dialect_, location_id, at,
                         "UPDATE locations SET offline_since = :a WHERE id = :i AND offline_since IS NULL",
                         "offline");
  });
}

Result<bool> SociStore::mark_location_online(Id location_id, EpochMs at) {
  return with_session<bool>("mark location online", [&](soci::session& sql) -> Result<bool> {
    // :a is bound for the shape shared with the offline statement; the row just loses its offline_since.
    return mark_location(sql, *dialect_, location_id, at,
                         "UPDATE locations SET offline_since = NULL WHERE offline_since IS NOT NULL AND "
                         "offline_since <= :a AND id = :i",
                         "online");
  });
}

Result<std::vector<LocationEvent>> SociStore::recent_location_events(int limit) {
  using Out = std::vector<LocationEvent>;
  return with_session<Out>("list location events", [&](soci::session& sql) -> Result<Out> {
    const int most = std::clamp(limit, 1, 1000);
    long long id = 0, location = 0, at = 0, seen = 0;
    std::string name, kind;
    soci::indicator seen_indicator = soci::i_null;
    Out events;
    soci::statement st =
        (sql.prepare
             << "SELECT e.id, e.location_id, l.name, e.at, e.kind, e.last_seen_at FROM location_events e "
                "JOIN locations l ON l.id = e.location_id ORDER BY e.id DESC LIMIT :n",
         soci::use(most), soci::into(id), soci::into(location), soci::into(name), soci::into(at),
         soci::into(kind), soci::into(seen, seen_indicator));
    if (st.execute(true)) {
      do {
        events.push_back(
            LocationEvent{id, location, name, at, kind,
                          seen_indicator == soci::i_ok ? std::optional<EpochMs>(seen) : std::nullopt});
      } while (st.fetch());
    }
    return events;
  });
}

}  // namespace semaphore::store
