#include "monitor/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/file_modes.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::monitor {
namespace {

// A record as the spool writes one: its header (the row count and the checksum of `body`), then `body`
// (whole rows, each ending in a newline). For files written by hand: older formats, damage.
std::string spool_record(const std::string& body) {
  char header[64];
  std::snprintf(header, sizeof header, "batch %d %016llx\n",
                static_cast<int>(std::count(body.begin(), body.end(), '\n')),
                static_cast<unsigned long long>(spool_checksum(body)));
  return header + body;
}

std::vector<store::PingResult> sample_batch(store::Id first_host, EpochMs ts, int count) {
  std::vector<store::PingResult> rows;
  for (int i = 0; i < count; ++i) {
    store::PingResult row;
    row.host_id = first_host + i;
    row.ts = ts;
    row.sent = 5;
    row.received = i % 3 == 0 ? 0 : 5;
    row.method = i % 2 ? ProbeKind::tcp : ProbeKind::icmp;
    row.refused = row.method == ProbeKind::tcp ? row.received / 2 : 0;
    row.location_id = i % 4 == 3 ? 16384 : 1 + i % 2;  // issue 16: the largest id a row can hold too
    if (row.received > 0) {
      row.min_ms = 0.1 + i;
      row.avg_ms = 1.0 / 3.0 + i;  // needs every digit to read back exactly
      row.max_ms = 12345.678901234;
      row.median_ms = 2e-9;
      row.stddev_ms = 0;
    } else {
      row.error = i % 2 ? "timeout" : "send failed, 100% odd";
    }
    rows.push_back(row);
  }
  return rows;
}

bool same(const store::PingResult& a, const store::PingResult& b) {
  return a.host_id == b.host_id && a.ts == b.ts && a.sent == b.sent && a.received == b.received &&
         a.min_ms == b.min_ms && a.avg_ms == b.avg_ms && a.max_ms == b.max_ms && a.median_ms == b.median_ms &&
         a.stddev_ms == b.stddev_ms && a.error == b.error && a.method == b.method && a.refused == b.refused &&
         a.location_id == b.location_id;
}

TEST(Spool, RoundTripsBatchesExactly) {
  testing::TempDir dir;
  Spool spool(dir.file("spool"), "results", 1 << 20);
  EXPECT_TRUE(spool.empty());
  const auto first = sample_batch(1, 1000, 7), second = sample_batch(100, 2000, 3);
  ASSERT_TRUE(spool.append(first));
  ASSERT_TRUE(spool.append(second));
  EXPECT_FALSE(spool.empty());
  EXPECT_GT(spool.bytes(), 0);

  // The file being appended to is not replayable until sealed.
  EXPECT_EQ(spool.take_oldest().error().code, Errc::not_found);
  spool.seal();
  auto file = spool.take_oldest();
  ASSERT_TRUE(file);
  ASSERT_EQ(file->batches().size(), 2u);
  EXPECT_FALSE(file->torn());
  ASSERT_EQ(file->batches()[0].size(), first.size());
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(same(file->batches()[0][i], first[i])) << i;
  for (std::size_t i = 0; i < second.size(); ++i) EXPECT_TRUE(same(file->batches()[1][i], second[i])) << i;

  ASSERT_TRUE(spool.remove(*file));
  EXPECT_TRUE(spool.empty());
  EXPECT_EQ(spool.bytes(), 0);
}

TEST(Spool, TornTailIsSkippedAndGoodRecordsKept) {
  testing::TempDir dir;
  std::string path;
  {
    Spool spool(dir.file("spool"), "results", 1 << 20);
    ASSERT_TRUE(spool.append(sample_batch(1, 1000, 4)));
    spool.seal();
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("spool"))) path = entry.path();
  // A crash in the middle of the next append: half a record.
  const std::string next = Spool::encode(sample_batch(50, 2000, 4));
  std::ofstream(path, std::ios::app) << next.substr(0, next.size() / 2);

