// The listener (accepts connections within the caps, one HttpSession each — over TLS with the context in
// force when it is accepted; backs off when accept fails) and the server's run loop with signal handling.
#include "web/server/http_server.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "web/server/accept_backoff.h"
#include "web/server/fd_budget.h"
#include "web/server/http_session.h"
#include "web/server/tls_context.h"

namespace semaphore::web {
namespace {

// Answers a connection over a cap with 503 and closes it, without reading its request: the client learns
// why, and the descriptor is free again within two seconds at most.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(tcp::socket&& socket, std::string_view why) : stream_(std::move(socket)) {
    const std::string body = std::string(why) + " Please try again in a moment.\n";
    text_ =
        "HTTP/1.1 503 Service Unavailable\r\nServer: semaphore\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "X-Content-Type-Options: nosniff\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  void run() {
    stream_.expires_after(std::chrono::seconds(2));
    net::async_write(stream_, net::buffer(text_),
                     [self = shared_from_this()](beast::error_code, std::size_t) {
                       beast::error_code ignored;
                       self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                       self->stream_.close();
                     });
  }

 private:
  beast::tcp_stream stream_;
  std::string text_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // `tls`: the contexts of an HTTPS listener, null for plain HTTP.
  Listener(net::io_context& ioc, ServerShared& shared, TlsContexts* tls)
      : ioc_(ioc),
        acceptor_(net::make_strand(ioc)),
        retry_timer_(acceptor_.get_executor()),
        shared_(shared),
        tls_(tls) {}

  Status open(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor_.set_option(net::ip::v6_only(false), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return make_error(Errc::unavailable, ec.message());
    return {};
  }

  void run() { do_accept(); }
  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->retry_timer_.cancel();
    });
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) return after_failed_accept(ec);
    backoff_.succeeded();
    beast::error_code endpoint_error;
    const tcp::endpoint peer = socket.remote_endpoint(endpoint_error);
    if (endpoint_error) return do_accept();  // gone already
    // Counted like the throttles count clients (an IPv6 client by its /64); a load balancer's connections
    // carry many clients, so a trusted proxy is held only to the total.
    const auto address = IpAddress::parse(peer.address().to_string());
    if (!address) return do_accept();
    const IpAddress plain = address->unmapped();
    auto admission = shared_.limiter.admit(throttle_address(plain.to_string()),
                                           !is_trusted(plain, shared_.trusted_proxies));
    if (tls_ != nullptr && admission.verdict != ConnectionLimiter::Verdict::admitted) {
      // A plain-text 503 means nothing to a TLS client, and a handshake only to refuse costs what the caps
      // are there to save: close at once.
      beast::error_code ignored;
      socket.close(ignored);
      return do_accept();
    }
    switch (admission.verdict) {
      case ConnectionLimiter::Verdict::admitted: {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (tls_ != nullptr) {
          std::make_shared<HttpSession<TlsStream>>(std::move(socket), shared_, std::move(admission.ticket),
                                                   tls_->current())
              ->run();
        } else {
          std::make_shared<HttpSession<PlainStream>>(std::move(socket), shared_, std::move(admission.ticket))
              ->run();
        }
        break;
      }
      case ConnectionLimiter::Verdict::server_full:
        std::make_shared<Refusal>(std::move(socket), "The server has as many connections open as it allows.")
            ->run();
        break;
      case ConnectionLimiter::Verdict::address_full:
        std::make_shared<Refusal>(std::move(socket), "Your address has as many connections open as it may.")
            ->run();
        break;
    }
    do_accept();
  }

  // Out of descriptors or memory, accepting again at once would fail again at once: wait, and log sparingly.
  // A connection the client reset before we took it is no trouble of ours: take the next one.
  void after_failed_accept(const beast::error_code& ec) {
    const int code = ec.value();
    const bool resources = ec.category() == boost::system::system_category() &&
                           (code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM);
    if (!resources) {
      spdlog::debug("accept: {}", ec.message());
      return do_accept();
    }
    const AcceptBackoff::Step step = backoff_.failed(AcceptBackoff::Clock::now());
    if (step.log) {
      spdlog::warn(
          "accept: {} ({} connections open; {} more failures since the last such line); accepting again "
          "in {} ms",
          ec.message(), shared_.limiter.open(), *step.log, step.wait.count());
    }
    retry_timer_.expires_after(step.wait);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_error) {
      if (!wait_error && self->acceptor_.is_open()) self->do_accept();
    });
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  ServerShared& shared_;
  TlsContexts* tls_;
  AcceptBackoff backoff_;
};

