#include "web/server/http_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <variant>

#include "core/text.h"
#include "web/server/request_reader.h"

namespace semaphore::web {
namespace {

constexpr std::chrono::seconds kWriteTimeout{30};
// A TLS connection being closed sends its close_notify and waits this long for the client's (reading and
// discarding what the client still sends meanwhile: OpenSSL drops application data after our close_notify).
constexpr std::chrono::seconds kTlsShutdownTimeout{2};

}  // namespace

template <class Stream>
Stream HttpSession<Stream>::make_stream(tcp::socket&& socket, ssl::context* context) {
  if constexpr (kTls) {
    return Stream(std::move(socket), *context);
  } else {
    (void)context;
    return Stream(std::move(socket));
  }
}

template <class Stream>
HttpSession<Stream>::HttpSession(tcp::socket&& socket, ServerShared& shared, ConnectionLimiter::Ticket ticket,
                                 std::shared_ptr<ssl::context> context)
    : ticket_(std::move(ticket)),
      context_(std::move(context)),
      stream_(make_stream(std::move(socket), context_.get())),
      shared_(shared) {
  beast::error_code ec;
  const auto endpoint = lowest().socket().remote_endpoint(ec);
  if (!ec) {
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    }
    client_ = address.to_string();
    peer_ = IpAddress::parse(client_);
  }
}

template <class Stream>
void HttpSession<Stream>::run() {
  if constexpr (kTls) {
    // The handshake is bounded like a request's read: a client that connects and sends nothing is dropped
    // after --read-timeout, as over plain HTTP.
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      self->lowest().expires_after(self->shared_.read_timeout);
      self->stream_.async_handshake(ssl::stream_base::server,
                                    beast::bind_front_handler(&HttpSession::on_handshake, self));
    });
  } else {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::do_read, this->shared_from_this()));
  }
}

// A failed handshake (plain HTTP sent to the TLS port, an old protocol, a client that rejects our
// certificate, the deadline) closes the connection: no page, no answer in plain text.
template <class Stream>
void HttpSession<Stream>::on_handshake(beast::error_code ec) {
  if (ec) {
    spdlog::debug("TLS handshake with {} failed: {}", client_, log_safe(ec.message()));
    return close_socket();
  }
  handshaken_ = true;
  do_read();
}

template <class Stream>
void HttpSession<Stream>::do_read() {
  if (requests_ > 0 && buffer_.size() == 0) {
    // Idle on a keep-alive connection: it may wait --keep-alive for the next request's first bytes (not the
    // whole --read-timeout, which a request being read gets in full).
    lowest().expires_after(shared_.keep_alive_idle);
    stream_.async_read_some(buffer_.prepare(8192),
                            beast::bind_front_handler(&HttpSession::on_idle_read, this->shared_from_this()));
    return;
  }
  read_request();
}

template <class Stream>
void HttpSession<Stream>::on_idle_read(beast::error_code ec, std::size_t bytes) {
  if (ec) return do_close();  // the idle time ran out, or the client closed
  buffer_.commit(bytes);
  read_request();
}

template <class Stream>
void HttpSession<Stream>::read_request() {
  parser_.emplace();
  // The largest limit any route has, until the headers say which route this is (on_header).
  parser_->body_limit(std::max(shared_.body_limit, kImportBodyLimit));
  parser_->header_limit(kHeaderLimit);
  lowest().expires_after(shared_.read_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::on_header, this->shared_from_this()));
}

// The request line and headers are in: the body's limit depends on the route (app.h: body_limit_for), then
// the body is read within the same deadline.
template <class Stream>
void HttpSession<Stream>::on_header(beast::error_code ec, std::size_t bytes) {
  if (ec) return on_read(ec, bytes);
  const auto& header = parser_->get();
  const std::size_t limit =
      body_limit_for(header.method() == http::verb::post, header.target(), shared_.body_limit);
  // A Content-Length is checked against the limit only as the headers end, so this one is ours to check;
  // a chunked body counts down the limit set here as it arrives.
  if (const auto length = parser_->content_length(); length && *length > limit) {
    return on_read(http::error::body_limit, bytes);
  }
  parser_->body_limit(limit);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read(beast::error_code ec, std::size_t bytes) {
  started_ = std::chrono::steady_clock::now();
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset) {
    return do_close();
  }
  if (ec == beast::error::timeout) {
    // A client that started a request and did not finish it in time is told so; an idle keep-alive is closed.
    if (bytes > 0 || buffer_.size() > 0 || parser_->got_some())
      return answer_error(408, "The request took too long.");
    return do_close();
  }
  if (ec == http::error::body_limit) {
    if (std::string json = api_too_large_body(parser_->get().target()); !json.empty()) {
      return answer_error(413, json, {}, "application/json");
    }
    return answer_error(413, "The request body is too large.");
  }
  if (ec == http::error::header_limit) return answer_error(431, "The request headers are too large.");
  if (ec == net::error::operation_aborted) return do_close();
  if (ec) {
    if (parser_->got_some()) return answer_error(400, "The request could not be read.");
    return do_close();
  }

  auto message = parser_->release();
  ++requests_;
  const bool keep_alive = message.keep_alive();
  auto converted = to_request(std::move(message), client_);
  if (auto* error = std::get_if<ProtocolError>(&converted))
    return answer_error(error->status, error->message);
  Request request = std::move(std::get<Request>(converted));
  if (peer_ && !shared_.trusted_proxies.empty()) {
    std::vector<std::string_view> forwarded_for;
    for (const auto& [name, value] : request.headers) {
      if (name == "x-forwarded-for") forwarded_for.push_back(value);
    }
    request.client_address = choose_client_address(*peer_, forwarded_for, shared_.trusted_proxies);
  }

  // Too many requests wait for a handler already: say so now rather than queue without bound.
  if (shared_.queued.load() >= shared_.max_queued) {
    return answer_error(503, "The server is busy. Please try again in a moment.", {{"Retry-After", "1"}});
  }
  answer(std::move(request), keep_alive);
}

