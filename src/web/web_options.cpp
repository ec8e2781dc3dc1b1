#include "web/web_options.h"

#include <charconv>

namespace semaphore::web {
namespace {

Result<std::int64_t> parse_number(std::string_view text, std::string_view& suffix) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() || value < 0) {
    return make_error(Errc::invalid_argument, "not a number: " + std::string(text));
  }
  suffix = text.substr(static_cast<std::size_t>(end - text.data()));
  return value;
}

template <class T>
CLI::Validator validator(Result<T> (*parse)(std::string_view), const char* name) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        auto parsed = parse(text);
        return parsed ? std::string() : parsed.error().message;
      },
      name);
}

}  // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::string_view suffix;
  auto number = parse_number(text, suffix);
  if (!number) return number.error();
  std::int64_t factor_ms = 0;
  if (suffix.empty() || suffix == "s")
    factor_ms = 1000;
  else if (suffix == "ms")
    factor_ms = 1;
  else if (suffix == "m")
    factor_ms = 60'000;
  else if (suffix == "h")
    factor_ms = 3'600'000;
  else if (suffix == "d")
    factor_ms = 86'400'000;
  else
    return make_error(Errc::invalid_argument,
                      "a duration needs a unit of ms, s, m, h or d: " + std::string(text));
  if (*number > INT64_MAX / factor_ms) return make_error(Errc::invalid_argument, "duration too long");
  return std::chrono::milliseconds(*number * factor_ms);
}

Result<std::size_t> parse_size(std::string_view text) {
  std::string_view suffix;
  auto number = parse_number(text, suffix);
  if (!number) return number.error();
  std::int64_t factor = 0;
  if (suffix.empty())
    factor = 1;
  else if (suffix == "k" || suffix == "K")
    factor = 1024;
  else if (suffix == "M" || suffix == "m")
    factor = 1024 * 1024;
  else
    return make_error(Errc::invalid_argument,
                      "a size is a number of bytes with an optional k or M: " + std::string(text));
  if (*number == 0 || *number > (std::int64_t{1} << 34) / factor) {
    return make_error(Errc::invalid_argument, "size out of range: " + std::string(text));
  }
  return static_cast<std::size_t>(*number * factor);
}

void add_web_options(CLI::App& command, WebOptions& options) {
  const auto seconds_setter = [](std::chrono::seconds& target) {
    return [&target](const std::string& text) {
      target = std::chrono::duration_cast<std::chrono::seconds>(parse_duration(text).value());
    };
  };
  command
      .add_flag("--secure-cookies", options.secure_cookies,
                "mark cookies Secure with the __Host- prefix (set when served over TLS)")
      ->envname("SEMAPHORE_SECURE_COOKIES");
  command
      .add_option_function<std::string>("--session-idle", seconds_setter(options.session_idle),
                                        "sign out after this long without a request (default 12h)")
      ->envname("SEMAPHORE_SESSION_IDLE")
      ->check(validator(&parse_duration, "DURATION"));
  command
      .add_option_function<std::string>("--session-max", seconds_setter(options.session_max),
                                        "sign out this long after sign-in, whatever happens (default 7d)")
      ->envname("SEMAPHORE_SESSION_MAX")
      ->check(validator(&parse_duration, "DURATION"));
  if (command.get_option_no_throw("--targets") == nullptr) {
    command
        .add_option_function<std::string>(
            "--targets",
            [&options](const std::string& text) { options.targets = parse_target_policy(text).value(); },
            "private: loopback and private ranges may be monitored (default); public: refused")
        ->envname("SEMAPHORE_TARGETS")
        ->check(CLI::IsMember({"public", "private"}));
  }
  command.add_option("--max-hosts-per-user", options.max_hosts_per_user, "hosts one user may add")
      ->envname("SEMAPHORE_MAX_HOSTS_PER_USER")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      .add_option_function<std::string>(
          "--signup", [&options](const std::string& text) { options.signup_open = text == "open"; },
          "open: anyone may sign up (default); closed: only `semaphore user add`")
      ->envname("SEMAPHORE_SIGNUP")
      ->check(CLI::IsMember({"open", "closed"}));
  command
      .add_option_function<std::string>(
          "--body-limit",
          [&options](const std::string& text) { options.body_limit = parse_size(text).value(); },
          "largest request body accepted, in bytes, k or M (default 1M)")
      ->envname("SEMAPHORE_BODY_LIMIT")
      ->check(validator(&parse_size, "SIZE"));
  command
      .add_option_function<std::string>("--read-timeout", seconds_setter(options.read_timeout),
                                        "time allowed to read one request (default 15s)")
      ->envname("SEMAPHORE_READ_TIMEOUT")
      ->check(validator(&parse_duration, "DURATION"));
  command.add_option("--web-threads", options.threads, "threads serving HTTP requests")
      ->envname("SEMAPHORE_WEB_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

void finish_web_options(CLI::App& command, WebOptions& options) {
  const CLI::Option* targets = command.get_option_no_throw("--targets");
  if (targets != nullptr && targets->count() > 0) {  // given on the command line or by environment
    if (auto policy = parse_target_policy(targets->as<std::string>())) options.targets = *policy;
  }
}

}  // namespace semaphore::web
