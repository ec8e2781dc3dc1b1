// The verdict "where the trouble is" (paths/verdict.h) as a table: the path at a degradation and the last
// good path in, the kind, the hop and the words out. One row per case of issue 15, plus the small-sample and
// never-answering-router cases the thresholds exist for.
#include "paths/verdict.h"

#include <gtest/gtest.h>

#include "path_builder.h"

namespace semaphore::paths {
namespace {

using testing::path_of;

// The last good path: seven routers, the host at hop 8, medians 1..8 ms.
const std::vector<std::string> kGood = {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0",
                                        "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0",
                                        "10.0.0.5 0/10 5.0", "10.0.0.6@ae-1.r01.fra03.example 0/10 6.0",
                                        "10.0.0.7 0/10 7.0", "10.0.0.8* 0/10 8.0"};

struct Case {
  const char* name;
  std::vector<std::string> now;
  std::optional<std::vector<std::string>> good;
  VerdictKind kind;
  std::optional<int> hop;
  bool changed;
  const char* words;  // a part of the text that must be there
};

class VerdictTable : public ::testing::TestWithParam<Case> {};

TEST_P(VerdictTable, NamesTheKindTheHopAndTheWords) {
  const Case& c = GetParam();
  std::optional<Path> good;
  if (c.good) good = path_of(*c.good);
  const Verdict verdict = judge_path(path_of(c.now), good);
  EXPECT_EQ(to_string(verdict.kind), std::string(to_string(c.kind))) << verdict.text;
  EXPECT_EQ(verdict.hop, c.hop) << verdict.text;
  EXPECT_EQ(verdict.path_changed, c.changed) << verdict.text;
  EXPECT_NE(verdict.text.find(c.words), std::string::npos) << verdict.text;
}

const Case kCases[] = {
    {"LossFromHopSixToTheHost",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0", "10.0.0.5 0/10 5.0",
      "10.0.0.6@ae-1.r01.fra03.example 3/10 6.0", "10.0.0.7 4/10 7.0", "10.0.0.8* 4/10 8.0"},
     kGood,
     VerdictKind::loss_from_hop,
     6,
     false,
     "the loss starts at hop 6, ae-1.r01.fra03.example (10.0.0.6), and continues to the host"},
    {"LossFromHopSixHostNotReached",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0", "10.0.0.5 0/10 5.0",
      "??? 10/10", "??? 10/10", "??? 10/10", "??? 10/10"},
     kGood,
     VerdictKind::loss_from_hop,
     6,
     false,
     "the loss starts at hop 6, which does not answer,"},
    {"LossOnlyAtTheHost",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0", "10.0.0.5 0/10 5.0",
      "10.0.0.6 0/10 6.0", "10.0.0.7 1/10 7.0", "10.0.0.8* 5/10 8.0"},
     kGood,
     VerdictKind::loss_at_host,
     8,
     false,
     "the host or its firewall"},
    {"HostSilentRoutersFine",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0", "10.0.0.5 0/10 5.0",
      "10.0.0.6 0/10 6.0", "10.0.0.7 0/10 7.0", "??? 10/10", "??? 10/10"},
     kGood,
     VerdictKind::loss_at_host,
     8,
     false,
     "the host or its firewall"},
    {"RateLimitedMiddleHop",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 6/10 4.0", "10.0.0.5 0/10 5.0",
      "10.0.0.6 0/10 6.0", "10.0.0.7 0/10 7.0", "10.0.0.8* 0/10 8.0"},
     kGood,
     VerdictKind::rate_limited_hop,
     4,
     false,
     "hop 4, 10.0.0.4, rate-limits ICMP"},
    {"RateLimitedHopBeforeALossyHostIsNotWhereTheLossStarts",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 6/10 4.0", "10.0.0.5 0/10 5.0",
      "10.0.0.6 0/10 6.0", "10.0.0.7 0/10 7.0", "10.0.0.8* 6/10 8.0"},
     kGood,
     VerdictKind::loss_at_host,
     8,
     false,
     "the host or its firewall"},
    {"LatencyAddedAtHopFive",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0",
      "10.0.0.5 0/10 45.0", "10.0.0.6 0/10 46.0", "10.0.0.7 0/10 47.0", "10.0.0.8* 0/10 48.0"},
     kGood,
     VerdictKind::latency_at_hop,
     5,
     false,
     "latency is added at hop 5, 10.0.0.5, where the median RTT rose"},
    {"LatencyAtOneMiddleHopOnlyIsNoTrouble",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 53.0", "10.0.0.4 0/10 4.0",
      "10.0.0.5 0/10 5.0", "10.0.0.6 0/10 6.0", "10.0.0.7 0/10 7.0", "10.0.0.8* 0/10 8.0"},
     kGood,
     VerdictKind::no_trouble,
     std::nullopt,
     false,
     "no trouble on the path"},
    {"SmallRiseIsNoTrouble",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0", "10.0.0.5 0/10 5.0",
      "10.0.0.6 0/10 6.0", "10.0.0.7 0/10 9.0", "10.0.0.8* 0/10 11.0"},
     kGood,
     VerdictKind::no_trouble,
     std::nullopt,
     false,
     "no trouble on the path"},
    {"OneLostProbeInTenIsNoise",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 1/10 4.0", "10.0.0.5 0/10 5.0",
      "10.0.0.6 1/10 6.0", "10.0.0.7 1/10 7.0", "10.0.0.8* 1/10 8.0"},
     kGood,
     VerdictKind::no_trouble,
     std::nullopt,
     false,
     "no trouble on the path"},
    {"NeverAnsweringRouterDoesNotBreakTheRun",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 5/10 4.0", "??? 10/10",
      "10.0.0.6 5/10 6.0", "10.0.0.7 5/10 7.0", "10.0.0.8* 5/10 8.0"},
     std::vector<std::string>{"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0",
                              "10.0.0.4 0/10 4.0", "??? 10/10", "10.0.0.6 0/10 6.0", "10.0.0.7 0/10 7.0",
                              "10.0.0.8* 0/10 8.0"},
     VerdictKind::loss_from_hop,
     4,
     false,
     "the loss starts at hop 4, 10.0.0.4,"},
    {"NeverAnsweringRouterIsNotRateLimiting",
     {"10.0.0.1 0/10 1.0", "??? 10/10", "10.0.0.3 0/10 3.0", "10.0.0.4* 0/10 4.0"},
     std::vector<std::string>{"10.0.0.1 0/10 1.0", "??? 10/10", "10.0.0.3 0/10 3.0", "10.0.0.4* 0/10 4.0"},
     VerdictKind::no_trouble,
     std::nullopt,
     false,
     "no trouble"},
    {"PathChangedWithoutTrouble",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0", "10.9.0.5 0/10 5.0",
      "10.9.0.6 0/10 6.0", "10.0.0.7 0/10 7.0", "10.0.0.8* 0/10 8.0"},
     kGood,
     VerdictKind::path_changed,
     5,
     true,
     "the path changed at hop 5 since the last good path (10.0.0.5 → 10.9.0.5)"},
    {"LossOnANewPathNamesTheChange",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.0.4 0/10 4.0", "10.9.0.5 4/10 5.0",
      "10.9.0.6 4/10 6.0", "10.0.0.7 4/10 7.0", "10.0.0.8* 4/10 8.0"},
     kGood,
     VerdictKind::loss_from_hop,
     5,
     true,
     "; the path changed at hop 5 since the last good path"},
    {"LoadBalancedAlternativeIsTheSamePath",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0", "10.0.1.4 0/10 4.0", "10.0.0.5 0/10 5.0",
      "10.0.0.6 0/10 6.0", "10.0.0.7 0/10 7.0", "10.0.0.8* 0/10 8.0"},
     std::vector<std::string>{"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3 0/10 3.0",
                              "10.0.0.4|10.0.1.4 0/10 4.0", "10.0.0.5 0/10 5.0", "10.0.0.6 0/10 6.0",
                              "10.0.0.7 0/10 7.0", "10.0.0.8* 0/10 8.0"},
     VerdictKind::no_trouble,
     std::nullopt,
     false,
     "no trouble"},
    {"NoLastGoodPathLossAtTheHost",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "10.0.0.3* 7/10 3.0"},
     std::nullopt,
     VerdictKind::loss_at_host,
     3,
     false,
     "the host or its firewall"},
    {"NoLastGoodPathNothingAnswersAfterHopTwo",
     {"10.0.0.1 0/10 1.0", "10.0.0.2 0/10 2.0", "??? 10/10", "??? 10/10"},
     std::nullopt,
     VerdictKind::loss_at_host,
     std::nullopt,
     false,
     "or a router after hop 2"},
    {"SmallSampleTwoOfFiveLostFromHopTwo",
     {"10.0.0.1 0/5 1.0", "10.0.0.2 2/5 2.0", "10.0.0.3* 2/5 3.0"},
     std::vector<std::string>{"10.0.0.1 0/5 1.0", "10.0.0.2 0/5 2.0", "10.0.0.3* 0/5 3.0"},
     VerdictKind::loss_from_hop,
     2,
     false,
     "the loss starts at hop 2"},
};

INSTANTIATE_TEST_SUITE_P(Paths, VerdictTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& row) {
                           return std::string(row.param.name);
                         });

TEST(Verdict, KindsReadBackFromTheirWords) {
  for (VerdictKind kind :
       {VerdictKind::no_trouble, VerdictKind::loss_from_hop, VerdictKind::loss_at_host,
        VerdictKind::latency_at_hop, VerdictKind::rate_limited_hop, VerdictKind::path_changed}) {
    EXPECT_EQ(parse_verdict_kind(to_string(kind)), kind);
  }
  EXPECT_FALSE(parse_verdict_kind("bad"));
}

TEST(Verdict, AGoodPathReachedTheHostWithoutLoss) {
  EXPECT_TRUE(is_good_path(path_of(kGood)));
  EXPECT_TRUE(is_good_path(path_of({"10.0.0.1 0/10 1.0", "10.0.0.2* 1/10 2.0"})));
  EXPECT_FALSE(is_good_path(path_of({"10.0.0.1 0/10 1.0", "10.0.0.2* 3/10 2.0"})));
  EXPECT_FALSE(is_good_path(path_of({"10.0.0.1 0/10 1.0", "??? 10/10"})));
}

}  // namespace
}  // namespace semaphore::paths
