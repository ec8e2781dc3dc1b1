#include "tools.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

namespace semaphore::bench {
namespace {

// VmHWM of a running process: its peak resident set since exec.
void read_peak_rss(const std::string& status_path, long& peak_kb) {
  std::ifstream status(status_path);
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmHWM:") {
      if (status >> value) peak_kb = std::max(peak_kb, value);
      return;
    }
    status.ignore(1 << 20, '\n');
  }
}

}  // namespace

Measured run_measured(const std::vector<std::string>& argv, const cpu_set_t* cpus) {
  Measured m;
  int out_pipe[2], err_pipe[2], exec_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(exec_pipe, O_CLOEXEC) != 0)
    return m;
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (cpus != nullptr) sched_setaffinity(0, sizeof *cpus, cpus);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  // Until the exec, the child is a copy of this process, and its VmHWM this process's size (a benchmark that
  // holds a million-host table: gigabytes): the peak is read only once exec has closed this pipe.
  ::close(exec_pipe[1]);
  for (char c = 0; ::read(exec_pipe[0], &c, 1) > 0;) {
  }
  ::close(exec_pipe[0]);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&m.out, &m.err};
  int open = 2;
  char buffer[65536];
  const std::string status_path = "/proc/" + std::to_string(pid) + "/status";
  while (open > 0) {
    if (::poll(fds, 2, 5) < 0) break;
    read_peak_rss(status_path, m.max_rss_kb);
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, WNOHANG, &usage) == 0) {
    read_peak_rss(status_path, m.max_rss_kb);
    ::usleep(2000);
  }
  m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  m.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
            static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  m.user_s = static_cast<double>(usage.ru_utime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return m;
}

Reported parse_fping(const std::string& text) {
  Reported reported;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string host, colon, value;
    if (!(words >> host >> colon) || colon != ":") continue;
    auto& rtts = reported[host];
    while (words >> value) rtts.push_back(value == "-" ? -1 : std::stod(value));
  }
  return reported;
}

Reported parse_semaphore_json(const std::string& text) {
  Reported reported;
  boost::system::error_code error;
  const boost::json::value root = boost::json::parse(text, error);
  if (error) return reported;
  for (const auto& host : root.at("hosts").as_array()) {
    auto& rtts = reported[std::string(host.at("host").as_string())];
    for (const auto& rtt : host.at("rtts_ms").as_array())
      rtts.push_back(rtt.is_null() ? -1 : rtt.to_number<double>());
  }
  return reported;
}

std::uint64_t semaphore_engine_counter(const std::string& text, const char* name) {
  boost::system::error_code error;
  const boost::json::value root = boost::json::parse(text, error);
  if (error || !root.is_object()) return 0;
  const auto* engine = root.as_object().if_contains("engine");
  if (engine == nullptr || !engine->is_object()) return 0;
  const auto* value = engine->as_object().if_contains(name);
  return value != nullptr && value->is_number() ? value->to_number<std::uint64_t>() : 0;
}

}  // namespace semaphore::bench
