// HTTPS on the server (issue 16, --tls-cert and --tls-key): the real `semaphore serve` with a self-signed
// certificate made here with OpenSSL's API, talked to by an OpenSSL client over loopback. A client that
// trusts the certificate gets /signin with Secure cookies; one that does not fails verification; TLS 1.1 and
// RSA-key-exchange CBC suites are refused; plain HTTP gets no page and a silent client is dropped; SIGHUP
// puts a new certificate in force for new connections while an open one keeps its own, and a broken key
// leaves the old one serving; bad files at start-up end the process with one clear line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "integration/web/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_certificate.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    throw std::runtime_error("connect");
  }
  // Every read and write is bounded: a broken server fails the test, it does not hang it.
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  return fd;
}

struct ClientOptions {
  std::string ca_file;  // trusted; empty: the system's store (which does not hold our certificate)
  int min_version = 0;
  int max_version = 0;
  std::string ciphers;  // TLS 1.2 suites offered; empty: OpenSSL's defaults
  bool legacy = false;  // security level 0, so that TLS 1.1 is really offered
};

// One TLS connection to 127.0.0.1:port that verifies the server's certificate (for the IP 127.0.0.1).
class TlsConnection {
 public:
  TlsConnection(int port, const ClientOptions& options) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    if (options.legacy) SSL_CTX_set_security_level(ctx_.get(), 0);
    if (options.min_version) SSL_CTX_set_min_proto_version(ctx_.get(), options.min_version);
    if (options.max_version) SSL_CTX_set_max_proto_version(ctx_.get(), options.max_version);
    if (!options.ciphers.empty()) SSL_CTX_set_cipher_list(ctx_.get(), options.ciphers.c_str());
    if (!options.ca_file.empty()) {
      SSL_CTX_load_verify_locations(ctx_.get(), options.ca_file.c_str(), nullptr);
    } else {
      SSL_CTX_set_default_verify_paths(ctx_.get());
    }
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    fd_ = connect_loopback(port);
    ssl_.reset(SSL_new(ctx_.get()));
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), "127.0.0.1");
    SSL_set_fd(ssl_.get(), fd_);
    ERR_clear_error();
    if (SSL_connect(ssl_.get()) != 1) {
      const unsigned long code = ERR_get_error();
      const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
      error_ = reason != nullptr ? reason : "handshake failed without a reason";
      ERR_clear_error();
      return;
    }
    connected_ = true;
  }
  ~TlsConnection() {
    if (connected_) SSL_shutdown(ssl_.get());
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
  }
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }
  std::string version() const { return SSL_get_version(ssl_.get()); }

  // The peer certificate's serial number in hex and its subject's CN.
  std::string serial() const {
    X509* cert = SSL_get0_peer_certificate(ssl_.get());
    if (cert == nullptr) return "";
    BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(number);
    std::string text = hex;
    OPENSSL_free(hex);
    BN_free(number);
    return text;
  }
  std::string common_name() const {
    X509* cert = SSL_get0_peer_certificate(ssl_.get());
    if (cert == nullptr) return "";
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
    return name;
  }

  // GET `target`; the response read by its Content-Length (so the connection can serve another).
  HttpResponse get(const std::string& target, bool keep_alive) {
    HttpResponse response;
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: " +
                                (keep_alive ? "keep-alive" : "close") + "\r\n\r\n";
    if (SSL_write(ssl_.get(), request.data(), static_cast<int>(request.size())) <= 0) return response;
    std::string data;
    std::size_t header_end = std::string::npos;
    std::size_t wanted = std::string::npos;
    char buffer[16384];
    while (wanted == std::string::npos || data.size() < wanted) {
      const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
        response.status = std::stoi(data.substr(9, 3));
        std::size_t at = data.find("\r\n") + 2;
        while (at < header_end) {
          const std::size_t end = data.find("\r\n", at);
          const std::string line = data.substr(at, end - at);
          const auto colon = line.find(':');
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(),
                         [](unsigned char c) { return std::tolower(c); });
          response.headers.emplace_back(name, line.substr(line.find_first_not_of(' ', colon + 1)));
          at = end + 2;
        }
        const std::string length = response.header("content-length");
        wanted = header_end + 4 + (length.empty() ? 0 : std::stoul(length));
      }
    }
    if (header_end != std::string::npos) response.body = data.substr(header_end + 4);
    return response;
  }

 private:
  CtxPtr ctx_;
  SslPtr ssl_;
  int fd_ = -1;
  bool connected_ = false;
  std::string error_;
};

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

