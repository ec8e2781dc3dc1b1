#include <gtest/gtest.h>

#include "web/form.h"
#include "web/security/cookies.h"
#include "web/security/validation.h"

namespace semaphore::web {
namespace {

TEST(FormData, DecodesPlusAndPercent) {
  auto form = FormData::parse("email=a%40b.com&label=two+words&empty=&x=%3Cscript%3E");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->get("email"), "a@b.com");
  EXPECT_EQ(form->get("label"), "two words");
  EXPECT_EQ(form->get("empty"), "");
  EXPECT_TRUE(form->has("empty"));
  EXPECT_EQ(form->get("x"), "<script>");
  EXPECT_EQ(form->get("missing"), "");
  EXPECT_FALSE(form->has("missing"));
}

TEST(FormData, FirstValueWinsAndBadEncodingFails) {
  EXPECT_EQ(FormData::parse("a=1&a=2")->get("a"), "1");
  EXPECT_FALSE(FormData::parse("a=%zz"));
  EXPECT_FALSE(FormData::parse("a=%4"));
  EXPECT_TRUE(FormData::parse(""));
  EXPECT_EQ(parse_query_or_empty("a=%zz").get("a"), "");
  EXPECT_EQ(FormData::parse("multi=line%0D%0Atwo")->get("multi"), "line\r\ntwo");
}

TEST(Cookies, FindsByExactName) {
  const std::string header = "other=1; semaphore_session=abc; semaphore_session_x=zzz; quoted=\"q\"";
  EXPECT_EQ(find_cookie(header, "semaphore_session").value(), "abc");
  EXPECT_EQ(find_cookie(header, "quoted").value(), "q");
  EXPECT_FALSE(find_cookie(header, "session"));
  EXPECT_FALSE(find_cookie("", "a"));
}

TEST(Cookies, SetCookieIsSafeByDefault) {
  const std::string plain = make_set_cookie("semaphore_session", "tok", {false, 60});
  EXPECT_EQ(plain, "semaphore_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
  const std::string secure = make_set_cookie(session_cookie_name(true), "tok", {true, -1});
  EXPECT_EQ(secure, "__Host-semaphore_session=tok; Path=/; HttpOnly; SameSite=Lax; Secure");
  EXPECT_NE(make_set_cookie("a", "", {false, 0}).find("Max-Age=0"), std::string::npos);
}

TEST(Validation, NextMustBeALocalPath) {
  EXPECT_EQ(safe_next_path("/report/3?range=7d"), "/report/3?range=7d");
  EXPECT_EQ(safe_next_path(""), "/");
  EXPECT_EQ(safe_next_path("https://evil.example/"), "/");
  EXPECT_EQ(safe_next_path("//evil.example/"), "/");
  EXPECT_EQ(safe_next_path("/\\evil.example/"), "/");
  EXPECT_EQ(safe_next_path("/a\\b"), "/");
  EXPECT_EQ(safe_next_path("/a\r\nSet-Cookie: x"), "/");
  EXPECT_EQ(safe_next_path("javascript:alert(1)"), "/");
}

}  // namespace
}  // namespace semaphore::web
