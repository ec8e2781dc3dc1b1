#include "domain/event_pages.h"

#include <algorithm>

namespace semaphore::domain {
namespace {

constexpr int kStoreMaxEvents = 1000;  // the most AlertStore::user_events returns at once

}  // namespace

Result<EventPage> read_events(store::AlertStore& alerts, store::Id user_id, const EventFilter& filter) {
  store::EventQuery query;
  query.host_id = filter.host_id;
  if (filter.since > 0) query.since = filter.since;
  query.before_id = filter.before_id;
  // One more than asked tells whether a next page exists without a second query; at the store's 1,000 a
  // full page may be followed by an empty last one.
  query.limit = std::min(static_cast<int>(filter.limit) + 1, kStoreMaxEvents);
  auto events = alerts.user_events(user_id, query);
  if (!events) return events.error();
  EventPage page;
  if (events->size() > filter.limit) events->resize(filter.limit);
  if (!events->empty() && events->size() == filter.limit) page.next_before_id = events->back().id;
  page.events = std::move(*events);
  return page;
}

}  // namespace semaphore::domain
