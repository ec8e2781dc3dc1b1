#include "core/text.h"

#include <gtest/gtest.h>

#include <string>

namespace semaphore {
namespace {

TEST(LogSafe, EscapesControlCharactersSoThatNoLineCanBeForged) {
  EXPECT_EQ(log_safe("/report\n2024-01-01 [info] GET / 200"), "/report\\x0a2024-01-01 [info] GET / 200");
  EXPECT_EQ(log_safe("a\rb\tc"), "a\\x0db\\x09c");
  EXPECT_EQ(log_safe(std::string("nul\0end", 7)), "nul\\x00end");
  EXPECT_EQ(log_safe("\x1b[2J\x7f"), "\\x1b[2J\\x7f");
}

TEST(LogSafe, EscapesTheBackslashSoThatAnEscapeCannotBeFaked) {
  EXPECT_EQ(log_safe("a\\x0ab"), "a\\x5cx0ab");
}

TEST(LogSafe, KeepsPrintableTextAndUtf8AsTheyAre) {
  EXPECT_EQ(log_safe(""), "");
  EXPECT_EQ(log_safe("GET /report/2?range=24h 200"), "GET /report/2?range=24h 200");
  EXPECT_EQ(log_safe("bücher.example ☃"), "bücher.example ☃");
  EXPECT_EQ(log_safe("2001:db8::1"), "2001:db8::1");
}

}  // namespace
}  // namespace semaphore
