#pragma once
// How option values are read, for every command: durations and sizes through core/units.h (one grammar for
// all), the target policy and the per-user host limit (the same option wherever hosts come in). Each adds an
// option with its SEMAPHORE_* environment variable; a malformed value is a usage error (exit 2) quoting
// the parser's message.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/target.h"
#include "core/units.h"

namespace semaphore::cli {

// A duration option (core/units.h grammar) stored into `target`, any std::chrono duration (truncated to it).
template <class Duration>
CLI::Option* add_duration_option(CLI::App& command, const std::string& name, Duration& target,
                                 const std::string& help, const std::string& env) {
  auto* option = command.add_option_function<std::string>(
      name,
      [&target](const std::string& text) {
        target = std::chrono::duration_cast<Duration>(parse_duration(text).value());
      },
      help);
  option->envname(env)->check(CLI::Validator(
      [](std::string& text) {
        auto parsed = parse_duration(text);
        return parsed ? std::string() : parsed.error().message;
      },
      "DURATION"));
  return option;
}

// A size option (core/units.h grammar) stored into `target`; sizes outside [min, max] are refused.
CLI::Option* add_size_option(CLI::App& command, const std::string& name, std::size_t& target,
                             std::uint64_t min, std::uint64_t max, const std::string& help,
                             const std::string& env);

// Which command's --targets: each says its own default (domain/target_choice.h for `run` and `serve`).
enum class TargetsHelp { run_or_serve, probe, host_admin };

// --targets private|public (SEMAPHORE_TARGETS) into `target`, which stays empty unless the operator gave
// one: the command then chooses the default (`run`, `serve`: by the sign-up setting).
CLI::Option* add_targets_option(CLI::App& command, std::optional<TargetPolicy>& target, TargetsHelp help);

// --max-hosts-per-user N (SEMAPHORE_MAX_HOSTS_PER_USER) into `target`, whose value is the default shown.
CLI::Option* add_max_hosts_option(CLI::App& command, std::int64_t& target);

// A duration as help shows defaults: "30d", "12h", "60s", "500ms".
std::string format_duration(std::chrono::milliseconds value);

}  // namespace semaphore::cli
