// Probe methods in the store (issue 15), on SQLite and on a real PostgreSQL: a host's probe spec is kept
// through every write and read, a round's icmp and tcp rows are two rows that say their method, the latest
// status reads the right kind, rollups never mix kinds, and migration 006 keeps every existing row.
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "old_database_fixture.h"
#include "store/migrations.h"
#include "store/round_evaluator.h"
#include "store_fixture.h"

namespace semaphore::testing {
namespace {

using store::Host;
using store::PingResult;

PingResult row(store::Id host_id, EpochMs ts, ProbeKind method, int received, int refused = 0) {
  PingResult result;
  result.host_id = host_id;
  result.ts = ts;
  result.method = method;
  result.sent = 5;
  result.received = received;
  result.refused = refused;
  if (received > 0) {
    const double base = method == ProbeKind::tcp ? 20.0 : 10.0;
    result.min_ms = base;
    result.avg_ms = base + 1;
    result.max_ms = base + 2;
    result.median_ms = base + 1;
    result.stddev_ms = 0.5;
  } else {
    result.error = "timeout";
  }
  return result;
}

Host with_probe(Host host, ProbeMethod method, std::uint16_t port) {
  host.probe = ProbeSpec{method, port};
  return host;
}

TEST_P(StoreTest, HostsKeepTheirProbeSpecThroughEveryWriteAndRead) {
  const auto user = make_user("a@example.com");
  Host input;
  input.user_id = user.id;
  input.hostname = "ssh.example.com";
  input.provider = Provider::aws;
  input.probe = ProbeSpec{ProbeMethod::tcp, 22};
  const auto added = store_->add_host(input);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->probe, (ProbeSpec{ProbeMethod::tcp, 22}));
  EXPECT_EQ(store_->find_host(user.id, added->id)->probe, (ProbeSpec{ProbeMethod::tcp, 22}));

  // A host added without one is an icmp host (the column defaults agree with ProbeSpec's).
  const auto plain = make_host(user.id, "plain.example.com");
  EXPECT_EQ(store_->find_host(user.id, plain.id)->probe, ProbeSpec{});

  Host changed = *added;
  changed.probe = ProbeSpec{ProbeMethod::both, 8443};
  ASSERT_TRUE(store_->update_host(changed).ok());
  EXPECT_EQ(store_->find_host(user.id, added->id)->probe, (ProbeSpec{ProbeMethod::both, 8443}));

  // The import path (add_hosts) writes it too.
  Host imported;
  imported.hostname = "lb.example.com";
  imported.provider = Provider::azure;
  imported.probe = ProbeSpec{ProbeMethod::tcp, 443};
  const std::vector<Host> batch = {imported};
  const auto outcomes = store_->add_hosts(user.id, batch, 100);
  ASSERT_TRUE(outcomes.ok());
  ASSERT_TRUE((*outcomes)[0].ok());
  EXPECT_EQ((*outcomes)[0]->probe, (ProbeSpec{ProbeMethod::tcp, 443}));

  // Every listing reads it: the user's hosts, the report's statuses, the ping service's hosts.
  const std::map<std::string, ProbeSpec> expected = {{"ssh.example.com", {ProbeMethod::both, 8443}},
                                                     {"lb.example.com", {ProbeMethod::tcp, 443}},
                                                     {"plain.example.com", {}}};
  auto probes_of = [](const std::vector<Host>& hosts) {
    std::map<std::string, ProbeSpec> probes;
    for (const Host& host : hosts) probes[host.hostname] = host.probe;
    return probes;
  };
  const auto listed = store_->list_hosts(user.id);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(probes_of(*listed), expected);
  const auto statuses = store_->host_statuses(user.id, store::kLocalLocationId);
  ASSERT_TRUE(statuses.ok());
  std::vector<Host> status_hosts;
  for (const auto& status : *statuses) status_hosts.push_back(status.host);
  EXPECT_EQ(probes_of(status_hosts), expected);
  const auto enabled = store_->list_enabled_hosts(store::kLocalLocationId);
  ASSERT_TRUE(enabled.ok());
  EXPECT_EQ(probes_of(*enabled), expected);
  if (GetParam() == DbKind::postgresql) {  // the lease grant reads hosts with its own query
    store::LeaseRequest request;
    request.worker_id = "w1";
    request.now = 1000;
    const auto grant = store_->claim_host_leases(request);
    ASSERT_TRUE(grant.ok()) << grant.error().message;
    EXPECT_EQ(probes_of(grant->hosts), expected);
  }
}

TEST_P(StoreTest, ARoundsIcmpAndTcpRowsAreTwoRowsThatSayTheirMethod) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  const std::vector<PingResult> batch = {row(host.id, 1000, ProbeKind::icmp, 0),
                                         row(host.id, 1000, ProbeKind::tcp, 5, 2),
                                         row(host.id, 2000, ProbeKind::tcp, 5, 5)};
  EXPECT_EQ(*store_->insert_results(batch), 3);
  EXPECT_EQ(*store_->insert_results(batch), 0);  // a replay: the key is (host_id, ts, method)

