#include "web/health.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace semaphore::web {

DatabaseCheck::Outcome DatabaseCheck::check() {
  std::call_once(started_,
                 [this] { thread_.start([this](std::stop_token stop) { loop(std::move(stop)); }); });
  StoppableThread::Lock lock(thread_.mutex());
  const auto now = std::chrono::steady_clock::now();
  if (completed_ > 0 && now - last_at_ < options_.fresh) return last_;
  if (requested_ == completed_) {  // none in flight: ask for one
    ++requested_;
    thread_.notify_all();
  }
  const std::uint64_t wanted = requested_;
  const bool answered =
      thread_.wait_for(lock, std::stop_token{}, options_.wait, [&] { return completed_ >= wanted; });
  return answered ? last_ : Outcome::no_answer;
}

void DatabaseCheck::loop(std::stop_token stop) {
  Outcome previous = Outcome::up;
  for (;;) {
    std::uint64_t wanted = 0;
    {
      StoppableThread::Lock lock(thread_.mutex());
      thread_.wait_for(lock, stop, std::chrono::hours(1), [&] { return requested_ > completed_; });
      if (stop.stop_requested()) return;
      if (requested_ == completed_) continue;
      wanted = requested_;
    }
    const Status answer = store_.check_connection();
    const Outcome outcome = answer ? Outcome::up : Outcome::down;
    // Said once per change, not once per poll: a load balancer asks every few seconds.
    if (outcome != previous && !answer) {
      spdlog::warn("readiness: the database does not answer: {}", answer.error().message);
    } else if (outcome != previous) {
      spdlog::info("readiness: the database answers again");
    }
    previous = outcome;
    StoppableThread::Lock lock(thread_.mutex());
    completed_ = wanted;
    last_ = outcome;
    last_at_ = std::chrono::steady_clock::now();
    thread_.notify_all();
  }
}

std::chrono::milliseconds round_deadline(std::chrono::milliseconds interval) {
  return 2 * interval + std::chrono::seconds(10);
}

Response readiness(DatabaseCheck& database, const std::function<RoundProgress()>& rounds, EpochMs now) {
  boost::json::object body;
  std::string reason;
  switch (database.check()) {
    case DatabaseCheck::Outcome::up:
      body["database"] = "up";
      break;
    case DatabaseCheck::Outcome::down:
      body["database"] = "down";
      reason = "database unreachable";
      break;
    case DatabaseCheck::Outcome::no_answer:
      body["database"] = "no_answer";
      reason = "database did not answer within " + std::to_string(database.wait().count()) + " ms";
      break;
  }
  if (!rounds) {
    body["rounds"] = "not_checked";
  } else {
    const RoundProgress progress = rounds();
    const EpochMs since = progress.last_round_end > 0 ? progress.last_round_end : progress.started_at;
    const auto deadline = round_deadline(progress.interval);
    if (progress.started_at == 0) {
      body["rounds"] = "not_running";
      if (reason.empty()) reason = "the ping service is not running";
    } else if (now - since > deadline.count()) {
      body["rounds"] = "late";
      if (reason.empty()) {
        reason = progress.last_round_end > 0
                     ? "no round finished in the last " + std::to_string(deadline.count() / 1000) + " s"
                     : "no round finished since the start";
      }
    } else {
      body["rounds"] = "on_time";
    }
    // Whole milliseconds: Boost.JSON would write seconds as 8.96E-1.
    if (progress.last_round_end > 0)
      body["last_round_age_ms"] = std::max<EpochMs>(0, now - progress.last_round_end);
    body["interval_ms"] = static_cast<std::int64_t>(progress.interval.count());
  }
  const bool ready = reason.empty();
  boost::json::object out;
  out["status"] = ready ? "ready" : "not_ready";
  if (!ready) out["reason"] = reason;
  for (auto& [key, value] : body) out[key] = value;
  return text_response(ready ? 200 : 503, boost::json::serialize(out) + "\n", "application/json");
}

}  // namespace semaphore::web
