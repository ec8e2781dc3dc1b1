#pragma once
// A user's alert events a page at a time, newest first, optionally of one host and from a time on (issue 14):
// what GET /api/v1/events and `semaphore event list` read. Pages are keyed by event id (the next page holds
// the events with smaller ids), so events written between two pages cause no gaps or repeats.
//
// Built on AlertStore's user_events (by id) and host_events (by time): a page of one host reads all that
// host's events since `since` when they are at most 1,000, else it scans the user's events by id and keeps
// the host's; `since` alone also scans. A scan reads at most kEventScanRows rows per page, so a page may hold
// fewer than `limit` events (even none) and still have a next page. When the store learns to filter by host
// and time itself (EventQuery), only this file changes.
#include <cstddef>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/alert_store.h"

namespace semaphore::domain {

inline constexpr std::size_t kEventScanRows = 10'000;

struct EventFilter {
  std::optional<store::Id> host_id;  // only this host's events (it must be the user's: else not_found)
  EpochMs since = 0;                 // only events with at >= since
  store::Id before_id = 0;           // only events with id < before_id (0: from the newest)
  std::size_t limit = 100;           // 1..1000
};

struct EventPage {
  std::vector<store::AlertEventRecord> events;  // newest first (by id)
  std::optional<store::Id> next_before_id;      // the next page's before_id; nullopt on the last page
};

Result<EventPage> read_events(store::AlertStore& alerts, store::Id user_id, const EventFilter& filter);

}  // namespace semaphore::domain
