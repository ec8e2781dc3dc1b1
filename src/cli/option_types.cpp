#include "cli/option_types.h"

namespace semaphore::cli {

CLI::Option* add_size_option(CLI::App& command, const std::string& name, std::size_t& target,
                             std::uint64_t min, std::uint64_t max, const std::string& help,
                             const std::string& env) {
  auto* option = command.add_option_function<std::string>(
      name,
      [&target](const std::string& text) { target = static_cast<std::size_t>(parse_size(text).value()); },
      help);
  option->envname(env)->check(CLI::Validator(
      [min, max](std::string& text) {
        auto parsed = parse_size(text);
        if (!parsed) return parsed.error().message;
        if (*parsed < min || *parsed > max) return "size out of range: " + text;
        return std::string();
      },
      "SIZE"));
  return option;
}

CLI::Option* add_targets_option(CLI::App& command, TargetPolicy& target, TargetsHelp help) {
  const auto set = [&target](const std::string& text) { target = parse_target_policy(text).value(); };
  if (help == TargetsHelp::ping_service) {
    return command
        .add_option_function<std::string>(
            "--targets", set, "private: loopback and private addresses may be pinged; public: refused")
        ->envname("SEMAPHORE_TARGETS")
        ->check(CLI::IsMember({"private", "public"}))
        ->default_str(target == TargetPolicy::public_only ? "public" : "private");
  }
  return command
      .add_option_function<std::string>(
          "--targets", set,
          "private: loopback and private ranges may be monitored (default); public: refused")
      ->envname("SEMAPHORE_TARGETS")
      ->check(CLI::IsMember({"public", "private"}));
}

CLI::Option* add_max_hosts_option(CLI::App& command, std::int64_t& target) {
  return command.add_option("--max-hosts-per-user", target, "hosts one user may add")
      ->envname("SEMAPHORE_MAX_HOSTS_PER_USER")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

std::string format_duration(std::chrono::milliseconds value) {
  const auto ms = value.count();
  if (ms % 86'400'000 == 0 && ms > 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0 && ms > 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace semaphore::cli
