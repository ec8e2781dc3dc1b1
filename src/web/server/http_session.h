#pragma once
// One HTTP/1.1 connection: read a request (deadline, size limits), let the WebApp answer it, write the
// response, repeat while keep-alive. Included only by the server's translation units (it needs Asio).
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "web/app.h"
#include "web/client_address.h"
#include "web/server/beast_pch.h"

namespace semaphore::web {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

// What every connection shares: the app, the limits and the shutdown state.
struct ServerShared {
  WebApp& app;
  std::size_t body_limit;
  std::chrono::seconds read_timeout;
  std::vector<IpNetwork> trusted_proxies;  // whose X-Forwarded-For names the client (client_address.h)
  std::atomic<bool> stopping{false};       // answer with Connection: close from now on
  std::atomic<int> in_flight{0};           // requests being handled or written
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, ServerShared& shared);
  void run();

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void answer_error(int status, std::string message);  // a protocol error: answer, then close
  void send(int status, std::string content_type, std::string body,
            const std::vector<std::pair<std::string, std::string>>& headers, bool keep_alive, bool head);
  void on_write(bool close, beast::error_code ec, std::size_t bytes);
  void drain_and_close();
  void drain_some();
  void do_close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  ServerShared& shared_;
  std::string client_;  // the TCP peer's address
  std::optional<IpAddress> peer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::chrono::steady_clock::time_point started_;
  bool counted_ = false;
  std::array<char, 8192> discard_{};
  std::size_t drained_ = 0;
};

}  // namespace semaphore::web