  const auto rows = *store_->results_between(user.id, host.id, store::kLocalLocationId, 0, 10000);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].ts, 1000);
  EXPECT_EQ(rows[0].method, ProbeKind::icmp);
  EXPECT_EQ(rows[0].received, 0);
  EXPECT_EQ(rows[0].error, "timeout");
  EXPECT_EQ(rows[1].ts, 1000);
  EXPECT_EQ(rows[1].method, ProbeKind::tcp);
  EXPECT_EQ(rows[1].refused, 2);
  EXPECT_DOUBLE_EQ(*rows[1].median_ms, 21.0);
  EXPECT_EQ(rows[2].method, ProbeKind::tcp);
  EXPECT_EQ(rows[2].refused, 5);

  // The evaluated insert says which rows went in by (host, ts, method) too.
  struct CountingEvaluator : store::RoundEvaluator {
    std::size_t rounds = 0;
    bool needs_baseline(const store::HostAlertContext&) const override { return false; }
    store::HostAlertOutcome evaluate(const store::HostAlertContext&,
                                     std::span<const store::RoundToEvaluate> list) override {
      rounds += list.size();
      store::HostAlertOutcome outcome;
      outcome.state.last_round_at = list.back().round.ts;
      return outcome;
    }
  } evaluator;
  const std::vector<PingResult> more = {row(host.id, 2000, ProbeKind::tcp, 5),
                                        row(host.id, 2000, ProbeKind::icmp, 5)};
  EXPECT_EQ(*store_->insert_results_evaluated(more, evaluator), 1);
  EXPECT_EQ(evaluator.rounds, 1u);
  EXPECT_EQ(store_->results_between(user.id, host.id, store::kLocalLocationId, 0, 10000)->size(), 4u);
}

TEST_P(StoreTest, LatestStatusReadsTheHostsKindAndABothHostsTcpRow) {
  const auto user = make_user("a@example.com");
  const auto icmp = make_host(user.id, "icmp.example.com");
  auto tcp = make_host(user.id, "tcp.example.com");
  auto both = make_host(user.id, "both.example.com");
  ASSERT_TRUE(store_->update_host(with_probe(tcp, ProbeMethod::tcp, 22)).ok());
  ASSERT_TRUE(store_->update_host(with_probe(both, ProbeMethod::both, 443)).ok());
  // The icmp host has an older tcp row (say it was a tcp host before): its status is the icmp row. The tcp
  // host has an old icmp row and a newer tcp one; the both host's tcp row is older than its icmp row.
  const std::vector<PingResult> batch = {
      row(icmp.id, 1000, ProbeKind::icmp, 5), row(icmp.id, 2000, ProbeKind::tcp, 5),
      row(tcp.id, 3000, ProbeKind::icmp, 5),  row(tcp.id, 2000, ProbeKind::tcp, 4, 4),
      row(both.id, 2000, ProbeKind::icmp, 0), row(both.id, 1000, ProbeKind::tcp, 5),
      row(both.id, 1000, ProbeKind::icmp, 5),
  };
  ASSERT_EQ(*store_->insert_results(batch), 7);
  const auto read = store_->host_statuses(user.id, store::kLocalLocationId);
  ASSERT_TRUE(read.ok());
  const auto& statuses = *read;
  ASSERT_EQ(statuses.size(), 3u);
  for (const auto& status : statuses) {
    ASSERT_TRUE(status.latest) << status.host.hostname;
    if (status.host.id == icmp.id) {
      EXPECT_EQ(status.latest->ts, 1000);
      EXPECT_EQ(status.latest->method, ProbeKind::icmp);
      EXPECT_FALSE(status.latest_tcp);
    } else if (status.host.id == tcp.id) {
      EXPECT_EQ(status.latest->ts, 2000);
      EXPECT_EQ(status.latest->method, ProbeKind::tcp);
      EXPECT_EQ(status.latest->refused, 4);
      EXPECT_FALSE(status.latest_tcp);
    } else {
      EXPECT_EQ(status.latest->ts, 2000);
      EXPECT_EQ(status.latest->method, ProbeKind::icmp);
      EXPECT_EQ(status.latest->received, 0);
      ASSERT_TRUE(status.latest_tcp);
      EXPECT_EQ(status.latest_tcp->ts, 1000);
      EXPECT_EQ(status.latest_tcp->method, ProbeKind::tcp);
    }
  }
  // The API's query and the operator's listing read the same.
  store::HostQuery query;
  query.id = both.id;
  const auto found = *store_->find_host_statuses(user.id, query);
  ASSERT_EQ(found.size(), 1u);
  ASSERT_TRUE(found[0].latest_tcp);
  EXPECT_EQ(found[0].latest_tcp->ts, 1000);
  const auto all = store_->all_host_statuses(store::kLocalLocationId);
  ASSERT_TRUE(all.ok());
  for (const auto& status : *all) {
    if (status.host.id == tcp.id) {
      ASSERT_TRUE(status.latest);
      EXPECT_EQ(status.latest->method, ProbeKind::tcp);
    }
  }
}

