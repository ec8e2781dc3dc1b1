#pragma once
// The records the store keeps and hands out: plain values, shared by every store interface (account_store.h,
// host_store.h, monitor_store.h) and by their callers.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/probe_method.h"
#include "core/provider.h"

namespace semaphore::store {

using Id = std::int64_t;

// The location of the ping service of `semaphore run` / `semaphore probe` with no --location (migration
// 012's first row, never removed): every result row written before issue 16 is its.
inline constexpr Id kLocalLocationId = 1;

struct User {
  Id id = 0;
  std::string email;  // stored lower-cased
  std::string password_hash;
  bool is_admin = false;
  EpochMs created_at = 0;
  // The user's own host limit, set by an admin (`semaphore user set --max-hosts`); empty: the server's
  // --max-hosts-per-user applies.
  std::optional<std::int64_t> max_hosts;
};

struct Session {
  std::string token_hash;  // hex SHA-256 (or similar) of the cookie token: the token itself is never stored
  Id user_id = 0;
  std::string csrf_token;
  EpochMs created_at = 0;
  EpochMs last_seen_at = 0;
  EpochMs expires_at = 0;  // absolute expiry; idle expiry is judged from last_seen_at by the caller
};

// What an API token may do: `read` is GET and HEAD only; `write` is every method.
enum class TokenScope { read, write };

// "read" / "write", as stored and as the UI and the CLI show it.
inline const char* to_string(TokenScope scope) {
  return scope == TokenScope::read ? "read" : "write";
}
inline std::optional<TokenScope> parse_token_scope(std::string_view text) {
  if (text == "read") return TokenScope::read;
  if (text == "write") return TokenScope::write;
  return std::nullopt;
}

// A user's API token (token_store.h). The token itself is never stored: only its hex SHA-256.
struct ApiToken {
  Id id = 0;
  Id user_id = 0;
  std::string name;        // 1-64 printable characters, unique per user (domain/api_tokens.h checks)
  std::string token_hash;  // lower-case hex SHA-256 of the token
  TokenScope scope = TokenScope::read;
  EpochMs created_at = 0;
  std::optional<EpochMs> expires_at;    // none: never expires
  std::optional<EpochMs> last_used_at;  // none: never used

  bool expired(EpochMs now) const { return expires_at && now >= *expires_at; }
};

struct Host {
  Id id = 0;
  Id user_id = 0;
  std::string hostname;  // normalized by core/target.h parse_target before it gets here
  Provider provider = Provider::other;
  std::string service;  // free text: EC2, App Engine, ...
  std::string label;
  bool enabled = true;
  EpochMs created_at = 0;
  ProbeSpec probe;  // how the ping service measures it: icmp (default), tcp:PORT or both:PORT (issue 15)
  // The locations switched off for this host (issue 16, table host_location_exclusions): they do not ping
  // it, and the pages never judge it by their old rounds. Ids, ascending; empty: every location pings it.
  // Filled by HostStore's reads of a user's hosts (find_host, list_hosts, host_statuses,
  // find_host_statuses); written only by HostStore::set_host_locations_off (update_host leaves it alone).
  std::vector<Id> locations_off{};  // "{}": a Host initialized by position may stop before it unwarned

