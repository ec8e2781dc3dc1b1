#include "monitor/result_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "fake_sink.h"
#include "support/temp_dir.h"

namespace semaphore::monitor {
namespace {

using namespace std::chrono_literals;

std::vector<store::PingResult> round_rows(EpochMs ts, int hosts) {
  std::vector<store::PingResult> rows(static_cast<std::size_t>(hosts));
  for (int i = 0; i < hosts; ++i) {
    rows[static_cast<std::size_t>(i)].host_id = i + 1;
    rows[static_cast<std::size_t>(i)].ts = ts;
    rows[static_cast<std::size_t>(i)].sent = 5;
    rows[static_cast<std::size_t>(i)].received = 5;
    rows[static_cast<std::size_t>(i)].avg_ms = 1.5;
  }
  return rows;
}

template <class Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

struct WriterTest : ::testing::Test {
  testing::TempDir dir;
  FakeSink sink;
  Metrics metrics;
  Spool spool{dir.file("spool"), "results", 64 << 20};
  WriterOptions options() {
    WriterOptions o;
    o.batch_size = 100;
    o.queue_capacity = 10000;
    o.spool_after = 200ms;
    o.backoff_initial = 10ms;
    o.backoff_max = 50ms;
    return o;
  }
};

TEST_F(WriterTest, WritesInBatches) {
  ResultWriter writer(sink, spool, metrics, options());
  writer.start();
  writer.push(round_rows(1000, 250));
  ASSERT_TRUE(wait_until([&] { return writer.idle() && sink.size() == 250; }));
  writer.stop();
  for (std::size_t size : sink.batch_sizes()) EXPECT_LE(size, 100u);
  EXPECT_EQ(metrics.results_written, 250u);
  EXPECT_EQ(metrics.results_spooled, 0u);
  EXPECT_GE(metrics.write_batches, 3u);
  EXPECT_GT(metrics.snapshot().at("write_latency_p99_ms"), 0);
}

TEST_F(WriterTest, ShortOutageIsRetriedWithoutSpooling) {
  auto o = options();
  o.spool_after = 5s;
  ResultWriter writer(sink, spool, metrics, o);
  writer.start();
  sink.down = true;
  writer.push(round_rows(1000, 50));
  ASSERT_TRUE(wait_until([&] { return sink.failures >= 3; }));
  EXPECT_FALSE(writer.database_healthy());
  sink.down = false;
  ASSERT_TRUE(wait_until([&] { return sink.size() == 50; }));
  writer.stop();
  EXPECT_EQ(metrics.results_spooled, 0u);
  EXPECT_GE(metrics.write_errors, 3u);
  EXPECT_TRUE(writer.database_healthy());
}

TEST_F(WriterTest, LongOutageSpoolsThenReplaysWithoutLossOrDuplicates) {
  std::atomic<EpochMs> replayed_from{1 << 30};
  std::atomic<int> replayed_files{0};
  auto o = options();
  o.on_replayed = [&](EpochMs oldest) {
    replayed_from = std::min(replayed_from.load(), oldest);
    ++replayed_files;
  };
  ResultWriter writer(sink, spool, metrics, o);
  writer.start();
  writer.push(round_rows(1000, 30));
  ASSERT_TRUE(wait_until([&] { return sink.size() == 30; }));

  sink.down = true;
  for (EpochMs ts = 2000; ts <= 6000; ts += 1000) {
    writer.push(round_rows(ts, 30));
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(wait_until([&] { return metrics.results_spooled >= 150u; }));
  EXPECT_TRUE(std::filesystem::exists(dir.file("spool")));
  EXPECT_GT(metrics.spool_bytes, 0);
  sink.down = false;
  ASSERT_TRUE(wait_until([&] { return writer.idle() && sink.size() == 180; }));
  writer.stop();
  for (EpochMs ts = 1000; ts <= 6000; ts += 1000) {
    for (store::Id host = 1; host <= 30; ++host) EXPECT_TRUE(sink.has(host, ts)) << host << "@" << ts;
  }
  EXPECT_EQ(metrics.results_written, 180u);  // each row inserted once
  EXPECT_EQ(metrics.results_replayed, metrics.results_spooled);
  EXPECT_EQ(metrics.results_dropped, 0u);
  EXPECT_TRUE(spool.empty());
  EXPECT_EQ(replayed_from, 2000);
  EXPECT_EQ(replayed_files, 1);  // retries during the outage did not cut the spool into pieces
}

TEST_F(WriterTest, StopWhileDownSpoolsEverythingAndNextStartReplays) {
  {
    ResultWriter writer(sink, spool, metrics, options());
    writer.start();
    sink.down = true;
    writer.push(round_rows(1000, 40));
    writer.push(round_rows(2000, 40));
    writer.stop();
  }
  EXPECT_EQ(metrics.results_spooled, 80u);
  EXPECT_FALSE(spool.empty());
  sink.down = false;
  Metrics later;
  Spool reopened(dir.file("spool"), "results", 64 << 20);
  ResultWriter writer(sink, reopened, later, options());
  writer.start();
  ASSERT_TRUE(wait_until([&] { return sink.size() == 80 && writer.idle(); }));
  writer.stop();
  EXPECT_EQ(later.results_replayed, 80u);
  EXPECT_TRUE(reopened.empty());
}

TEST_F(WriterTest, FullQueueSpillsToTheSpool) {
  auto o = options();
  o.queue_capacity = 100;
  o.spool_after = 10s;
  ResultWriter writer(sink, spool, metrics, o);
  sink.delay_ms = 200;  // a slow database holds the writer
  writer.start();
  writer.push(round_rows(1000, 100));
  std::this_thread::sleep_for(50ms);
  writer.push(round_rows(2000, 100));
  writer.push(round_rows(3000, 100));  // over capacity while the first insert is in flight
  EXPECT_GE(metrics.results_spooled, 100u);
  sink.delay_ms = 0;
  ASSERT_TRUE(wait_until([&] { return sink.size() == 300 && writer.idle(); }));
  writer.stop();
  EXPECT_EQ(metrics.results_dropped, 0u);
}

TEST_F(WriterTest, UnwritableSpoolDropsAndCounts) {
  Spool broken("/proc/semaphore-no-such-dir", "results", 1 << 20);
  auto o = options();
  o.spool_after = 0ms;
  ResultWriter writer(sink, broken, metrics, o);
  writer.start();
  sink.down = true;
  writer.push(round_rows(1000, 10));
  ASSERT_TRUE(wait_until([&] { return metrics.results_dropped == 10u; }));
  writer.stop();
}

}  // namespace
}  // namespace semaphore::monitor
