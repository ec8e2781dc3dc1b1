#include "monitor/host_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/text.h"

namespace semaphore::monitor {

LeaseHostSource::~LeaseHostSource() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  join_claimer();
}

Result<std::vector<store::Host>> LeaseHostSource::hosts_for_round(EpochMs round_ts) {
  join_claimer();  // the last round's (round_done joined it already, unless the round failed)
  // The lease clock is this machine's: workers' clocks must agree to within the ttl's margin (NTP does).
  // In the background mode the round waits for the heartbeat, the renewal and one batch only.
  const bool background = claim_window_.count() > 0;
  store::LeaseRequest request{
      worker_id_, now_epoch_ms(), ttl_.count(), chunk_, background ? 1 : claim_budget_.count(), location_id_};
  auto grant = store_.claim_host_leases(request);
  if (!grant) return grant.error();
  const auto held = static_cast<std::int64_t>(grant->hosts.size());
  fair_share_ = grant->fair_share;
  bool start = false;
  {
    std::lock_guard lock(mutex_);
    held_ = held;
    claimed_.clear();
    // More may be free: the first batch found candidates and the share is not reached.
    start = claiming_ = background && held < fair_share_ && grant->resume_after > 0 && !stopping_;
  }
  if (start) {
    claimer_ = std::thread([this, deadline = round_ts + claim_window_.count(), after = grant->resume_after] {
      claim_in_background(deadline, after);
    });
  }
  if (held != logged_held_ && !start) {
    spdlog::info("leases: worker {} holds {} hosts ({} live workers, fair share {}{})", worker_id_, held,
                 grant->live_workers, grant->fair_share,
                 held < grant->fair_share ? "; the rest at the next rounds" : "");
    logged_held_ = held;
  }
  return std::move(grant->hosts);
}

void LeaseHostSource::claim_in_background(EpochMs deadline, store::Id after) {
  // Batches until the share is held, no host is free above the last one examined, or the window closes (a
  // host claimed later could not get its probes in before the round's end; it is claimed next round). A
  // batch that claims nothing is no reason to stop (store::LeaseBatch): other workers took its candidates.
  for (;;) {
    std::int64_t want = 0;
    {
      std::lock_guard lock(mutex_);
      want = std::min<std::int64_t>(chunk_, fair_share_ - held_);
      if (stopping_ || want <= 0) break;
    }
    if (now_epoch_ms() >= deadline) break;
    store::LeaseRequest request{worker_id_, now_epoch_ms(), ttl_.count(), static_cast<int>(want),
                                0,          location_id_};
    auto batch = store_.claim_more_host_leases(request, after);
    if (!batch) {
      spdlog::warn("leases: cannot claim more hosts ({}); the rest at the next rounds",
                   log_safe(batch.error().message));
      break;
    }
    if (batch->examined_through == 0) break;
    after = batch->examined_through;
    if (batch->hosts.empty()) continue;
    std::lock_guard lock(mutex_);
    held_ += static_cast<std::int64_t>(batch->hosts.size());
    ++background_batches_;
    for (store::Host& host : batch->hosts) claimed_.push_back(std::move(host));
    changed_.notify_all();
  }
  std::lock_guard lock(mutex_);
  claiming_ = false;
  changed_.notify_all();
}

std::vector<store::Host> LeaseHostSource::more_hosts(std::chrono::steady_clock::time_point until,
                                                     bool& done) {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, until, [&] { return !claimed_.empty() || !claiming_; });
  done = !claiming_;
  std::vector<store::Host> out;
  out.swap(claimed_);
  return out;
}

void LeaseHostSource::round_done(EpochMs) {
  join_claimer();
  std::int64_t held = 0;
  {
    std::lock_guard lock(mutex_);
    held = held_;
  }
  if (held != logged_held_) {
    spdlog::info("leases: worker {} holds {} hosts (fair share {}{})", worker_id_, held, fair_share_,
                 held < fair_share_ ? "; the rest at the next rounds" : "");
    logged_held_ = held;
  }
  // Give back the surplus only now that this round has pinged it: the others claim it at the next boundary,
  // so the hand-over neither skips nor doubles a round.
  if (held <= fair_share_ || fair_share_ <= 0) return;
  if (auto released = store_.release_host_leases(worker_id_, fair_share_); !released) {
    spdlog::warn("leases: cannot release surplus hosts: {}", log_safe(released.error().message));
    return;
  }
  spdlog::info("leases: worker {} released {} hosts to other workers", worker_id_, held - fair_share_);
  std::lock_guard lock(mutex_);
  held_ = fair_share_;
  logged_held_ = fair_share_;
}

void LeaseHostSource::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  join_claimer();
  if (auto released = store_.release_host_leases(worker_id_, 0); !released) {
    spdlog::warn("leases: cannot release leases on stop ({}); they expire in {} ms",
                 log_safe(released.error().message), ttl_.count());
  }
}

std::int64_t LeaseHostSource::background_batches() const {
  std::lock_guard lock(mutex_);
  return background_batches_;
}

void LeaseHostSource::join_claimer() {
  if (claimer_.joinable()) claimer_.join();
}

}  // namespace semaphore::monitor
