// Hosts as typed (src/domain/host_input.h): each field's rule and the target policy.
#include "domain/host_input.h"

#include <gtest/gtest.h>

namespace semaphore::domain {
namespace {

TEST(HostInput, ValidatesEachField) {
  HostErrors errors;
  auto host =
      validate_host({" Example.COM ", "aws", "EC2", "front", true}, TargetPolicy::allow_private, errors);
  ASSERT_TRUE(host) << errors.first();
  EXPECT_EQ(host->hostname, "example.com");
  EXPECT_EQ(host->provider, Provider::aws);

  HostErrors bad;
  EXPECT_FALSE(validate_host({"bad host", "Oracle", std::string(101, 's'), "x", true},
                             TargetPolicy::allow_private, bad));
  EXPECT_FALSE(bad.hostname.empty());
  EXPECT_FALSE(bad.provider.empty());
  EXPECT_FALSE(bad.service.empty());
  EXPECT_TRUE(bad.label.empty());
}

TEST(HostInput, ProbeMethod) {
  HostInput input{"db.example.com", "AWS", "", "", true, ""};
  HostErrors errors;
  EXPECT_EQ(validate_host(input, TargetPolicy::allow_private, errors)->probe, ProbeSpec{});  // empty: icmp
  input.probe = " Both:8443 ";
  EXPECT_EQ(validate_host(input, TargetPolicy::allow_private, errors)->probe,
            (ProbeSpec{ProbeMethod::both, 8443}));
  for (const char* bad : {"udp", "tcp:0", "tcp:65536", "tcp:x", "icmp:22"}) {
    HostErrors bad_errors;
    input.probe = bad;
    EXPECT_FALSE(validate_host(input, TargetPolicy::allow_private, bad_errors)) << bad;
    EXPECT_FALSE(bad_errors.probe.empty()) << bad;
    EXPECT_EQ(bad_errors.first(), bad_errors.probe) << bad;
    EXPECT_TRUE(bad_errors.any());
  }
}

TEST(HostInput, TargetPolicy) {
  for (const char* never : {"169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "fe80::1", "::"}) {
    HostErrors errors;
    EXPECT_FALSE(validate_host({never, "", "", "", true}, TargetPolicy::allow_private, errors)) << never;
  }
  for (const char* local : {"127.0.0.1", "::1", "10.0.0.1", "192.168.1.1"}) {
    HostErrors errors;
    EXPECT_TRUE(validate_host({local, "", "", "", true}, TargetPolicy::allow_private, errors)) << local;
    HostErrors public_errors;
    EXPECT_FALSE(validate_host({local, "", "", "", true}, TargetPolicy::public_only, public_errors)) << local;
  }
  HostErrors errors;
  EXPECT_TRUE(validate_host({"8.8.8.8", "", "", "", true}, TargetPolicy::public_only, errors));
}

TEST(Validation, TextFields) {
  EXPECT_EQ(clean_text_field("  EC2 ", 100, "The service").value(), "EC2");
  EXPECT_FALSE(clean_text_field(std::string(101, 'a'), 100, "The service"));
  EXPECT_TRUE(clean_text_field(std::string(100, 'a'), 100, "The service"));
  EXPECT_TRUE(clean_text_field("ééééé", 5, "The label")) << "characters, not bytes";
  EXPECT_FALSE(
      clean_text_field("a\x01"
                       "b",
                       100, "The label"));
}

}  // namespace
}  // namespace semaphore::domain
