#pragma once
// The agent's HTTP client (issue 16): requests to the server's /api/v1/agent/... routes through libcurl
// (core/curl_library.h, loaded on first use), with the location's token as a bearer token.
//
// TLS is verified (the peer's certificate and name) against the system's CAs or `ca_file`; redirects are not
// followed (a redirect would carry the token elsewhere); only http and https. Plain http is for a server on
// loopback (tests, an agent beside its server): check_server_url refuses it anywhere else, because the token
// would cross the network in the clear. Every request has a connect and a total timeout, and an answer is
// read up to a bound (an assignment of a million hosts is ~60 MB).
//
// One client is one connection kept alive between requests (libcurl's handle): not for two threads at once.
// The agent gives each of its threads (round source, writer, heartbeat) a client of its own.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace semaphore::agent {

struct ClientOptions {
  std::string server;   // base URL: https://semaphore.example.com or http://127.0.0.1:5000 (no path)
  std::string token;    // the location's agent token (sml_...)
  std::string ca_file;  // PEM CAs to verify the server against; empty: the system's
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};
  std::size_t max_response_bytes = std::size_t{256} << 20;
};

// Errc::invalid_argument saying why for a URL that is not http(s)://host[:port] with no path, query or
// user, or is plain http to anything but loopback (localhost, 127.0.0.0/8, [::1]).
Status check_server_url(std::string_view url);

struct Reply {
  long status = 0;
  std::string body;
  std::string etag;         // the ETag header, as sent (quotes included)
  std::string retry_after;  // the Retry-After header, if any
};

class AgentClient {
 public:
  explicit AgentClient(ClientOptions options);
  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // GET `path` (e.g. "/api/v1/agent/assignment"), with If-None-Match when `etag` is not empty. Any HTTP
  // answer is a Reply (the caller judges its status); Errc::unavailable for no answer (connection refused,
  // timeout, TLS failure: the message says which), Errc::internal when libcurl cannot be loaded.
  Result<Reply> get(std::string_view path, const std::string& etag = {});
  // POST `body` as application/json to `path`.
  Result<Reply> post_json(std::string_view path, const std::string& body);

 private:
  Result<Reply> perform(std::string_view path, const std::string* body, const std::string& etag);

  ClientOptions options_;
  void* handle_ = nullptr;  // CURL*, made on first use and kept for its connection
};

}  // namespace semaphore::agent
