#pragma once
// NotificationStore (issue 14): the alert outbox, for the dispatcher (src/alerts/dispatcher.h).
//
// The outbox rows are written by MonitorStore::insert_results_evaluated in the round's transaction: one row
// per event that is to be sent (quiet = "no") per enabled channel of the host's owner that covers it
// (channel_records.h). So an event and its notifications are stored together; a restart or kill -9 after the
// commit loses nothing: the rows wait here until a dispatcher delivers them.
//
// Delivery is at least once, in order per channel: a dispatcher claims whole channels (a lease on the channel
// row: claimed_by, claimed_until; on PostgreSQL with FOR UPDATE SKIP LOCKED so that concurrent dispatchers
// never wait on or take each other's channels), sends the oldest due delivery, records the outcome, and the
// next one only after the previous one succeeded (or was given up). A dispatcher that dies holding a claim
// leaves it to expire; another one then resends what was not recorded as delivered (the receiver dedupes by
// event_id).
//
// Rules every implementation keeps: methods never throw; database failures are Errc::unavailable; safe to
// call from many threads and processes at once.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/channel_records.h"

namespace semaphore::store {

// How long an event's notifications wait for the path traced for it (issue 15), at most. An event that asked
// for a trace (AlertEventRecord::awaits_path) gets outbox rows due this long after they are written; storing
// the path (PathStore::insert_path with the event's round) makes them due at the event's time at once, so
// the notification carries the verdict. An event whose trace never comes is sent after the wait, without
// one; an event that asked for no trace is due at once. One rule, in the rows' due time (next_attempt_at):
// the claim below needs nothing else. A trace takes about 10 s (10 cycles at 50 probes a second).
constexpr EpochMs kNotificationPathWaitMs = 15'000;

struct ClaimRequest {
  std::string worker_id;    // the dispatcher: process and thread, unique while it lives
  EpochMs now = 0;          // due = next_attempt_at <= now; a claim is free when claimed_until <= now
  EpochMs claim_until = 0;  // the lease: long enough for the deliveries it returns (send timeouts included)
  int max_channels = 16;    // channels claimed at most (1..1000)
  int per_channel = 8;      // deliveries returned per channel at most (the oldest pending, in order; 1..1000)
};

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  // Claims up to max_channels enabled channels that have a pending delivery whose turn has come (the
  // channel's oldest pending row has next_attempt_at <= now) and that no live claim holds, and returns each
  // with its oldest pending deliveries. Channels with the longest-waiting delivery first. A channel this
  // worker still holds is not claimed again (release it first). Errc::invalid_argument: no worker_id.
  virtual Result<std::vector<ChannelClaim>> claim_channels(const ClaimRequest& request) = 0;

  // The delivery succeeded: the row is marked delivered (finished_at = at) and the channel's status cleared
  // of its failure (last_success_at = at). Errc::not_found: the claim is no longer this worker's (it
  // expired and another dispatcher took the channel; or it was released) — the caller stops working on the
  // channel — or the delivery is not pending (recorded already). A claim that expired but that no one took
  // since is still the worker's: what it records then counts.
  virtual Status delivery_succeeded(const std::string& worker_id, Id delivery_id, EpochMs at) = 0;

  // The attempt failed with `error` (for people; no secrets; kept to its first 1,000 bytes). retry_at: when
  // to try again (the row's attempts + 1, next_attempt_at = retry_at); nullopt: give up (status abandoned,
  // finished_at = at), the channel moves on to its next delivery. The channel's last_error and failing_since
  // (if not set) are set. Errc::not_found as for delivery_succeeded.
  virtual Status delivery_failed(const std::string& worker_id, Id delivery_id, EpochMs at,
                                 const std::string& error, std::optional<EpochMs> retry_at) = 0;

  // Ends the worker's claim on the channel (when it is done with it before claimed_until). Errc::not_found:
  // the worker holds no claim on it.
  virtual Status release_channel(const std::string& worker_id, Id channel_id) = 0;

  // Housekeeping: deletes delivered and abandoned rows finished before `before`, at most `limit`.
  virtual Result<std::int64_t> delete_finished_deliveries_before(EpochMs before, std::int64_t limit) = 0;
};

}  // namespace semaphore::store
