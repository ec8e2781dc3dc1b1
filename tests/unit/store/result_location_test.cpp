// A result row's location packed into its `method` (migration 013, src/store/result_location.h): `local`'s
// rows keep the values they had before (so the migration rewrites none), every location and kind comes back
// the same up to the largest id a SMALLINT holds, and the SQL helpers say the same arithmetic.
#include "store/result_location.h"

#include <gtest/gtest.h>

namespace semaphore::store {
namespace {

TEST(ResultLocation, LocalRowsKeepTheMethodTheyHadBeforeMigration013) {
  EXPECT_EQ(pack_method(ProbeKind::icmp, kLocalLocationId), 0);
  EXPECT_EQ(pack_method(ProbeKind::tcp, kLocalLocationId), 1);
  EXPECT_EQ(unpacked_location(0), kLocalLocationId);
  EXPECT_EQ(unpacked_location(1), kLocalLocationId);
  EXPECT_EQ(unpacked_kind(1), ProbeKind::tcp);
}

TEST(ResultLocation, EveryLocationAndKindRoundTripsWithinASmallint) {
  for (Id location : {Id{1}, Id{2}, Id{3}, Id{1000}, kMaxResultLocationId}) {
    for (ProbeKind kind : {ProbeKind::icmp, ProbeKind::tcp}) {
      const int stored = pack_method(kind, location);
      EXPECT_GE(stored, 0);
      EXPECT_LE(stored, 32767);  // PostgreSQL's SMALLINT
      EXPECT_EQ(unpacked_location(stored), location);
      EXPECT_EQ(unpacked_kind(stored), kind);
    }
  }
  EXPECT_EQ(pack_method(ProbeKind::tcp, kMaxResultLocationId), 32767);
  EXPECT_TRUE(valid_result_location(kMaxResultLocationId));
  EXPECT_FALSE(valid_result_location(kMaxResultLocationId + 1));
  EXPECT_FALSE(valid_result_location(0));
}

TEST(ResultLocation, TheSqlHelpersSayTheSameArithmetic) {
  EXPECT_EQ(sql_packed_method("l.location_id", "l.method"), "((l.location_id - 1) * 2 + l.method)");
  EXPECT_EQ(sql_location_of("r.method"), "(r.method / 2 + 1)");
  EXPECT_EQ(sql_kind_of("r.method"), "(r.method % 2)");
  // One location's rows of both kinds: one range of the key (host_id, method, ts).
  EXPECT_EQ(sql_method_of_location("r.method", 3), "r.method BETWEEN 4 AND 5");
  EXPECT_EQ(sql_method_of_location("r.method", kLocalLocationId), "r.method BETWEEN 0 AND 1");
}

}  // namespace
}  // namespace semaphore::store