  bool location_off(Id location_id) const {
    return std::find(locations_off.begin(), locations_off.end(), location_id) != locations_off.end();
  }
};

// One location switched off for one host (HostStore::user_locations_off).
struct HostLocationOff {
  Id host_id = 0;
  Id location_id = 0;
};

// One row per host per round and probe kind (a `both` host has an icmp and a tcp row each round). RTT
// fields are empty when nothing came back; `error` then says why ("unresolvable", "unreachable",
// "timeout", ...). Loss = 1 - received / sent. For TCP a refused connection (RST) is an answer: the host
// is up, the port closed; `refused` counts those among `received`.
struct PingResult {
  Id host_id = 0;
  EpochMs ts = 0;  // the round's start, UTC ms: (host_id, ts, method, location_id) is the key: inserts
                   // are idempotent
  int sent = 0;
  int received = 0;
  std::optional<double> min_ms, avg_ms, max_ms, median_ms, stddev_ms;
  std::string error;  // empty when at least one reply came back
  ProbeKind method = ProbeKind::icmp;
  int refused = 0;  // TCP: answers that were a RST (counted in received)
  // Where it was measured from (issue 16): part of the key, so two locations' rows of one round both stay.
  Id location_id = kLocalLocationId;
};

// Which of a user's hosts HostStore::find_host_statuses returns: those after `after_id` in id order (so a
// page that ends at id N is followed by the hosts after N, whatever was added or deleted meanwhile), with
// every filter that is set matching exactly, at most `limit` of them (0: all).
struct HostQuery {
  std::optional<Provider> provider;
  std::optional<std::string> service, label;
  std::optional<Id> id;  // only this host
  Id after_id = 0;
  std::size_t limit = 0;
  Id location_id = kLocalLocationId;  // whose latest rounds the statuses carry (issue 16)
};

// One location's latest rounds of a host (issue 16): `latest` and `latest_tcp` as in HostStatus.
struct LocationRounds {
  Id location_id = kLocalLocationId;
  std::optional<PingResult> latest, latest_tcp;
};

// A host's latest round, for the report and overview pages. The reads of one location (host_statuses,
// find_host_statuses, all_host_statuses) set `latest` and `latest_tcp`; the join of every location
// (join_rounds_by_location: the report, the overview) sets `locations` instead.
struct HostStatus {
  Host host;
  std::optional<PingResult> latest;       // the latest icmp row (tcp hosts: the latest tcp row)
  std::optional<PingResult> latest_tcp;   // `both` hosts: the latest tcp row; otherwise empty
  std::vector<LocationRounds> locations;  // each location with a latest row of the host, by location id
};

// Hourly (period_s = 3600) or daily (86400) aggregate of a host's rounds, for long chart ranges.
struct Rollup {
  Id host_id = 0;
  int period_s = 3600;
  EpochMs bucket_start = 0;
  int rounds = 0;
  int sent = 0;
  int received = 0;
  std::optional<double> min_ms, max_ms, avg_ms, median_ms;  // median = median of the rounds' medians
  ProbeKind method = ProbeKind::icmp;
  Id location_id = kLocalLocationId;  // rollups are computed per location (issue 16)
};

// --- ping service types (issue 4; see monitor_store.h) ---

// A probe worker's request for its share of the hosts (PostgreSQL leases).
struct LeaseRequest {
  std::string worker_id;
  EpochMs now = 0;
  std::int64_t ttl_ms = 90000;  // leases (and the worker's heartbeat) live this long unless renewed
  int chunk = 1000;             // hosts claimed per statement
  // Claim no batch but the first once the call has taken this long (the heartbeat and renewal always happen),
  // so that a worker's round starts on time however many hosts are free; the rest are claimed by the next
  // calls. 0: claim up to the fair share whatever it takes.
  std::int64_t budget_ms = 0;
  // The worker's location (issue 16): leases are per location, so every location's workers cover every host
  // and never take hosts from another location's workers.
  Id location_id = kLocalLocationId;
};

struct LeaseGrant {
  std::vector<Host> hosts;  // the enabled hosts the worker holds, ordered by id
  std::int64_t live_workers = 1;
  std::int64_t fair_share = 0;  // ceil(enabled hosts / live workers)
  // Where the next batch starts: the highest host id this call's batches examined, claimed or not (0: none
  // was free). Not the highest claimed: a batch can examine hosts and claim none of them (another worker
  // took them while it ran) with free hosts above.
  Id resume_after = 0;
};

// One batch claimed while a round runs (MonitorStore::claim_more_host_leases).
struct LeaseBatch {
  std::vector<Host> hosts;  // claimed, ordered by id
  // The highest host id the batch examined, claimed or not: where the next batch starts. 0: no host was free
  // above `after`, the one reason to stop looking. An empty `hosts` alone is not: under contention the
  // candidates a batch chose in its snapshot can all have been taken by other workers in the meantime while
  // many hosts above them are still free (bench/scale: a claimer that stopped there left 44,000 hosts
  // without a lease for a round).
  Id examined_through = 0;
};

// Held while this process is the one probe worker of a SQLite database; released when destroyed (or when
// the process dies).
class WorkerLock {
 public:
  virtual ~WorkerLock() = default;
  // Whether the lock is still this process's (a lock on a database connection goes with the connection).
  virtual bool still_held() { return true; }
};

}  // namespace semaphore::store
