#pragma once
// A test browser's cookies for calls straight into WebApp::handle: each request carries what the jar holds,
// and each response's Set-Cookie lines update it (Max-Age=0 deletes).
#include <map>
#include <string>

#include "web/http_types.h"

namespace semaphore::web {

class CookieJar {
 public:
  // A request for `target` (path, then an optional ?query) from 127.0.0.1, carrying the jar's cookies.
  Request request(Method method, const std::string& target) const {
    Request request;
    request.method = method;
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    request.target = target;
    request.client_address = "127.0.0.1";
    std::string cookies;
    for (const auto& [name, value] : cookies_) cookies += (cookies.empty() ? "" : "; ") + name + "=" + value;
    if (!cookies.empty()) request.headers.emplace_back("cookie", cookies);
    return request;
  }

  void keep(const Response& response) {
    for (const auto& [name, value] : response.headers) {
      if (name != "Set-Cookie") continue;
      const auto equals = value.find('=');
      const std::string key = value.substr(0, equals);
      if (value.find("Max-Age=0") != std::string::npos) {
        cookies_.erase(key);
      } else {
        cookies_[key] = value.substr(equals + 1, value.find(';') - equals - 1);
      }
    }
  }

 private:
  std::map<std::string, std::string> cookies_;
};

}  // namespace semaphore::web
