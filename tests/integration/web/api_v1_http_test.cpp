// /api/v1 over real sockets against the binary (tests/unit/web/api_v1_test.cpp has the behaviour through
// WebApp::handle): PATCH and DELETE reach their routes, a body over --body-limit is a JSON 413, and only the
// import may send more (up to 16 MiB).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/web/web_server.h"

namespace semaphore::testing {
namespace {

class ApiV1Http : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<WebServer>(
        std::vector<std::string>{"--body-limit", "64k", "--max-hosts-per-user", "20000"});
    client_ = server_->client();
    ASSERT_EQ(sign_up(client_, "api@example.com").status, 303);
    csrf_ = client_.csrf_from("/manage");
    ASSERT_FALSE(csrf_.empty());
  }
  HttpResponse api(const std::string& method, const std::string& target, const std::string& body = "") {
    std::map<std::string, std::string> headers = {{"X-CSRF-Token", csrf_}};
    if (!body.empty()) headers["Content-Type"] = "application/json";
    return client_.request(method, target, body, headers);
  }

  std::unique_ptr<WebServer> server_;
  HttpClient client_{0};
  std::string csrf_;
};

TEST_F(ApiV1Http, AddPatchDeleteOverTheWire) {
  const auto added = api("POST", "/api/v1/hosts", R"({"hostname":"wire.example","provider":"AWS"})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.header("content-type"), "application/json");
  const std::string target = added.header("location");
  ASSERT_EQ(target.rfind("/api/v1/hosts/", 0), 0u);
  const auto patched = api("PATCH", target, R"({"label":"edge"})");
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_NE(patched.body.find("\"label\":\"edge\""), std::string::npos);
  EXPECT_EQ(api("DELETE", target).status, 204);
  EXPECT_EQ(api("GET", target).status, 404);
  const auto put = api("PUT", target, "{}");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.header("allow"), "GET, HEAD, PATCH, DELETE");  // a PUT route elsewhere: not this one
  EXPECT_EQ(api("POST", target, "{}").header("allow"), "GET, HEAD, PATCH, DELETE");
}

TEST_F(ApiV1Http, ABodyOverTheLimitIsAJson413AndOnlyTheImportMaySendMore) {
  // About 200 kB: over --body-limit 64k for one host, within the import's 16 MiB.
  std::string import = R"({"hosts":[)";
  for (int i = 0; i < 3000; ++i) {
    import += (i ? "," : "") + std::string(R"({"hostname":"h)") + std::to_string(i) +
              R"(.example","provider":"AWS","service":"EC2","label":"batch"})";
  }
  import += "]}";
  ASSERT_GT(import.size(), 64u * 1024);
  const auto refused = api("POST", "/api/v1/hosts", import);
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(refused.header("content-type"), "application/json");
  EXPECT_NE(refused.body.find("\"code\":\"too_large\""), std::string::npos) << refused.body;

  const auto imported = api("POST", "/api/v1/hosts/import", import);
  ASSERT_EQ(imported.status, 200) << imported.body.substr(0, 300);
  EXPECT_NE(imported.body.find("\"added\":3000"), std::string::npos) << imported.body.substr(0, 300);

  // Past 16 MiB the import is refused as soon as the headers say so, before the body is read.
  const auto huge = client_.raw(
      "POST /api/v1/hosts/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 16777217\r\n\r\n");
  EXPECT_EQ(huge.status, 413);
  EXPECT_NE(huge.body.find("too_large"), std::string::npos);
  // A page's form is still held to --body-limit.
  const auto form =
      client_.post("/manage/import", {{"csrf_token", csrf_}, {"hosts", std::string(70'000, 'a')}});
  EXPECT_EQ(form.status, 413);
}

}  // namespace
}  // namespace semaphore::testing
