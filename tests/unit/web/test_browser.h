#pragma once
// A signed-up user's browser for tests that call WebApp::handle directly (no sockets): its cookie jar and
// session CSRF token, form posts and JSON API calls, and the small readers of what comes back (the CSRF
// token of a page, a header, a JSON body, an API error's code and field). Shared by the page and API tests
// (api_v1_test, alerts_ui_test, channels_test), and app_over, the app every such test builds.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"
#include "unit/web/cookie_jar.h"
#include "web/app.h"

namespace semaphore::web::web_testing {

// The app over one store that serves every interface WebStores names (the tests' SQLite), with the cheapest
// password cost.
inline std::unique_ptr<WebApp> app_over(store::Store& store, const WebOptions& options = {}) {
  return std::make_unique<WebApp>(WebStores{store, store, store, store, store, store, store, store}, options,
                                  domain::PasswordCost::minimum());
}

// The CSRF token in a page's form, or "".
inline std::string csrf_in(const std::string& html) {
  const std::string marker = "name=\"csrf_token\" value=\"";
  const auto at = html.find(marker);
  if (at == std::string::npos) return "";
  return html.substr(at + marker.size(), 43);
}

inline std::string header_of(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

inline boost::json::value body_of(const Response& response) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(response.body, ec);
  EXPECT_FALSE(ec) << response.body;
  return value;
}

// The code and field of an API error answer ({"error": {"code", "message", "field"}}).
inline std::pair<std::string, std::string> error_of(const Response& response) {
  const boost::json::value body = body_of(response);
  const boost::json::object* error = body.is_object() && body.as_object().contains("error")
                                         ? body.as_object().at("error").if_object()
                                         : nullptr;
  if (error == nullptr) return {"(no error object) " + response.body, ""};
  std::string field;
  if (error->contains("field")) field = std::string(error->at("field").as_string());
  return {std::string(error->at("code").as_string()), field};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A browser of one user: a cookie jar, and the session's CSRF token once signed up.
struct Browser {
  explicit Browser(WebApp& app_ref) : app(app_ref) {}
  WebApp& app;
  CookieJar jar;
  std::string csrf;

  Response call(Method method, const std::string& target, const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request request = jar.request(method, target);
    for (auto& header : headers) request.headers.push_back(std::move(header));
    request.body = body;
    Response response = app.handle(request);
    jar.keep(response);
    return response;
  }

  void sign_up(const std::string& email) {
    const std::string token = csrf_in(call(Method::get, "/signup").body);
    const auto response =
        call(Method::post, "/signup", "csrf_token=" + token + "&email=" + email + "&password=long+enough+pw",
             {{"content-type", "application/x-www-form-urlencoded"}});
    ASSERT_EQ(response.status, 303) << response.body;
    csrf = csrf_in(call(Method::get, "/manage").body);
    ASSERT_FALSE(csrf.empty());
  }

  // A form post with the session's CSRF token (unless `with_csrf` is false).
  Response post(const std::string& target, const std::string& fields, bool with_csrf = true) {
    return call(Method::post, target, (with_csrf ? "csrf_token=" + csrf + "&" : std::string()) + fields,
                {{"content-type", "application/x-www-form-urlencoded"}});
  }

  // A JSON API call with the session cookie and the CSRF header.
  Response api(Method method, const std::string& target, const std::string& body = std::string()) {
    std::vector<std::pair<std::string, std::string>> headers = {{"x-csrf-token", csrf}};
    if (!body.empty()) headers.emplace_back("content-type", "application/json");
    return call(method, target, body, headers);
  }
  Response api_json(Method method, const std::string& target, const boost::json::value& body) {
    return api(method, target, boost::json::serialize(body));
  }
};

}  // namespace semaphore::web::web_testing