TEST_P(StoreTest, RollupsAreComputedPerMethod) {
  const auto user = make_user("a@example.com");
  const auto host = make_host(user.id, "a.example.com");
  constexpr EpochMs kHour = 3'600'000;
  std::vector<PingResult> batch;
  for (int round = 0; round < 6; ++round) {
    const EpochMs ts = kHour + round * 60'000;
    batch.push_back(row(host.id, ts, ProbeKind::icmp, round < 3 ? 5 : 0));
    batch.push_back(row(host.id, ts, ProbeKind::tcp, 5, 1));
  }
  ASSERT_EQ(*store_->insert_results(batch), 12);
  ASSERT_TRUE(store_->refresh_rollups(3600, kHour, 2 * kHour, 10).ok());
  const auto rollups =
      *store_->rollups_between(user.id, host.id, store::kLocalLocationId, 3600, 0, 10 * kHour);
  ASSERT_EQ(rollups.size(), 2u);
  EXPECT_EQ(rollups[0].method, ProbeKind::icmp);
  EXPECT_EQ(rollups[0].rounds, 6);
  EXPECT_EQ(rollups[0].received, 15);
  EXPECT_DOUBLE_EQ(*rollups[0].median_ms, 11.0);
  EXPECT_EQ(rollups[1].method, ProbeKind::tcp);
  EXPECT_EQ(rollups[1].rounds, 6);
  EXPECT_EQ(rollups[1].received, 30);
  EXPECT_DOUBLE_EQ(*rollups[1].min_ms, 20.0);
  EXPECT_DOUBLE_EQ(*rollups[1].median_ms, 21.0);
}

// --- migration 006 on a database that has rows: nothing lost, everything icmp ---

class Migration006Test : public OldDatabaseTest {
 protected:
  Migration006Test() : OldDatabaseTest("migration_006") {}
};

// The same text on both back ends: a row count and a sum over every column, NULLs counted apart.
// `coded`: the schema from migration 011 on (the error word as a code: error_word_sql).
std::string methodless_results_checksum(bool coded) {
  return "SELECT COUNT(*) || ' ' || SUM(host_id * 1000003 + ts % 1000003 + sent * 7 + received * 11 + "
         "COALESCE(CAST(ROUND(min_ms * 1000) AS INTEGER), -1) * 13 + COALESCE(CAST(ROUND(avg_ms * 1000) AS "
         "INTEGER), -1) * 17 + COALESCE(CAST(ROUND(max_ms * 1000) AS INTEGER), -1) * 19 + "
         "COALESCE(CAST(ROUND(median_ms * 1000) AS INTEGER), -1) * 23 + COALESCE(CAST(ROUND(stddev_ms * "
         "1000) "
         "AS INTEGER), -1) * 29 + COALESCE(LENGTH(" +
         error_word_sql(coded) + "), -1) * 31) FROM ping_results";
}
constexpr const char* kMethodlessRollupsChecksum =
    "SELECT COUNT(*) || ' ' || SUM(host_id * 1000003 + period_s + bucket_start % 1000003 + rounds * 7 + "
    "sent * 11 + received * 13 + COALESCE(CAST(ROUND(median_ms * 1000) AS INTEGER), -1) * 17 + "
    "COALESCE(CAST(ROUND(avg_ms * 1000) AS INTEGER), -1) * 19) FROM ping_rollups";