  Spool spool(dir.file("spool"), "results", 1 << 20);
  auto file = spool.take_oldest();
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->torn());
  ASSERT_EQ(file->batches().size(), 1u);
  EXPECT_EQ(file->batches()[0].size(), 4u);

  // A corrupted byte inside a record is caught by the checksum.
  std::string damaged = Spool::encode(sample_batch(1, 1000, 2));
  damaged[damaged.size() - 5] ^= 1;
  std::ofstream(dir.file("spool/results-1-1-0.spool")) << damaged;
  std::ofstream(dir.file("spool/results-2-1-0.spool")) << "not a spool file\n";
  int bad = 0, taken = 0;
  for (;;) {
    auto more = spool.take_oldest();
    if (!more) break;
    ++taken;
    ASSERT_TRUE(spool.remove(*more));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("spool"))) {
    bad += entry.path().extension() == ".bad";
  }
  EXPECT_EQ(bad, 2);  // neither file had one good record: kept aside for the operator
  EXPECT_EQ(taken, 0);
}

TEST(Spool, ErrorTextIsPercentEncodedAsEarlierVersionsWroteIt) {
  store::PingResult row;
  row.host_id = 1;
  row.ts = 2;
  row.sent = 3;
  row.error = "send failed, 100% odd\n-\xc3\xa9_.:";
  const std::string record = Spool::encode(std::span(&row, 1));
  // Letters, digits and "_.:" as they are; every other byte as %XX in upper-case hex (spool files outlive
  // the binary that wrote them, so this text must not change). The row ends with its location (issue 16).
  EXPECT_EQ(record.substr(record.find('\n') + 1),
            "1 2 3 0 - - - - - send%20failed%2C%20100%25%20odd%0A%2D%C3%A9_.: 0 0 1\n");

  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("spool"));
  std::ofstream(dir.file("spool/results-1-1-0.spool")) << record;
  Spool spool(dir.file("spool"), "results", 1 << 20);
  auto file = spool.take_oldest();
  ASSERT_TRUE(file);
  ASSERT_EQ(file->batches().size(), 1u);
  ASSERT_EQ(file->batches()[0].size(), 1u);
  EXPECT_EQ(file->batches()[0][0].error, row.error);
}

TEST(Spool, AFileWrittenBeforeProbeMethodsReplaysAsIcmpRows) {
  // Two records as a binary from before issue 15 wrote them: ten fields a row, no method and no refused.
  const std::string old_rows[] = {"7 60000 5 4 1.5 2.25 3 2 0.5 -\n8 60000 5 0 - - - - - timeout\n",
                                  "7 120000 5 5 1 2 3 2 0.25 -\n"};
  std::string text;
  for (const std::string& body : old_rows) text += spool_record(body);
  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("spool"));
  std::ofstream(dir.file("spool/results-1-1-0.spool")) << text;
  Spool spool(dir.file("spool"), "results", 1 << 20);
  auto file = spool.take_oldest();
  ASSERT_TRUE(file);
  EXPECT_FALSE(file->torn());
  ASSERT_EQ(file->batches().size(), 2u);
  ASSERT_EQ(file->batches()[0].size(), 2u);
  const store::PingResult& first = file->batches()[0][0];
  EXPECT_EQ(first.host_id, 7);
  EXPECT_EQ(first.received, 4);
  EXPECT_EQ(first.avg_ms, 2.25);
  EXPECT_EQ(first.method, ProbeKind::icmp);
  EXPECT_EQ(first.refused, 0);
  EXPECT_EQ(file->batches()[0][1].error, "timeout");
  EXPECT_EQ(file->batches()[0][1].method, ProbeKind::icmp);
  EXPECT_EQ(file->batches()[1][0].ts, 120000);

  // A row with a method the schema does not know is damage, not a new kind of row.
  const std::string bad = "7 60000 5 4 1.5 2.25 3 2 0.5 - 2 0\n";
  std::ofstream(dir.file("spool/results-2-1-0.spool")) << spool_record(bad);
  ASSERT_TRUE(spool.remove(*file));
  auto damaged = spool.take_oldest();
  EXPECT_FALSE(damaged);  // renamed *.bad, nothing else to replay
}

