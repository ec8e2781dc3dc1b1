#pragma once
// Reading a password from stdin for the admin commands (`semaphore user add`): on a terminal the typed
// password must not appear on the screen (nor stay in the terminal's scrollback); from a pipe or a file it
// is read as a plain line, so scripts keep working.
#include <string>
#include <string_view>

namespace semaphore::cli {

// The first line of stdin, without its line ending. When stdin is a terminal, `prompt` is written to
// stderr and echo is off while the line is typed; the terminal's settings come back on every way out:
// return, exception, and SIGINT/SIGTERM/SIGHUP/SIGQUIT (restored, then the signal does what it did).
std::string read_password_line(std::string_view prompt);

}  // namespace semaphore::cli
