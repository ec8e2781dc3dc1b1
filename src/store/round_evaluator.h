#pragma once
// The seam between the result writer's transaction and the alerts' rules (issue 14). The store cannot
// include src/alerts (alerts depends on store), so it declares what it hands over and what it takes back,
// and src/alerts implements it (alerts/round_evaluator.h); whoever wires the process (src/cli) passes the
// implementation to the writer.
//
// MonitorStore::insert_results_evaluated calls it inside the transaction that inserts the rounds, once per
// host and location that got at least one new row (duplicates skipped by ON CONFLICT are never handed over,
// so a replayed batch evaluates nothing twice), then writes the states and events it returns before the
// commit: a round and its events are stored together or not at all.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/alert_records.h"
#include "store/records.h"

namespace semaphore::store {

// Another location's say on the host (issue 16): its alert_state row and what the registry knows of it. The
// evaluator decides from these whether it votes on a given round (alerts/quorum.h).
struct LocationVoteRecord {
  Id location_id = 0;
  std::string name;
  std::string shown;          // its alert_state.shown
  EpochMs last_round_at = 0;  // its newest judged round of the host
  EpochMs interval_ms = 0;    // its round interval as last reported (0: never reported)
  EpochMs last_seen_at = 0;   // its last heartbeat (0: never)
};

// Everything a host's evaluation needs, loaded in the transaction.
struct HostAlertContext {
  Id host_id = 0;
  Id user_id = 0;
  std::optional<UserAlertRules> user_rules;      // nullopt: the built-in defaults
  HostAlertOverrides overrides;                  // all nullopt: none
  std::optional<AlertStateRecord> state;         // nullopt: the host's first round
  std::vector<MaintenanceWindowRecord> windows;  // the user's windows for this host or for all hosts
  // Issue 16: the location whose rounds these are, the other locations that have judged the host, and the
  // host's state across them (nullopt: none yet), read after the transaction locked it (PostgreSQL), so two
  // locations' writers of one host take turns and each sees the other's committed vote.
  Id location_id = 0;
  std::string location_name;
  std::vector<LocationVoteRecord> other_locations;
  std::optional<QuorumStateRecord> quorum;
  EpochMs now = 0;  // the transaction's clock, for "online"
};

// One inserted round, with the host's baseline for the round's hour when the evaluator asked for it.
struct RoundToEvaluate {
  PingResult round;
  std::optional<double> baseline_median_ms;  // median of the hourly medians over the previous 7 days
};

struct HostAlertOutcome {
  AlertStateRecord state;  // written back (host_id, and the check on last_round_at, by the store)
  std::vector<AlertEventRecord>
      events;  // the host's events, inserted in order (id and user_id set by the store)
  std::optional<QuorumStateRecord> quorum;  // the host's new state across locations; nullopt: unchanged
};

class RoundEvaluator {
 public:
  virtual ~RoundEvaluator() = default;
  // Whether the host's effective rules use the baseline: the store loads it only then (and caches it per
  // host per hour).
  virtual bool needs_baseline(const HostAlertContext& context) const = 0;
  // The host's new rounds, oldest first. Runs on the writer's thread inside its transaction: no database,
  // no waiting, no throwing.
  virtual HostAlertOutcome evaluate(const HostAlertContext& context,
                                    std::span<const RoundToEvaluate> rounds) = 0;
};

}  // namespace semaphore::store
