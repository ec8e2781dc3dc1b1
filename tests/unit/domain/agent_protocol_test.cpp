// The agents' wire format (domain/agent_protocol.h): what one side encodes the other decodes unchanged, and
// the server's decoder refuses whatever an agent must not send, saying which row and field.
#include "domain/agent_protocol.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <cmath>
#include <limits>

namespace semaphore::domain {
namespace {

namespace json = boost::json;

store::Host host(store::Id id, const std::string& name, ProbeSpec probe = {}) {
  store::Host h;
  h.id = id;
  h.hostname = name;
  h.probe = probe;
  return h;
}

store::PingResult full_row() {
  store::PingResult row;
  row.host_id = 42;
  row.ts = 1'764'547'200'000;
  row.sent = 5;
  row.received = 3;
  row.refused = 1;
  row.method = ProbeKind::tcp;
  row.min_ms = 0.125;
  row.avg_ms = 1.0 / 3.0;  // not a short decimal: must still read back exactly
  row.max_ms = 7.5;
  row.median_ms = 0.25;
  row.stddev_ms = 2.0;
  row.error = "";
  return row;
}

Result<std::vector<store::PingResult>> decode(const std::string& text) {
  return decode_result_batch(json::parse(text));
}

TEST(AgentProtocol, AnAssignmentReadsBackAsItWasSent) {
  AgentAssignment sent;
  sent.location = "fra";
  sent.settings = AgentSettings{std::chrono::seconds(30), 7, std::chrono::milliseconds(900),
                                std::chrono::milliseconds(200), TargetPolicy::allow_private};
  sent.hosts = {host(1, "a.example.com"), host(2, "2001:db8::1", ProbeSpec{ProbeMethod::both, 8443}),
                host(3, "10.0.0.1", ProbeSpec{ProbeMethod::tcp, 22})};
  sent.version = assignment_version(sent.settings, sent.hosts);
  auto got = decode_assignment(encode_assignment(sent));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->version, sent.version);
  EXPECT_EQ(got->location, "fra");
  EXPECT_EQ(got->settings, sent.settings);
  ASSERT_EQ(got->hosts.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got->hosts[i].id, sent.hosts[i].id);
    EXPECT_EQ(got->hosts[i].hostname, sent.hosts[i].hostname);
    EXPECT_EQ(got->hosts[i].probe, sent.hosts[i].probe);
  }
}

TEST(AgentProtocol, TheVersionChangesWithAnyHostOrSettingAndOnlyThen) {
  const AgentSettings settings;
  const std::vector<store::Host> hosts{host(1, "a.example.com"), host(2, "b.example.com")};
  const std::string version = assignment_version(settings, hosts);
  EXPECT_EQ(assignment_version(settings, hosts), version);
  auto renamed = hosts;
  renamed[1].hostname = "c.example.com";
  auto probed = hosts;
  probed[0].probe = ProbeSpec{ProbeMethod::tcp, 443};
  auto fewer = hosts;
  fewer.pop_back();
  AgentSettings slower = settings;
  slower.interval = std::chrono::seconds(120);
  AgentSettings private_targets = settings;
  private_targets.targets = TargetPolicy::allow_private;
  for (const std::string& other :
       {assignment_version(settings, renamed), assignment_version(settings, probed),
        assignment_version(settings, fewer), assignment_version(slower, hosts),
        assignment_version(private_targets, hosts)}) {
    EXPECT_NE(other, version);
  }
}

TEST(AgentProtocol, ABrokenAssignmentIsAnErrorNotAnEmptyList) {
  for (
      const std::string text :
      {"", "[]", "{\"version\": \"v\"}", "{not json",
       R"({"version":"v","location":"x","settings":{"interval_ms":0,"probes":5,"timeout_ms":0,"probe_spacing_ms":0,"targets":"public"},"hosts":[]})",
       R"({"version":"v","location":"x","settings":{"interval_ms":1000,"probes":5,"timeout_ms":0,"probe_spacing_ms":0,"targets":"everything"},"hosts":[]})",
       R"({"version":"v","location":"x","settings":{"interval_ms":1000,"probes":5,"timeout_ms":0,"probe_spacing_ms":0,"targets":"public"},"hosts":[{"id":1,"target":"a","probe":"udp"}]})"}) {
    EXPECT_FALSE(decode_assignment(text).ok()) << text;
  }
}

TEST(AgentProtocol, ABatchReadsBackExactly) {
  store::PingResult timeout;
  timeout.host_id = 7;
  timeout.ts = 1'764'547'260'000;
  timeout.sent = 5;
  timeout.error = "timeout";
  const std::vector<store::PingResult> rows{full_row(), timeout};
  auto got = decode_result_batch(json::parse(encode_result_batch(rows)));
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->size(), 2u);
  const store::PingResult& a = (*got)[0];
  EXPECT_EQ(a.host_id, 42);
  EXPECT_EQ(a.ts, rows[0].ts);
  EXPECT_EQ(a.method, ProbeKind::tcp);
  EXPECT_EQ(a.sent, 5);
  EXPECT_EQ(a.received, 3);
  EXPECT_EQ(a.refused, 1);
  EXPECT_EQ(a.min_ms, rows[0].min_ms);
  EXPECT_EQ(a.avg_ms, rows[0].avg_ms);
  EXPECT_EQ(a.max_ms, rows[0].max_ms);
  EXPECT_EQ(a.median_ms, rows[0].median_ms);
  EXPECT_EQ(a.stddev_ms, rows[0].stddev_ms);
  EXPECT_EQ(a.location_id, store::kLocalLocationId) << "the location is the server's to set";
  const store::PingResult& b = (*got)[1];
  EXPECT_EQ(b.error, "timeout");
  EXPECT_FALSE(b.avg_ms.has_value());
  EXPECT_EQ(b.received, 0);
  EXPECT_EQ(b.method, ProbeKind::icmp);
}

