#include "web/server/tls_context.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/text.h"
#include "web/server/http_server.h"

namespace semaphore::web {
namespace {

// A certificate chain or a key is a few kilobytes; anything much larger is not one.
constexpr off_t kMaxPemBytes = 1024 * 1024;

// TLS 1.2's suites: forward secrecy (ECDHE) and AEAD only. TLS 1.3's are OpenSSL's defaults (all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The whole file, or a one-line reason naming the option and the path. Opened without blocking and checked
// to be a regular file, so a FIFO or a device given by mistake cannot hang the start-up or a reload.
Result<std::string> read_pem_file(const char* option, const std::string& path) {
  const std::string what = std::string(option) + " " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(Errc::invalid_argument, "cannot read " + what + ": " + std::strerror(errno));
  struct stat info {};
  std::string text;
  std::string failure;
  if (::fstat(fd, &info) != 0) {
    failure = "cannot read " + what + ": " + std::strerror(errno);
  } else if (!S_ISREG(info.st_mode)) {
    failure = "cannot read " + what + ": not a regular file";
  } else if (info.st_size > kMaxPemBytes) {
    failure = what + " is larger than 1 MiB: not a PEM file";
  } else {
    text.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        failure = "cannot read " + what + ": " + std::strerror(errno);
        break;
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    text.resize(done);
  }
  ::close(fd);
  if (!failure.empty()) return make_error(Errc::invalid_argument, failure);
  return text;
}

// OpenSSL's reason for a failure ("no start line", "ee key too small"): Asio's error code holds the packed
// OpenSSL error it took off the queue; the queue is cleared in any case.
std::string openssl_reason(const boost::system::error_code& ec) {
  std::string reason;
  unsigned long code = ERR_peek_last_error();
  if (code == 0 && ec && ec.category() == boost::asio::error::get_ssl_category()) {
    code = static_cast<unsigned long>(static_cast<unsigned int>(ec.value()));
  }
  if (code != 0) {
    if (const char* text = ERR_reason_error_string(code)) reason = text;
  }
  ERR_clear_error();
  if (reason.empty()) reason = ec ? ec.message() : "not accepted";
  return reason;
}

// Whether loading the key failed because it is not the certificate's (OpenSSL checks as it loads it).
bool is_key_mismatch(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return false;
  const auto code = static_cast<unsigned long>(static_cast<unsigned int>(ec.value()));
  return ERR_GET_LIB(code) == ERR_LIB_X509 && (ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH ||
                                               ERR_GET_REASON(code) == X509_R_KEY_TYPE_MISMATCH);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& cert_path,
                                                       const std::string& key_path) {
  auto cert_pem = read_pem_file("--tls-cert", cert_path);
  if (!cert_pem) return cert_pem.error();
  auto key_pem = read_pem_file("--tls-key", key_path);
  if (!key_pem) return key_pem.error();

  if (key_pem->find("ENCRYPTED") != std::string::npos) {
    return make_error(Errc::invalid_argument, "--tls-key " + key_path +
                                                  " is encrypted: give the key unencrypted (readable only by "
                                                  "the service)");
  }

  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return make_error(Errc::internal, "TLS: cannot set the protocol versions and ciphers: " +
                                          openssl_reason(boost::system::error_code()));
  }
  // Never prompt for a passphrase (OpenSSL's default reads the terminal): an encrypted key fails to load.
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); });

  boost::system::error_code ec;
  context->use_certificate_chain(boost::asio::buffer(*cert_pem), ec);
  if (ec) {
    return make_error(Errc::invalid_argument,
                      "--tls-cert " + cert_path + " holds no usable PEM certificate: " + openssl_reason(ec));
  }
  context->use_private_key(boost::asio::buffer(*key_pem), ssl::context::pem, ec);
  if ((ec && is_key_mismatch(ec)) || (!ec && SSL_CTX_check_private_key(native) != 1)) {
    ERR_clear_error();
    return make_error(
        Errc::invalid_argument,
        "the key in --tls-key " + key_path + " does not match the certificate in --tls-cert " + cert_path);
  }
  if (ec) {
    return make_error(Errc::invalid_argument,
                      "--tls-key " + key_path + " holds no usable PEM private key: " + openssl_reason(ec));
  }
  return context;
}

std::string describe_certificate(ssl::context& context) {
  X509* cert = SSL_CTX_get0_certificate(context.native_handle());
  if (cert == nullptr) return "no certificate";
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "a certificate";
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  const std::string subject = bio_text(bio);
  BIO_reset(bio);
  ASN1_TIME_print(bio, X509_get0_notAfter(cert));
  const std::string until = bio_text(bio);
  BIO_free(bio);
  std::string serial = "?";
  if (BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(number)) {
      serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(number);
  }
  return "subject " + log_safe(subject) + ", serial " + serial + ", valid until " + until;
}

TlsContexts::TlsContexts(std::string cert_path, std::string key_path, std::shared_ptr<ssl::context> first)
    : cert_path_(std::move(cert_path)), key_path_(std::move(key_path)), current_(std::move(first)) {}

std::shared_ptr<ssl::context> TlsContexts::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool TlsContexts::reload() {
  auto made = make_tls_context(cert_path_, key_path_);
  if (!made) {
    spdlog::error("TLS: reload failed, new connections keep the certificate in force: {}",
                  log_safe(made.error().message));
    return false;
  }
  spdlog::info("TLS: reloaded; new connections get {}", describe_certificate(**made));
  std::lock_guard lock(mutex_);
  current_ = std::move(*made);
  return true;
}

Status check_tls_files(const std::string& cert_path, const std::string& key_path) {
  auto made = make_tls_context(cert_path, key_path);
  if (!made) return made.error();
  return {};
}

}  // namespace semaphore::web
