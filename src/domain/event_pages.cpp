#include "domain/event_pages.h"

#include <algorithm>
#include <limits>

namespace semaphore::domain {
namespace {

constexpr int kStorePage = 1000;  // the most AlertStore returns at once

bool wanted(const store::AlertEventRecord& event, const EventFilter& filter) {
  return event.at >= filter.since && (!filter.host_id || event.host_id == *filter.host_id) &&
         (filter.before_id <= 0 || event.id < filter.before_id);
}

// The user's events by id, newest first, filtered, within the scan budget.
Result<EventPage> scan(store::AlertStore& alerts, store::Id user_id, const EventFilter& filter) {
  EventPage page;
  store::Id before = filter.before_id;
  std::size_t scanned = 0;
  while (scanned < kEventScanRows) {
    auto batch = alerts.user_events(user_id, before, kStorePage);
    if (!batch) return batch.error();
    scanned += batch->size();
    for (auto& event : *batch) {
      before = event.id;
      if (!wanted(event, filter)) continue;
      if (page.events.size() == filter.limit) {  // one more exists: the page ends before it
        page.next_before_id = page.events.back().id;
        return page;
      }
      page.events.push_back(std::move(event));
    }
    if (batch->size() < static_cast<std::size_t>(kStorePage)) return page;  // the user's oldest event read
  }
  page.next_before_id = before;  // the budget ran out: the next page goes on from the last event read
  return page;
}

}  // namespace

Result<EventPage> read_events(store::AlertStore& alerts, store::Id user_id, const EventFilter& filter) {
  if (filter.host_id) {
    // Every event of the host since `since` in one read, when there are at most a page of them (the usual
    // case: a host changes state seldom); also tells another user's host (not_found).
    auto all = alerts.host_events(user_id, *filter.host_id, filter.since, std::numeric_limits<EpochMs>::max(),
                                  kStorePage);
    if (!all) return all.error();
    if (all->size() < static_cast<std::size_t>(kStorePage)) {
      std::erase_if(*all, [&](const auto& event) { return !wanted(event, filter); });
      std::sort(all->begin(), all->end(), [](const auto& a, const auto& b) { return a.id > b.id; });
      EventPage page;
      if (all->size() > filter.limit) {
        all->resize(filter.limit);
        page.next_before_id = all->back().id;
      }
      page.events = std::move(*all);
      return page;
    }
  }
  return scan(alerts, user_id, filter);
}

}  // namespace semaphore::domain
