#include "monitor/host_source.h"

#include <spdlog/spdlog.h>

#include "core/text.h"

namespace semaphore::monitor {

Result<std::vector<store::Host>> LeaseHostSource::hosts_for_round(EpochMs) {
  // The lease clock is this machine's: workers' clocks must agree to within the ttl's margin (NTP does).
  store::LeaseRequest request{worker_id_, now_epoch_ms(), ttl_.count(), chunk_, claim_budget_.count()};
  auto grant = store_.claim_host_leases(request);
  if (!grant) return grant.error();
  if (static_cast<std::int64_t>(grant->hosts.size()) != held_) {
    spdlog::info("leases: worker {} holds {} hosts ({} live workers, fair share {}{})", worker_id_,
                 grant->hosts.size(), grant->live_workers, grant->fair_share,
                 static_cast<std::int64_t>(grant->hosts.size()) < grant->fair_share
                     ? "; the rest at the next rounds"
                     : "");
  }
  held_ = static_cast<std::int64_t>(grant->hosts.size());
  fair_share_ = grant->fair_share;
  return std::move(grant->hosts);
}

void LeaseHostSource::round_done(EpochMs) {
  // Give back the surplus only now that this round has pinged it: the others claim it at the next boundary,
  // so the hand-over neither skips nor doubles a round.
  if (held_ <= fair_share_ || fair_share_ <= 0) return;
  if (auto released = store_.release_host_leases(worker_id_, fair_share_); !released) {
    spdlog::warn("leases: cannot release surplus hosts: {}", log_safe(released.error().message));
    return;
  }
  spdlog::info("leases: worker {} released {} hosts to other workers", worker_id_, held_ - fair_share_);
  held_ = fair_share_;
}

void LeaseHostSource::close() {
  if (auto released = store_.release_host_leases(worker_id_, 0); !released) {
    spdlog::warn("leases: cannot release leases on stop ({}); they expire in {} ms",
                 log_safe(released.error().message), ttl_.count());
  }
}

}  // namespace semaphore::monitor
