#include "core/text.h"

#include <gtest/gtest.h>

#include <string>

#include "core/ascii.h"

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

// core/ascii.h: ASCII letters change case, nothing else does (UTF-8 bytes, digits, punctuation), whatever
// the locale: header names, media types and emails compare the same everywhere.
TEST(Ascii, OnlyAsciiLettersChangeCase) {
  EXPECT_EQ(lower_ascii("Content-Type: Application/JSON"), "content-type: application/json");
  const std::string e_acute = "\xC3\x89";  // É in UTF-8: its bytes are kept
  EXPECT_EQ(lower_ascii(e_acute + "COLE.example"), e_acute + "cole.example");
  EXPECT_EQ(lower_ascii("AZaz09@[]`{"), "azaz09@[]`{");  // '@' and '[' sit beside 'A' and 'Z'
  EXPECT_EQ(lower_ascii(""), "");
  EXPECT_EQ(to_lower_ascii('\xC9'), '\xC9');
}

TEST(Ascii, EqualButForCase) {
  EXPECT_TRUE(iequals_ascii("Bearer", "bEARER"));
  EXPECT_TRUE(iequals_ascii("", ""));
  EXPECT_FALSE(iequals_ascii("Bearer", "Bearer "));
  EXPECT_FALSE(iequals_ascii("[", "{"));        // 0x5B and 0x7B differ by the case bit but are not letters
  EXPECT_FALSE(iequals_ascii("\xC9", "\xE9"));  // É and é in Latin-1: not ASCII, not folded
  static_assert(iequals_ascii("AWS", "aws"));
}

}  // namespace
}  // namespace semaphore
