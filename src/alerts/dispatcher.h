#pragma once
// The dispatcher (issue 14): delivers the alert outbox (store/notification_store.h) through a
// NotificationSender, with retries, in order per channel, one delivery in flight per channel.
//
// Each of its worker threads loops: claim a few channels that have a due delivery (a lease on the channel
// row, so no other thread or process sends to them meanwhile), send each channel's deliveries oldest first
// — the next one only once the previous one was delivered or abandoned; a retryable failure stops the
// channel until its retry time (alerts/retry_policy.h), a permanent one (HTTP 4xx, a refused target) is
// abandoned at once — then release the channels and claim again. With nothing due it sleeps `poll`.
//
// Delivery is at least once: the outcome is recorded after the send, so a kill -9 between a send and its
// record resends that one notification after the claim expires (the receiver dedupes by event_id; the
// webhook body carries it). Nothing is lost: undelivered rows stay in the outbox across restarts.
//
// Runs in every process that serves the web UI (`run`, `serve`); several processes share the outbox safely
// through the claims. Never on an I/O thread: sends block up to the sender's timeouts.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "alerts/notification_sender.h"
#include "alerts/retry_policy.h"
#include "core/clock.h"
#include "core/stoppable_thread.h"
#include "store/notification_store.h"

namespace semaphore::alerts {

struct DispatcherOptions {
  int workers = 2;  // threads, each claiming channels of its own: a slow channel holds up only its thread
  std::chrono::milliseconds poll{1000};  // how often an idle worker looks for due deliveries
  // How long a claim holds a channel: longer than per_channel sends at the sender's timeout.
  std::chrono::milliseconds claim_lease{std::chrono::seconds(150)};
  int channels_per_claim = 4;
  int per_channel = 8;  // deliveries per channel per claim (the rest after the next claim)
  RetryPolicy retry;
  // The web UI's address as people reach it, for the links in notifications ("https://semaphore.example");
  // empty: notifications carry no link.
  std::string public_url;
  std::chrono::milliseconds keep_finished{std::chrono::hours(24 * 30)};  // delivered rows, then deleted
};

class Dispatcher {
 public:
  using Clock = std::function<EpochMs()>;

  // `process_id` names this process in the claims (host name and pid), unique among live dispatchers.
  Dispatcher(store::NotificationStore& store, NotificationSender& sender, DispatcherOptions options,
             std::string process_id, Clock clock = now_epoch_ms);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  struct Pass {
    int claimed_channels = 0;
    int delivered = 0;
    int retried = 0;    // failed, to be tried again later
    int abandoned = 0;  // failed for good (permanent error, or 24 h of failures)
    bool store_error = false;
  };

  // One claim-send-release pass on the caller's thread as `worker_id` (tests drive it directly).
  Pass run_once(const std::string& worker_id, std::stop_token stop = {});

  void start();  // the worker threads
  void stop();   // asks them to stop after the send in flight, and joins them

  // The link to a host's page in a notification ("" without --public-url).
  std::string report_url(store::Id host_id) const;
  // The link in a location's notification (issue 16): the /locations page ("" without --public-url).
  std::string locations_url() const;

 private:
  // Sends one claimed channel's deliveries in order; false when the claim was lost (stop at once).
  void deliver_channel(const std::string& worker_id, const store::ChannelClaim& claim, Pass& pass,
                       std::stop_token stop);
  void worker_loop(int index, std::stop_token stop);
  void purge_finished();

  store::NotificationStore& store_;
  NotificationSender& sender_;
  DispatcherOptions options_;
  std::string process_id_;
  Clock clock_;
  std::vector<std::unique_ptr<StoppableThread>> threads_;
  EpochMs last_purge_ = 0;  // worker 0's
};

}  // namespace semaphore::alerts
