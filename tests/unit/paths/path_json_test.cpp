// The stored hop format (paths/path.h: encode_hops / decode_hops).
#include <gtest/gtest.h>

#include "path_builder.h"
#include "paths/path.h"

namespace semaphore::paths {
namespace {

TEST(PathJson, HopsSurviveTheRoundTrip) {
  const Path path = testing::path_of(
      {"10.0.0.1@gw.example 0/10 1.25", "??? 10/10", "10.0.0.3|10.0.1.3 2/10 3.5", "fd00::4* 1/10 4.125"});
  const std::string text = encode_hops(path.hops);
  const auto decoded = decode_hops(text);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const PathHop &a = path.hops[i], &b = (*decoded)[i];
    EXPECT_EQ(a.ttl, b.ttl);
    EXPECT_EQ(a.address, b.address);
    EXPECT_EQ(a.other_addresses, b.other_addresses);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.sent, b.sent);
    EXPECT_EQ(a.received, b.received);
    EXPECT_EQ(a.is_destination, b.is_destination);
    ASSERT_EQ(a.median_ms.has_value(), b.median_ms.has_value());
    if (a.median_ms) {
      EXPECT_NEAR(*a.median_ms, *b.median_ms, 0.00051);  // whole µs
      EXPECT_NEAR(*a.min_ms, *b.min_ms, 0.00051);        // whole µs
      EXPECT_NEAR(*a.max_ms, *b.max_ms, 0.00051);        // whole µs
    }
  }
  // Compact: the silent hop is four keys.
  EXPECT_NE(text.find(R"({"t":2,"s":10,"r":0})"), std::string::npos) << text;
}

TEST(PathJson, AnythingElseIsRefused) {
  for (const char* bad : {"", "{}", "[1]", R"([{"t":"x"}])", R"([{"t":1,"s":1,"r":2}])", R"([{"t":1,"a":5}])",
                          R"([{"t":1,"o":"x"}])", "[{"}) {
    EXPECT_FALSE(decode_hops(bad).ok()) << bad;
  }
  std::string many = "[";
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + R"({"t":1})";
  EXPECT_FALSE(decode_hops(many + "]").ok());
}

TEST(PathJson, LabelsNameTheHop) {
  PathHop hop;
  EXPECT_EQ(hop_label(hop), "no answer");
  hop.address = "10.0.0.6";
  EXPECT_EQ(hop_label(hop), "10.0.0.6");
  hop.name = "ae-1.r01.fra03.example";
  EXPECT_EQ(hop_label(hop), "ae-1.r01.fra03.example (10.0.0.6)");
}

}  // namespace
}  // namespace semaphore::paths
