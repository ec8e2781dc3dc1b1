#pragma once
// Account emails: trimmed, lower-cased, and checked for the shape local@domain (no full RFC 5322 grammar:
// the address is an account name here, never mailed to).
#include <string>
#include <string_view>

#include "core/result.h"

namespace semaphore {

// The normalized email, or Errc::invalid_argument with a message fit to show the user.
Result<std::string> normalize_email(std::string_view input);

}  // namespace semaphore
