#pragma once
// HTTPS on the server (--tls-cert, --tls-key): the OpenSSL context new connections take, built from PEM files
// and swapped on SIGHUP. Included only by the server's translation units (it needs Asio's SSL).
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "web/server/beast_pch.h"

namespace semaphore::web {

namespace ssl = boost::asio::ssl;

// A server context from a PEM certificate (with its chain) and a PEM private key: TLS 1.2 and 1.3 only,
// ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2 (no RSA key exchange, no CBC, no SHA-1 MACs), the
// server's order of preference, no compression, no renegotiation, no session tickets (a ticket key would
// outlive a reload). An encrypted key is refused rather than asked for on a terminal. Errors are one line
// naming the option and the file: "cannot read --tls-key /x: No such file or directory", "the key in
// --tls-key K does not match the certificate in --tls-cert C".
Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& cert_path,
                                                       const std::string& key_path);

// "subject CN=example, serial 1A2B, valid until Jan  1 00:00:00 2030 GMT": what the log says was loaded.
std::string describe_certificate(ssl::context& context);

// The context in force. Each accepted connection takes current() (a shared pointer, so a connection keeps the
// context it started with however many reloads follow); reload() reads the files again and, only when they
// make a good context, puts it in force.
class TlsContexts {
 public:
  TlsContexts(std::string cert_path, std::string key_path, std::shared_ptr<ssl::context> first);

  std::shared_ptr<ssl::context> current() const;
  // Reads and checks the files (blocking: call it off the I/O threads). On failure logs the reason and
  // keeps the context in force; returns whether the new one was taken.
  bool reload();

 private:
  std::string cert_path_;
  std::string key_path_;
  mutable std::mutex mutex_;
  std::shared_ptr<ssl::context> current_;
};

}  // namespace semaphore::web
