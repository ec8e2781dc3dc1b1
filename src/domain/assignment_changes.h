#pragma once
// An agent's assignment sent as what changed since the one it holds (issue 16: an agent "fetches its host
// list (changes since its last fetch)").
//
// The server keeps, per location, the host lists of the last few assignment versions it handed out, each as
// (id, fingerprint) pairs: 16 bytes a host (AssignmentHistory). An agent asks with the version it holds
// (?since=); when the server still knows that version it answers with the hosts added or changed and the ids
// removed (AssignmentChanges), else with the whole list. The agent applies the changes to what it holds and
// checks the result against the new version (assignment_version over the whole list, a BLAKE2b hash): a
// fingerprint collision or any other mismatch makes it ask for the whole list once, so a change is never
// missed, whatever the server's memory held.
//
// Why not a change log in the database: the list a location pings depends on hosts, owners' switches per
// location and the settings; a diff of two lists the server computes anyway (for the ETag) covers every one
// of them without a table, a trigger or a tombstone. A server restart only costs one whole list per agent.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "domain/agent_protocol.h"

namespace semaphore::domain {

// A host of an assignment as the server remembers it: its id and a 64-bit hash of its target and probe.
struct HostFingerprint {
  store::Id id = 0;
  std::uint64_t digest = 0;
};

// The fingerprints of `hosts` (sorted by id, as an assignment's are).
std::vector<HostFingerprint> fingerprint_hosts(const std::vector<store::Host>& hosts);

// What changed from the list `before` (fingerprints sorted by id, of version `since`) to `now`.
AssignmentChanges changes_between(const std::vector<HostFingerprint>& before, std::string since,
                                  const AgentAssignment& now);

// `held` with `changes` applied: hosts removed, added or replaced (by id), the settings, location and version
// taken from the changes. Errc::invalid_argument when the changes are not from `held`'s version, or when the
// result's own version (assignment_version) is not the one the changes announce: the caller asks for the
// whole list.
Result<AgentAssignment> apply_changes(const AgentAssignment& held, const AssignmentChanges& changes);

// The server's memory of the assignments it handed out: per location, the fingerprints of the last
// `versions_per_location` versions. Safe to use from many threads.
class AssignmentHistory {
 public:
  explicit AssignmentHistory(std::size_t versions_per_location = 4);

  // Records `now` as `location`'s newest version (nothing when it is already), then, when `since` is a
  // version still remembered and not `now`'s, the changes from it. nullopt: send the whole list (an unknown
  // or forgotten version, or changes that would not be smaller than the list).
  std::optional<AssignmentChanges> changes_since(store::Id location, const AgentAssignment& now,
                                                 std::string_view since);

  // Versions remembered for `location` (tests).
  std::size_t versions_held(store::Id location) const;

 private:
  struct Version {
    std::string version;
    std::shared_ptr<const std::vector<HostFingerprint>> hosts;
  };
  std::size_t versions_per_location_;
  mutable std::mutex mutex_;
  std::map<store::Id, std::deque<Version>> locations_;  // guarded; newest last
};

}  // namespace semaphore::domain
