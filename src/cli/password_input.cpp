#include "cli/password_input.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>

namespace semaphore::cli {
namespace {

// The terminal's settings before echo went off, for the signal handler to put back: a signal ends the
// process without unwinding, so the destructor below would never run.
struct termios g_saved_terminal {};
volatile sig_atomic_t g_echo_is_off = 0;

constexpr std::array<int, 4> kEndingSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_terminal_and_reraise(int signal) {
  if (g_echo_is_off != 0) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);  // async-signal-safe
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

// Echo off for its lifetime (RAII, so an exception restores it too), with the signal handlers above.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) return;
    struct sigaction handler {};
    handler.sa_handler = restore_terminal_and_reraise;
    sigemptyset(&handler.sa_mask);
    for (std::size_t i = 0; i < kEndingSignals.size(); ++i) {
      ::sigaction(kEndingSignals[i], &handler, &previous_[i]);
    }
    struct termios quiet = g_saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    g_echo_is_off = 1;  // before the change: a signal in between restores what was, which is harmless
    // TCSANOW, not TCSAFLUSH: what was typed ahead is kept (it was shown already; dropping it would only
    // lose the password).
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    if (!active_) restore_handlers();
  }
  ~EchoOff() {
    if (!active_) return;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
    restore_handlers();
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  void restore_handlers() {
    g_echo_is_off = 0;
    for (std::size_t i = 0; i < kEndingSignals.size(); ++i)
      ::sigaction(kEndingSignals[i], &previous_[i], nullptr);
  }

  bool active_ = false;
  std::array<struct sigaction, kEndingSignals.size()> previous_{};
};

std::string strip_line_ending(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

std::string read_password_line(std::string_view prompt) {
  std::string line;
  if (::isatty(STDIN_FILENO) == 0) {
    std::getline(std::cin, line);
    return strip_line_ending(std::move(line));
  }
  {
    EchoOff quiet;
    // The prompt comes once echo is off: whatever is typed after it is not shown.
    std::fprintf(stderr, "%.*s", static_cast<int>(prompt.size()), prompt.data());
    std::fflush(stderr);
    std::getline(std::cin, line);
  }
  std::fputc('\n', stderr);  // the Enter typed was not echoed either
  return strip_line_ending(std::move(line));
}

}  // namespace semaphore::cli
