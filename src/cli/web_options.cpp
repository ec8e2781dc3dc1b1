#include "cli/web_options.h"

#include <string>
#include <vector>

#include "cli/option_types.h"

namespace semaphore::cli {
namespace {

// The largest --body-limit: a request body is held in memory whole.
constexpr std::uint64_t kMaxBodyLimit = std::uint64_t{1} << 34;

}  // namespace

void add_web_options(CLI::App& command, web::WebOptions& options, std::optional<TargetPolicy>* own_targets) {
  command
      .add_flag("--secure-cookies", options.secure_cookies,
                "mark cookies Secure with the __Host- prefix (set when served over TLS)")
      ->envname("SEMAPHORE_SECURE_COOKIES");
  auto* tls_cert =
      command
          .add_option("--tls-cert", options.tls_cert,
                      "serve HTTPS with this PEM certificate (the server's first, then its chain); needs "
                      "--tls-key, sets --secure-cookies; both files are read again on SIGHUP")
          ->envname("SEMAPHORE_TLS_CERT");
  auto* tls_key = command
                      .add_option("--tls-key", options.tls_key,
                                  "the PEM private key of --tls-cert (unencrypted; keep it mode 0600)")
                      ->envname("SEMAPHORE_TLS_KEY");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  add_duration_option(command, "--session-idle", options.session_idle,
                      "sign out after this long without a request (default 12h)", "SEMAPHORE_SESSION_IDLE");
  add_duration_option(command, "--session-max", options.session_max,
                      "sign out this long after sign-in, whatever happens (default 7d)",
                      "SEMAPHORE_SESSION_MAX");
  if (own_targets != nullptr) add_targets_option(command, *own_targets, TargetsHelp::run_or_serve);
  add_max_hosts_option(command, options.hosts.max_hosts_per_user);
  command
      .add_option_function<std::string>(
          "--signup", [&options](const std::string& text) { options.signup_open = text == "open"; },
          "open: anyone may sign up (default); closed: only `semaphore user add`")
      ->envname("SEMAPHORE_SIGNUP")
      ->check(CLI::IsMember({"open", "closed"}));
  add_size_option(command, "--body-limit", options.body_limit, 1, kMaxBodyLimit,
                  "largest request body accepted, in bytes, k or M (default 1M)", "SEMAPHORE_BODY_LIMIT");
  add_duration_option(command, "--read-timeout", options.read_timeout,
                      "time allowed to read one request (default 15s)", "SEMAPHORE_READ_TIMEOUT");
  command
      .add_option_function<std::vector<std::string>>(
          "--trusted-proxy",
          [&options](const std::vector<std::string>& blocks) {
            for (const auto& block : blocks) options.trusted_proxies.push_back(*web::IpNetwork::parse(block));
          },
          "a proxy or load balancer (CIDR, repeatable) whose X-Forwarded-For names the client; without one "
          "the header is ignored")
      ->envname("SEMAPHORE_TRUSTED_PROXY")
      ->delimiter(',')
      ->check(
          [](const std::string& text) {
            return web::IpNetwork::parse(text) ? std::string()
                                               : "not an address block: " + text +
                                                     " (write e.g. 10.0.0.0/8, 2001:db8::/32 or 10.1.2.3)";
          },
          "CIDR");
  command.add_option("--web-threads", options.threads, "I/O threads: read, parse and write HTTP")
      ->envname("SEMAPHORE_WEB_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command
      .add_option("--handler-threads", options.handler_threads,
                  "threads that answer requests (database queries, password hashes)")
      ->envname("SEMAPHORE_HANDLER_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  command
      .add_option("--hash-threads", options.hash_threads,
                  "password hashes (argon2id, 64 MiB each) at once; half as many more wait, the rest get 503")
      ->envname("SEMAPHORE_HASH_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command
      .add_option("--max-connections", options.max_connections,
                  "open connections at most, lowered to what the open-file limit allows (503 beyond)")
      ->envname("SEMAPHORE_MAX_CONNECTIONS")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  command
      .add_option("--max-connections-per-address", options.max_connections_per_address,
                  "open connections of one client address (IPv6: one /64) at most (503 beyond)")
      ->envname("SEMAPHORE_MAX_CONNECTIONS_PER_ADDRESS")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  add_duration_option(command, "--keep-alive", options.keep_alive_idle,
                      "how long an idle keep-alive connection waits for its next request (default 5s)",
                      "SEMAPHORE_KEEP_ALIVE");
  command
      .add_option(
          "--metrics-token", options.metrics_token,
          "a secret /metrics then asks for (Authorization: Bearer); without it, /metrics answers only "
          "to this machine")
      ->envname("SEMAPHORE_METRICS_TOKEN");
  command
      .add_option("--api-rate", options.api.token_rate,
                  "requests per second one API token may make, on average (429 with Retry-After beyond)")
      ->envname("SEMAPHORE_API_RATE")
      ->check(CLI::Range(0.001, 1'000'000.0))
      ->capture_default_str();
  command
      .add_option("--api-burst", options.api.token_burst,
                  "requests one API token may make at once after a quiet spell")
      ->envname("SEMAPHORE_API_BURST")
      ->check(CLI::Range(1.0, 1'000'000.0))
      ->capture_default_str();
  command
      .add_flag("--metrics-hosts", options.metrics_hosts,
                "add per-host gauges to /metrics (RTT, loss, state of every user's hosts); series grow with "
                "the hosts, so keep it off for large installations")
      ->envname("SEMAPHORE_METRICS_HOSTS");
  command
      .add_option("--signups-per-address", options.signups_per_hour,
                  "sign-up attempts one client address may make per hour (429 beyond)")
      ->envname("SEMAPHORE_SIGNUPS_PER_ADDRESS")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
}

}  // namespace semaphore::cli