TEST(Spool, AFileWrittenBeforeErrorCodesReplaysIntoTheStoreWithTheSameWords) {
  // A spool file carries the error word, not the database's code (migration 011): one written before the
  // upgrade, with rows of both of its older shapes (ten fields, and twelve), replays into a store at the new
  // schema, and every word reads back as written; the RSTs of a good tcp row too.
  testing::TempDir dir;
  auto db = testing::open_migrated_sqlite(dir, "replay.db");
  const auto user = *db->create_user("alice@example.com", "hash", true);
  store::Id hosts[2] = {};
  for (int i = 0; i < 2; ++i) {
    store::Host host;
    host.user_id = user.id;
    host.hostname = "h" + std::to_string(i) + ".example";
    host.provider = Provider::other;
    hosts[i] = db->add_host(host)->id;
  }
  const std::string a = std::to_string(hosts[0]), b = std::to_string(hosts[1]);
  const std::string body =
      a + " 60000 5 0 - - - - - unresolvable\n" + a + " 120000 5 0 - - - - - refused\n" + a +
      " 180000 5 0 - - - - - unreachable 0 0\n" + a + " 240000 5 0 - - - - - timeout 0 0\n" + b +
      " 60000 5 0 - - - - - send%20failed 1 0\n" + b + " 120000 5 4 1.5 2.25 3 2 0.5 - 1 3\n";
  std::filesystem::create_directories(dir.file("spool"));
  std::ofstream(dir.file("spool/results-1-1-0.spool")) << spool_record(body);
  Spool spool(dir.file("spool"), "results", 1 << 20);
  auto file = spool.take_oldest();
  ASSERT_TRUE(file);
  ASSERT_EQ(file->batches().size(), 1u);
  ASSERT_EQ(*db->insert_results(file->batches()[0]), 6);

  const auto first = *db->results_between(user.id, hosts[0], store::kLocalLocationId, 0, 1'000'000);
  ASSERT_EQ(first.size(), 4u);
  const char* words[] = {"unresolvable", "refused", "unreachable", "timeout"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(first[i].error, words[i]);
    EXPECT_EQ(first[i].refused, 0);
  }
  const auto second = *db->results_between(user.id, hosts[1], store::kLocalLocationId, 0, 1'000'000);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].error, "send failed");
  EXPECT_EQ(second[0].method, ProbeKind::tcp);
  EXPECT_EQ(second[1].error, "");
  EXPECT_EQ(second[1].refused, 3);
  EXPECT_EQ(second[1].received, 4);
}

