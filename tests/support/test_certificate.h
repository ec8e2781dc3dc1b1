#pragma once
// A self-signed certificate made by a test with OpenSSL's API (the HTTPS tests: integration_web_tls and the
// agents' --ca-file test).
#include <string>

namespace semaphore::testing {

// A self-signed P-256 certificate for 127.0.0.1 (subject CN=`name`, the given serial), valid for a day, and
// its key, written as PEM to `cert_path` and `key_path`. Throws std::runtime_error when OpenSSL fails.
void make_certificate(const std::string& name, long serial, const std::string& cert_path,
                      const std::string& key_path);

}  // namespace semaphore::testing
