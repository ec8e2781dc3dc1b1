#include "alerts/dispatcher.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "core/text.h"

namespace semaphore::alerts {

Dispatcher::Dispatcher(store::NotificationStore& store, NotificationSender& sender, DispatcherOptions options,
                       std::string process_id, Clock clock)
    : store_(store),
      sender_(sender),
      options_(std::move(options)),
      process_id_(std::move(process_id)),
      clock_(std::move(clock)) {
  while (!options_.public_url.empty() && options_.public_url.back() == '/') options_.public_url.pop_back();
}

Dispatcher::~Dispatcher() {
  stop();
}

std::string Dispatcher::report_url(store::Id host_id) const {
  if (options_.public_url.empty()) return {};
  return options_.public_url + "/report/" + std::to_string(host_id);
}

std::string Dispatcher::locations_url() const {
  if (options_.public_url.empty()) return {};
  return options_.public_url + "/locations";
}

Dispatcher::Pass Dispatcher::run_once(const std::string& worker_id, std::stop_token stop) {
  Pass pass;
  const EpochMs now = clock_();
  store::ClaimRequest request;
  request.worker_id = worker_id;
  request.now = now;
  request.claim_until = now + options_.claim_lease.count();
  request.max_channels = options_.channels_per_claim;
  request.per_channel = options_.per_channel;
  auto claims = store_.claim_channels(request);
  if (!claims) {
    spdlog::warn("alerts: cannot read the outbox: {}", log_safe(claims.error().message));
    pass.store_error = true;
    return pass;
  }
  pass.claimed_channels = static_cast<int>(claims->size());
  for (const store::ChannelClaim& claim : *claims) {
    if (!stop.stop_requested()) deliver_channel(worker_id, claim, pass, stop);
    // Released even when stopping: another process may take the channel at once instead of after the lease.
    if (auto released = store_.release_channel(worker_id, claim.channel.id); !released) {
      spdlog::warn("alerts: cannot release channel {}: {}", claim.channel.id,
                   log_safe(released.error().message));
    }
  }
  return pass;
}

void Dispatcher::deliver_channel(const std::string& worker_id, const store::ChannelClaim& claim, Pass& pass,
                                 std::stop_token stop) {
  for (const store::Delivery& delivery : claim.deliveries) {
    if (stop.stop_requested()) return;
    const EpochMs now = clock_();
    // Only the channel's head may be sent; a later row waits for it (order per channel). A row whose
    // retry time has not come stops the channel, as does a claim about to run out.
    if (delivery.next_attempt_at > now || now >= claim.claimed_until) return;
    const SendOutcome outcome = sender_.send(
        claim.channel, delivery,
        NotificationContext{delivery.location ? locations_url() : report_url(delivery.host.id), now});
    const EpochMs done = clock_();
    Status recorded;
    std::optional<EpochMs> retry_at;
    if (outcome.delivered) {
      recorded = store_.delivery_succeeded(worker_id, delivery.id, done);
    } else {
      if (outcome.retryable) {
        retry_at = next_attempt_at(options_.retry, delivery.attempts + 1, delivery.created_at, done);
      }
      recorded = store_.delivery_failed(worker_id, delivery.id, done, outcome.error, retry_at);
    }
    if (!recorded) {
      // The claim is gone (expired and taken over) or the database is away: stop here; whatever was not
      // recorded is sent again by the next claim (at least once).
      spdlog::warn("alerts: cannot record the delivery of event {} to channel {}: {}", delivery.event.id,
                   claim.channel.id, log_safe(recorded.error().message));
      pass.store_error = true;
      return;
    }
    if (outcome.delivered) {
      ++pass.delivered;
    } else if (retry_at) {
      ++pass.retried;
      return;  // tried again at retry_at; the channel's later rows wait for it
    } else {
      ++pass.abandoned;
      spdlog::warn("alerts: gave up notifying event {} to channel {} ({}): {}", delivery.event.id,
                   claim.channel.id, claim.channel.kind, log_safe(outcome.error));
    }
  }
}

void Dispatcher::purge_finished() {
  const EpochMs now = clock_();
  if (now - last_purge_ < 10 * 60 * 1000) return;  // worker 0 only: no race
  last_purge_ = now;
  const EpochMs before = now - options_.keep_finished.count();
  for (int batch = 0; batch < 100; ++batch) {
    auto deleted = store_.delete_finished_deliveries_before(before, 500);
    if (!deleted) {
      spdlog::warn("alerts: cannot purge old deliveries: {}", log_safe(deleted.error().message));
      return;
    }
    if (*deleted < 500) return;
  }
}

void Dispatcher::worker_loop(int index, std::stop_token stop) {
  const std::string worker_id = process_id_ + "/" + std::to_string(index);
  StoppableThread& thread = *threads_[static_cast<std::size_t>(index)];
  while (!stop.stop_requested()) {
    const Pass pass = run_once(worker_id, stop);
    if (index == 0) purge_finished();
    // Busy: claim again at once (more channels may be due). Idle or failing: wait for the poll (or a stop).
    if (pass.claimed_channels > 0 && !pass.store_error) continue;
    StoppableThread::Lock lock(thread.mutex());
    thread.wait_for(lock, stop, options_.poll, [] { return false; });
  }
}

void Dispatcher::start() {
  if (!threads_.empty()) return;
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.push_back(std::make_unique<StoppableThread>());
  }
  for (int i = 0; i < static_cast<int>(threads_.size()); ++i) {
    threads_[static_cast<std::size_t>(i)]->start([this, i](std::stop_token stop) { worker_loop(i, stop); });
  }
}

void Dispatcher::stop() {
  for (auto& thread : threads_) thread->stop();
  threads_.clear();
}

}  // namespace semaphore::alerts
