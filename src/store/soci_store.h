#pragma once
// The Store on SOCI: one implementation for SQLite and PostgreSQL. The schemas differ only in column types
// (<backend>/migrations/), so the queries are shared; where the back ends differ in SQL or behaviour,
// SociStore asks its Dialect (dialect.h: sqlite/, postgresql/) and never which back end it runs on.
//
// Internal to src/store: other modules include store/store.h (or the one interface they use) only.
#include <soci/soci.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/connections.h"
#include "store/dialect.h"
#include "store/store.h"

namespace semaphore::store {

// Errc::invalid_argument when a result's location id cannot be stored (result_location.h); checked before
// every insert (soci_store_monitor.cpp).
Status check_result_locations(std::span<const PingResult> results);

class SociStore final : public Store {
 public:
  // Opens the dialect's pool of connections. Throws soci::soci_error (or std::runtime_error when libpq
  // cannot be loaded); Store::open turns that into an Error.
  explicit SociStore(std::unique_ptr<Dialect> dialect);
  ~SociStore() override;

  // SchemaStore (soci_store.cpp)
  Status migrate() override;
  Result<int> schema_version() override;
  Status check_schema() override;

  // DataVersionSource
  Result<std::string> data_version() override;

  // AccountStore (soci_store.cpp)
  Result<User> create_user(const std::string& email, const std::string& password_hash,
                           bool first_user_is_admin) override;
  Result<User> find_user_by_email(const std::string& email) override;
  Result<User> find_user(Id user_id) override;
  Result<std::vector<User>> list_users() override;
  Status set_password_hash(Id user_id, const std::string& password_hash) override;
  Status set_user_max_hosts(Id user_id, std::optional<std::int64_t> max_hosts) override;

  Status create_session(const Session& session) override;
  Result<Session> find_session(const std::string& token_hash) override;
  Status touch_session(const std::string& token_hash, EpochMs last_seen_at) override;
  Status delete_session(const std::string& token_hash) override;
  Status delete_user_sessions(Id user_id, const std::string& keep_token_hash) override;
  Result<std::int64_t> delete_expired_sessions(EpochMs now, EpochMs idle_cutoff, EpochMs created_cutoff,
                                               std::int64_t limit) override;

  Status record_signin_failure(const std::string& key, EpochMs at) override;
  Result<std::vector<EpochMs>> signin_failures_since(const std::string& key, EpochMs since) override;
  Status clear_signin_failures(const std::string& key) override;
  Result<std::int64_t> delete_signin_failures_before(EpochMs before, std::int64_t limit) override;

  // HostStore (soci_store_hosts.cpp)
  Result<Host> add_host(const Host& host) override;
  Result<std::vector<Result<Host>>> add_hosts(Id user_id, std::span<const Host> hosts,
                                              std::int64_t default_max_hosts) override;
  Status update_host(const Host& host) override;
  Status delete_host(Id user_id, Id host_id) override;
  Result<Host> find_host(Id user_id, Id host_id) override;
  Result<std::vector<Host>> list_hosts(Id user_id) override;
  Result<std::int64_t> count_hosts(Id user_id) override;
  Status set_host_locations_off(Id user_id, Id host_id, std::span<const Id> location_ids) override;
  Result<std::vector<Id>> host_locations_off(Id user_id, Id host_id) override;
  Result<std::vector<HostLocationOff>> user_locations_off(Id user_id) override;
  Result<std::vector<HostStatus>> host_statuses(Id user_id, Id location_id) override;
  Result<std::vector<HostStatus>> find_host_statuses(Id user_id, const HostQuery& query) override;
  using HostStore::results_between;
  using HostStore::rollups_between;
  Result<std::vector<PingResult>> results_between(Id user_id, Id host_id, Id location_id, EpochMs from,
                                                  EpochMs to, std::size_t limit) override;
  Result<std::vector<Rollup>> rollups_between(Id user_id, Id host_id, Id location_id, int period_s,
                                              EpochMs from, EpochMs to, std::size_t limit) override;
  Result<std::vector<PingResult>> latest_rounds(Id user_id) override;
  Result<std::vector<PingResult>> latest_rounds_of_host(Id user_id, Id host_id) override;
  Result<std::optional<std::vector<PingResult>>> latest_rounds_written_since(
      Id user_id, const std::string& data_version) override;
  Result<std::int64_t> host_list_version(Id user_id) override;
  Result<std::vector<Rollup>> rollups_of_hosts(Id user_id, std::span<const Id> host_ids, Id location_id,
                                               int period_s, EpochMs from, EpochMs to) override;
  // OperatorStore (soci_store_hosts.cpp)
  Result<std::vector<HostStatus>> all_host_statuses(Id location_id) override;

