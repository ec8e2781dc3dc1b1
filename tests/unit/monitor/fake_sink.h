#pragma once
// A ResultSink that behaves like the store's insert_results (idempotent on (host_id, ts), one batch all or
// nothing) and can be switched off to play a database outage.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "monitor/result_writer.h"

namespace semaphore::monitor {

class FakeSink : public ResultSink {
 public:
  std::atomic<bool> down{false};
  std::atomic<int> delay_ms{0};
  std::atomic<int> calls{0};
  std::atomic<int> failures{0};

  Result<std::int64_t> insert(std::span<const store::PingResult> rows) override {
    ++calls;
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    if (down) {
      ++failures;
      return make_error(Errc::unavailable, "fake database is down");
    }
    std::lock_guard lock(mutex_);
    std::int64_t inserted = 0;
    for (const auto& row : rows)
      inserted += rows_.emplace(std::pair{row.host_id, row.ts}, row).second ? 1 : 0;
    batch_sizes_.push_back(rows.size());
    return inserted;
  }

  Status check() override {
    if (down) return make_error(Errc::unavailable, "fake database is down");
    return {};
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return rows_.size();
  }
  bool has(store::Id host, EpochMs ts) const {
    std::lock_guard lock(mutex_);
    return rows_.count({host, ts}) == 1;
  }
  std::vector<std::size_t> batch_sizes() const {
    std::lock_guard lock(mutex_);
    return batch_sizes_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<store::Id, EpochMs>, store::PingResult> rows_;
  std::vector<std::size_t> batch_sizes_;
};

}  // namespace semaphore::monitor
