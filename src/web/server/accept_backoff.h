#pragma once
// What the accept loop does after a failed accept (issue 12). When the process is out of descriptors
// (EMFILE, ENFILE) or memory, accepting again at once fails again at once: the loop would spin on a core and
// write a log line per try. Instead it waits, 50 ms doubling to 1 s, and logs the first failure of a spell
// and then at most one line per 10 s saying how many it skipped. A success ends the spell. Times are passed
// in.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

namespace semaphore::web {

class AcceptBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirstDelay{50};
  static constexpr std::chrono::milliseconds kMaxDelay{1000};
  static constexpr std::chrono::seconds kLogEvery{10};

  struct Step {
    std::chrono::milliseconds wait;    // before the next accept
    std::optional<std::uint64_t> log;  // set: write a log line now; the failures not logged before it
  };

  // A failed accept at `now`.
  Step failed(Clock::time_point now) {
    delay_ = failures_in_spell_ == 0 ? kFirstDelay : std::min(delay_ * 2, kMaxDelay);
    ++failures_in_spell_;
    Step step{delay_, std::nullopt};
    if (!logged_once_ || now - last_log_ >= kLogEvery) {
      step.log = unlogged_;
      unlogged_ = 0;
      last_log_ = now;
      logged_once_ = true;
    } else {
      ++unlogged_;
    }
    return step;
  }

  // An accept that worked: the next failure starts a new spell (and is logged at once if 10 s have passed).
  void succeeded() { failures_in_spell_ = 0; }

 private:
  std::chrono::milliseconds delay_{kFirstDelay};
  std::uint64_t failures_in_spell_ = 0;
  std::uint64_t unlogged_ = 0;
  bool logged_once_ = false;
  Clock::time_point last_log_{};
};

}  // namespace semaphore::web
