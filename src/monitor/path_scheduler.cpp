#include "monitor/path_scheduler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/rtt_stats.h"
#include "core/text.h"
#include "paths/path_change.h"
#include "paths/verdict.h"

namespace semaphore::monitor {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer: ids 1, 2, 3 land far apart
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::optional<paths::Path> stored_path(const store::HostPathRecord& record) {
  auto hops = paths::decode_hops(record.hops);
  if (!hops) return std::nullopt;
  paths::Path path;
  path.hops = std::move(*hops);
  path.reached = record.reached;
  return path;
}

}  // namespace

// --- PathPlan ---

EpochMs PathPlan::phase(store::Id host_id) const {
  if (interval_ms_ <= 0) return 0;
  return static_cast<EpochMs>(mix(static_cast<std::uint64_t>(host_id)) %
                              static_cast<std::uint64_t>(interval_ms_));
}

EpochMs PathPlan::next_slot(store::Id host_id, EpochMs now) const {
  const EpochMs interval = std::max<EpochMs>(interval_ms_, 1);
  const EpochMs slot = now - now % interval + phase(host_id);
  return slot > now ? slot : slot + interval;
}

void PathPlan::set_hosts(const std::vector<PathTarget>& hosts, EpochMs now) {
  std::map<store::Id, Entry> next;
  for (const PathTarget& host : hosts) {
    auto known = hosts_.find(host.host_id);
    if (known != hosts_.end()) {
      next[host.host_id] = Entry{host.hostname, known->second.due};
      continue;
    }
    next[host.host_id] = Entry{host.hostname, next_slot(host.host_id, now)};
  }
  hosts_ = std::move(next);
}

std::vector<PathTarget> PathPlan::take_due(EpochMs now, std::size_t most) {
  std::vector<std::pair<EpochMs, store::Id>> due;
  for (const auto& [id, entry] : hosts_) {
    if (entry.due <= now) due.emplace_back(entry.due, id);
  }
  std::sort(due.begin(), due.end());
  if (due.size() > most) due.resize(most);
  std::vector<PathTarget> out;
  out.reserve(due.size());
  for (const auto& [at, id] : due) {
    Entry& entry = hosts_[id];
    out.push_back(PathTarget{id, entry.hostname});
    entry.due += interval_ms_;
    // Overdue by more than an interval (a long outage, a backlog): the next phase after now, not a catch-up.
    if (entry.due <= now) entry.due = next_slot(id, now);
  }
  return out;
}

std::optional<std::string> PathPlan::hostname(store::Id host_id) const {
  auto found = hosts_.find(host_id);
  if (found == hosts_.end()) return std::nullopt;
  return found->second.hostname;
}

// --- the trace as a path ---

paths::Path path_from_trace(const probe::TraceResult& trace) {
  paths::Path path;
  path.reached = trace.reached;
  std::vector<double> scratch;
  for (const probe::TraceHop& hop : trace.hops) {
    paths::PathHop out;
    out.ttl = hop.ttl;
    if (hop.address) out.address = hop.address->to_string();
    for (const auto& other : hop.other_addresses) out.other_addresses.push_back(other.to_string());
    out.name = hop.name;
    out.sent = hop.sent;
    out.received = hop.received;
    if (auto summary = summarize_rtts(hop.rtts_ms, scratch)) {
      out.min_ms = summary->min_ms;
      out.avg_ms = summary->avg_ms;
      out.max_ms = summary->max_ms;
      out.median_ms = summary->median_ms;
    }
    out.is_destination = hop.is_destination;
    path.hops.push_back(std::move(out));
    if (path.hops.size() >= paths::kMaxStoredHops) break;
  }
  return path;
}

// --- PathScheduler ---

PathScheduler::PathScheduler(store::PathStore& store, probe::Tracer& tracer, Metrics& metrics,
                             PathOptions options)
    : store_(store), tracer_(tracer), metrics_(metrics), options_(options), plan_(options_.interval) {}

PathScheduler::~PathScheduler() {
  stop();
}

void PathScheduler::start() {
  thread_.start([this](std::stop_token stop) { loop(std::move(stop)); });
}

void PathScheduler::stop() {
  thread_.stop();
}

void PathScheduler::set_hosts(const std::vector<store::Host>& hosts) {
  std::vector<PathTarget> targets;
  targets.reserve(hosts.size());
  for (const auto& host : hosts) targets.push_back(PathTarget{host.id, host.hostname});
  const EpochMs now = now_epoch_ms();
  std::lock_guard lock(thread_.mutex());
  plan_.set_hosts(targets, now);
}

bool PathScheduler::request(store::Id host_id, EpochMs event_at) {
  {
    std::lock_guard lock(thread_.mutex());
    ++metrics_.path_requests;
    const auto waiting =
        std::find_if(queue_.begin(), queue_.end(), [&](const Request& r) { return r.host_id == host_id; });
    // Not queued twice: the waiting trace is attached to its own round's events only.
    if (waiting != queue_.end()) return waiting->event_at == event_at;
    if (queue_.size() >= options_.queue_capacity) {
      ++metrics_.path_requests_dropped;
      return false;
    }
    queue_.push_back(Request{host_id, event_at});
  }
  thread_.notify_one();
  return true;
}

std::size_t PathScheduler::queued() const {
  std::lock_guard lock(thread_.mutex());
  return queue_.size();
}

