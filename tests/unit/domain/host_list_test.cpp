#include "domain/host_list.h"

#include <gtest/gtest.h>

namespace semaphore::domain {
namespace {

TEST(ParseHostList, KeepsGoodLinesAndNamesEachBadOne) {
  const auto parsed = parse_host_list(
      "# my servers\n"
      "db.example.com,AWS,EC2\n"
      "\n"
      "bad_host!,GCP\n"
      "10.0.0.1, azure , Virtual Machines\n"
      "web.example.com,Oracle,Compute\n"
      "  ::1  \n"
      "DB.example.com\n"
      "app.example.com,GCP,App Engine, flexible\n");
  ASSERT_EQ(parsed.entries.size(), 4u);
  EXPECT_EQ(parsed.entries[0].target.text, "db.example.com");
  EXPECT_EQ(parsed.entries[0].provider, Provider::aws);
  EXPECT_EQ(parsed.entries[0].service, "EC2");
  EXPECT_EQ(parsed.entries[0].line, 2);
  EXPECT_EQ(parsed.entries[1].target.text, "10.0.0.1");
  EXPECT_EQ(parsed.entries[1].provider, Provider::azure);
  EXPECT_EQ(parsed.entries[1].service, "Virtual Machines");
  EXPECT_EQ(parsed.entries[2].target.text, "::1");
  EXPECT_EQ(parsed.entries[2].provider, Provider::other);
  EXPECT_EQ(parsed.entries[3].service, "App Engine, flexible");

  ASSERT_EQ(parsed.rejected.size(), 3u);
  EXPECT_EQ(parsed.rejected[0].line, 4);
  EXPECT_EQ(parsed.rejected[0].text, "bad_host!,GCP");
  EXPECT_EQ(parsed.rejected[1].line, 6);
  EXPECT_NE(parsed.rejected[1].reason.find("unknown provider 'Oracle'"), std::string::npos);
  EXPECT_EQ(parsed.rejected[2].line, 8);
  EXPECT_NE(parsed.rejected[2].reason.find("listed twice, first on line 2"), std::string::npos);
}

TEST(ParseHostList, EmptyAndCommentOnlyTextsHaveNothing) {
  EXPECT_TRUE(parse_host_list("").entries.empty());
  const auto parsed = parse_host_list("# nothing\n\n   \n");
  EXPECT_TRUE(parsed.entries.empty());
  EXPECT_TRUE(parsed.rejected.empty());
}

TEST(ParseHostList, DefaultProviderAppliesWhenNoneIsNamed) {
  const auto parsed = parse_host_list("a.example.com\r\nb.example.com,GCP", Provider::aws);
  ASSERT_EQ(parsed.entries.size(), 2u);
  EXPECT_EQ(parsed.entries[0].provider, Provider::aws);
  EXPECT_EQ(parsed.entries[1].provider, Provider::gcp);
}

TEST(ParseHostList, EntriesBecomeHostInputs) {
  // The service's length (and the target policy) are checked by validate_host, as for the add form.
  const auto parsed = parse_host_list("db.example.com,AWS,EC2\n10.0.0.1,gcp," + std::string(101, 's'));
  ASSERT_EQ(parsed.entries.size(), 2u);
  const HostInput input = to_host_input(parsed.entries[0]);
  EXPECT_EQ(input.hostname, "db.example.com");
  EXPECT_EQ(input.provider, "AWS");
  EXPECT_EQ(input.service, "EC2");
  EXPECT_EQ(input.label, "");
  EXPECT_TRUE(input.enabled);
  HostErrors errors;
  EXPECT_FALSE(validate_host(to_host_input(parsed.entries[1]), TargetPolicy::allow_private, errors));
  EXPECT_FALSE(errors.service.empty());
}

TEST(ParseHostList, AFourthFieldNamesTheProbeMethod) {
  const auto parsed = parse_host_list(
      "ssh.example.com,AWS,EC2,tcp:22\n"
      "lb.example.com,Azure,Load Balancer, TCP\n"
      "mixed.example.com,GCP,GKE, ingress,both:8443\n"
      "plain.example.com,,,icmp\n"
      "old.example.com,GCP,App Engine, flexible\n"
      "bad.example.com,AWS,EC2,tcp:70000\n"
      "nocomma.example.com,AWS,tcp\n");
  ASSERT_EQ(parsed.entries.size(), 6u);
  EXPECT_EQ(parsed.entries[0].service, "EC2");
  EXPECT_EQ(parsed.entries[0].probe, (ProbeSpec{ProbeMethod::tcp, 22}));
  EXPECT_EQ(parsed.entries[1].service, "Load Balancer");
  EXPECT_EQ(parsed.entries[1].probe, (ProbeSpec{ProbeMethod::tcp, 443}));  // the default port
  EXPECT_EQ(parsed.entries[2].service, "GKE, ingress");  // the service may still hold commas
  EXPECT_EQ(parsed.entries[2].probe, (ProbeSpec{ProbeMethod::both, 8443}));
  EXPECT_EQ(parsed.entries[3].provider, Provider::other);
  EXPECT_EQ(parsed.entries[3].service, "");
  EXPECT_EQ(parsed.entries[3].probe, ProbeSpec{});
  // Lines of the format before probe methods read as they did: a last field that names no method is the
  // service's, and a third field is always the service.
  EXPECT_EQ(parsed.entries[4].service, "App Engine, flexible");
  EXPECT_EQ(parsed.entries[4].probe, ProbeSpec{});
  EXPECT_EQ(parsed.entries[5].service, "tcp");
  EXPECT_EQ(parsed.entries[5].probe, ProbeSpec{});
  ASSERT_EQ(parsed.rejected.size(), 1u);
  EXPECT_EQ(parsed.rejected[0].line, 6);
  EXPECT_NE(parsed.rejected[0].reason.find("bad probe 'tcp:70000'"), std::string::npos);

  const HostInput input = to_host_input(parsed.entries[0]);
  EXPECT_EQ(input.probe, "tcp:22");
  HostErrors errors;
  const auto host = validate_host(input, TargetPolicy::allow_private, errors);
  ASSERT_TRUE(host) << errors.first();
  EXPECT_EQ(host->probe, (ProbeSpec{ProbeMethod::tcp, 22}));
}

}  // namespace
}  // namespace semaphore::domain
