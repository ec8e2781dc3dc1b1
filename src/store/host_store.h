#pragma once
// HostStore: a user's hosts and what was measured of them. Used by the web UI's pages and API (manage,
// import, report, host report, /api/...) and by the CLI (`semaphore host ...`).
//
// Rules every implementation keeps:
//  - Every method takes the user's id and scopes the query by it: another user's host id is
//    Errc::not_found, never told apart from a missing one.
//  - Methods never throw. Database failures are Errc::unavailable (retrying may help); unique-key clashes are
//    Errc::duplicate; missing rows Errc::not_found.
//  - Safe to call from many threads at once (a connection pool inside).
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace semaphore::store {

// Each host of `hosts`, in their order, with its latest rounds from `location_id` out of `rounds` (in any
// order; rounds of other hosts and other locations are ignored): HostStatus::latest is the round of the
// host's main kind (icmp for icmp and both hosts, tcp for tcp hosts), latest_tcp a both host's tcp round.
std::vector<HostStatus> join_latest_rounds(std::span<const Host> hosts, std::span<const PingResult> rounds,
                                           Id location_id);
// Where each host is among statuses: host id -> index.
using StatusPositions = std::unordered_map<Id, std::size_t>;
// The same for every location (issue 16): HostStatus::locations holds, by location id, each location that
// has a round of the host in `rounds`; `latest` and `latest_tcp` stay empty. `positions`, when given, gets
// the map the join built (for place_rounds_by_location later), so that a caller keeping it builds none.
std::vector<HostStatus> join_rounds_by_location(std::span<const Host> hosts,
                                                std::span<const PingResult> rounds,
                                                StatusPositions* positions = nullptr);
// Puts `rounds` into `statuses` as join_rounds_by_location does, each replacing the round its host holds for
// its location and kind: so statuses joined from some rounds, then given the rows written since (newer rows
// of the same keys, and new keys), equal the join of the whole latest rows. Rounds of hosts not among them
// and of a location switched off for the host are left out.
void place_rounds_by_location(std::vector<HostStatus>& statuses, const StatusPositions& positions,
                              std::span<const PingResult> rounds);

class HostStore {
 public:
  virtual ~HostStore() = default;

  // --- hosts ---
  // Sets id and created_at. Errc::duplicate when the user already has this hostname. Knows no per-user limit:
  // for tests and tools that seed a database; users' hosts come in through add_hosts (domain/host_service.h).
  virtual Result<Host> add_host(const Host& host) = 0;
  // Adds `hosts` for `user_id` (each one's user_id, id and created_at are set here), in order, in one
  // transaction that first locks the user and counts their hosts (PostgreSQL: SELECT ... FOR NO KEY UPDATE
  // on the users row; SQLite: the write transaction's BEGIN IMMEDIATE), so that concurrent calls take turns
  // and cannot take a user past their limit: the user's own (`users.max_hosts`, set by an admin) or else
  // `default_max_hosts`. One outcome per host, in order: the stored host, or
  // Errc::limit_exceeded (the user held their limit of hosts when its turn came; checked first) or
  // Errc::duplicate (the user has this hostname, maybe from earlier in `hosts`). The call's own Error, with
  // nothing added: Errc::not_found for an unknown user, or the database's failure.
  virtual Result<std::vector<Result<Host>>> add_hosts(Id user_id, std::span<const Host> hosts,
                                                      std::int64_t default_max_hosts) = 0;
  // Updates hostname, provider, service, label, enabled of host.id owned by host.user_id.
  virtual Status update_host(const Host& host) = 0;
  virtual Status delete_host(Id user_id, Id host_id) = 0;  // its results go with it
  virtual Result<Host> find_host(Id user_id, Id host_id) = 0;
  virtual Result<std::vector<Host>> list_hosts(Id user_id) = 0;  // ordered by provider, hostname
  virtual Result<std::int64_t> count_hosts(Id user_id) = 0;

  // --- the locations switched off per host (issue 16; host_location_exclusions, migration 015) ---
  // Makes `location_ids` (any order, repeats ignored) the locations that do not ping the user's host
  // `host_id`; empty: every location pings it. One transaction, which also moves the user's
  // host_list_version (the report keeps the host list, with Host::locations_off, under it).
  // Errc::not_found for another user's host (or none), and for an id that is no location's: nothing changes.
  virtual Status set_host_locations_off(Id user_id, Id host_id, std::span<const Id> location_ids) = 0;
  // The locations switched off for the user's host, ascending (find_host's Host::locations_off);
  // Errc::not_found for another user's host.
  virtual Result<std::vector<Id>> host_locations_off(Id user_id, Id host_id) = 0;
  // Every (host, location) switched off among the user's hosts, by host id then location id: one read for a
  // listing (list_hosts and find_host_statuses fill Host::locations_off from it).
  virtual Result<std::vector<HostLocationOff>> user_locations_off(Id user_id) = 0;

  // --- results, for pages and the API ---
  static constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

  // Each of the user's hosts with its latest result from `location_id` (ordered by provider, hostname):
  // HostStatus::latest is the latest icmp row (tcp hosts: the latest tcp row), latest_tcp a both host's
  // latest tcp row. The same as join_latest_rounds(list_hosts(user_id), latest_rounds(user_id), location_id).
  virtual Result<std::vector<HostStatus>> host_statuses(Id user_id, Id location_id) = 0;
  // The newest row of each location and method of each of the user's hosts (latest_results, migration 010;
  // every location since issue 16, each row's PingResult::location_id set), ordered by host id, location id
  // and method: one range read of the table's key, however many rows the hosts have.
  virtual Result<std::vector<PingResult>> latest_rounds(Id user_id) = 0;
  // The same for one host of the user (none for another user's host): its key range.
  virtual Result<std::vector<PingResult>> latest_rounds_of_host(Id user_id, Id host_id) = 0;
  // The user's latest rows (as latest_rounds, in no order) that a reader who took `data_version`
  // (DataVersionSource::data_version of this database) before reading latest_rounds may not have seen:
  // those written by transactions that version did not see; perhaps some it saw too. A row that goes
  // without a write moves host_list_version instead. nullopt: the back end cannot tell (SQLite): read
  // latest_rounds whole.
  virtual Result<std::optional<std::vector<PingResult>>> latest_rounds_written_since(
      Id user_id, const std::string& data_version) = 0;
  // A number that changes whenever one of the user's hosts is added, changed or deleted (by anyone: this
  // process, the CLI, another server) and when retention deletes one of their latest rows, 0 before the
  // user's first host: a reader that keeps the host list reads it again only when this moved. Read it
  // before the list it guards.
  virtual Result<std::int64_t> host_list_version(Id user_id) = 0;
  // The user's hosts that `query` picks, each with its latest result from query.location_id, ordered by id
  // (the API's pages).
  virtual Result<std::vector<HostStatus>> find_host_statuses(Id user_id, const HostQuery& query) = 0;
  // The host's rows from `location_id` with from <= ts < to, oldest first (one round's icmp row before its
  // tcp row), of every method, each saying its own (PingResult::method), at most `limit`; Errc::not_found if
  // the host is not the user's. One key range of ping_results (the location is packed into its method).
  virtual Result<std::vector<PingResult>> results_between(Id user_id, Id host_id, Id location_id,
                                                          EpochMs from, EpochMs to, std::size_t limit) = 0;
  Result<std::vector<PingResult>> results_between(Id user_id, Id host_id, Id location_id, EpochMs from,
                                                  EpochMs to) {
    return results_between(user_id, host_id, location_id, from, to, kAll);
  }
  // The host's rollups from `location_id` of `period_s` with from <= bucket_start < to, oldest first (icmp
  // before tcp in a bucket), of every method (Rollup::method), at most `limit`; scoped like results_between.
  virtual Result<std::vector<Rollup>> rollups_between(Id user_id, Id host_id, Id location_id, int period_s,
                                                      EpochMs from, EpochMs to, std::size_t limit) = 0;
  Result<std::vector<Rollup>> rollups_between(Id user_id, Id host_id, Id location_id, int period_s,
                                              EpochMs from, EpochMs to) {
    return rollups_between(user_id, host_id, location_id, period_s, from, to, kAll);
  }
  // The rollups from `location_id` of `period_s` with from <= bucket_start < to of every host in `host_ids`
  // that is the user's (ids of other users' hosts or of no host give no rows, never an error), ordered by
  // host, bucket_start, method: one indexed read for a page of hosts (the report's sparklines). At most
  // kMaxHostsPerRead ids (Errc::invalid_argument beyond).
  static constexpr std::size_t kMaxHostsPerRead = 1000;
  virtual Result<std::vector<Rollup>> rollups_of_hosts(Id user_id, std::span<const Id> host_ids,
                                                       Id location_id, int period_s, EpochMs from,
                                                       EpochMs to) = 0;
};

}  // namespace semaphore::store
