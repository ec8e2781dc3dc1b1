#include "cli/alert_options.h"

#include "cli/option_types.h"

namespace semaphore::cli {

void add_alert_options(CLI::App& command, AlertOptions& options) {
  command
      .add_option(
          "--public-url", options.dispatcher.public_url,
          "the web UI's address as people reach it (e.g. https://semaphore.example.com): the links in "
          "alert notifications point there; without it notifications carry no link")
      ->envname("SEMAPHORE_PUBLIC_URL")
      ->check(
          [](const std::string& url) {
            return url.starts_with("http://") || url.starts_with("https://")
                       ? std::string()
                       : "--public-url must start with http:// or https://";
          },
          "URL");
  command
      .add_option("--alert-senders", options.dispatcher.workers,
                  "threads that deliver alert notifications (one channel at a time each); 0: this process "
                  "sends none, another `serve` or `run` on the same database does")
      ->envname("SEMAPHORE_ALERT_SENDERS")
      ->check(CLI::Range(0, 32))
      ->capture_default_str();
  add_duration_option(command, "--alert-timeout", options.send_timeout,
                      "how long one notification may take to send, connection included (default 10s)",
                      "SEMAPHORE_ALERT_TIMEOUT");
  add_duration_option(command, "--alert-retry-first", options.dispatcher.retry.first_delay,
                      "wait before the first retry of a failed notification; each next wait doubles (default "
                      "15s)",
                      "SEMAPHORE_ALERT_RETRY_FIRST");
  add_duration_option(command, "--alert-retry-max", options.dispatcher.retry.max_delay,
                      "longest wait between retries; a notification is retried for 24 h, then given up "
                      "(default 1h)",
                      "SEMAPHORE_ALERT_RETRY_MAX");
  command
      .add_option(
          "--alert-ca-file", options.ca_file,
          "CA certificates (PEM) that HTTPS webhooks and SMTP over TLS are verified against (default: "
          "the system's)")
      ->envname("SEMAPHORE_ALERT_CA_FILE")
      ->check(CLI::ExistingFile);
}

}  // namespace semaphore::cli
