#pragma once
// The web UI's options (`semaphore serve` and `semaphore run`): a plain struct. The command line and the
// SEMAPHORE_* environment variables that fill it are src/cli/web_options.h.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/host_service.h"
#include "web/security/client_address.h"

namespace semaphore::web {

// Limits on the JSON API's bearer tokens (web/security/api_auth.h). Each replica counts on its own.
struct ApiLimits {
  double token_rate = 10;    // --api-rate: requests per second one token may make (429 beyond)
  double token_burst = 100;  // --api-burst: requests one token may make at once after a quiet spell
  // Failed bearer attempts (unknown or malformed tokens) per client address (IPv6: its /64): `failure_burst`
  // at once, then one per 1 / `failure_rate` seconds (429 beyond), so nobody guesses tokens at speed.
  double failure_rate = 0.1;
  double failure_burst = 20;
};

struct WebOptions {
  bool secure_cookies = false;  // --secure-cookies: Secure + __Host- cookies
  // --tls-cert, --tls-key: PEM files; when both are set the server speaks HTTPS itself (server/tls_context.h)
  // and reloads them on SIGHUP. `cli` then sets secure_cookies too.
  std::string tls_cert;
  std::string tls_key;
  std::chrono::seconds session_idle{std::chrono::hours(12)};     // --session-idle
  std::chrono::seconds session_max{std::chrono::hours(24 * 7)};  // --session-max
  domain::HostRules hosts;                                       // --targets, --max-hosts-per-user
  bool signup_open = true;                                       // --signup open|closed
  std::size_t body_limit = 1024 * 1024;                          // --body-limit (bytes; accepts 64k, 1M)
  std::chrono::seconds read_timeout{std::chrono::seconds(15)};   // --read-timeout: a whole request's read
  int threads = 2;                                               // --web-threads: Asio I/O threads
  // --handler-threads: the threads that answer requests (pages query the database, sign-ins hash passwords);
  // the I/O threads only read, parse and write, so a slow query or hash never stalls other connections.
  // As many as SQLite's connection pool: more only wait for a connection (bench/web: 2 I/O + 4 handler
  // threads answer 0.43x nginx's rate, 2 + 6 0.36x, on 2 cores).
  int handler_threads = 4;
  // --hash-threads: argon2id hashes at once; half as many more (at least one) wait, the rest get 503, so a
  // burst of sign-ins leaves handler threads to the pages.
  int hash_threads = 2;
  // --max-connections: open connections at most (503 beyond). Lowered at start-up to what the open-file
  // limit allows once descriptors are set aside for the ping service and the database (server/fd_budget.h).
  int max_connections = 4096;
  int max_connections_per_address = 64;                           // --max-connections-per-address
  std::chrono::seconds keep_alive_idle{std::chrono::seconds(5)};  // --keep-alive: idle between requests
  int signups_per_hour = 20;  // --signups-per-address: sign-up attempts per client address and hour
  // --metrics-token: /metrics then needs "Authorization: Bearer <token>"; without one it answers only to
  // clients on this machine (loopback).
  std::string metrics_token;
  // --metrics-hosts: /metrics adds per-host gauges (every user's hosts: one series per host per family, so
  // off by default).
  bool metrics_hosts = false;
  std::chrono::seconds refresh{std::chrono::seconds(60)};  // how often the report refreshes itself
  std::vector<IpNetwork> trusted_proxies;  // --trusted-proxy: whose X-Forwarded-For is believed
  ApiLimits api;                           // --api-rate, --api-burst
};

}  // namespace semaphore::web
