#pragma once
// A small blocking HTTP/1.1 client for the web tests: one request per connection, a cookie jar like a
// browser's (name -> value; Max-Age=0 deletes), and helpers to pull the CSRF token out of a page.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace semaphore::testing {

struct HttpResponse {
  int status = 0;  // 0 when the connection failed or closed without an answer
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // raw(): the server closed the connection (rather than our timeout ending the wait, or a failed connect).
  bool closed_by_server = false;

  std::string header(const std::string& name) const;  // first match, or ""
  std::vector<std::string> all(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(int port) : port_(port) {}

  HttpResponse get(const std::string& target, const std::map<std::string, std::string>& headers = {});
  HttpResponse head(const std::string& target);
  // POST of an application/x-www-form-urlencoded body made from `fields` (encoded here).
  HttpResponse post(const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& fields);
  // Any request, bytes as given (for malformed or oversized requests). Cookies are not added.
  HttpResponse raw(const std::string& request, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers);

  std::map<std::string, std::string>& cookies() { return cookies_; }
  std::string cookie(const std::string& name) const;

  // GET `page` and return its first csrf_token field's value ("" if none).
  std::string csrf_from(const std::string& page);

 private:
  int port_;
  std::map<std::string, std::string> cookies_;
};

std::string url_encode(const std::string& text);
std::string csrf_in(const std::string& html);

}  // namespace semaphore::testing
