#pragma once
// Where a link may send a user after sign-in. (The rules for what users type into the host forms are the
// domain's: domain/host_input.h; emails: core/email.h; passwords: domain/passwords.h.)
#include <string>
#include <string_view>

namespace semaphore::web {

// `next` after sign-in when it is a local path ("/report/3?range=7d"); else "/". Refuses "//host",
// "/\\host", schemes and control characters, so a link cannot send a user to another site.
std::string safe_next_path(std::string_view next);

}  // namespace semaphore::web
