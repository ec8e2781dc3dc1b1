// The report's order (issue 17): list_report sorts by the column, then by hostname, then by id, whatever
// order the statuses come in. report_statuses keeps them in hostname order so that a miss sorts by the
// column alone (a stable sort); statuses in any other order take the full comparison. Both must give the one
// documented order, for every sort key and direction, with equal values, equal hostnames and missing figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "web/report_listing.h"
#include "web/view/host_state.h"

namespace semaphore::web {
namespace {

constexpr EpochMs kNow = 1'800'000'000'000;

// `count` hosts with few distinct hostnames, providers and figures (so that most comparisons are ties), some
// with no round (unknown), some losing everything (down), some losing part (degraded).
std::vector<store::HostStatus> made_up_statuses(int count, std::mt19937& random) {
  std::vector<store::HostStatus> statuses;
  for (int i = 0; i < count; ++i) {
    store::HostStatus status;
    status.host.id = 1000 + i;
    status.host.user_id = 1;
    status.host.hostname = "h" + std::to_string(random() % 40) + ".example.com";
    status.host.provider = static_cast<Provider>(random() % 4);
    const unsigned kind = random() % 10;
    if (kind != 0) {
      store::PingResult round;
      round.host_id = status.host.id;
      round.ts = kNow - 1000 - static_cast<EpochMs>(random() % 3) * 1000;
      round.sent = 5;
      round.received = kind == 1 ? 0 : kind == 2 ? 3 : 5;
      if (round.received > 0) {
        round.min_ms = round.avg_ms = round.max_ms = round.median_ms =
            1.0 + static_cast<double>(random() % 5);
        round.stddev_ms = 0.1 * static_cast<double>(random() % 3);
      }
      status.locations.push_back({store::kLocalLocationId, round, std::nullopt});
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

// Whether `a` may come before `b`: the documented order, checked pair by pair.
bool in_order(const ReportRow& a, const ReportRow& b, const std::string& key, bool descending) {
  const store::Host& ha = a.status->host;
  const store::Host& hb = b.status->host;
  if (key == "host") {
    if (ha.hostname != hb.hostname) return descending ? ha.hostname > hb.hostname : ha.hostname < hb.hostname;
    return ha.id < hb.id;
  }
  if (key == "provider" || key == "method") {
    const std::string ta = key == "provider" ? std::string(to_string(ha.provider)) : method_label(ha.probe);
    const std::string tb = key == "provider" ? std::string(to_string(hb.provider)) : method_label(hb.probe);
    if (ta != tb) return descending ? ta > tb : ta < tb;
  } else {
    const auto va = report_sort_value(a, key), vb = report_sort_value(b, key);
    if (va != vb) {
      if (!va || !vb) return va.has_value();
      return descending ? *va > *vb : *va < *vb;
    }
  }
  if (ha.hostname != hb.hostname) return ha.hostname < hb.hostname;
  return ha.id < hb.id;
}

std::vector<store::Id> ids_of(const ReportListing& listing) {
  std::vector<store::Id> ids;
  for (const ReportRow& row : listing.rows) ids.push_back(row.status->host.id);
  return ids;
}

TEST(ReportListing, EverySortKeyGivesTheOneOrderFromNameOrderedOrShuffledStatuses) {
  std::mt19937 random(17);
  const ReportAlerts no_alerts;
  const AlertWords alert_words(no_alerts, kNow);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<store::HostStatus> shuffled = made_up_statuses(400, random);
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    std::vector<store::HostStatus> by_name = shuffled;
    std::sort(by_name.begin(), by_name.end(), [](const store::HostStatus& a, const store::HostStatus& b) {
      return a.host.hostname != b.host.hostname ? a.host.hostname < b.host.hostname : a.host.id < b.host.id;
    });
    for (const auto& key : kReportSortKeys) {
      for (const bool descending : {false, true}) {
        SCOPED_TRACE("sort=" + std::string(key) + (descending ? " desc" : " asc"));
        ReportQuery query;
        query.sort = std::string(key);
        query.descending = descending;
        query.per = kReportMaxPerPage;
        const ReportListing from_names =
            list_report(by_name, query, kNow, std::chrono::seconds(120), alert_words);
        const ReportListing from_shuffled =
            list_report(shuffled, query, kNow, std::chrono::seconds(120), alert_words);
        ASSERT_EQ(from_names.rows.size(), 400u);
        EXPECT_EQ(ids_of(from_names), ids_of(from_shuffled)) << "the input's order shows through";
        for (std::size_t i = 1; i < from_shuffled.rows.size(); ++i) {
          ASSERT_TRUE(in_order(from_shuffled.rows[i - 1], from_shuffled.rows[i], query.sort, descending))
              << "rows " << i - 1 << " and " << i << ": hosts " << from_shuffled.rows[i - 1].status->host.id
              << " and " << from_shuffled.rows[i].status->host.id;
        }
      }
    }
  }
}

}  // namespace
}  // namespace semaphore::web
