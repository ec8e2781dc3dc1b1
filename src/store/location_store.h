#pragma once
// LocationStore (issue 16): the places hosts are pinged from (table locations, migration 012). `local`
// (id 1) is the database-connected ping service; an agent location is found by the hex SHA-256 of its agent
// token. Used by the CLI (`semaphore location ...`, through domain/locations.h for anything that makes or
// changes one), the web (/locations, GET /api/v1/locations) and the ping service (its heartbeat,
// monitor/heartbeat.h).
//
// Rules every implementation keeps:
//  - The token's text is never stored or returned, only its hash.
//  - Names are checked by domain/locations.h before they get here (the table's CHECK is the backstop).
//  - Methods never throw. Database failures are Errc::unavailable; a name taken already is Errc::duplicate;
//    a missing row Errc::not_found.
//  - Safe to call from many threads at once (a connection pool inside).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/records.h"

namespace semaphore::store {

struct Location {
  Id id = 0;
  std::string name;                       // 1-32 of [a-z0-9-]
  std::string label;                      // free text, at most 100 characters
  std::optional<std::string> token_hash;  // an agent's; nullopt for a database-connected location
  EpochMs created_at = 0;
  // What the location reports (each round of each of its workers).
  std::optional<EpochMs> last_seen_at;  // nullopt: never
  std::string version;
  std::int64_t rounds_on_time = 0;
  std::int64_t rounds_late = 0;
  std::int64_t spool_backlog = 0;  // rows waiting in the spool, as last reported
  std::int64_t interval_ms = 0;    // its round interval, as last reported; 0: never reported
  // Since when it is recorded offline (mark_location_offline); nullopt while online or never judged.
  std::optional<EpochMs> offline_since;

  bool is_agent() const { return token_hash.has_value(); }
};

// A location going offline or coming back (table location_events, migration 014).
struct LocationEvent {
  Id id = 0;
  Id location_id = 0;
  std::string location_name;
  EpochMs at = 0;
  std::string kind;                     // "offline" or "online"
  std::optional<EpochMs> last_seen_at;  // when it was last heard from, as the event was recorded
};

// One worker's report after a round (or several, when earlier writes failed): the counts are deltas added
// to the row's, so several workers of one location never overwrite each other's rounds; the rest is the
// last writer's.
struct LocationHeartbeat {
  Id location_id = 0;
  EpochMs at = 0;
  std::string version;
  std::int64_t rounds_on_time = 0;  // since this worker's last successful heartbeat
  std::int64_t rounds_late = 0;
  std::int64_t spool_backlog = 0;
  std::int64_t interval_ms = 0;
};

class LocationStore {
 public:
  virtual ~LocationStore() = default;

  // Stores `location` (its id is ignored; a created_at of 0 becomes now; the reported fields start empty)
  // and returns it as stored. Errc::duplicate for a name (or token hash) taken already.
  virtual Result<Location> add_location(const Location& location) = 0;
  // Every location, by id.
  virtual Result<std::vector<Location>> list_locations() = 0;
  virtual Result<Location> find_location(const std::string& name) = 0;
  virtual Result<Location> find_location_by_id(Id id) = 0;
  // The agent location whose token hashes to `token_hash`, or Errc::not_found.
  virtual Result<Location> find_location_by_token(const std::string& token_hash) = 0;
  // Errc::not_found for no location `old_name`, Errc::duplicate when `new_name` is taken.
  virtual Status rename_location(const std::string& old_name, const std::string& new_name) = 0;
  virtual Status set_location_label(const std::string& name, const std::string& label) = 0;
  // Replaces an agent location's token hash: the old token stops working at once. Errc::not_found for no
  // agent location `name` (a database-connected location has no token to replace).
  virtual Status set_location_token_hash(const std::string& name, const std::string& token_hash) = 0;
  // Deletes the row (and with it an agent's token hash: the token stops working). Errc::not_found.
  virtual Status remove_location(const std::string& name) = 0;
  // Adds the heartbeat's deltas and sets the rest; Errc::not_found when the location is gone.
  virtual Status record_heartbeat(const LocationHeartbeat& heartbeat) = 0;
  // Records that the location went offline at `at` (sets offline_since and adds an event) unless it is
  // recorded offline already: true when this call recorded it, so that of several servers watching, one
  // does. mark_location_online is the way back (clears it, adds an "online" event), true likewise. The
  // event's notifications go in with it (migration 016): one outbox row per enabled channel of an admin that
  // covers all hosts and providers and, if narrowed by state, "down" (offline) or "up" (online).
  virtual Result<bool> mark_location_offline(Id location_id, EpochMs at) = 0;
  virtual Result<bool> mark_location_online(Id location_id, EpochMs at) = 0;
  // The latest events of every location, newest first, at most `limit` (1..1000).
  virtual Result<std::vector<LocationEvent>> recent_location_events(int limit) = 0;
};

}  // namespace semaphore::store
