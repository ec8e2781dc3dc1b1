#pragma once
// The web UI's options (`semaphore serve` and `semaphore run`): a plain struct. The command line and the
// SEMAPHORE_* environment variables that fill it are src/cli/web_options.h.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "domain/host_service.h"
#include "web/client_address.h"

namespace semaphore::web {

struct WebOptions {
  bool secure_cookies = false;                                   // --secure-cookies: Secure + __Host- cookies
  std::chrono::seconds session_idle{std::chrono::hours(12)};     // --session-idle
  std::chrono::seconds session_max{std::chrono::hours(24 * 7)};  // --session-max
  domain::HostRules hosts;                                       // --targets, --max-hosts-per-user
  bool signup_open = true;                                       // --signup open|closed
  std::size_t body_limit = 1024 * 1024;                          // --body-limit (bytes; accepts 64k, 1M)
  std::chrono::seconds read_timeout{std::chrono::seconds(15)};   // --read-timeout: a whole request's read
  int threads = 4;                                               // --web-threads: I/O + handler threads
  std::chrono::seconds refresh{std::chrono::seconds(60)};        // how often the report refreshes itself
  std::vector<IpNetwork> trusted_proxies;  // --trusted-proxy: whose X-Forwarded-For is believed
};

}  // namespace semaphore::web
