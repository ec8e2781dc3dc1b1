#include "web/router.h"

#include <gtest/gtest.h>

namespace semaphore::web {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home = router.add(Method::get, "/");
    manage = router.add(Method::get, "/manage");
    edit_get = router.add(Method::get, "/manage/hosts/{id}");
    edit_post = router.add(Method::post, "/manage/hosts/{id}");
    remove = router.add(Method::post, "/manage/hosts/{id}/delete");
    csv = router.add(Method::get, "/report/{id}.csv");
    report = router.add(Method::get, "/report/{id}");
    results = router.add(Method::get, "/api/hosts/{id}/results");
  }
  Router router;
  int home, manage, edit_get, edit_post, remove, csv, report, results;
};

TEST_F(RouterTest, MatchesLiteralsAndParameters) {
  EXPECT_EQ(router.match(Method::get, "/").route, home);
  EXPECT_EQ(router.match(Method::get, "/manage").route, manage);
  auto match = router.match(Method::get, "/manage/hosts/42");
  EXPECT_EQ(match.route, edit_get);
  ASSERT_EQ(match.params.size(), 1u);
  EXPECT_EQ(match.params[0], "42");
  EXPECT_EQ(router.match(Method::post, "/manage/hosts/42").route, edit_post);
  EXPECT_EQ(router.match(Method::post, "/manage/hosts/7/delete").params[0], "7");
  EXPECT_EQ(router.match(Method::get, "/api/hosts/9/results").route, results);
}

TEST_F(RouterTest, SuffixParametersAndOrder) {
  auto match = router.match(Method::get, "/report/5.csv");
  EXPECT_EQ(match.route, csv);
  EXPECT_EQ(match.params[0], "5");
  EXPECT_EQ(router.match(Method::get, "/report/5").route, report);
  EXPECT_EQ(router.match(Method::get, "/report/.csv").route, report) << "an empty parameter never matches";
}

TEST_F(RouterTest, NoMatchAndWrongMethod) {
  EXPECT_EQ(router.match(Method::get, "/nope").route, -1);
  EXPECT_FALSE(router.match(Method::get, "/nope").method_not_allowed);
  EXPECT_EQ(router.match(Method::get, "/manage/").route, -1);
  EXPECT_EQ(router.match(Method::get, "/manage/hosts").route, -1);
  EXPECT_EQ(router.match(Method::get, "/manage/hosts//delete").route, -1);
  EXPECT_EQ(router.match(Method::get, "manage").route, -1);
  auto wrong = router.match(Method::get, "/manage/hosts/1/delete");
  EXPECT_EQ(wrong.route, -1);
  EXPECT_TRUE(wrong.method_not_allowed);
  EXPECT_EQ(wrong.allow, "POST");
  auto post_home = router.match(Method::post, "/");
  EXPECT_TRUE(post_home.method_not_allowed);
  EXPECT_EQ(post_home.allow, "GET, HEAD");
}

TEST(Router, PatchAndDeleteRoutesAndTheirAllowHeader) {
  Router router;
  const int get = router.add(Method::get, "/api/v1/hosts/{id}");
  const int patch = router.add(Method::patch, "/api/v1/hosts/{id}");
  const int remove = router.add(Method::delete_, "/api/v1/hosts/{id}");
  EXPECT_EQ(router.match(Method::patch, "/api/v1/hosts/3").route, patch);
  EXPECT_EQ(router.match(Method::delete_, "/api/v1/hosts/3").route, remove);
  EXPECT_EQ(router.match(Method::head, "/api/v1/hosts/3").route, get);
  const auto post = router.match(Method::post, "/api/v1/hosts/3");
  EXPECT_TRUE(post.method_not_allowed);
  EXPECT_EQ(post.allow, "GET, HEAD, PATCH, DELETE");
}

TEST_F(RouterTest, HeadMatchesGet) {
  EXPECT_EQ(router.match(Method::head, "/manage").route, manage);
}

}  // namespace
}  // namespace semaphore::web
