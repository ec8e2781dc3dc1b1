#pragma once
// Where an agent's hosts and settings come from (issue 16): the server's GET /api/v1/agent/assignment,
// asked at every round start with the version it holds (If-None-Match), so an unchanged list costs a 304,
// and a changed one only its changes (?since=, domain/assignment_changes.h). Changes that do not apply to
// what is held (the server's answer for another version, a result whose version differs) are never
// half-used: the source asks for the whole list at once.
//
// While the server cannot be reached the agent keeps pinging the hosts it last got (a round is never
// skipped for want of a server); the last assignment is also kept in `<spool dir>/assignment.json` (0600), so
// an agent restarted during an outage starts pinging from it. A refused token (401: the location was
// removed) empties the list: nothing is pinged for a location that no longer exists, and the refusal is
// logged once a minute until the token works again.
//
// A change of settings (interval, probes, ...) cannot apply inside a running round schedule: the source
// records it, and the runner (agent_runner.h) restarts the ping service with the new settings.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/agent_client.h"
#include "agent/throttled_log.h"
#include "domain/agent_protocol.h"
#include "monitor/round_scheduler.h"

namespace semaphore::agent {

class AssignmentSource {
 public:
  // `cache_path` empty: nothing is kept on disk.
  AssignmentSource(ClientOptions client, std::string cache_path, ThrottledLog& refusals);

  enum class Fetch { changed, unchanged, refused, failed };
  // Asks the server once; on `changed` the new assignment is held (and cached on disk).
  Fetch fetch();
  // Loads the assignment kept on disk by an earlier run; false when there is none (or it does not parse).
  bool load_cache();

  // The assignment held, or nullopt before any (an empty one while the token is refused).
  std::optional<domain::AgentAssignment> current() const;
  // Whether the server's last answer refused the token.
  bool refused() const;
  // Called (on the fetching thread) after a fetch brought settings that differ from the ones before.
  void on_settings_changed(std::function<void()> callback);

  // A HostSource over this source for one run of the ping service (it must outlive it): each round start
  // fetches, then hands over the hosts held.
  std::unique_ptr<monitor::HostSource> round_source();

 private:
  // One request: with `held`, for the changes since it; without, for the whole list. nullopt: changes came
  // that do not apply to `held` (the caller asks for the whole list).
  std::optional<Fetch> fetch_from(const domain::AgentAssignment* held);
  void keep(domain::AgentAssignment assignment);
  void save_cache(const std::string& body) const;

  AgentClient client_;
  std::string cache_path_;
  ThrottledLog& refusals_;
  mutable std::mutex mutex_;
  std::shared_ptr<const domain::AgentAssignment> held_;  // guarded; replaced whole, never changed in place
  bool refused_ = false;                                 // guarded: the last answer was 401
  std::function<void()> settings_changed_;               // guarded
  bool failing_ = false;  // the last fetch failed (logged once until one succeeds); fetching thread only
};

}  // namespace semaphore::agent
