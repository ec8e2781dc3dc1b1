#include "core/email.h"

#include <algorithm>
#include <cctype>

namespace semaphore {

Result<std::string> normalize_email(std::string_view input) {
  const auto first = input.find_first_not_of(" \t\r\n");
  const auto last = input.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos) return make_error(Errc::invalid_argument, "enter an email address");
  std::string email(input.substr(first, last - first + 1));
  std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return std::tolower(c); });
  if (email.size() > 254) return make_error(Errc::invalid_argument, "the email address is too long");
  const auto at = email.find('@');
  const bool shaped = at != std::string::npos && at > 0 && at + 1 < email.size() &&
                      email.find('@', at + 1) == std::string::npos &&
                      email.find('.', at + 1) != std::string::npos && email.back() != '.';
  const bool clean = std::none_of(email.begin(), email.end(), [](unsigned char c) {
    return std::isspace(c) || std::iscntrl(c) || c == '<' || c == '>' || c == '"' || c == ',';
  });
  if (!shaped || !clean) {
    return make_error(Errc::invalid_argument, "enter an email address like name@example.com");
  }
  return email;
}

}  // namespace semaphore
