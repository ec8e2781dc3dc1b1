#pragma once
// AlertStore (issue 14): a user's alert rules, a host's overrides, the events the state machine recorded, the
// maintenance windows and the channels with their delivery status. For the pages, the API and the CLI that
// manage alerts. The events and their outbox rows are written by the result writer's transaction
// (MonitorStore::insert_results_evaluated) and delivered through NotificationStore, never through here.
//
// Rules every implementation keeps:
//  - Every method takes the user's id and scopes the query by it: another user's host, event or window is
//    Errc::not_found, never told apart from a missing one.
//  - Values are stored as given: checking rules, windows and channels (ranges, time zone names, kinds, URLs)
//    is the caller's job (alerts::validate, alerts::validate_window, ...), before it calls here.
//  - Methods never throw. Database failures are Errc::unavailable; missing rows Errc::not_found.
//  - Safe to call from many threads at once (a connection pool inside).
#include <cstdint>
#include <optional>
#include <vector>

#include "core/result.h"
#include "store/alert_records.h"
#include "store/channel_records.h"

namespace semaphore::store {

class AlertStore {
 public:
  virtual ~AlertStore() = default;

  // --- rules ---
  // The user's default rules; nullopt when the user never set them (the built-in defaults apply).
  virtual Result<std::optional<UserAlertRules>> user_alert_rules(Id user_id) = 0;
  virtual Status set_user_alert_rules(Id user_id, const UserAlertRules& rules) = 0;
  // The host's overrides (all nullopt when it has none). Errc::not_found: not the user's host.
  virtual Result<HostAlertOverrides> host_alert_overrides(Id user_id, Id host_id) = 0;
  // Stores the overrides; all nullopt deletes them. Errc::not_found: not the user's host.
  virtual Status set_host_alert_overrides(Id user_id, Id host_id, const HostAlertOverrides& overrides) = 0;

  // --- state and events ---
  // The host's state at `location_id` as its last evaluated round left it; nullopt before its first round.
  virtual Result<std::optional<AlertStateRecord>> host_alert_state(Id user_id, Id host_id,
                                                                   Id location_id) = 0;
  // The user's events that `query` selects, newest first (alert_records.h EventQuery). Errc::not_found:
  // query.host_id is not the user's host.
  virtual Result<std::vector<AlertEventRecord>> user_events(Id user_id, const EventQuery& query) = 0;
  // The user's events, newest first: those with id < before_id (0: from the newest), at most `limit`
  // (1..1000). The next page passes the last id returned.
  Result<std::vector<AlertEventRecord>> user_events(Id user_id, Id before_id, int limit) {
    EventQuery query;
    query.before_id = before_id;
    query.limit = limit;
    return user_events(user_id, query);
  }
  // One host's events with from <= at < to, oldest first, at most `limit` (1..1000). Errc::not_found: not
  // the user's host.
  virtual Result<std::vector<AlertEventRecord>> host_events(Id user_id, Id host_id, EpochMs from, EpochMs to,
                                                            int limit) = 0;

  // --- maintenance windows ---
  // Sets id and created_at. Errc::not_found: window.host_id is not the user's host.
  virtual Result<MaintenanceWindowRecord> add_maintenance_window(const MaintenanceWindowRecord& window) = 0;
  // Replaces every field but id, user_id and created_at. Errc::not_found: not the user's window (or host).
  virtual Status update_maintenance_window(const MaintenanceWindowRecord& window) = 0;
  virtual Status delete_maintenance_window(Id user_id, Id window_id) = 0;
  // The user's windows (for every host and per host), by id.
  virtual Result<std::vector<MaintenanceWindowRecord>> list_maintenance_windows(Id user_id) = 0;

  // --- channels (channel_records.h) ---
  // Sets id, created_at and updated_at. Errc::limit_exceeded: the user has max_per_user channels already;
  // Errc::duplicate: the user has a channel of that name; Errc::not_found: no such user. The secret is
  // stored as given (it is needed to sign, not only to check).
  virtual Result<ChannelRecord> add_channel(const ChannelRecord& channel, std::int64_t max_per_user) = 0;
  // Replaces every field but id, user_id and created_at (the secret too: pass the old one to keep it); sets
  // updated_at. Pending deliveries stay (a disabled channel keeps them until it is enabled again).
  // Errc::not_found: not the user's channel; Errc::duplicate: the user has another channel of that name.
  virtual Status update_channel(const ChannelRecord& channel) = 0;
  // Deletes the channel and its outbox rows. Errc::not_found: not the user's channel.
  virtual Status delete_channel(Id user_id, Id channel_id) = 0;
  // With its delivery status: `failing` is judged against the clock now (core/clock.h now_epoch_ms).
  // Errc::not_found: not the user's channel.
  virtual Result<ChannelWithStatus> find_channel(Id user_id, Id channel_id) = 0;
  // The user's channels by id, with their status (as find_channel).
  virtual Result<std::vector<ChannelWithStatus>> list_channels(Id user_id) = 0;
  // The channel's latest outbox rows, newest first, at most `limit` (1..1000), each with its event.
  // Errc::not_found: not the user's channel.
  virtual Result<std::vector<DeliveryRecord>> channel_deliveries(Id user_id, Id channel_id, int limit) = 0;

  // --- for the pages (soci_store_alert_pages.cpp) ---
  // The alert state at `location_id` of every host of the user that has one (hosts before their first round
  // have none), by host id: the report's state column in one query.
  virtual Result<std::vector<AlertStateRecord>> user_alert_states(Id user_id, Id location_id) = 0;
  // Issue 16: the host's one state across its locations (alerts/quorum.h) — what the pages show and the
  // channels were told; nullopt before its first judged round. Errc::not_found: not the user's host.
  virtual Result<std::optional<QuorumStateRecord>> host_quorum_state(Id user_id, Id host_id) = 0;
  // The same for every host of the user that has one, by host id.
  virtual Result<std::vector<QuorumStateRecord>> user_quorum_states(Id user_id) = 0;
};

}  // namespace semaphore::store