class BeastServer : public HttpServer {
 public:
  BeastServer(WebApp& app, const WebOptions& options, const FdBudget& budget,
              std::unique_ptr<TlsContexts> tls)
      : handlers_(static_cast<std::size_t>(options.handler_threads)),
        shared_(app, options, handlers_, budget.max_connections),
        ioc_(options.threads),
        threads_(options.threads),
        signals_(ioc_, SIGINT, SIGTERM),
        reload_signal_(ioc_, SIGHUP),
        tls_(std::move(tls)),
        listener_(std::make_shared<Listener>(ioc_, shared_, tls_.get())) {}

  Status open(const tcp::endpoint& endpoint) { return listener_->open(endpoint); }

  void run_until_signal() override {
    net::steady_timer drain_timer(ioc_);
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> wait_for_requests = [&] {
      if (shared_.in_flight.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
        ioc_.stop();
        return;
      }
      drain_timer.expires_after(std::chrono::milliseconds(20));
      drain_timer.async_wait([&](beast::error_code) { wait_for_requests(); });
    };
    std::function<void()> wait_for_reload = [&] {
      reload_signal_.async_wait([&](beast::error_code ec, int) {
        if (ec) return;
        if (tls_) {
          // Reading and parsing the files is a handler thread's job, not an I/O thread's.
          spdlog::info("SIGHUP: reloading --tls-cert and --tls-key");
          net::post(handlers_, [tls = tls_.get()] { tls->reload(); });
        } else {
          spdlog::info("SIGHUP: nothing to reload (no --tls-cert)");
        }
        wait_for_reload();
      });
    };
    wait_for_reload();
    signals_.async_wait([&](beast::error_code ec, int signal) {
      if (ec) return;
      spdlog::info("signal {}: stopping the web server", signal);
      shared_.stopping = true;
      beast::error_code ignored;
      reload_signal_.cancel(ignored);
      listener_->stop();
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      wait_for_requests();
    });
    listener_->run();
    std::vector<std::thread> workers;
    for (int i = 1; i < threads_; ++i) workers.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& worker : workers) worker.join();
    // Requests still with a handler (past the drain deadline) finish before the shared state goes.
    handlers_.join();
  }

  std::uint16_t port() const override { return listener_->port(); }

 private:
  // In this order: the io_context is destroyed before the shared state, since destroying it destroys the
  // sessions still queued in it, which give their connection places back to shared_.limiter.
  net::thread_pool handlers_;
  ServerShared shared_;
  net::io_context ioc_;
  int threads_;
  // Made before the socket listens, not in run_until_signal: the caller starts the ping service between
  // create() and run_until_signal(), and a SIGTERM sent as soon as the port answers (a service manager,
  // a test) must be queued here, not meet the default action and kill the process with 143.
  net::signal_set signals_;
  net::signal_set reload_signal_;     // SIGHUP: the TLS files again
  std::unique_ptr<TlsContexts> tls_;  // null without --tls-cert; outlives the listener that points to it
  std::shared_ptr<Listener> listener_;
};

}  // namespace

Result<ListenAddress> parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return make_error(Errc::invalid_argument, "--listen needs ADDRESS:PORT: " + text);
  ListenAddress address;
  address.host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535 || port.empty()) {
    return make_error(Errc::invalid_argument, "--listen has an invalid port: " + text);
  }
  address.port = static_cast<std::uint16_t>(value);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (address.host.empty()) address.host = "0.0.0.0";
  if (address.host == "localhost") address.host = "127.0.0.1";
  return address;
}

Result<std::unique_ptr<HttpServer>> HttpServer::create(WebApp& app, const std::string& listen,
                                                       const WebOptions& options) {
  auto address = parse_listen_address(listen);
  if (!address) return address.error();
  beast::error_code ec;
  const auto ip = net::ip::make_address(address->host, ec);
  if (ec) return make_error(Errc::invalid_argument, "--listen has an invalid address: " + listen);
  std::unique_ptr<TlsContexts> tls;
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    if (options.tls_cert.empty() || options.tls_key.empty()) {
      return make_error(Errc::invalid_argument, "--tls-cert and --tls-key go together: give both or neither");
    }
    auto context = make_tls_context(options.tls_cert, options.tls_key);
    if (!context) return context.error();
    spdlog::info("TLS: {}", describe_certificate(**context));
    tls = std::make_unique<TlsContexts>(options.tls_cert, options.tls_key, std::move(*context));
  }
  const FdBudget budget = plan_fd_budget(options.max_connections);
  auto server = std::make_unique<BeastServer>(app, options, budget, std::move(tls));
  if (auto opened = server->open(tcp::endpoint(ip, address->port)); !opened) {
    return make_error(Errc::unavailable, "cannot listen on " + listen + ": " + opened.error().message);
  }
  spdlog::info(
      "web: at most {} connections, {} per client address (open-file limit {}, {} kept for the ping "
      "service and the database); {} handler threads, {} password hashes at once",
      budget.max_connections, options.max_connections_per_address, budget.open_file_limit, budget.reserved,
      options.handler_threads, options.hash_threads);
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace semaphore::web
