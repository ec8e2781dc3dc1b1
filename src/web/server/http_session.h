#pragma once
// One HTTP/1.1 connection: read a request (deadline, size limits), hand it to a handler thread, which lets
// the WebApp answer it, write the response on the connection's strand, repeat while keep-alive. The I/O
// threads only read, parse and write: WebApp::handle (database queries, password hashes) never runs on them.
// Over plain TCP (PlainStream) or TLS (TlsStream: the handshake first, within --read-timeout, on the
// connection's strand like every read). Included only by the server's translation units (it needs Asio).
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "web/app.h"
#include "web/security/client_address.h"
#include "web/server/beast_pch.h"
#include "web/server/connection_limiter.h"
#include "web/web_options.h"

namespace semaphore::web {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A connection is closed after this many requests (the last answer says Connection: close), so that no
// connection lives forever however busy its client keeps it.
constexpr int kMaxRequestsPerConnection = 1000;

// What every connection shares: the app, the limits, the handler threads and the shutdown state.
struct ServerShared {
  ServerShared(WebApp& app_ref, const WebOptions& options, net::thread_pool& handler_pool,
               int max_connections)
      : app(app_ref),
        body_limit(options.body_limit),
        read_timeout(options.read_timeout),
        keep_alive_idle(options.keep_alive_idle),
        handlers(handler_pool),
        max_queued(static_cast<std::size_t>(options.handler_threads) * 32),
        limiter(static_cast<std::size_t>(max_connections),
                static_cast<std::size_t>(options.max_connections_per_address)),
        trusted_proxies(options.trusted_proxies) {}

  WebApp& app;
  std::size_t body_limit;
  std::chrono::seconds read_timeout;
  std::chrono::seconds keep_alive_idle;
  net::thread_pool& handlers;
  std::size_t max_queued;  // requests waiting for a handler thread; beyond, 503 at once
  ConnectionLimiter limiter;
  std::vector<IpNetwork> trusted_proxies;  // whose X-Forwarded-For names the client (client_address.h)
  std::atomic<bool> stopping{false};       // answer with Connection: close from now on
  std::atomic<int> in_flight{0};           // requests being handled or written
  std::atomic<std::size_t> queued{0};
};

// Defined in http_session.cpp for PlainStream and TlsStream.
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `context`: the TLS context this connection keeps for its life (null for PlainStream).
  HttpSession(tcp::socket&& socket, ServerShared& shared, ConnectionLimiter::Ticket ticket,
              std::shared_ptr<ssl::context> context = nullptr);
  void run();

 private:
  static Stream make_stream(tcp::socket&& socket, ssl::context* context);
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  void on_handshake(beast::error_code ec);
  void do_read();
  void on_idle_read(beast::error_code ec, std::size_t bytes);
  void read_request();
  void on_header(beast::error_code ec, std::size_t bytes);
  void on_read(beast::error_code ec, std::size_t bytes);
  void answer(Request request, bool keep_alive);  // on a handler thread, then back on the strand
  void answer_error(int status, const std::string& message,
                    const std::vector<std::pair<std::string, std::string>>& extra_headers = {},
                    const std::string& content_type = "text/plain; charset=utf-8");  // then close
  void send(int status, const std::string& content_type, std::string body,
            const std::vector<std::pair<std::string, std::string>>& headers, bool keep_alive, bool head);
  void on_write(bool close, beast::error_code ec, std::size_t bytes);
  void drain_and_close();
  void drain_some();
  void do_close();
  void close_socket();

  ConnectionLimiter::Ticket ticket_;  // declared first: given back after the socket is closed
  std::shared_ptr<ssl::context> context_;
  Stream stream_;
  bool handshaken_ = false;  // TLS: the handshake succeeded (a close_notify is worth sending)
  bool shutting_down_ = false;
  beast::flat_buffer buffer_;
  int requests_ = 0;  // read on this connection so far
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
