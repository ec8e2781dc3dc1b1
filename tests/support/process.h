#pragma once
// Running programs from tests: a command to completion with its output, or a child kept running
// (the semaphore binary as a server) that is stopped with SIGTERM, then SIGKILL, when the object dies.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace semaphore::testing {

struct CommandResult {
  int exit_code = -1;  // the exit status, or 128 + signal number
  std::string out;
  std::string err;
};

// Runs argv[0] (searched in PATH) with the extra environment, feeding `input` on stdin.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          const std::map<std::string, std::string>& env = {});

// The semaphore binary under test: $SEMAPHORE_BINARY (set by ctest), else ./build/semaphore.
std::string semaphore_binary();
// Runs the semaphore binary under test with `args`, feeding `input` on stdin (the CLI tests' one way in).
CommandResult run_semaphore(const std::vector<std::string>& args, const std::string& input = "");

class ChildProcess {
 public:
  // Output goes to `log_path` (stdout and stderr together) so a failing test can show it.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
               const std::map<std::string, std::string>& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits up to `timeout` for the exit; returns the exit code (128+signal if killed),
  // or -1 if it did not exit in time (then it is SIGKILLed).
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// CPU time (user + system, all threads) that process `pid` has used so far, in seconds; -1 when unknown.
// Unlike the wall clock, it counts the work a process did whatever else the machine was doing meanwhile.
double process_cpu_seconds(pid_t pid);

// Polls until a TCP connect to 127.0.0.1:port succeeds or the timeout passes.
bool wait_for_tcp_port(int port, std::chrono::milliseconds timeout);

}  // namespace semaphore::testing
