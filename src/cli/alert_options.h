#pragma once
// The alerts' command-line options of `semaphore serve` and `semaphore run` (issue 14): the dispatcher that
// delivers notifications, the links they carry, and how outbound calls are made. Each has a SEMAPHORE_*
// environment variable.
#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

#include "alerts/dispatcher.h"

namespace semaphore::cli {

struct AlertOptions {
  alerts::DispatcherOptions dispatcher;  // --public-url, --alert-senders
  std::string ca_file;                   // --alert-ca-file: CA bundle for HTTPS and SMTP over TLS
  std::chrono::milliseconds send_timeout{std::chrono::seconds(10)};  // --alert-timeout
};

void add_alert_options(CLI::App& command, AlertOptions& options);

}  // namespace semaphore::cli