std::size_t PathScheduler::run_once(EpochMs now, std::stop_token stop) {
  std::vector<PathTarget> targets;
  std::vector<std::optional<EpochMs>> events;
  {
    std::lock_guard lock(thread_.mutex());
    while (!queue_.empty() && targets.size() < options_.batch) {
      const Request request = queue_.front();
      queue_.pop_front();
      auto hostname = plan_.hostname(request.host_id);
      if (!hostname) continue;  // not this worker's host (any more)
      targets.push_back(PathTarget{request.host_id, *hostname});
      events.emplace_back(request.event_at);
    }
    for (PathTarget& due : plan_.take_due(now, options_.batch - targets.size())) {
      // A host traced for its state change just now needs no scheduled trace in the same run.
      if (std::find(targets.begin(), targets.end(), due) != targets.end()) continue;
      targets.push_back(std::move(due));
      events.emplace_back(std::nullopt);
    }
  }
  if (targets.empty()) return 0;

  std::vector<probe::PingRequest> requests;
  requests.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    probe::PingRequest r;
    r.host = targets[i].hostname;
    // The hosts of a run start a little apart inside one cycle, not all in one burst.
    r.start_offset = options_.trace.cycle_interval * static_cast<long>(i) / static_cast<long>(targets.size());
    requests.push_back(std::move(r));
  }
  const auto traces = tracer_.run(requests, options_.trace, stop);
  if (stop.stop_requested()) return 0;  // cut short: half-measured paths are not stored
  const EpochMs measured_at = now_epoch_ms();
  std::size_t stored = 0;
  for (std::size_t i = 0; i < targets.size() && i < traces.size(); ++i) {
    if (store_path(targets[i], events[i], traces[i], measured_at)) ++stored;
  }
  return stored;
}

bool PathScheduler::store_path(const PathTarget& target, std::optional<EpochMs> event_at,
                               const probe::TraceResult& trace, EpochMs now) {
  if (trace.error != probe::HostError::none) {
    ++metrics_.path_errors;
    spdlog::debug("path of host {} not measured: {}", target.host_id, log_safe(trace.error_detail));
    return false;
  }
  const paths::Path path = path_from_trace(trace);
  store::HostPathRecord record;
  record.host_id = target.host_id;
  record.measured_at = now;
  record.trigger = event_at ? "state_change" : "scheduled";
  record.reached = path.reached;
  record.good = paths::is_good_path(path);
  record.hops = paths::encode_hops(path.hops);

  auto latest = store_.latest_path(target.host_id);
  if (!latest) {
    ++metrics_.path_errors;
    return false;
  }
  if (*latest) {
    // A change from the latest path, or from the path the current route was first seen on (a hop silent in
    // the latest trace tells nothing there; the reference may have seen it).
    bool changed = false;
    if (auto previous = stored_path(**latest)) changed = paths::compare_paths(*previous, path).has_value();
    if (!changed) {
      auto reference = store_.reference_path(target.host_id);
      if (!reference) {
        ++metrics_.path_errors;
        return false;
      }
      if (*reference && (*reference)->id != (*latest)->id) {
        if (auto first = stored_path(**reference)) changed = paths::compare_paths(*first, path).has_value();
      }
    }
    if (changed) {
      record.changed = true;
      record.previous_id = (*latest)->id;
    }
  }
  if (event_at) {
    auto good = store_.last_good_path(target.host_id);
    if (!good) {
      ++metrics_.path_errors;
      return false;
    }
    std::optional<paths::Path> last_good;
    if (*good) last_good = stored_path(**good);
    const paths::Verdict verdict = paths::judge_path(path, last_good);
    record.verdict = verdict.text;
    record.verdict_kind = paths::to_string(verdict.kind);
    record.verdict_hop = verdict.hop;
  }
  auto inserted = store_.insert_path(record, event_at);
  if (!inserted) {
    if (inserted.error().code != Errc::not_found) ++metrics_.path_errors;  // not_found: the host was deleted
    return false;
  }
  ++metrics_.paths_traced;
  if (record.changed) {
    ++metrics_.path_changes;
    spdlog::info("host {}: the path changed", target.host_id);
  }
  return true;
}

void PathScheduler::loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    run_once(now_epoch_ms(), stop);
    StoppableThread::Lock lock(thread_.mutex());
    // A state change wakes the loop at once; the schedule is looked at every second.
    thread_.wait_for(lock, stop, std::chrono::seconds(1), [&] { return !queue_.empty(); });
  }
}

// --- the evaluator ---

store::HostAlertOutcome PathTriggeringEvaluator::evaluate(const store::HostAlertContext& context,
                                                          std::span<const store::RoundToEvaluate> rounds) {
  store::HostAlertOutcome outcome = inner_.evaluate(context, rounds);
  // The newest state change of the batch: one trace, attached to that round's events.
  // (A new host's first state is no change.)
  const auto change = std::find_if(outcome.events.rbegin(), outcome.events.rend(),
                                   [](const auto& event) { return event.quiet != "first_round"; });
  if (change == outcome.events.rend()) return outcome;
  const EpochMs at = change->at;
  // The trace is attached to every event of that round: their notifications wait for it (at most
  // store::kNotificationPathWaitMs). A request the full queue dropped gets no path: nothing waits.
  if (paths_.request(context.host_id, at)) {
    for (store::AlertEventRecord& event : outcome.events) {
      if (event.at == at) event.awaits_path = true;
    }
  }
  return outcome;
}

}  // namespace semaphore::monitor