TEST(AgentProtocol, EachKindOfBadRowIsRefusedNamingItsIndexAndField) {
  const std::string good =
      R"({"host":1,"ts":1000,"method":"icmp","sent":5,"received":5,"min_ms":1,"avg_ms":1,"max_ms":1,)"
      R"("median_ms":1,"stddev_ms":0})";
  ASSERT_TRUE(decode("{\"rows\":[" + good + "]}").ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"host":0,"ts":1000,"method":"icmp","sent":5,"received":5})", "\"host\""},
      {R"({"host":-3,"ts":1000,"method":"icmp","sent":5,"received":5})", "\"host\""},
      {R"({"host":"1","ts":1000,"method":"icmp","sent":5,"received":5})", "\"host\""},
      {R"({"host":1,"ts":-1,"method":"icmp","sent":5,"received":5})", "\"ts\""},
      {R"({"host":1,"ts":1.5,"method":"icmp","sent":5,"received":5})", "\"ts\""},
      {R"({"host":1,"ts":1000,"method":"udp","sent":5,"received":5})", "\"method\""},
      {R"({"host":1,"ts":1000,"method":"icmp","sent":101,"received":5})", "\"sent\""},
      {R"({"host":1,"ts":1000,"method":"icmp","sent":5,"received":6})", "\"received\""},
      {R"({"host":1,"ts":1000,"method":"tcp","sent":5,"received":2,"refused":3})", "\"refused\""},
      {R"({"host":1,"ts":1000,"method":"icmp","sent":5,"received":5,"avg_ms":-1})", "RTT"},
      {R"({"host":1,"ts":1000,"method":"icmp","sent":5,"received":5,"max_ms":1e300})", "RTT"},
      {R"({"host":1,"ts":1000,"method":"icmp","sent":5,"received":5,"min_ms":"fast"})", "RTT"},
      {R"({"host":1,"ts":1000,"method":"icmp","sent":5,"received":0,"error":"a very long error word of more than 32"})",
       "\"error\""},
      {R"({"host":1,"ts":1000,"method":"icmp","sent":5,"received":0,"error":"bad\nline"})", "\"error\""},
      {R"([1])", "object"},
  };
  for (const auto& [row, field] : cases) {
    auto got = decode("{\"rows\":[" + good + "," + row + "]}");
    ASSERT_FALSE(got.ok()) << row;
    EXPECT_EQ(got.error().code, Errc::invalid_argument);
    EXPECT_NE(got.error().message.find("row 1"), std::string::npos) << got.error().message;
    EXPECT_NE(got.error().message.find(field), std::string::npos) << got.error().message;
  }
}

TEST(AgentProtocol, ABatchIsBounded) {
  std::string text = "{\"rows\":[";
  for (std::size_t i = 0; i <= kMaxAgentBatchRows; ++i) {
    if (i > 0) text += ",";
    text += R"({"host":1,"ts":1000,"method":"icmp","sent":1,"received":1})";
  }
  text += "]}";
  auto got = decode(text);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find(std::to_string(kMaxAgentBatchRows)), std::string::npos);
}

TEST(AgentProtocol, RowTimesFarFromTheServersClockAreNotAccepted) {
  const EpochMs now = 1'764'547'200'000;
  EXPECT_TRUE(row_time_accepted(now, now));
  EXPECT_TRUE(row_time_accepted(now - 29LL * 86'400'000, now));
  EXPECT_FALSE(row_time_accepted(now - 31LL * 86'400'000, now));
  EXPECT_TRUE(row_time_accepted(now + 4 * 60'000, now));
  EXPECT_FALSE(row_time_accepted(now + 6 * 60'000, now));
}

TEST(AgentProtocol, AHeartbeatReadsBackAndABadOneIsRefused) {
  store::LocationHeartbeat beat;
  beat.version = "1.2.3";
  beat.rounds_on_time = 10;
  beat.rounds_late = 2;
  beat.spool_backlog = 5000;
  beat.interval_ms = 60'000;
  auto got = decode_heartbeat(json::parse(encode_heartbeat(beat)));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->version, "1.2.3");
  EXPECT_EQ(got->rounds_on_time, 10);
  EXPECT_EQ(got->rounds_late, 2);
  EXPECT_EQ(got->spool_backlog, 5000);
  EXPECT_EQ(got->interval_ms, 60'000);
  for (const std::string text :
       {R"({"version":"1","rounds_on_time":-1,"rounds_late":0,"spool_backlog":0,"interval_ms":0})",
        R"({"version":"1\u0007","rounds_on_time":0,"rounds_late":0,"spool_backlog":0,"interval_ms":0})",
        R"({"rounds_on_time":0,"rounds_late":0,"spool_backlog":0,"interval_ms":0})", R"("beat")"}) {
    EXPECT_FALSE(decode_heartbeat(json::parse(text)).ok()) << text;
  }
}

}  // namespace
}  // namespace semaphore::domain
