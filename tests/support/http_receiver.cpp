#include "support/http_receiver.h"

#include <sodium.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace semaphore::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpReceiver::State {
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  int port = 0;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  std::deque<ReceiverAnswer> answers;
  std::vector<ReceivedRequest> received;
  std::thread thread;

  void listen(int on_port) {
    acceptor = std::make_unique<tcp::acceptor>(io);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(on_port));
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen();
    port = acceptor->local_endpoint().port();
    stopping = false;
    thread = std::thread([this] { serve(); });
  }

  void stop_listening() {
    if (!thread.joinable()) return;
    stopping = true;
    boost::system::error_code ec;
    tcp::socket poke(io);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
    thread.join();
    acceptor->close(ec);
    acceptor.reset();
  }

  void serve() {
    while (!stopping) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor->accept(socket, ec);
      if (ec || stopping) continue;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      ReceivedRequest got{std::string(request.method_string()),
                          std::string(request.target()),
                          {},
                          request.body(),
                          std::chrono::steady_clock::now()};
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        got.headers[name] = std::string(field.value());
      }
      ReceiverAnswer next;
      {
        std::lock_guard lock(mutex);
        if (!answers.empty()) {
          next = answers.front();
          answers.pop_front();
        }
      }
      std::this_thread::sleep_for(next.delay);
      http::response<http::string_body> response{static_cast<http::status>(next.status), 11};
      response.body() = "ok";
      response.set(http::field::content_type, "text/plain");
      response.prepare_payload();
      http::write(socket, response, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
      // Recorded once answered: a request counts as delivered only when its sender could have seen 2xx.
      std::lock_guard lock(mutex);
      received.push_back(std::move(got));
      arrived.notify_all();
    }
  }
};

HttpReceiver::HttpReceiver() : state_(std::make_unique<State>()) {
  state_->listen(0);
}

HttpReceiver::~HttpReceiver() {
  state_->stop_listening();
}

int HttpReceiver::port() const {
  return state_->port;
}

std::string HttpReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(state_->port) + path;
}

void HttpReceiver::answer(ReceiverAnswer next) {
  std::lock_guard lock(state_->mutex);
  state_->answers.push_back(next);
}

std::vector<ReceivedRequest> HttpReceiver::received() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

bool HttpReceiver::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->arrived.wait_for(lock, timeout, [&] { return state_->received.size() >= count; });
}

void HttpReceiver::close() {
  state_->stop_listening();
}

void HttpReceiver::reopen() {
  if (!state_->thread.joinable()) state_->listen(state_->port);
}

bool webhook_signature_valid(const std::string& secret, const std::string& timestamp, const std::string& body,
                             const std::string& signature_header) {
  if (sodium_init() < 0) return false;
  const std::string message = timestamp + "." + body;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return signature_header == std::string("sha256=") + hex;
}

}  // namespace semaphore::testing
