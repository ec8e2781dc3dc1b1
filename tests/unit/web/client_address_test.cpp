// Which address a request comes from (web/security/client_address.h): CIDR parsing, the X-Forwarded-For walk
// from the peer through trusted proxies, and the /64 that IPv6 clients are throttled by.
#include "web/security/client_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace semaphore::web {
namespace {

IpNetwork network(const char* text) {
  auto parsed = IpNetwork::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpNetwork{});
}

IpAddress address(const char* text) {
  auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpAddress{});
}

TEST(IpNetwork, ParsesBlocksAndSingleAddresses) {
  EXPECT_EQ(network("10.0.0.0/8").to_string(), "10.0.0.0/8");
  EXPECT_EQ(network("192.0.2.7").to_string(), "192.0.2.7/32");
  EXPECT_EQ(network("2001:db8::/32").to_string(), "2001:db8::/32");
  EXPECT_EQ(network("::1").to_string(), "::1/128");
  EXPECT_EQ(network("0.0.0.0/0").to_string(), "0.0.0.0/0");
  EXPECT_EQ(network("::ffff:10.0.0.0/104").to_string(), "10.0.0.0/8");
  for (const char* bad :
       {"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x", "2001:db8::/129", "10.0.0.1/8",
        "2001:db8::1/64", "lb.internal", "10/8", "10.0.0.0/08/1"}) {
    EXPECT_FALSE(IpNetwork::parse(bad)) << bad;
  }
}

TEST(IpNetwork, ContainsAddressesOfItsFamilyInsideThePrefix) {
  const IpNetwork ten = network("10.0.0.0/8"), doc = network("2001:db8::/32"), odd = network("10.1.2.128/25");
  EXPECT_TRUE(ten.contains(address("10.255.0.1")));
  EXPECT_TRUE(ten.contains(address("::ffff:10.1.1.1"))) << "an IPv4-mapped peer is its IPv4 address";
  EXPECT_FALSE(ten.contains(address("11.0.0.1")));
  EXPECT_FALSE(ten.contains(address("::a00:1"))) << "another family";
  EXPECT_TRUE(doc.contains(address("2001:db8:ffff::1")));
  EXPECT_FALSE(doc.contains(address("2001:db9::1")));
  EXPECT_TRUE(odd.contains(address("10.1.2.200")));
  EXPECT_FALSE(odd.contains(address("10.1.2.127")));
}

class ClientAddress : public ::testing::Test {
 protected:
  std::string choose(const char* peer, std::vector<std::string_view> forwarded_for) {
    return choose_client_address(address(peer), forwarded_for, trusted_);
  }
  std::vector<IpNetwork> trusted_ = {network("10.0.0.0/8"), network("2001:db8:ffff::/48")};
};

TEST_F(ClientAddress, AnUntrustedPeerIsTheClientWhateverTheHeaderSays) {
  EXPECT_EQ(choose("192.0.2.1", {"198.51.100.7"}), "192.0.2.1");
  EXPECT_EQ(choose("192.0.2.1", {}), "192.0.2.1");
  EXPECT_EQ(choose_client_address(address("10.0.0.5"), std::vector<std::string_view>{"198.51.100.7"}, {}),
            "10.0.0.5")
      << "with no trusted proxy the header is always ignored";
}

TEST_F(ClientAddress, BehindTrustedProxiesTheRightmostUntrustedAddressIsTheClient) {
  EXPECT_EQ(choose("10.0.0.5", {"198.51.100.7"}), "198.51.100.7");
  // What the client wrote itself (the leftmost entries) is never believed over a trusted hop's word.
  EXPECT_EQ(choose("10.0.0.5", {"1.2.3.4, 198.51.100.7"}), "198.51.100.7");
  EXPECT_EQ(choose("10.0.0.5", {"1.2.3.4, 198.51.100.7, 10.9.9.9"}), "198.51.100.7");
  EXPECT_EQ(choose("10.0.0.5", {"1.2.3.4", "198.51.100.7,10.9.9.9"}), "198.51.100.7") << "several headers";
  EXPECT_EQ(choose("::ffff:10.0.0.5", {" 198.51.100.7 "}), "198.51.100.7");
  EXPECT_EQ(choose("2001:db8:ffff::2", {"2001:db8:1:2::99"}), "2001:db8:1:2::99");
  EXPECT_EQ(choose("10.0.0.5", {"[2001:db8:1::1]:443"}), "2001:db8:1::1");
  EXPECT_EQ(choose("10.0.0.5", {"198.51.100.7:51000"}), "198.51.100.7");
}

TEST_F(ClientAddress, WithoutAnUntrustedHopOrPastGarbageTheLastTrustedHopIsTheClient) {
  EXPECT_EQ(choose("10.0.0.5", {}), "10.0.0.5");
  EXPECT_EQ(choose("10.0.0.5", {"10.1.1.1, 10.2.2.2"}), "10.1.1.1");
  EXPECT_EQ(choose("10.0.0.5", {"198.51.100.7, evil\nline, 10.2.2.2"}), "10.2.2.2");
  EXPECT_EQ(choose("10.0.0.5", {"unknown"}), "10.0.0.5");
  EXPECT_EQ(choose("10.0.0.5", {""}), "10.0.0.5");
}

TEST(ThrottleAddress, IsTheIpv4AddressOrTheIpv6Slash64) {
  EXPECT_EQ(throttle_address("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(throttle_address("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(throttle_address("2001:db8:1:2::ffff"), throttle_address("2001:db8:1:2:aaaa::1"));
  EXPECT_NE(throttle_address("2001:db8:1:2::1"), throttle_address("2001:db8:1:3::1"));
  EXPECT_EQ(throttle_address("not an address"), "not an address");
}

}  // namespace
}  // namespace semaphore::web
