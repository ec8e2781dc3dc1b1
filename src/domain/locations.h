#pragma once
// Locations (issue 16): the rules for a location's name and label, its agent token, making, renaming and
// removing one, and whether it is online. Shared by the CLI (`semaphore location ...`), the web
// (/locations, GET /api/v1/locations) and, later, the agents' API.
//
// An agent token is "sml_" and 32 random bytes (libsodium) as unpadded base64url (domain/secret_token.h):
// 47 characters, 256 bits of secret, told apart from an API token ("smp_") at a glance. It is shown once,
// when the location is made; the store keeps only its hex SHA-256, so a lookup by hash needs no constant-time
// comparison of secrets and a copy of the database authenticates no agent.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/location_store.h"

namespace semaphore::domain {

inline constexpr store::Id kLocalLocationId = 1;  // the location the migration made: `local`
inline constexpr std::string_view kLocationTokenPrefix = "sml_";
inline constexpr std::size_t kMaxLocationNameChars = 32;
inline constexpr std::size_t kMaxLocationLabelChars = 100;
// A location is offline once it has been silent for this many of its intervals (or was never seen).
inline constexpr std::int64_t kOfflineAfterIntervals = 3;
// The interval assumed for a location that has been seen but never said its interval.
inline constexpr std::int64_t kDefaultLocationIntervalMs = 60'000;

// `name` trimmed and lower-cased, when it is 1-32 characters of [a-z0-9-]; else Errc::invalid_argument
// saying why.
Result<std::string> normalize_location_name(std::string_view name);
// `label` trimmed, when it is at most 100 characters and has no control characters; else
// Errc::invalid_argument saying why.
Result<std::string> normalize_location_label(std::string_view label);

std::string random_location_token();
// True for text shaped like random_location_token()'s output: anything else is refused without a lookup.
bool looks_like_location_token(std::string_view text);
std::string hash_location_token(std::string_view token);

struct NewLocation {
  std::string token;         // the agent token: show it once, store it nowhere
  store::Location location;  // as stored
};

// Makes an agent location named `name` with `label`. Errc::invalid_argument for a bad name or label (the
// message says why), Errc::duplicate for a name taken, else the store's errors.
Result<NewLocation> create_location(store::LocationStore& locations, std::string_view name,
                                    std::string_view label, EpochMs now);
// Renames a location (`local` too). Errc::invalid_argument for a bad new name, Errc::not_found,
// Errc::duplicate; messages say which name.
Status rename_location(store::LocationStore& locations, std::string_view old_name, std::string_view new_name);
Status set_location_label(store::LocationStore& locations, std::string_view name, std::string_view label);
// Gives the agent location `name` a new token (returned: show it once) and revokes the old one at once: what
// an operator does when a token leaked, or to stop an agent while keeping the location and its results.
// Errc::not_found (also for a database-connected location, which has no token).
Result<std::string> rotate_location_token(store::LocationStore& locations, std::string_view name);
// Removes a location, which revokes an agent's token. Refuses (Errc::invalid_argument) the location the
// local ping service reports as (kLocalLocationId), whatever it is called now.
Status remove_location(store::LocationStore& locations, std::string_view name);
// The agent location `token` belongs to, or Errc::not_found (also for text not shaped like a token, which
// is refused without a lookup).
Result<store::Location> find_agent_location(store::LocationStore& locations, std::string_view token);

enum class LocationStatus { online, offline };
const char* to_string(LocationStatus status);
// Offline when never seen, or when `now` is kOfflineAfterIntervals of its intervals or more after it was last
// seen; online otherwise.
LocationStatus location_status(const store::Location& location, EpochMs now);
// "local" for a database-connected location, "agent" for one with a token.
const char* location_kind(const store::Location& location);

}  // namespace semaphore::domain
