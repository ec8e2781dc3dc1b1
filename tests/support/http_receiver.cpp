#include "support/http_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace semaphore::testing {
namespace {

constexpr std::size_t kMaxHeaders = 64 * 1024;
constexpr std::size_t kMaxBody = 1024 * 1024;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

// Reads into `buffer` until it holds `predicate` or the peer stops; false on a timeout or an error.
template <class Predicate>
bool read_until(int fd, std::string& buffer, Predicate done) {
  char chunk[8192];
  while (!done()) {
    pollfd wait{fd, POLLIN, 0};
    if (::poll(&wait, 1, 5000) <= 0) return false;
    const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
  return true;
}

}  // namespace

HttpReceiver::HttpReceiver() {
  listen_on(0);
}

HttpReceiver::~HttpReceiver() {
  close();
}

void HttpReceiver::listen_on(int port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("receiver: socket");
  const int reuse = 1;  // reopen() binds the port again at once
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw std::runtime_error("receiver: bind/listen");
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  stopping_ = false;
  thread_ = std::thread([this] { serve(); });
}

void HttpReceiver::close() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void HttpReceiver::reopen() {
  if (!thread_.joinable()) listen_on(port_);
}

std::string HttpReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedRequest> HttpReceiver::received() const {
  const std::lock_guard lock(mutex_);
  return received_;
}

bool HttpReceiver::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    {
      const std::lock_guard lock(mutex_);
      if (received_.size() >= count) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::lock_guard lock(mutex_);
  return received_.size() >= count;
}

void HttpReceiver::serve() {
  while (!stopping_) {
    pollfd wait{listen_fd_, POLLIN, 0};
    if (::poll(&wait, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void HttpReceiver::handle(int fd) {
  std::string buffer;
  if (!read_until(fd, buffer, [&] {
        return buffer.find("\r\n\r\n") != std::string::npos || buffer.size() > kMaxHeaders;
      })) {
    return;
  }
  const std::size_t end = buffer.find("\r\n\r\n");
  if (end == std::string::npos) return;
  ReceivedRequest request;
  std::string_view head(buffer.data(), end);
  const std::size_t line_end = head.find("\r\n");
  const std::string_view first = head.substr(0, line_end);
  const std::size_t space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  request.target = std::string(first.substr(space + 1, first.find(' ', space + 1) - space - 1));
  std::size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (at < head.size()) {
    std::size_t next = head.find("\r\n", at);
    if (next == std::string_view::npos) next = head.size();
    const std::string_view line = head.substr(at, next - at);
    if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
      request.headers[lower(std::string(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
    }
    at = next + 2;
  }
  std::size_t length = 0;
  if (auto found = request.headers.find("content-length"); found != request.headers.end()) {
    length = std::strtoul(found->second.c_str(), nullptr, 10);
  }
  if (length > kMaxBody) return;
  buffer.erase(0, end + 4);
  if (!read_until(fd, buffer, [&] { return buffer.size() >= length; })) return;
  request.body = buffer.substr(0, length);
  request.at = std::chrono::steady_clock::now();
  {
    const std::lock_guard lock(mutex_);
    received_.push_back(std::move(request));
  }
  int status = status_.load();
  std::string body;
  {
    const std::lock_guard lock(mutex_);
    body = body_;
    if (!queued_.empty()) {
      status = queued_.front().first;
      body = std::move(queued_.front().second);
      queued_.pop_front();
    }
  }
  const std::string response =
      "HTTP/1.1 " + std::to_string(status) + (status < 400 ? " OK" : " Error") +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  std::size_t sent = 0;
  while (sent < response.size()) {
    const ssize_t wrote = ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (wrote <= 0) return;
    sent += static_cast<std::size_t>(wrote);
  }
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
