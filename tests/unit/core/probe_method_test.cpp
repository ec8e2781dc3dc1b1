#include "core/probe_method.h"

#include <gtest/gtest.h>

namespace semaphore {
namespace {

std::optional<ProbeSpec> parse(std::string_view text) {
  std::string error;
  auto spec = parse_probe_spec(text, error);
  EXPECT_EQ(spec.has_value(), error.empty()) << text;
  return spec;
}

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_probe_spec(text, error)) << text;
  return error;
}

TEST(ProbeSpecTest, MethodsWithoutAPortTakeTheDefaults) {
  EXPECT_EQ(parse("icmp"), (ProbeSpec{ProbeMethod::icmp, kDefaultTcpPort}));
  EXPECT_EQ(parse("tcp"), (ProbeSpec{ProbeMethod::tcp, 443}));
  EXPECT_EQ(parse("both"), (ProbeSpec{ProbeMethod::both, 443}));
}

TEST(ProbeSpecTest, APortFollowsTheMethodAfterAColon) {
  EXPECT_EQ(parse("tcp:22"), (ProbeSpec{ProbeMethod::tcp, 22}));
  EXPECT_EQ(parse("both:8443"), (ProbeSpec{ProbeMethod::both, 8443}));
  EXPECT_EQ(parse("tcp:1"), (ProbeSpec{ProbeMethod::tcp, 1}));
  EXPECT_EQ(parse("tcp:65535"), (ProbeSpec{ProbeMethod::tcp, 65535}));
}

TEST(ProbeSpecTest, BlanksAroundAndTheMethodsCaseAreForgiven) {
  EXPECT_EQ(parse("  TCP:22\t"), (ProbeSpec{ProbeMethod::tcp, 22}));
  EXPECT_EQ(parse("Both"), (ProbeSpec{ProbeMethod::both, 443}));
}

TEST(ProbeSpecTest, UnknownMethodsAndBadPortsAreRefusedWithAReason) {
  EXPECT_NE(error_of("").find("icmp, tcp"), std::string::npos);
  EXPECT_NE(error_of("udp:53").find("icmp, tcp"), std::string::npos);
  EXPECT_NE(error_of("icmp:22").find("no port"), std::string::npos);
  for (const char* bad : {"tcp:", "tcp:0", "tcp:65536", "tcp:-1", "tcp:22x", "tcp: 22", "tcp:99999999999"}) {
    EXPECT_NE(error_of(bad).find("1 to 65535"), std::string::npos) << bad;
  }
}

TEST(ProbeSpecTest, FormattingReadsBackUnchanged) {
  for (const ProbeSpec spec : {ProbeSpec{ProbeMethod::icmp, 443}, ProbeSpec{ProbeMethod::tcp, 443},
                               ProbeSpec{ProbeMethod::tcp, 22}, ProbeSpec{ProbeMethod::both, 8443}}) {
    EXPECT_EQ(parse(format_probe_spec(spec)), spec);
  }
  EXPECT_EQ(format_probe_spec({ProbeMethod::icmp, 22}), "icmp");
  EXPECT_EQ(format_probe_spec({ProbeMethod::both, 443}), "both:443");
}

TEST(ProbeKindTest, StoredValuesAreFixed) {
  EXPECT_EQ(to_int(ProbeKind::icmp), 0);
  EXPECT_EQ(to_int(ProbeKind::tcp), 1);
  EXPECT_EQ(probe_kind_from_int(0), ProbeKind::icmp);
  EXPECT_EQ(probe_kind_from_int(1), ProbeKind::tcp);
  EXPECT_FALSE(probe_kind_from_int(2));
  EXPECT_TRUE(probes_icmp(ProbeMethod::both) && probes_tcp(ProbeMethod::both));
  EXPECT_FALSE(probes_tcp(ProbeMethod::icmp));
  EXPECT_FALSE(probes_icmp(ProbeMethod::tcp));
}

}  // namespace
}  // namespace semaphore
