// The listener (accepts connections, one HttpSession each) and the server's run loop with signal handling.
#include "web/server/http_server.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <csignal>
#include <thread>
#include <vector>

#include "web/server/http_session.h"

namespace semaphore::web {
namespace {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, ServerShared& shared)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), shared_(shared) {}

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
    if (!ec) {
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<HttpSession>(std::move(socket), shared_)->run();
    } else {
      spdlog::warn("accept: {}", ec.message());
    }
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  ServerShared& shared_;
};

class BeastServer : public HttpServer {
 public:
  BeastServer(WebApp& app, const WebOptions& options)
      : ioc_(options.threads),
        shared_{app, options.body_limit, options.read_timeout, options.trusted_proxies},
        threads_(options.threads),
        listener_(std::make_shared<Listener>(ioc_, shared_)) {}

  Status open(const tcp::endpoint& endpoint) { return listener_->open(endpoint); }

  void run_until_signal() override {
    net::signal_set signals(ioc_, SIGINT, SIGTERM);
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
    signals.async_wait([&](beast::error_code ec, int signal) {
      if (ec) return;
      spdlog::info("signal {}: stopping the web server", signal);
      shared_.stopping = true;
      listener_->stop();
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      wait_for_requests();
    });
    listener_->run();
    std::vector<std::thread> workers;
    for (int i = 1; i < threads_; ++i) workers.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& worker : workers) worker.join();
  }

  std::uint16_t port() const override { return listener_->port(); }

 private:
  net::io_context ioc_;
  ServerShared shared_;
  int threads_;
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
  auto server = std::make_unique<BeastServer>(app, options);
  if (auto opened = server->open(tcp::endpoint(ip, address->port)); !opened) {
    return make_error(Errc::unavailable, "cannot listen on " + listen + ": " + opened.error().message);
  }
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace semaphore::web
