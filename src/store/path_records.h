#pragma once
// The paths' records (issue 15) as the store keeps them (table host_paths, 007_paths.sql): plain values in
// the database's terms — the hops as the JSON text src/paths writes and reads, the verdict as its words and
// kind — so that store never includes paths.
#include <optional>
#include <string>

#include "core/clock.h"
#include "store/records.h"

namespace semaphore::store {

struct HostPathRecord {
  Id id = 0;  // assigned by the store
  Id host_id = 0;
  EpochMs measured_at = 0;
  std::string trigger = "scheduled";  // scheduled | state_change
  bool reached = false;
  bool good = false;              // reached without loss: later verdicts compare with it
  std::string hops;               // paths::encode_hops
  bool changed = false;           // the hop sequence differs from the previous path's (previous_id)
  std::optional<Id> previous_id;  // the host's path before this one (kept only when changed)
  std::string verdict;            // for people; '' when none was judged
  std::string verdict_kind;       // paths::to_string(VerdictKind); '' when none
  std::optional<int> verdict_hop;

  // Read back with a change (HostPathStore::host_path_changes): the path it changed from, while retention
  // keeps it.
  std::optional<EpochMs> previous_measured_at;
  std::string previous_hops;
};

// Which of a host's paths a user reads (PathStore::host_paths): newest first, by id.
struct PathQuery {
  bool changes_only = false;  // only the paths recorded as a change
  Id before_id = 0;           // only those with id < before_id (0: from the newest)
  int limit = 20;             // clamped to 1..100
};

}  // namespace semaphore::store
