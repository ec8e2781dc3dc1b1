#pragma once
// Rules for what users type into forms, shared by the pages and the import: each returns the cleaned value
// or a message fit to show next to the field. (Emails: core/email.h; hostnames: core/target.h.)
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace semaphore::web {

// A free-text field (service, label): trimmed, at most `max_chars` characters, no control characters.
Result<std::string> clean_text_field(std::string_view input, std::size_t max_chars, std::string_view what);

// `next` after sign-in when it is a local path ("/report/3?range=7d"); else "/". Refuses "//host",
// "/\\host", schemes and control characters, so a link cannot send a user to another site.
std::string safe_next_path(std::string_view next);

}  // namespace semaphore::web
