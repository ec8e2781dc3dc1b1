#pragma once
// PathStore (issue 15): each host's measured network paths (table host_paths) and the path of an alert event.
//  - The ping service (monitor/path_scheduler.h) stores a path after every trace, reads the host's latest and
//    last good path to judge a change and a verdict, and prunes with the raw results' retention. These calls
//    are not scoped by user: the service works for every user, as MonitorStore does.
//  - The web's host page and /api/v1/hosts/{id}/paths read a user's host's paths: every such call takes the
//    user's id, and another user's host is Errc::not_found, as a missing one is.
// Rules as every store interface: methods never throw; database failures are Errc::unavailable; safe from
// many threads at once.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/result.h"
#include "store/path_records.h"

namespace semaphore::store {

class PathStore {
 public:
  virtual ~PathStore() = default;

  // --- the ping service ---
  // Inserts the path (its id, and previous_id as given, are stored; id is returned filled in). With
  // `event_at`, the path is also attached to the host's alert events of that round (at = event_at) that have
  // none yet, in the same transaction. Errc::not_found when the host was deleted meanwhile.
  virtual Result<HostPathRecord> insert_path(const HostPathRecord& path, std::optional<EpochMs> event_at) = 0;
  // The host's newest path, and its newest good one (good = 1), if any.
  virtual Result<std::optional<HostPathRecord>> latest_path(Id host_id) = 0;
  virtual Result<std::optional<HostPathRecord>> last_good_path(Id host_id) = 0;
  // The path the host's current route was first seen on: its newest path recorded as a change, else its
  // oldest path (a trace compares with it as well as with the latest, so that a hop silent in the latest
  // trace cannot hide a reroute there).
  virtual Result<std::optional<HostPathRecord>> reference_path(Id host_id) = 0;
  // Deletes up to `limit` paths measured before `cutoff`, keeping each host's newest path (the next trace
  // compares with it) and its newest good path (the next verdict does). Returns the rows deleted.
  virtual Result<std::int64_t> prune_paths(EpochMs cutoff, std::int64_t limit) = 0;

  // --- a user's host ---
  // The host's newest path; nullopt when none was measured yet.
  virtual Result<std::optional<HostPathRecord>> user_latest_path(Id user_id, Id host_id) = 0;
  // The host's paths newest first, paged by id (query); with changes_only, each with the path it changed
  // from.
  virtual Result<std::vector<HostPathRecord>> host_paths(Id user_id, Id host_id, const PathQuery& query) = 0;
  // One path of the host (the event page's link). Errc::not_found when it is not the user's host's.
  virtual Result<HostPathRecord> find_path(Id user_id, Id path_id) = 0;
};

}  // namespace semaphore::store
