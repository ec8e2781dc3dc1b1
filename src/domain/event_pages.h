#pragma once
// A user's alert events a page at a time, newest first, optionally of one host and from a time on (issue 14):
// what GET /api/v1/events and `semaphore event list` read. Pages are keyed by event id (the next page holds
// the events with smaller ids), so events written between two pages cause no gaps or repeats.
//
// One query of AlertStore::user_events (EventQuery: host, since and the id cursor are filtered by the
// database, over the (user_id, id) index), asking one event more than the page to know whether a next
// page exists.
#include <cstddef>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/alert_store.h"

namespace semaphore::domain {

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
