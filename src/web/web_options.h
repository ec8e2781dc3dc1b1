#pragma once
// The web UI's options (`semaphore serve` and `semaphore run`), each with a SEMAPHORE_* environment variable.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/target.h"

namespace semaphore::web {

struct WebOptions {
  bool secure_cookies = false;                                   // --secure-cookies: Secure + __Host- cookies
  std::chrono::seconds session_idle{std::chrono::hours(12)};     // --session-idle
  std::chrono::seconds session_max{std::chrono::hours(24 * 7)};  // --session-max
  TargetPolicy targets = TargetPolicy::allow_private;            // --targets public|private
  std::int64_t max_hosts_per_user = 1000;                        // --max-hosts-per-user
  bool signup_open = true;                                       // --signup open|closed
  std::size_t body_limit = 1024 * 1024;                          // --body-limit (bytes; accepts 64k, 1M)
  std::chrono::seconds read_timeout{std::chrono::seconds(15)};   // --read-timeout: a whole request's read
  int threads = 4;                                               // --web-threads: I/O + handler threads
  std::chrono::seconds refresh{std::chrono::seconds(60)};        // how often the report refreshes itself
};

// Adds the options above to `command`. `--targets` is skipped when the command has it already (the ping
// service may register it); the value is then read from that option after parsing (see finish_web_options).
void add_web_options(CLI::App& command, WebOptions& options);
// Reads values shared with other option groups (`--targets`) once the command line is parsed.
void finish_web_options(CLI::App& command, WebOptions& options);

// "90s", "15m", "12h", "7d", "500ms" or a bare number of seconds. Errc::invalid_argument otherwise.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// "1048576", "64k", "1M" (binary units). Errc::invalid_argument otherwise.
Result<std::size_t> parse_size(std::string_view text);

}  // namespace semaphore::web