template <class Stream>
void HttpSession<Stream>::answer(Request request, bool keep_alive) {
  shared_.in_flight.fetch_add(1);
  counted_ = true;
  shared_.queued.fetch_add(1);
  net::post(shared_.handlers,
            [self = this->shared_from_this(), request = std::move(request), keep_alive]() mutable {
              self->shared_.queued.fetch_sub(1);
              Response response = self->shared_.app.handle(request);
              const bool head = request.method == Method::head;
              net::post(self->stream_.get_executor(),
                        [self, response = std::move(response), keep_alive, head]() mutable {
                          const bool keep = keep_alive && !response.close && !self->shared_.stopping.load() &&
                                            self->requests_ < kMaxRequestsPerConnection;
                          self->send(response.status, response.content_type, std::move(response.body),
                                     response.headers, keep, head);
                        });
            });
}

template <class Stream>
void HttpSession<Stream>::answer_error(int status, const std::string& message,
                                       const std::vector<std::pair<std::string, std::string>>& extra_headers,
                                       const std::string& content_type) {
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
  shared_.app.record_protocol_error(status, elapsed);
  spdlog::info("- - {} {}", status, client_);
  shared_.in_flight.fetch_add(1);
  counted_ = true;
  std::vector<std::pair<std::string, std::string>> headers = security_headers(kTls);
  headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
  send(status, content_type, message + "\n", headers, /*keep_alive=*/false, /*head=*/false);
}

template <class Stream>
void HttpSession<Stream>::send(int status, const std::string& content_type, std::string body,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               bool keep_alive, bool head) {
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(status));
  response_.set(http::field::server, "semaphore");
  response_.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) response_.insert(name, value);
  response_.keep_alive(keep_alive);
  response_.body() = std::move(body);
  response_.prepare_payload();
  if (head || status == 304) response_.body().clear();  // Content-Length stays that of the full body
  lowest().expires_after(kWriteTimeout);
  const bool close = !keep_alive;
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this(), close));
}

template <class Stream>
void HttpSession<Stream>::on_write(bool close, beast::error_code ec, std::size_t) {
  if (counted_) {
    shared_.in_flight.fetch_sub(1);
    counted_ = false;
  }
  if (ec) return do_close();
  if (close) return drain_and_close();
  do_read();
}

// Closing at once would reset a client still sending its (too large) body before it reads our answer: stop
// sending, read and discard what is left (at most 2 s and 16 MiB), then close.
template <class Stream>
void HttpSession<Stream>::drain_and_close() {
  if constexpr (kTls) return do_close();  // its close_notify exchange reads and discards the rest
  beast::error_code ec;
  lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
  lowest().expires_after(std::chrono::seconds(2));
  drained_ = 0;
  drain_some();
}

template <class Stream>
void HttpSession<Stream>::drain_some() {
  stream_.async_read_some(net::buffer(discard_),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > 16 * 1024 * 1024) return self->do_close();
                            self->drain_some();
                          });
}

template <class Stream>
void HttpSession<Stream>::do_close() {
  if constexpr (kTls) {
    if (handshaken_ && !shutting_down_) {
      shutting_down_ = true;
      lowest().expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_socket(); });
      return;
    }
  }
  close_socket();
}

template <class Stream>
void HttpSession<Stream>::close_socket() {
  beast::error_code ec;
  lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  lowest().close();
}

template class HttpSession<PlainStream>;
template class HttpSession<TlsStream>;

}  // namespace semaphore::web
