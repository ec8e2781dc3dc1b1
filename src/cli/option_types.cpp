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

CLI::Option* add_targets_option(CLI::App& command, std::optional<TargetPolicy>& target, TargetsHelp help) {
  const char* text = nullptr;
  switch (help) {
    case TargetsHelp::run_or_serve:
      text =
          "public: only public addresses may be monitored; private: loopback and private ranges too "
          "(default: public while --signup is open, private when it is closed)";
      break;
    case TargetsHelp::probe:
      text =
          "public: only public addresses are pinged; private: loopback and private ranges too (default: "
          "private; give public when the web UI's sign-up is open)";
      break;
    case TargetsHelp::host_admin:
      text = "public: refuse loopback and private addresses; private: allow them (default: private)";
      break;
  }
  return command
      .add_option_function<std::string>(
          "--targets", [&target](const std::string& value) { target = parse_target_policy(value).value(); },
          text)
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