TEST_P(Migration006Test, KeepsEveryRowAsAnIcmpRowAndEveryHostAsAnIcmpHost) {
  // The schema as version 5 left it, with a user, hosts, rounds and rollups.
  const std::string schema = schema_up_to(5);
  std::string data;
  const int kHosts = 3, kRounds = 400;
  for (int host = 1; host <= kHosts; ++host) {
    data +=
        "INSERT INTO hosts (id, user_id, hostname, provider, service, label, enabled, created_at) VALUES (" +
        std::to_string(host) + ", 1, 'h" + std::to_string(host) + ".example.com', 'AWS', '', '', 1, 0);\n";
    std::string values;
    for (int round = 0; round < kRounds; ++round) {
      const long long ts = 1'700'000'000'000LL + round * 60'000LL;
      const bool lost = (round + host) % 7 == 0;
      const double median = 1.0 + host + round * 0.001;
      values += values.empty() ? "" : ",";
      values += "(" + std::to_string(host) + "," + std::to_string(ts) + ",5," + (lost ? "0" : "4") + "," +
                (lost ? "NULL,NULL,NULL,NULL,NULL,'timeout'"
                      : std::to_string(median - 0.5) + "," + std::to_string(median) + "," +
                            std::to_string(median + 0.75) + "," + std::to_string(median) + ",0.125,NULL") +
                ")";
    }
    data +=
        "INSERT INTO ping_results (host_id, ts, sent, received, min_ms, avg_ms, max_ms, median_ms, "
        "stddev_ms, error) VALUES " +
        values + ";\n";
    for (int hour = 0; hour < 6; ++hour) {
      data += "INSERT INTO ping_rollups VALUES (" + std::to_string(host) + ", 3600, " +
              std::to_string(1'700'000'000'000LL + hour * 3'600'000LL) + ", 60, 300, 280, 1.5, 9.5, " +
              std::to_string(3.25 + hour) + ", " + std::to_string(3.0 + hour) + ");\n";
    }
  }
  run_sql(schema + data);
  const std::string results_before = query(methodless_results_checksum(false)),
                    rollups_before = query(kMethodlessRollupsChecksum);
  ASSERT_EQ(results_before.substr(0, results_before.find(' ')), std::to_string(kHosts * kRounds));
  ASSERT_EQ(rollups_before.substr(0, rollups_before.find(' ')), std::to_string(kHosts * 6));

  auto opened = store::Store::open(url_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto store = std::move(opened).value();
  EXPECT_EQ(*store->schema_version(), 5);
  ASSERT_TRUE(store->migrate().ok());
  EXPECT_EQ(*store->schema_version(), store::Store::latest_schema_version(GetParam()));

  EXPECT_EQ(query(methodless_results_checksum(true)), results_before);
  EXPECT_EQ(query(kMethodlessRollupsChecksum), rollups_before);
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_results WHERE method <> 0 OR refused % 4096 <> 0"), "0");
  EXPECT_EQ(query("SELECT COUNT(*) FROM ping_rollups WHERE method <> 0"), "0");
  EXPECT_EQ(query("SELECT COUNT(*) FROM hosts WHERE probe_method <> 'icmp' OR tcp_port <> 443"), "0");

  // Through the store: the rows read back as icmp rows, and the new key takes a tcp row beside them.
  const auto rows = *store->results_between(1, 2, store::kLocalLocationId, 0, 2'000'000'000'000LL);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(kRounds));
  EXPECT_EQ(rows[0].method, ProbeKind::icmp);
  EXPECT_EQ(store->find_host(1, 2)->probe, ProbeSpec{});
  PingResult tcp = rows[1];
  tcp.method = ProbeKind::tcp;
  tcp.refused = 1;
  EXPECT_EQ(*store->insert_results(std::vector<PingResult>{tcp, rows[1]}), 1);
  EXPECT_EQ(store->results_between(1, 2, store::kLocalLocationId, 0, 2'000'000'000'000LL)->size(),
            static_cast<std::size_t>(kRounds) + 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, Migration006Test, ::testing::Values(DbKind::sqlite, DbKind::postgresql),
                         backend_name);

}  // namespace
}  // namespace semaphore::testing
