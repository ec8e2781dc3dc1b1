#include "probe/host_table.h"

#include <gtest/gtest.h>

#include <cmath>

namespace semaphore::probe {
namespace {

TEST(HostTable, FillsTheContractsResultFromTheSlots) {
  HostTable table;
  table.reset(2, 4);
  table.states[0].has_address = true;
  table.addresses[0] = *IpAddress::parse("10.0.0.1");
  table.rtts_us[0] = 1234;         // answered
  table.rtts_us[1] = kPending;     // lost
  table.rtts_us[2] = kSendFailed;  // refused by the kernel: not in rtts_ms, not sent
  table.rtts_us[3] = kUnsent;      // never attempted (a stop)
  table.states[0].duplicates = 2;
  table.details[0] = "send: No buffer space available";
  HostResult r;
  table.fill(0, "a.example", r);
  EXPECT_EQ(r.host, "a.example");
  ASSERT_TRUE(r.address);
  EXPECT_EQ(r.sent, 2);
  EXPECT_EQ(r.received, 1);
  EXPECT_EQ(r.send_errors, 1);
  EXPECT_EQ(r.duplicates, 2);
  ASSERT_EQ(r.rtts_ms.size(), 2u);
  EXPECT_DOUBLE_EQ(r.rtts_ms[0], 1.234);
  EXPECT_TRUE(std::isnan(r.rtts_ms[1]));
  EXPECT_EQ(r.error, HostError::none);
  EXPECT_EQ(r.error_detail, "");  // a host that answered has no error text

  table.states[1].has_address = true;
  table.rtts_us[4] = kIcmpError;
  table.rtts_us[5] = kIcmpError;
  table.details[1] = "destination unreachable";
  table.fill(1, "b", r);  // reuses r's storage
  EXPECT_EQ(r.sent, 2);
  EXPECT_EQ(r.icmp_errors, 2);
  EXPECT_EQ(r.error, HostError::unreachable);
  EXPECT_EQ(r.error_detail, "destination unreachable");
  EXPECT_EQ(r.duplicates, 0);
}

TEST(HostTable, TcpRunsMarkRefusedProbesAndCountThemAsAnswers) {
  HostTable table;
  table.reset(1, 3, true);
  table.states[0].has_address = true;
  table.rtts_us[0] = 500;  // a SYN-ACK
  table.rtts_us[1] = 700;  // a RST
  table.refused[1] = true;
  table.rtts_us[2] = kPending;  // lost
  HostResult r;
  table.fill(0, "h", r);
  EXPECT_EQ(r.sent, 3);
  EXPECT_EQ(r.received, 2);
  EXPECT_EQ(r.refused, 1);
  EXPECT_EQ(r.refused_probes, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(r.error, HostError::none);

  table.reset(1, 3);  // an ICMP run: no refused bits, and none in the result it fills
  table.states[0].has_address = true;
  table.rtts_us[0] = 500;
  table.fill(0, "h", r);
  EXPECT_EQ(r.refused, 0);
  EXPECT_TRUE(r.refused_probes.empty());
}

TEST(HostTable, KeepsAnEarlyErrorAndCountsSaturate) {
  HostTable table;
  table.reset(1, 3);
  table.states[0].error = static_cast<std::uint8_t>(HostError::unresolvable);
  table.details[0] = "NXDOMAIN";
  table.states[0].late = 65535;
  saturating_increment(table.states[0].late);
  HostResult r;
  table.fill(0, "nx.example", r);
  EXPECT_EQ(r.error, HostError::unresolvable);
  EXPECT_EQ(r.error_detail, "NXDOMAIN");
  EXPECT_FALSE(r.address);
  EXPECT_TRUE(r.rtts_ms.empty());
  EXPECT_EQ(r.late, 65535);
}

}  // namespace
}  // namespace semaphore::probe
