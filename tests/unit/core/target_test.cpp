#include "core/target.h"

#include <gtest/gtest.h>

namespace semaphore {
namespace {

std::string parsed(std::string_view input) {
  auto target = parse_target(input);
  return target ? target->text : "ERROR: " + target.error().message;
}

TEST(ParseTarget, NormalizesHostnames) {
  EXPECT_EQ(parsed("  Example.COM. "), "example.com");
  EXPECT_EQ(parsed("a-b.c1.example"), "a-b.c1.example");
  EXPECT_EQ(parse_target("host1")->kind, TargetKind::hostname);
}

TEST(ParseTarget, RejectsInvalidHostnames) {
  for (const char* bad : {"", "   ", "-a.com", "a-.com", "a..b", "a_b.com", "exa mple.com", "1.2.3",
                          "01.2.3.4", "1.2.3.4.5", "host/1", "[::1]", "fe80::1%eth0", "gibberish::zz"}) {
    EXPECT_FALSE(parse_target(bad).ok()) << bad;
  }
  EXPECT_FALSE(parse_target(std::string(64, 'a') + ".com").ok());
  EXPECT_FALSE(parse_target(std::string(250, 'a') + ".com").ok());
  EXPECT_TRUE(parse_target(std::string(63, 'a') + ".com").ok());
}

TEST(ParseTarget, ParsesIpLiteralsStrictly) {
  EXPECT_EQ(parsed("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(parse_target("127.0.0.1")->kind, TargetKind::ipv4);
  EXPECT_EQ(parsed("::1"), "::1");
  EXPECT_EQ(parsed("2001:DB8:0:0::1"), "2001:db8::1");
  EXPECT_EQ(parse_target("::1")->kind, TargetKind::ipv6);
  EXPECT_EQ(parsed("::ffff:10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(parsed(" 10.0.0.255\t"), "10.0.0.255");
  for (const char* quad : {"0.0.0.0", "1.2.3.4", "99.100.199.200", "255.255.255.255"}) {
    EXPECT_EQ(parsed(quad), IpAddress::parse(quad)->to_string()) << quad;
  }
  EXPECT_FALSE(parse_target("256.1.1.1").ok());
  EXPECT_FALSE(parse_target("1.2.3.4 5").ok());
}

TEST(ParseTarget, ConvertsInternationalizedNamesToALabels) {
  EXPECT_EQ(parsed("bücher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(parsed("MÜNCHEN.de"), "xn--mnchen-3ya.de");
}

Status check(std::string_view text, TargetPolicy policy = TargetPolicy::allow_private) {
  return check_target_address(*IpAddress::parse(text), policy);
}

TEST(CheckTargetAddress, AlwaysRefusesDangerousAddresses) {
  for (const char* bad :
       {"0.0.0.0", "169.254.169.254", "169.254.1.1", "224.0.0.1", "239.1.2.3", "255.255.255.255", "240.0.0.1",
        "::", "fe80::1", "ff02::1", "fd00:ec2::254", "::ffff:169.254.169.254"}) {
    EXPECT_FALSE(check(bad).ok()) << bad;
    EXPECT_FALSE(check(bad, TargetPolicy::public_only).ok()) << bad;
  }
  EXPECT_NE(check("169.254.169.254").error().message.find("metadata"), std::string::npos);
}

TEST(CheckTargetAddress, PrivateRangesDependOnPolicy) {
  for (const char* local :
       {"127.0.0.1", "10.250.0.1", "172.16.5.5", "192.168.1.1", "100.64.0.1", "::1", "fd12::1"}) {
    EXPECT_TRUE(check(local).ok()) << local;
    EXPECT_FALSE(check(local, TargetPolicy::public_only).ok()) << local;
  }
  for (const char* global : {"8.8.8.8", "172.32.0.1", "2001:db8::1", "1.1.1.1"}) {
    EXPECT_TRUE(check(global, TargetPolicy::public_only).ok()) << global;
  }
}

TEST(CheckTargetAddress, IPv4InsideIPv6IsJudgedAsTheIPv4AddressItReaches) {
  // NAT64, 6to4 and IPv4-compatible forms of the metadata address, a private and a loopback address.
  for (const char* metadata : {"64:ff9b::a9fe:a9fe", "64:ff9b::169.254.169.254", "2002:a9fe:a9fe::1",
                               "::169.254.169.254", "2002:a9fe:a9fe:1:2:3:4:5"}) {
    const auto refused = check(metadata);
    ASSERT_FALSE(refused.ok()) << metadata;
    EXPECT_NE(refused.error().message.find("169.254.169.254"), std::string::npos) << refused.error().message;
    EXPECT_NE(refused.error().message.find("metadata"), std::string::npos) << refused.error().message;
  }
  for (const char* local : {"64:ff9b::a00:1", "2002:c0a8:101::1", "::10.0.0.1", "64:ff9b::7f00:1"}) {
    EXPECT_TRUE(check(local).ok()) << local;
    EXPECT_FALSE(check(local, TargetPolicy::public_only).ok()) << local;
  }
  for (const char* global : {"64:ff9b::808:808", "2002:808:808::1", "::8.8.8.8"}) {
    EXPECT_TRUE(check(global, TargetPolicy::public_only).ok()) << global;
  }
  EXPECT_FALSE(check("::ffff:10.0.0.1", TargetPolicy::public_only).ok());
}

TEST(CheckTargetAddress, NonGlobalRangesAreRefusedForPublicTargets) {
  for (const char* other : {"198.18.0.1", "198.19.255.254", "192.0.0.8", "fec0::1", "64:ff9b:1::a00:1"}) {
    EXPECT_TRUE(check(other).ok()) << other;
    EXPECT_FALSE(check(other, TargetPolicy::public_only).ok()) << other;
  }
  EXPECT_TRUE(check("198.20.0.1", TargetPolicy::public_only).ok());
}

TEST(ParseTargetPolicy, AcceptsOnlyKnownNames) {
  EXPECT_EQ(*parse_target_policy("public"), TargetPolicy::public_only);
  EXPECT_EQ(*parse_target_policy("private"), TargetPolicy::allow_private);
  EXPECT_FALSE(parse_target_policy("any").ok());
}

}  // namespace
}  // namespace semaphore
