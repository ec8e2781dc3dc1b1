#include "core/host_list.h"

#include <gtest/gtest.h>

namespace semaphore {
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

}  // namespace
}  // namespace semaphore