  // TokenStore (soci_store_tokens.cpp)
  Result<ApiToken> create_token(const ApiToken& token, std::int64_t max_per_user) override;
  Result<std::vector<ApiToken>> list_tokens(Id user_id) override;
  Result<ApiToken> find_token(const std::string& token_hash) override;
  Status revoke_token(Id user_id, const std::string& name) override;
  Status revoke_token_by_id(Id user_id, Id token_id) override;
  Status touch_token(Id token_id, EpochMs last_used_at) override;
  Result<std::int64_t> delete_tokens_expired_before(EpochMs before, std::int64_t limit) override;

  // MonitorStore (soci_store_monitor.cpp); check_connection is OperatorStore's too
  Status check_connection() override;
  Result<std::vector<Host>> list_enabled_hosts(Id location_id) override;
  Result<std::int64_t> insert_results(std::span<const PingResult> results) override;
  Result<std::int64_t> insert_results_evaluated(std::span<const PingResult> results,
                                                RoundEvaluator& evaluator) override;  // soci_store_alerts.cpp
  bool leases_hosts() const override;
  Result<LeaseGrant> claim_host_leases(const LeaseRequest& request) override;
  Result<LeaseBatch> claim_more_host_leases(const LeaseRequest& request, Id after) override;
  Status release_host_leases(const std::string& worker_id, std::int64_t keep) override;
  Result<std::unique_ptr<WorkerLock>> lock_single_worker(const std::string& worker_id,
                                                         Id location_id = kLocalLocationId) override;
  Result<std::unique_ptr<WorkerLock>> try_lock_maintenance() override;
  Result<std::int64_t> create_partitions(EpochMs now) override;
  Result<std::int64_t> compact_partitions(EpochMs now) override;
  Result<std::int64_t> refresh_rollups(int period_s, EpochMs from, EpochMs to, int hosts_per_batch) override;
  Result<std::int64_t> prune_results(EpochMs cutoff, int hosts_per_batch) override;
  Result<std::int64_t> prune_rollups(EpochMs cutoff, int hosts_per_batch) override;

  // AlertStore (soci_store_alerts.cpp)
  Result<std::optional<UserAlertRules>> user_alert_rules(Id user_id) override;
  Status set_user_alert_rules(Id user_id, const UserAlertRules& rules) override;
  Result<HostAlertOverrides> host_alert_overrides(Id user_id, Id host_id) override;
  Status set_host_alert_overrides(Id user_id, Id host_id, const HostAlertOverrides& overrides) override;
  Result<std::optional<AlertStateRecord>> host_alert_state(Id user_id, Id host_id, Id location_id) override;
  Result<std::optional<QuorumStateRecord>> host_quorum_state(Id user_id, Id host_id) override;
  Result<std::vector<QuorumStateRecord>> user_quorum_states(Id user_id) override;
  using AlertStore::user_events;
  Result<std::vector<AlertEventRecord>> user_events(Id user_id, const EventQuery& query) override;
  Result<std::vector<AlertEventRecord>> host_events(Id user_id, Id host_id, EpochMs from, EpochMs to,
                                                    int limit) override;
  Result<MaintenanceWindowRecord> add_maintenance_window(const MaintenanceWindowRecord& window) override;
  Status update_maintenance_window(const MaintenanceWindowRecord& window) override;
  Status delete_maintenance_window(Id user_id, Id window_id) override;
  Result<std::vector<MaintenanceWindowRecord>> list_maintenance_windows(Id user_id) override;
  // (channels: soci_store_channels.cpp)
  Result<ChannelRecord> add_channel(const ChannelRecord& channel, std::int64_t max_per_user) override;
  Status update_channel(const ChannelRecord& channel) override;
  Status delete_channel(Id user_id, Id channel_id) override;
  Result<ChannelWithStatus> find_channel(Id user_id, Id channel_id) override;
  Result<std::vector<ChannelWithStatus>> list_channels(Id user_id) override;
  Result<std::vector<DeliveryRecord>> channel_deliveries(Id user_id, Id channel_id, int limit) override;

  // NotificationStore (soci_store_channels.cpp)
  Result<std::vector<ChannelClaim>> claim_channels(const ClaimRequest& request) override;
  Status delivery_succeeded(const std::string& worker_id, Id delivery_id, EpochMs at) override;
  Status delivery_failed(const std::string& worker_id, Id delivery_id, EpochMs at, const std::string& error,
                         std::optional<EpochMs> retry_at) override;
  Status release_channel(const std::string& worker_id, Id channel_id) override;
  Result<std::int64_t> delete_finished_deliveries_before(EpochMs before, std::int64_t limit) override;
  Result<std::vector<AlertStateRecord>> user_alert_states(
      Id user_id, Id location_id) override;  // soci_store_alert_pages.cpp

