#include <gtest/gtest.h>

#include "web/view/host_state.h"
#include "web/view/series.h"
#include "web/view/sparklines.h"

namespace semaphore::web {
namespace {

store::PingResult round_at(EpochMs ts, int sent, int received, std::optional<double> median) {
  store::PingResult result;
  result.ts = ts;
  result.sent = sent;
  result.received = received;
  if (median) {
    result.min_ms = *median - 1;
    result.max_ms = *median + 1;
    result.avg_ms = *median;
    result.median_ms = median;
  }
  return result;
}

TEST(HostState, FromTheLatestRound) {
  const auto stale = std::chrono::seconds(300);
  const EpochMs now = 1'000'000'000;
  EXPECT_EQ(classify(std::nullopt, now, stale), HostState::unknown);
  EXPECT_EQ(classify(round_at(now - 1000, 5, 5, 1.0), now, stale), HostState::up);
  EXPECT_EQ(classify(round_at(now - 1000, 5, 3, 1.0), now, stale), HostState::degraded);
  EXPECT_EQ(classify(round_at(now - 1000, 5, 0, std::nullopt), now, stale), HostState::down);
  EXPECT_EQ(classify(round_at(now - 301'000, 5, 5, 1.0), now, stale), HostState::unknown);
  auto unresolvable = round_at(now, 0, 0, std::nullopt);
  unresolvable.error = "unresolvable";
  EXPECT_EQ(classify(unresolvable, now, stale), HostState::down);
  EXPECT_GT(severity(HostState::down), severity(HostState::degraded));
  EXPECT_EQ(parse_host_state("degraded"), HostState::degraded);
  EXPECT_FALSE(parse_host_state("bogus"));
}

store::PingResult tcp_at(EpochMs ts, int sent, int received, int refused, std::optional<double> median) {
  store::PingResult result = round_at(ts, sent, received, median);
  result.method = ProbeKind::tcp;
  result.refused = refused;
  return result;
}

// The one rule of issue 15 (host_state.h judge_host), for each method and the states its rows give.
TEST(HostState, JudgedByTheProbeMethod) {
  const auto stale = std::chrono::seconds(300);
  const EpochMs now = 1'000'000'000;
  const auto judge = [&](ProbeMethod method, const std::optional<store::PingResult>& icmp,
                         const std::optional<store::PingResult>& tcp) {
    return judge_host(method, icmp, tcp, now, stale);
  };
  const auto icmp_up = round_at(now - 1000, 5, 5, 1.0);
  const auto icmp_lost = round_at(now - 1000, 5, 0, std::nullopt);
  const auto tcp_open = tcp_at(now - 1000, 5, 5, 0, 2.0);
  const auto tcp_closed = tcp_at(now - 1000, 5, 5, 5, 2.0);
  const auto tcp_lost = tcp_at(now - 1000, 5, 0, 0, std::nullopt);

  // icmp: the ICMP row alone, as classify() says.
  EXPECT_EQ(judge(ProbeMethod::icmp, icmp_up, tcp_lost).text(), "up");
  EXPECT_EQ(judge(ProbeMethod::icmp, icmp_lost, tcp_open).text(), "down");
  // tcp: a RST is an answer (up), noted "port closed"; silence is down.
  EXPECT_EQ(judge(ProbeMethod::tcp, std::nullopt, tcp_open).text(), "up");
  const HostView closed = judge(ProbeMethod::tcp, std::nullopt, tcp_closed);
  EXPECT_EQ(closed, (HostView{HostState::up, StateNote::port_closed}));
  EXPECT_EQ(closed.text(), "up (port closed)");
  EXPECT_EQ(closed.css(), "up");
  EXPECT_EQ(judge(ProbeMethod::tcp, std::nullopt, tcp_lost).text(), "down");
  EXPECT_EQ(judge(ProbeMethod::tcp, std::nullopt, tcp_at(now - 1000, 5, 3, 3, 2.0)).text(),
            "degraded (port closed)");
  EXPECT_EQ(judge(ProbeMethod::tcp, std::nullopt, std::nullopt).text(), "unknown");

  // both: ICMP all lost while TCP answers is up, noted and styled apart; both lost is down.
  const HostView filtered = judge(ProbeMethod::both, icmp_lost, tcp_open);
  EXPECT_EQ(filtered, (HostView{HostState::up, StateNote::icmp_filtered}));
  EXPECT_EQ(filtered.text(), "up (ICMP filtered)");
  EXPECT_EQ(filtered.css(), "filtered");
  EXPECT_EQ(judge(ProbeMethod::both, icmp_lost, tcp_closed).text(), "up (ICMP filtered)");
  EXPECT_EQ(judge(ProbeMethod::both, icmp_lost, tcp_lost).text(), "down");
  EXPECT_EQ(judge(ProbeMethod::both, icmp_lost, tcp_lost).css(), "down");
  EXPECT_EQ(judge(ProbeMethod::both, icmp_up, tcp_open).text(), "up");
  EXPECT_EQ(judge(ProbeMethod::both, icmp_up, tcp_closed).text(), "up (port closed)");
  // Otherwise ICMP decides, as for the alerts.
  EXPECT_EQ(judge(ProbeMethod::both, icmp_up, tcp_lost).text(), "up");
  EXPECT_EQ(judge(ProbeMethod::both, round_at(now - 1000, 5, 4, 1.0), tcp_open).text(), "degraded");
  // A kind without a fresh row (a method changed a moment ago) is left out.
  EXPECT_EQ(judge(ProbeMethod::both, icmp_up, std::nullopt).text(), "up");
  EXPECT_EQ(judge(ProbeMethod::both, std::nullopt, tcp_closed).text(), "up (port closed)");
  EXPECT_EQ(judge(ProbeMethod::both, icmp_lost, tcp_at(now - 400'000, 5, 5, 0, 2.0)).text(), "down");
  EXPECT_EQ(judge(ProbeMethod::both, std::nullopt, std::nullopt).text(), "unknown");

  // From a HostStatus as the store gives it: latest is a tcp host's TCP row, latest_tcp a both host's.
  store::HostStatus status;
  status.host.probe = {ProbeMethod::tcp, 22};
  status.latest = tcp_closed;
  EXPECT_EQ(judge_host(status, now, stale).text(), "up (port closed)");
  status.host.probe = {ProbeMethod::both, 443};
  status.latest = icmp_lost;
  status.latest_tcp = tcp_open;
  EXPECT_EQ(judge_host(status, now, stale).text(), "up (ICMP filtered)");
  EXPECT_EQ(shown_round(status, judge_host(status, now, stale))->method, ProbeKind::tcp);
  status.latest = icmp_up;
  EXPECT_EQ(shown_round(status, judge_host(status, now, stale))->method, ProbeKind::icmp);
}

// Across locations (issue 16): the worst verdict, down over degraded over up; a location with no fresh round
// counts only when none has one; among equals the first location (by id: local) is the one shown.
TEST(HostState, TheWorstLocationDecides) {
  const auto stale = std::chrono::seconds(300);
  const EpochMs now = 1'000'000'000;
  store::HostStatus status;
  status.host.probe = {ProbeMethod::icmp, 443};
  const auto at = [](store::Id location, std::optional<store::PingResult> latest) {
    return store::LocationRounds{location, std::move(latest), std::nullopt};
  };
  EXPECT_EQ(judge_worst(status, now, stale).view.state, HostState::unknown) << "no location reports it";
  EXPECT_EQ(judge_worst(status, now, stale).location, nullptr);

  status.locations = {at(1, round_at(now - 1000, 5, 5, 1.0)), at(2, round_at(now - 1000, 5, 3, 9.0)),
                      at(3, round_at(now - 999'000, 5, 0, std::nullopt))};
  LocationView worst = judge_worst(status, now, stale);
  EXPECT_EQ(worst.view.state, HostState::degraded) << "location 3's stale round is not a fresh down";
  ASSERT_NE(worst.location, nullptr);
  EXPECT_EQ(worst.location->location_id, 2);
  EXPECT_EQ(shown_round(status.host, worst)->median_ms, std::optional<double>(9.0));

  status.locations[2] = at(3, round_at(now - 1000, 5, 0, std::nullopt));
  EXPECT_EQ(judge_worst(status, now, stale).view.state, HostState::down);
  EXPECT_EQ(judge_worst(status, now, stale).location->location_id, 3);

  status.locations = {at(1, round_at(now - 1000, 5, 5, 1.0)), at(2, round_at(now - 1000, 5, 5, 2.0))};
  EXPECT_EQ(judge_worst(status, now, stale).location->location_id, 1) << "among equals, the first";
  status.locations = {at(1, round_at(now - 999'000, 5, 5, 1.0)), at(2, round_at(now - 999'000, 5, 5, 2.0))};
  EXPECT_EQ(judge_worst(status, now, stale).view.state, HostState::unknown) << "none fresh: unknown";

  EXPECT_EQ(judge_at(status, 2, now, stale).location->location_id, 2);
  EXPECT_EQ(judge_at(status, 7, now, stale).location, nullptr);
  EXPECT_EQ(judge_at(status, 7, now, stale).view.state, HostState::unknown);
}

TEST(HostState, MethodLabels) {
  EXPECT_EQ(method_label({ProbeMethod::icmp, 443}), "ICMP");
  EXPECT_EQ(method_label({ProbeMethod::tcp, 22}), "TCP 22");
  EXPECT_EQ(method_label({ProbeMethod::both, 443}), "ICMP + TCP 443");
}

TEST(HostState, Formatting) {
  EXPECT_EQ(format_ms(std::nullopt), "—");
  EXPECT_EQ(format_ms(0.0451), "0.045 ms");
  EXPECT_EQ(format_ms(12.34), "12.3 ms");
  EXPECT_EQ(format_ms(345.6), "346 ms");
  EXPECT_EQ(format_loss(5, 3), "40%");
  EXPECT_EQ(format_loss(0, 0), "—");
  EXPECT_EQ(format_age(0, 12'000), "12 s ago");
  EXPECT_EQ(format_age(0, 600'000), "10 min ago");
}

TEST(Series, Ranges) {
  EXPECT_EQ(parse_range("")->name, "24h");
  EXPECT_EQ(parse_range("30d")->rollup_period_s, 3600);
  EXPECT_EQ(parse_range("1y")->rollup_period_s, 86400);
  EXPECT_EQ(parse_range("1h")->rollup_period_s, 0);
  EXPECT_FALSE(parse_range("2w"));
}

TEST(Series, BucketsRounds) {
  const EpochMs hour = 3'600'000;
  std::vector<store::PingResult> rounds = {round_at(0, 5, 5, 10.0), round_at(60'000, 5, 4, 20.0),
                                           round_at(120'000, 5, 0, std::nullopt),
                                           round_at(hour + 5, 5, 5, 30.0)};
  const auto points = bucket_rounds(rounds, 3600);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].ts, 0);
  EXPECT_EQ(points[0].rounds, 3);
  EXPECT_EQ(points[0].sent, 15);
  EXPECT_EQ(points[0].received, 9);
  EXPECT_DOUBLE_EQ(*points[0].min_ms, 9.0);
  EXPECT_DOUBLE_EQ(*points[0].max_ms, 21.0);
  EXPECT_DOUBLE_EQ(*points[0].median_ms, 15.0);
  EXPECT_NEAR(*points[0].avg_ms, (10.0 * 5 + 20.0 * 4) / 9, 1e-9);
  EXPECT_EQ(points[1].ts, hour);
  EXPECT_EQ(points[1].rounds, 1);
}

TEST(Series, BucketsKeepTheKindAndSumRefused) {
  std::vector<store::PingResult> rounds = {tcp_at(0, 5, 5, 2, 10.0), tcp_at(60'000, 5, 5, 5, 12.0)};
  const auto points = bucket_rounds(rounds, 3600);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].method, ProbeKind::tcp);
  EXPECT_EQ(points[0].refused, 7);
  EXPECT_EQ(primary_kind(ProbeMethod::both), ProbeKind::icmp);
  EXPECT_EQ(primary_kind(ProbeMethod::tcp), ProbeKind::tcp);
  EXPECT_EQ(kinds_of(ProbeMethod::both), (std::vector<ProbeKind>{ProbeKind::icmp, ProbeKind::tcp}));
}

TEST(Sparklines, LossLevels) {
  EXPECT_EQ(loss_level(5, 5), 0);
  EXPECT_EQ(loss_level(100, 96), 1);
  EXPECT_EQ(loss_level(5, 4), 2);
  EXPECT_EQ(loss_level(5, 1), 3);
  EXPECT_EQ(loss_level(5, 0), 4);
}

}  // namespace
}  // namespace semaphore::web
