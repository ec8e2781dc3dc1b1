#pragma once
// The HTTP server: Boost.Beast on Asio, `threads` threads running one io_context; each connection on its own
// strand (src/web/server/http_session.cpp). Every read has a deadline (--read-timeout) and the body a limit
// (--body-limit, 413 beyond). With WebOptions::tls_cert and tls_key it speaks HTTPS (server/tls_context.h)
// and reloads them on SIGHUP. No Asio type appears in this header, so callers stay quick to compile.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "web/app.h"
#include "web/web_options.h"

namespace semaphore::web {

// "127.0.0.1:5000", "[::1]:5000", "0.0.0.0:5000", ":5000" (all IPv4 addresses), "localhost:5000".
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
Result<ListenAddress> parse_listen_address(const std::string& text);

// Whether the PEM files make a server context (readable, a certificate, an unencrypted key that matches it):
// the one-line reason when not, naming the option and the file. `cli` checks them before anything starts.
Status check_tls_files(const std::string& cert_path, const std::string& key_path);

class HttpServer {
 public:
  // Binds and listens (Errc::unavailable naming the address when that fails: in use, not permitted;
  // Errc::invalid_argument when the TLS files do not make a context).
  static Result<std::unique_ptr<HttpServer>> create(WebApp& app, const std::string& listen,
                                                    const WebOptions& options);
  virtual ~HttpServer() = default;

  // Serves until SIGINT or SIGTERM, then stops accepting, lets requests in flight finish (up to 5 s) and
  // returns. SIGHUP reloads the TLS files (on a handler thread; new connections get the new context, a bad
  // file is logged and the old one stays); without TLS it is logged and ignored. Call from the main thread.
  virtual void run_until_signal() = 0;
  // The port bound (useful with port 0).
  virtual std::uint16_t port() const = 0;
};

}  // namespace semaphore::web
