#include "monitor/maintenance.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/text.h"

namespace semaphore::monitor {
namespace {

constexpr EpochMs kHour = 3'600'000, kDay = 86'400'000;

EpochMs floor_to(EpochMs t, EpochMs step) {
  return t - ((t % step) + step) % step;
}

}  // namespace

Maintenance::Maintenance(store::MonitorStore& store, Metrics& metrics, MaintenanceOptions options,
                         store::PathStore* paths)
    : store_(store), paths_(paths), metrics_(metrics), options_(options) {}

Maintenance::~Maintenance() {
  stop();
}

void Maintenance::start() {
  thread_.start([this](std::stop_token stop) { loop(std::move(stop)); });
}

void Maintenance::stop() {
  thread_.stop();
  leader_.reset();  // another worker leads from its next pass
}

bool Maintenance::take_lead() {
  if (!options_.may_lead) return false;
  if (leader_ && !leader_->still_held()) {
    spdlog::warn("maintenance: lost the maintenance lock (database connection closed)");
    leader_.reset();
  }
  if (leader_) return true;
  auto lock = store_.try_lock_maintenance();
  if (!lock) {
    ++metrics_.maintenance_errors;
    spdlog::warn("maintenance: cannot take the maintenance lock: {}", log_safe(lock.error().message));
    return false;
  }
  leader_ = std::move(*lock);
  if (leader_) spdlog::info("maintenance: this worker leads maintenance (rollups, retention, partitions)");
  return leader_ != nullptr;
}

void Maintenance::mark_dirty(EpochMs from) {
  {
    std::lock_guard lock(thread_.mutex());
    dirty_from_ = std::min(dirty_from_.value_or(from), from);
  }
  thread_.notify_all();
}

void Maintenance::run_once(EpochMs now) {
  const bool leading = take_lead();
  std::optional<EpochMs> dirty;
  {
    std::lock_guard lock(thread_.mutex());
    dirty = std::exchange(dirty_from_, std::nullopt);
  }
  // A follower recomputes only the buckets of its own replays; with none, it has nothing to do.
  if (!leading && !dirty) return;
  const EpochMs oldest_kept = now - options_.retention_raw.count();
  const EpochMs dirty_from = std::max(oldest_kept, dirty.value_or(now));
  const EpochMs hourly_from = leading ? std::min(floor_to(now, kHour) - kHour, dirty_from) : dirty_from;
  const EpochMs daily_from = leading ? std::min(floor_to(now - 2 * kHour, kDay), dirty_from) : dirty_from;
  const int batch = options_.hosts_per_batch;

  if (leading) {
    if (auto created = store_.create_partitions(now); !created) {
      ++metrics_.maintenance_errors;
      spdlog::warn("maintenance: cannot create partitions: {}", log_safe(created.error().message));
    } else if (*created > 0) {
      spdlog::info("maintenance: created {} partitions ahead", *created);
    }
  }

  const auto t0 = std::chrono::steady_clock::now();
  auto hourly = store_.refresh_rollups(3600, hourly_from, now + 1, batch);
  auto daily = store_.refresh_rollups(86400, daily_from, now + 1, batch);
  if (!hourly || !daily) {
    ++metrics_.maintenance_errors;
    spdlog::warn("maintenance: rollup refresh failed: {}",
                 log_safe((!hourly ? hourly.error() : daily.error()).message));
    // Try these buckets again next time.
    if (dirty) mark_dirty(*dirty);
  } else {
    ++metrics_.rollup_runs;
    spdlog::debug(
        "maintenance: {} hourly and {} daily rollups refreshed in {} ms", *hourly, *daily,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  }

  if (leading && now - last_prune_ >= options_.prune_every.count()) {
    auto raw = store_.prune_results(now - options_.retention_raw.count(), batch);
    auto rollups = store_.prune_rollups(now - options_.retention_rollup.count(), batch);
    if (raw && rollups && paths_) {
      // Paths live as long as raw results (each host's newest and newest good path stay: PathStore). At
      // most 100 short deletes of 1,000 rows a pass; the rest waits for the next hour.
      const auto paths = prune_paths(now - options_.retention_raw.count());
      if (!paths) raw = paths.error();
    }
    if (!raw || !rollups) {
      ++metrics_.maintenance_errors;
      spdlog::warn("maintenance: pruning failed: {}",
                   log_safe((!raw ? raw.error() : rollups.error()).message));
    } else {
      last_prune_ = now;
      metrics_.rows_pruned += static_cast<std::uint64_t>(*raw + *rollups);
      if (*raw + *rollups > 0) spdlog::info("maintenance: pruned {} results and {} rollups", *raw, *rollups);
    }
  }
  if (leading) compact(now);
}

void Maintenance::compact(EpochMs now) {
  const auto t0 = std::chrono::steady_clock::now();
  auto compacted = store_.compact_partitions(now);
  if (!compacted) {
    ++metrics_.maintenance_errors;
    spdlog::warn("maintenance: cannot compact a closed day's partition: {}",
                 log_safe(compacted.error().message));
  } else if (*compacted > 0) {
    spdlog::info(
        "maintenance: rebuilt a closed day's primary key in {} ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  }
}

Result<std::int64_t> Maintenance::prune_paths(EpochMs cutoff) {
  constexpr std::int64_t kBatch = 1000;
  std::int64_t pruned = 0;
  for (int i = 0; i < 100; ++i) {
    auto deleted = paths_->prune_paths(cutoff, kBatch);
    if (!deleted) return deleted.error();
    pruned += *deleted;
    if (*deleted < kBatch) break;
  }
  metrics_.rows_pruned += static_cast<std::uint64_t>(pruned);
  if (pruned > 0) spdlog::info("maintenance: pruned {} paths", pruned);
  return pruned;
}

void Maintenance::loop(std::stop_token stop) {
  for (;;) {
    {
      StoppableThread::Lock lock(thread_.mutex());
      // A replay wakes us early, but not at once: let the replay of a long outage finish first.
      thread_.wait_for(lock, stop, options_.every, [&] { return dirty_from_.has_value(); });
      if (stop.stop_requested()) return;
      if (dirty_from_) {
        thread_.wait_for(lock, stop, std::chrono::seconds(5), [] { return false; });
        if (stop.stop_requested()) return;
      }
    }
    run_once(now_epoch_ms());
  }
}

}  // namespace semaphore::monitor