TEST(Spool, AFileWrittenBeforeLocationsReplaysAsTheLocalLocation) {
  // Since issue 16 a row ends with its location's id; a file written before (twelve fields a row) replays as
  // the `local` location's rows (id 1), beside a new row of another location, and a second replay doubles
  // nothing (the key holds the location). (RoundTripsBatchesExactly: a row's location survives the spool.)
  testing::TempDir dir;
  auto db = testing::open_migrated_sqlite(dir, "replay.db");
  const auto user = *db->create_user("alice@example.com", "hash", true);
  store::Host host;
  host.user_id = user.id;
  host.hostname = "h.example";
  const std::string a = std::to_string(db->add_host(host)->id);
  const auto paris = db->add_location([] {
    store::Location location;
    location.name = "paris";
    return location;
  }());
  ASSERT_TRUE(paris);
  const std::string body = a + " 60000 5 4 1.5 2.25 3 2 0.5 - 0 0\n" + a +
                           " 120000 5 0 - - - - - timeout 0 0\n" + a + " 60000 5 5 9 9 9 9 0 - 0 0 " +
                           std::to_string(paris->id) + "\n";
  std::filesystem::create_directories(dir.file("spool"));
  std::ofstream(dir.file("spool/results-1-1-0.spool")) << spool_record(body);
  Spool spool(dir.file("spool"), "results", 1 << 20);
  auto file = spool.take_oldest();
  ASSERT_TRUE(file);
  ASSERT_EQ(file->batches().size(), 1u);
  const auto& rows = file->batches()[0];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].location_id, store::kLocalLocationId);
  EXPECT_EQ(rows[1].location_id, store::kLocalLocationId);
  EXPECT_EQ(rows[2].location_id, paris->id);
  ASSERT_EQ(*db->insert_results(rows), 3);
  EXPECT_EQ(*db->insert_results(rows), 0);
  // The pages read local's rows: the two old ones, with their words.
  const auto local = *db->results_between(user.id, std::stoll(a), store::kLocalLocationId, 0, 1'000'000);
  ASSERT_EQ(local.size(), 2u);
  EXPECT_EQ(local[0].received, 4);
  EXPECT_EQ(local[1].error, "timeout");

  // A location id no row can hold is damage, not a row to retry for ever: the file is set aside.
  ASSERT_TRUE(spool.remove(*file));
  for (const char* location : {"0", "16385"}) {
    const std::string bad = a + " 60000 5 5 9 9 9 9 0 - 0 0 " + location + "\n";
    std::ofstream(dir.file(std::string("spool/results-2-1-") + location + ".spool")) << spool_record(bad);
  }
  EXPECT_FALSE(spool.take_oldest());
}

TEST(Spool, RefusesToGrowPastItsLimit) {
  testing::TempDir dir;
  Spool spool(dir.file("spool"), "results", 600);
  ASSERT_TRUE(spool.append(sample_batch(1, 1000, 3)));
  auto full = spool.append(sample_batch(1, 2000, 30));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, Errc::limit_exceeded);
}

TEST(Spool, FileLockedByAnotherHolderIsSkipped) {
  testing::TempDir dir;
  Spool spool(dir.file("spool"), "results", 1 << 20);
  ASSERT_TRUE(spool.append(sample_batch(1, 1000, 2)));
  spool.seal();
  std::string path;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("spool"))) path = entry.path();
  // Another process replaying (or still appending to) the file holds its lock.
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  EXPECT_EQ(spool.take_oldest().error().code, Errc::not_found);
  ::close(fd);
  EXPECT_TRUE(spool.take_oldest());
}

TEST(Spool, UnwritableDirectoryIsAnError) {
  Spool spool("/proc/semaphore-no-such-dir", "results", 1 << 20);
  auto appended = spool.append(sample_batch(1, 1000, 1));
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code, Errc::unavailable);
}

TEST(Spool, CreatesItsDirectory0700AndItsFiles0600WhateverTheUmask) {
  testing::OpenUmask umask_all;
  testing::TempDir dir;
  const std::string spool_dir = dir.file("deeper/spool");
  Spool spool(spool_dir, "results", 1 << 20);
  ASSERT_TRUE(spool.append(sample_batch(1, 1000, 2)));
  EXPECT_EQ(testing::mode_of(spool_dir), 0700u);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(spool_dir)) {
    EXPECT_EQ(testing::mode_of(entry.path().string()), 0600u) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(Spool, LeavesTheModeOfAnExistingDirectoryAlone) {
  testing::TempDir dir;
  const std::string spool_dir = dir.file("spool");
  ASSERT_EQ(::mkdir(spool_dir.c_str(), 0750), 0);
  ASSERT_EQ(::chmod(spool_dir.c_str(), 0750), 0);
  Spool spool(spool_dir + "/", "results", 1 << 20);
  ASSERT_TRUE(spool.append(sample_batch(1, 1000, 2)));
  EXPECT_EQ(testing::mode_of(spool_dir), 0750u);
}

}  // namespace
}  // namespace semaphore::monitor
