#include "domain/assignment_changes.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace semaphore::domain {
namespace {

std::uint64_t fingerprint(const store::Host& host) {
  return std::hash<std::string>{}(host.hostname + '\n' + format_probe_spec(host.probe));
}

bool by_id(const store::Host& a, const store::Host& b) {
  return a.id < b.id;
}

}  // namespace

std::vector<HostFingerprint> fingerprint_hosts(const std::vector<store::Host>& hosts) {
  std::vector<HostFingerprint> prints;
  prints.reserve(hosts.size());
  for (const auto& host : hosts) prints.push_back(HostFingerprint{host.id, fingerprint(host)});
  return prints;
}

AssignmentChanges changes_between(const std::vector<HostFingerprint>& before, std::string since,
                                  const AgentAssignment& now) {
  AssignmentChanges changes;
  changes.version = now.version;
  changes.location = now.location;
  changes.settings = now.settings;
  changes.since = std::move(since);
  // Both lists are sorted by id: one merge walk.
  auto old = before.begin();
  for (const store::Host& host : now.hosts) {
    while (old != before.end() && old->id < host.id) changes.removed.push_back((old++)->id);
    if (old != before.end() && old->id == host.id) {
      if (old->digest != fingerprint(host)) changes.changed.push_back(host);
      ++old;
    } else {
      changes.changed.push_back(host);
    }
  }
  for (; old != before.end(); ++old) changes.removed.push_back(old->id);
  return changes;
}

Result<AgentAssignment> apply_changes(const AgentAssignment& held, const AssignmentChanges& changes) {
  if (changes.since != held.version) {
    return make_error(Errc::invalid_argument,
                      "the server sent changes from another version than the one held");
  }
  AgentAssignment next;
  next.version = changes.version;
  next.location = changes.location;
  next.settings = changes.settings;
  next.hosts.reserve(held.hosts.size() + changes.changed.size());
  // held.hosts minus the removed and the changed, merged with the changed: all sorted by id.
  std::vector<store::Host> changed = changes.changed;
  std::sort(changed.begin(), changed.end(), by_id);
  std::vector<store::Id> removed = changes.removed;
  std::sort(removed.begin(), removed.end());
  auto next_changed = changed.begin();
  for (const store::Host& host : held.hosts) {
    while (next_changed != changed.end() && next_changed->id < host.id) next.hosts.push_back(*next_changed++);
    if (next_changed != changed.end() && next_changed->id == host.id) {
      next.hosts.push_back(*next_changed++);
      continue;
    }
    if (!std::binary_search(removed.begin(), removed.end(), host.id)) next.hosts.push_back(host);
  }
  next.hosts.insert(next.hosts.end(), next_changed, changed.end());
  if (assignment_version(next.settings, next.hosts) != next.version) {
    return make_error(Errc::invalid_argument,
                      "the assignment's changes, applied, do not give the version the server announced");
  }
  return next;
}

AssignmentHistory::AssignmentHistory(std::size_t versions_per_location)
    : versions_per_location_(std::max<std::size_t>(1, versions_per_location)) {}

std::optional<AssignmentChanges> AssignmentHistory::changes_since(store::Id location,
                                                                  const AgentAssignment& now,
                                                                  std::string_view since) {
  std::shared_ptr<const std::vector<HostFingerprint>> before;
  bool known_now = false;
  {
    std::lock_guard lock(mutex_);
    auto& versions = locations_[location];
    for (const auto& held : versions) {
      if (held.version == now.version) known_now = true;
      if (!since.empty() && held.version == since) before = held.hosts;
    }
  }
  if (!known_now) {
    // Fingerprinted outside the lock: concurrent requests for other locations do not wait on it.
    auto prints = std::make_shared<const std::vector<HostFingerprint>>(fingerprint_hosts(now.hosts));
    std::lock_guard lock(mutex_);
    auto& versions = locations_[location];
    const bool recorded = std::any_of(versions.begin(), versions.end(),
                                      [&](const Version& held) { return held.version == now.version; });
    if (!recorded) {
      versions.push_back(Version{now.version, std::move(prints)});
      while (versions.size() > versions_per_location_) versions.pop_front();
    }
  }
  if (before == nullptr || since == now.version) return std::nullopt;
  AssignmentChanges changes = changes_between(*before, std::string(since), now);
  // Changes as large as the list save nothing: the whole list is simpler for the agent.
  if (changes.changed.size() >= now.hosts.size() && !now.hosts.empty()) return std::nullopt;
  return changes;
}

std::size_t AssignmentHistory::versions_held(store::Id location) const {
  std::lock_guard lock(mutex_);
  const auto found = locations_.find(location);
  return found == locations_.end() ? 0 : found->second.size();
}

}  // namespace semaphore::domain
