#include "web/security/cookies.h"

namespace semaphore::web {
namespace {

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string prefixed(bool secure, const char* name) {
  return (secure ? "__Host-" : "") + std::string(name);
}

}  // namespace

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    const std::string_view pair = trim_blanks(header.substr(0, semicolon));
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && trim_blanks(pair.substr(0, equals)) == name) {
      std::string_view value = trim_blanks(pair.substr(equals + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return value;
    }
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return std::nullopt;
}

std::string make_set_cookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  std::string line;
  line.reserve(name.size() + value.size() + 64);
  line.append(name).append("=").append(value).append("; Path=/; HttpOnly; SameSite=Lax");
  if (options.secure) line += "; Secure";
  if (options.max_age_s >= 0) line += "; Max-Age=" + std::to_string(options.max_age_s);
  return line;
}

std::string session_cookie_name(bool secure) {
  return prefixed(secure, "semaphore_session");
}
std::string csrf_cookie_name(bool secure) {
  return prefixed(secure, "semaphore_csrf");
}
std::string flash_cookie_name(bool secure) {
  return prefixed(secure, "semaphore_flash");
}

}  // namespace semaphore::web
