// What counts as a path change (paths/path_change.h).
#include "paths/path_change.h"

#include <gtest/gtest.h>

#include "path_builder.h"

namespace semaphore::paths {
namespace {

using testing::path_of;

const Path kBefore = path_of({"10.0.0.1 0/10 1", "10.0.0.2 0/10 2", "10.0.0.3 0/10 3", "10.0.0.4* 0/10 4"});

TEST(PathChange, TheSamePathIsNoChange) {
  EXPECT_FALSE(compare_paths(kBefore, kBefore));
}

TEST(PathChange, ADifferentRouterIsAChangeAtItsHop) {
  const auto change = compare_paths(
      kBefore, path_of({"10.0.0.1 0/10 1", "10.9.0.2 0/10 2", "10.0.0.3 0/10 3", "10.0.0.4* 0/10 4"}));
  ASSERT_TRUE(change);
  EXPECT_EQ(change->hop, 2);
  EXPECT_EQ(change->before, "10.0.0.2");
  EXPECT_EQ(change->after, "10.9.0.2");
}

TEST(PathChange, AHopSilentInOneTraceIsNoChange) {
  EXPECT_FALSE(compare_paths(
      kBefore, path_of({"10.0.0.1 0/10 1", "??? 10/10", "10.0.0.3 0/10 3", "10.0.0.4* 0/10 4"})));
  EXPECT_FALSE(
      compare_paths(path_of({"??? 10/10", "??? 10/10", "10.0.0.3 0/10 3", "10.0.0.4* 0/10 4"}), kBefore));
}

TEST(PathChange, ALongerOrShorterPathToTheHostIsAChange) {
  const auto longer = compare_paths(kBefore, path_of({"10.0.0.1 0/10 1", "10.0.0.2 0/10 2", "10.0.0.3 0/10 3",
                                                      "10.0.0.9 0/10 3", "10.0.0.4* 0/10 4"}));
  ASSERT_TRUE(longer);
  EXPECT_EQ(longer->hop, 4);
  const auto shorter =
      compare_paths(kBefore, path_of({"10.0.0.1 0/10 1", "10.0.0.2 0/10 2", "10.0.0.4* 0/10 4"}));
  ASSERT_TRUE(shorter);
  EXPECT_EQ(shorter->hop, 3);
}

TEST(PathChange, ATraceThatStoppedShortTellsNothingPastItsEnd) {
  // The host went quiet: the same routers, then silence. Not a new path (the verdict tells of the loss).
  EXPECT_FALSE(compare_paths(
      kBefore, path_of({"10.0.0.1 0/10 1", "10.0.0.2 0/10 2", "??? 10/10", "??? 10/10", "??? 10/10"})));
  // A router answering past where a reached trace ended is a change.
  const auto past = compare_paths(path_of({"10.0.0.1 0/10 1", "10.0.0.2* 0/10 2"}),
                                  path_of({"10.0.0.1 0/10 1", "10.0.0.7 0/10 2", "10.0.0.8 0/10 3"}));
  ASSERT_TRUE(past);
  EXPECT_EQ(past->hop, 2);
}

TEST(PathChange, LoadBalancedAlternativesAreOneHop) {
  const Path both =
      path_of({"10.0.0.1 0/10 1", "10.0.0.2|10.0.1.2 0/10 2", "10.0.0.3 0/10 3", "10.0.0.4* 0/10 4"});
  const Path other = path_of({"10.0.0.1 0/10 1", "10.0.1.2 0/10 2", "10.0.0.3 0/10 3", "10.0.0.4* 0/10 4"});
  EXPECT_FALSE(compare_paths(both, other));
  EXPECT_FALSE(compare_paths(other, both));
  EXPECT_FALSE(compare_paths(kBefore, both));
}

}  // namespace
}  // namespace semaphore::paths
