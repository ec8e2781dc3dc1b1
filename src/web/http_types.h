#pragma once
// The HTTP request and response as the application sees them: plain structs without Boost.Beast, so that the
// router, the pages and their unit tests never include Asio (the server in src/web/server/ converts).
#include <boost/json/fwd.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semaphore::web {

enum class Method { get, head, post, put, patch, delete_, other };

const char* to_string(Method method);  // "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OTHER"

struct Request {
  Method method = Method::get;
  std::string target;                                        // as sent: path and query, percent-encoded
  std::string path;                                          // decoded path, without the query
  std::string query;                                         // percent-encoded query without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string
      client_address;  // the client's IP address: the peer, or behind a trusted proxy the one it names

  // The first header named `name` (lower case), or "".
  std::string_view header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones: Location, Set-Cookie, ...
  std::string body;
  bool close = false;  // close the connection after this response

  void add_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// The reason phrase of a status code ("Not Found").
std::string_view status_reason(int status);

Response redirect(std::string location, int status = 303);
Response text_response(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
// `value` serialized by Boost.JSON, as application/json: every JSON answer (the API's, the app's own) is
// built as a boost::json value, never by pasting strings, so that its text is always escaped.
Response json_response(int status, const boost::json::value& value);

}  // namespace semaphore::web
