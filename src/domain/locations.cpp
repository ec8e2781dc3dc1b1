#include "domain/locations.h"

#include <algorithm>

#include "core/ascii.h"
#include "core/text.h"
#include "domain/secret_token.h"

namespace semaphore::domain {

Result<std::string> normalize_location_name(std::string_view name) {
  std::string lowered = lower_ascii(trim(name));
  if (lowered.empty()) return make_error(Errc::invalid_argument, "Give the location a name.");
  if (lowered.size() > kMaxLocationNameChars) {
    return make_error(Errc::invalid_argument, "A location's name has at most 32 characters.");
  }
  for (const char c : lowered) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return make_error(Errc::invalid_argument,
                        "A location's name has only letters a-z, digits and hyphens (e.g. fra-hetzner).");
    }
  }
  return lowered;
}

Result<std::string> normalize_location_label(std::string_view label) {
  const std::string_view trimmed = trim(label);
  std::size_t chars = 0;  // UTF-8 code points: continuation bytes do not count
  for (const char c : trimmed) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return make_error(Errc::invalid_argument, "A label has no control characters.");
    if ((u & 0xc0) != 0x80) ++chars;
  }
  if (chars > kMaxLocationLabelChars) {
    return make_error(Errc::invalid_argument, "A label has at most 100 characters.");
  }
  return std::string(trimmed);
}

std::string random_location_token() {
  return std::string(kLocationTokenPrefix) + random_secret();
}

bool looks_like_location_token(std::string_view text) {
  return text.starts_with(kLocationTokenPrefix) &&
         looks_like_secret(text.substr(kLocationTokenPrefix.size()));
}

std::string hash_location_token(std::string_view token) {
  return secret_hash(token);
}

Result<NewLocation> create_location(store::LocationStore& locations, std::string_view name,
                                    std::string_view label, EpochMs now) {
  auto checked_name = normalize_location_name(name);
  if (!checked_name) return checked_name.error();
  auto checked_label = normalize_location_label(label);
  if (!checked_label) return checked_label.error();
  NewLocation made;
  made.token = random_location_token();
  store::Location record;
  record.name = std::move(*checked_name);
  record.label = std::move(*checked_label);
  record.token_hash = hash_location_token(made.token);
  record.created_at = now;
  auto stored = locations.add_location(record);
  if (!stored) {
    if (stored.error().code == Errc::duplicate) {
      return make_error(Errc::duplicate, "There is a location named " + record.name + " already.");
    }
    return stored.error();
  }
  made.location = std::move(*stored);
  return made;
}

Status rename_location(store::LocationStore& locations, std::string_view old_name,
                       std::string_view new_name) {
  auto from = normalize_location_name(old_name);
  if (!from)
    return make_error(Errc::not_found, "There is no location named " + std::string(trim(old_name)) + ".");
  auto to = normalize_location_name(new_name);
  if (!to) return to.error();
  auto renamed = locations.rename_location(*from, *to);
  if (!renamed) {
    if (renamed.error().code == Errc::not_found) {
      return make_error(Errc::not_found, "There is no location named " + *from + ".");
    }
    if (renamed.error().code == Errc::duplicate) {
      return make_error(Errc::duplicate, "There is a location named " + *to + " already.");
    }
  }
  return renamed;
}

Status set_location_label(store::LocationStore& locations, std::string_view name, std::string_view label) {
  auto checked_name = normalize_location_name(name);
  if (!checked_name) {
    return make_error(Errc::not_found, "There is no location named " + std::string(trim(name)) + ".");
  }
  auto checked_label = normalize_location_label(label);
  if (!checked_label) return checked_label.error();
  auto set = locations.set_location_label(*checked_name, *checked_label);
  if (!set && set.error().code == Errc::not_found) {
    return make_error(Errc::not_found, "There is no location named " + *checked_name + ".");
  }
  return set;
}

Result<std::string> rotate_location_token(store::LocationStore& locations, std::string_view name) {
  auto checked_name = normalize_location_name(name);
  const std::string shown = checked_name ? *checked_name : std::string(trim(name));
  if (!checked_name) return make_error(Errc::not_found, "There is no location named " + shown + ".");
  std::string token = random_location_token();
  auto set = locations.set_location_token_hash(*checked_name, hash_location_token(token));
  if (!set) {
    if (set.error().code == Errc::not_found) {
      return make_error(Errc::not_found, "There is no agent location named " + shown + ".");
    }
    return set.error();
  }
  return token;
}

Status remove_location(store::LocationStore& locations, std::string_view name) {
  auto checked_name = normalize_location_name(name);
  const std::string shown = checked_name ? *checked_name : std::string(trim(name));
  if (!checked_name) return make_error(Errc::not_found, "There is no location named " + shown + ".");
  auto found = locations.find_location(*checked_name);
  if (!found) {
    if (found.error().code == Errc::not_found) {
      return make_error(Errc::not_found, "There is no location named " + shown + ".");
    }
    return found.error();
  }
  if (found->id == kLocalLocationId) {
    return make_error(
        Errc::invalid_argument,
        "The location " + shown +
            " is the one this server's own ping service reports as: it cannot be removed (rename "
            "it instead).");
  }
  auto removed = locations.remove_location(*checked_name);
  if (!removed && removed.error().code == Errc::not_found) {
    return make_error(Errc::not_found, "There is no location named " + shown + ".");
  }
  return removed;
}

Result<store::Location> find_agent_location(store::LocationStore& locations, std::string_view token) {
  if (!looks_like_location_token(token)) return make_error(Errc::not_found, "no such location token");
  return locations.find_location_by_token(hash_location_token(token));
}

const char* to_string(LocationStatus status) {
  return status == LocationStatus::online ? "online" : "offline";
}

LocationStatus location_status(const store::Location& location, EpochMs now) {
  if (!location.last_seen_at) return LocationStatus::offline;
  const std::int64_t interval = location.interval_ms > 0 ? location.interval_ms : kDefaultLocationIntervalMs;
  return now - *location.last_seen_at >= kOfflineAfterIntervals * interval ? LocationStatus::offline
                                                                           : LocationStatus::online;
}

const char* location_kind(const store::Location& location) {
  return location.is_agent() ? "agent" : "local";
}

}  // namespace semaphore::domain