  // PathStore (soci_store_paths.cpp)
  Result<HostPathRecord> insert_path(const HostPathRecord& path, std::optional<EpochMs> event_at) override;
  Result<std::optional<HostPathRecord>> latest_path(Id host_id) override;
  Result<std::optional<HostPathRecord>> last_good_path(Id host_id) override;
  Result<std::optional<HostPathRecord>> reference_path(Id host_id) override;
  Result<std::int64_t> prune_paths(EpochMs cutoff, std::int64_t limit) override;
  Result<std::optional<HostPathRecord>> user_latest_path(Id user_id, Id host_id) override;
  Result<std::vector<HostPathRecord>> host_paths(Id user_id, Id host_id, const PathQuery& query) override;
  Result<HostPathRecord> find_path(Id user_id, Id path_id) override;

  // LocationStore (soci_store_locations.cpp)
  Result<Location> add_location(const Location& location) override;
  Result<std::vector<Location>> list_locations() override;
  Result<Location> find_location(const std::string& name) override;
  Result<Location> find_location_by_id(Id id) override;
  Result<Location> find_location_by_token(const std::string& token_hash) override;
  Status rename_location(const std::string& old_name, const std::string& new_name) override;
  Status set_location_label(const std::string& name, const std::string& label) override;
  Status set_location_token_hash(const std::string& name, const std::string& token_hash) override;
  Status remove_location(const std::string& name) override;
  Status record_heartbeat(const LocationHeartbeat& heartbeat) override;
  Result<bool> mark_location_offline(Id location_id, EpochMs at) override;
  Result<bool> mark_location_online(Id location_id, EpochMs at) override;
  Result<std::vector<LocationEvent>> recent_location_events(int limit) override;

 private:
  template <class T>
  Result<T> with_session(const char* what, const std::function<Result<T>(soci::session&)>& work) {
    return connections_.with_session<T>(what, work);
  }
  Status execute(const char* what, const std::function<void(soci::session&)>& work) {
    return connections_.execute(what, work);
  }

  // Runs the statement built for each batch of `hosts_per_batch` host ids (a comma-separated id list), one
  // transaction per batch; returns the rows affected in all (rollup refresh and pruning).
  std::int64_t in_host_batches(soci::session& sql, int hosts_per_batch,
                               const std::function<std::string(const std::string&)>& statement_for);

  // insert_results_evaluated's part after the insert, inside its transaction (soci_store_alerts.cpp).
  Status evaluate_inserted(soci::session& sql, std::span<const PingResult> results,
                           const std::vector<std::size_t>& inserted, RoundEvaluator& evaluator);
  // `registry`: every location by id (name, interval, last heartbeat), read once per batch, for the votes.
  Status evaluate_chunk(soci::session& sql, Id location, const std::vector<Id>& hosts,
                        std::map<Id, std::vector<RoundToEvaluate>>& rounds, RoundEvaluator& evaluator,
                        const std::map<Id, LocationVoteRecord>& registry);
  // Sets each round's baseline for the hosts whose rules use one, from the cache or, at most once per host
  // per hour of rounds, from ping_rollups.
  // Writes the outbox rows of the chunk's events that are to be sent (soci_store_channels.cpp): one per
  // enabled channel of the event's user that covers it. `channels_by_user`: the chunk's users' channels.
  void write_outbox(soci::session& sql, const std::map<Id, std::vector<ChannelRecord>>& channels_by_user,
                    const std::map<Id, std::string>& provider_of_host,
                    const std::vector<AlertEventRecord>& events);
  // The enabled channels of `user_ids` (a comma-separated id list), by user.
  std::map<Id, std::vector<ChannelRecord>> load_enabled_channels(soci::session& sql,
                                                                 const std::string& user_ids);

  void fill_baselines(soci::session& sql, Id location, const std::map<Id, HostAlertContext>& contexts,
                      std::map<Id, std::vector<RoundToEvaluate>>& rounds, RoundEvaluator& evaluator);

  std::unique_ptr<Dialect> dialect_;  // before connections_: it says how many to open
  Connections connections_;

  // The last baseline loaded per location and host, for the hour it was loaded for (the start of the
  // round's hour).
  struct CachedBaseline {
    EpochMs hour = 0;
    std::optional<double> median_ms;
  };
  std::mutex baseline_mutex_;
  std::unordered_map<Id, std::unordered_map<Id, CachedBaseline>> baselines_;
};

}  // namespace semaphore::store
