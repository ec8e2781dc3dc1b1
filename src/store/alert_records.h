#pragma once
// The alerts' records (issue 14) as the store keeps them: plain values in the database's terms (states,
// triggers and quiet reasons as the words src/alerts writes, durations in seconds), so that store never
// includes alerts — alerts converts these to and from its own types (alerts/round_evaluator.h).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/records.h"

namespace semaphore::store {

// A user's default rules (table alert_rules). No row: the built-in defaults of alerts::AlertRules.
// median_ms and baseline_factor: nullopt = that rule is off.
struct UserAlertRules {
  int down_after = 0;
  int up_after = 0;
  int degraded_after = 0;
  double loss_percent = 0;
  std::optional<double> median_ms;
  std::optional<double> baseline_factor;
  int flap_changes = 0;
  std::int64_t flap_window_s = 0;
  std::optional<int> quorum;  // nullopt: a majority of the reporting locations
};

// A host's overrides of its user's rules (table host_alert_rules): nullopt keeps the user's value;
// median_ms or baseline_factor 0 turns that rule off for the host. All nullopt = no row.
struct HostAlertOverrides {
  std::optional<int> down_after, up_after, degraded_after;
  std::optional<double> loss_percent, median_ms, baseline_factor;
  std::optional<int> flap_changes;
  std::optional<std::int64_t> flap_window_s;
  std::optional<int> quorum;  // 0: back to the majority

  bool empty() const {
    return !down_after && !up_after && !degraded_after && !loss_percent && !median_ms && !baseline_factor &&
           !flap_changes && !flap_window_s && !quorum;
  }
};

// What the state machine keeps per host between rounds (table alert_state; alerts::HostAlertState).
struct AlertStateRecord {
  Id host_id = 0;
  std::string measured = "unknown";
  std::string shown = "unknown";
  int lost_streak = 0;
  int poor_streak = 0;
  int good_streak = 0;
  std::vector<EpochMs> recent_changes;  // oldest first
  EpochMs last_change_at = 0;
  EpochMs last_round_at = 0;  // the newest round evaluated
  std::optional<std::string> window_start_state;
};

// A host's one state across its locations (table alert_quorum, issue 16; alerts::QuorumState): what the
// pages show and the channels are told. Before the host's first judged round there is none (or `unknown`).
struct QuorumStateRecord {
  Id host_id = 0;
  std::string shown = "unknown";
  EpochMs last_change_at = 0;
  std::optional<std::string> window_start_state;
  bool operator==(const QuorumStateRecord&) const = default;
};

// One state change of a host (its quorum's, issue 16) (table alert_events), with the figures of the round
// that caused it.
struct AlertEventRecord {
  Id id = 0;  // assigned by the store
  Id host_id = 0;
  Id user_id = 0;  // the host's owner (filled by the store when it writes the event)
  EpochMs at = 0;  // the round's start
  std::string from_state, to_state;
  std::string trigger;  // the rule that fired: all_lost, loss, median, baseline, recovered, ...
  std::string reason;   // for people: "every probe lost for 3 rounds"
  std::string quiet;    // "no" (to be sent) or why not: first_round, flapping, maintenance
  int sent = 0;
  int received = 0;
  std::optional<double> min_ms, median_ms, max_ms;
  // The path measured when the host changed state (issue 15; host_paths), once the ping service stored it,
  // and its verdict ("the loss starts at hop 6, ..."). Read only: the path's insert sets it.
  std::optional<Id> path_id;
  std::string path_verdict;
  // The locations that saw the new state (issue 16): one name when one location reports the host; empty for
  // events recorded before migration 014.
  std::vector<std::string> locations;
  // Written, not read back: a trace was queued for this event (monitor::PathTriggeringEvaluator sets it), so
  // its notifications wait for the path — the outbox rows are due when the path is attached, or
  // kNotificationPathWaitMs (store/notification_store.h) after they were written, whichever is first.
  bool awaits_path = false;
};

// Which of a user's events AlertStore::user_events returns: newest first, by id.
struct EventQuery {
  std::optional<Id> host_id;     // only this host's (Errc::not_found: not the user's host)
  std::optional<EpochMs> since;  // only those with at >= since
  Id before_id = 0;              // only those with id < before_id (0: from the newest); the next page passes
                                 // the last id returned
  int limit = 100;               // at most this many (clamped to 1..1000)
};

// A maintenance window (table maintenance_windows). host_id nullopt: every host of the user.
//  - kind "once": [starts_at, ends_at) in epoch ms.
//  - kind "weekly": on the days of `days` (bit 0 = Monday ... bit 6 = Sunday), [start_minute, end_minute)
//    of the day in `time_zone` (an IANA name such as "Europe/Berlin"); end_minute <= start_minute runs past
//    midnight into the next day (the day bit names the day the window starts).
struct MaintenanceWindowRecord {
  Id id = 0;
  Id user_id = 0;
  std::optional<Id> host_id;
  std::string kind = "once";
  EpochMs starts_at = 0, ends_at = 0;              // once
  int days = 0, start_minute = 0, end_minute = 0;  // weekly
  std::string time_zone = "UTC";                   // weekly
  std::string note;
  EpochMs created_at = 0;
};

}  // namespace semaphore::store
