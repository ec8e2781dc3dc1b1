#include "core/email.h"

#include <algorithm>
#include <cctype>

#include "core/ascii.h"
#include "core/text.h"

namespace semaphore {

Result<std::string> normalize_email(std::string_view input) {
  const std::string_view trimmed = trim(input);
  if (trimmed.empty()) return make_error(Errc::invalid_argument, "enter an email address");
  const std::string email = lower_ascii(trimmed);
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