class TlsServerTest : public ::testing::Test {
 protected:
  TlsServerTest() : dir_("semaphore-tls") {
    // OpenSSL writes with write(2): a server that closed first (over a cap, a refused handshake) must fail
    // the write, not kill the test with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    cert_ = dir_.file("cert.pem");
    key_ = dir_.file("key.pem");
    ca_ = dir_.file("first-ca.pem");
    make_certificate("first.semaphore.test", 0x1001, cert_, key_);
    std::filesystem::copy_file(cert_, ca_);
  }

  void start(const std::vector<std::string>& extra = {}) {
    port_ = free_tcp_port();
    std::vector<std::string> argv = {semaphore_binary(),
                                     "serve",
                                     "--db",
                                     "sqlite:" + dir_.file("web.db"),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--tls-cert",
                                     cert_,
                                     "--tls-key",
                                     key_,
                                     "--read-timeout",
                                     "1s",
                                     "--keep-alive",
                                     "20s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ChildProcess>(argv, dir_.file("server.log"));
    ASSERT_TRUE(wait_for_tcp_port(port_, 20s)) << server_->log();
  }

  ClientOptions trusting(const std::string& ca) const { return ClientOptions{ca, 0, 0, "", false}; }

  TempDir dir_;
  std::string cert_;
  std::string key_;
  std::string ca_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(TlsServerTest, ATrustingClientGetsTheSignInPageWithSecureCookies) {
  start();
  TlsConnection connection(port_, trusting(ca_));
  ASSERT_TRUE(connection.connected()) << connection.error() << "\n" << server_->log();
  EXPECT_EQ(connection.serial(), "1001");
  EXPECT_EQ(connection.common_name(), "first.semaphore.test");
  const HttpResponse page = connection.get("/signin", false);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("csrf_token"), std::string::npos);
  const std::string cookie = page.header("set-cookie");
  EXPECT_TRUE(cookie.starts_with("__Host-")) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_EQ(page.header("strict-transport-security"), "max-age=31536000");
  EXPECT_NE(server_->log().find("web UI on https://"), std::string::npos);
}

TEST_F(TlsServerTest, AClientThatDoesNotTrustTheCertificateFailsVerification) {
  start();
  TlsConnection connection(port_, ClientOptions{});
  EXPECT_FALSE(connection.connected());
  EXPECT_EQ(connection.error(), "certificate verify failed");
}

TEST_F(TlsServerTest, OldProtocolsAndWeakSuitesAreRefused) {
  start();
  ClientOptions tls11 = trusting(ca_);
  tls11.min_version = TLS1_1_VERSION;
  tls11.max_version = TLS1_1_VERSION;
  tls11.ciphers = "DEFAULT:@SECLEVEL=0";
  tls11.legacy = true;
  TlsConnection old(port_, tls11);
  EXPECT_FALSE(old.connected());
  // The server's alert, not our own refusal to offer TLS 1.1.
  EXPECT_EQ(old.error(), "tlsv1 alert protocol version");

  // TLS 1.2 with only RSA key exchange and CBC/SHA-1 suites offered: no suite in common.
  ClientOptions weak = trusting(ca_);
  weak.max_version = TLS1_2_VERSION;
  weak.ciphers = "AES128-SHA:AES256-SHA:AES128-SHA256:ECDHE-ECDSA-AES128-SHA";
  TlsConnection rsa(port_, weak);
  EXPECT_FALSE(rsa.connected());
  EXPECT_EQ(rsa.error(), "sslv3 alert handshake failure");

  ClientOptions tls12 = trusting(ca_);
  tls12.max_version = TLS1_2_VERSION;
  TlsConnection modern(port_, tls12);
  ASSERT_TRUE(modern.connected()) << modern.error();
  EXPECT_EQ(modern.version(), "TLSv1.2");
  EXPECT_EQ(modern.get("/signin", false).status, 200);
}

TEST_F(TlsServerTest, PlainHttpGetsNoPageAndASilentClientIsDropped) {
  start();
  HttpResponse plain = HttpClient(port_).raw("GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 5s);
  EXPECT_EQ(plain.status, 0);
  EXPECT_EQ(plain.body.find("csrf_token"), std::string::npos);
  EXPECT_TRUE(plain.closed_by_server);

  // A client that opens TCP and sends nothing is closed after --read-timeout (1 s), like an idle HTTP one.
  const int fd = connect_loopback(port_);
  const auto started = std::chrono::steady_clock::now();
  pollfd wait{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&wait, 1, 5000), 1);
  char byte = 0;
  EXPECT_LE(::recv(fd, &byte, 1, 0), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  ::close(fd);

  TlsConnection after(port_, trusting(ca_));
  ASSERT_TRUE(after.connected()) << after.error() << "\n" << server_->log();
  EXPECT_EQ(after.get("/signin", false).status, 200);
}

TEST_F(TlsServerTest, TheConnectionCapsCountTlsConnections) {
  start({"--max-connections-per-address", "2"});
  auto first = std::make_unique<TlsConnection>(port_, trusting(ca_));
  TlsConnection second(port_, trusting(ca_));
  ASSERT_TRUE(first->connected()) << first->error();
  ASSERT_TRUE(second.connected()) << second.error();
  // The third from the same address is closed before any handshake.
  TlsConnection third(port_, trusting(ca_));
  EXPECT_FALSE(third.connected());
  EXPECT_EQ(third.serial(), "");
  // A place given back is a place again.
  first.reset();
  EXPECT_TRUE(wait_until([&] { return TlsConnection(port_, trusting(ca_)).connected(); }, 5s))
      << server_->log();
  EXPECT_EQ(second.get("/signin", false).status, 200);
}

TEST_F(TlsServerTest, SighupPutsANewCertificateInForceAndABrokenKeyLeavesTheOldOne) {
  start();
  TlsConnection before(port_, trusting(ca_));
  ASSERT_TRUE(before.connected()) << before.error();
  ASSERT_EQ(before.get("/signin", true).status, 200);

  const std::string second_ca = dir_.file("second-ca.pem");
  make_certificate("second.semaphore.test", 0x2002, dir_.file("next-cert.pem"), dir_.file("next-key.pem"));
  std::filesystem::copy_file(dir_.file("next-cert.pem"), second_ca);
  std::filesystem::rename(dir_.file("next-cert.pem"), cert_);
  std::filesystem::rename(dir_.file("next-key.pem"), key_);
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_until(
      [&] {
        TlsConnection probe(port_, trusting(second_ca));
        return probe.connected() && probe.serial() == "2002";
      },
      10s))
      << server_->log();
  TlsConnection fresh(port_, trusting(second_ca));
  ASSERT_TRUE(fresh.connected()) << fresh.error();
  EXPECT_EQ(fresh.common_name(), "second.semaphore.test");
  EXPECT_EQ(fresh.get("/signin", false).status, 200);
  // A client that trusts only the first certificate now fails: the first is really out of force.
  EXPECT_FALSE(TlsConnection(port_, trusting(ca_)).connected());
  // The connection opened before the reload keeps its certificate and is still served.
  EXPECT_EQ(before.serial(), "1001");
  EXPECT_EQ(before.get("/signin", false).status, 200);

  // A key file that is no key: the reload fails, is logged, and the second certificate stays in force.
  write_file(key_, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_until([&] { return server_->log().find("TLS: reload failed") != std::string::npos; }, 10s))
      << server_->log();
  EXPECT_NE(server_->log().find("holds no usable PEM private key"), std::string::npos) << server_->log();
  ASSERT_TRUE(server_->running());
  TlsConnection still(port_, trusting(second_ca));
  ASSERT_TRUE(still.connected()) << still.error();
  EXPECT_EQ(still.serial(), "2002");
  EXPECT_EQ(still.get("/signin", false).status, 200);
  EXPECT_EQ(server_->stop(SIGTERM), 0);
}

// The start-up's checks: one line on stderr, exit code 2 like any bad option, nothing started.
class TlsStartupTest : public TlsServerTest {
 protected:
  CommandResult serve(const std::vector<std::string>& tls) {
    std::vector<std::string> argv = {semaphore_binary(),
                                     "serve",
                                     "--db",
                                     "sqlite:" + dir_.file("web.db"),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(free_tcp_port())};
    argv.insert(argv.end(), tls.begin(), tls.end());
    return run_command(argv);
  }
};

TEST_F(TlsStartupTest, AMissingKeyFileEndsTheProcessWithOneClearLine) {
  const std::string missing = dir_.file("absent-key.pem");
  const CommandResult result = serve({"--tls-cert", cert_, "--tls-key", missing});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "semaphore: cannot read --tls-key " + missing + ": No such file or directory\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("web.db")));  // nothing opened
}

TEST_F(TlsStartupTest, AKeyOfAnotherCertificateIsRefusedAlsoFromTheConfigFile) {
  make_certificate("other", 7, dir_.file("other-cert.pem"), dir_.file("other-key.pem"));
  const std::string config = dir_.file("semaphore.conf");
  write_file(config,
             "[serve]\ntls-cert = \"" + cert_ + "\"\ntls-key = \"" + dir_.file("other-key.pem") + "\"\n");
  const CommandResult result = serve({"--config", config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "semaphore: the key in --tls-key " + dir_.file("other-key.pem") +
                            " does not match the certificate in --tls-cert " + cert_ + "\n");
}

TEST_F(TlsStartupTest, OneFileWithoutTheOtherIsAUsageError) {
  const CommandResult result = serve({"--tls-cert", cert_});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--tls-key"), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

}  // namespace
}  // namespace semaphore::testing
