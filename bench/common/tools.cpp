#include "tools.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstring>
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
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return m;
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  // posix_spawn, not fork: a fork copies this process's page tables (a benchmark holding a million-host
  // simulator: gigabytes) under its memory map's lock, and the simulator's thread, running on, waited on that
  // lock and then on copy-on-write faults: measured, pauses of 0.2-0.5 s at each run's start, replies that
  // much late. The child inherits the calling thread's CPUs: narrowed for the spawn, then put back.
  cpu_set_t own;
  CPU_ZERO(&own);
  const bool narrowed = cpus != nullptr && sched_getaffinity(0, sizeof own, &own) == 0 &&
                        sched_setaffinity(0, sizeof *cpus, cpus) == 0;
  const auto started = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  if (narrowed) sched_setaffinity(0, sizeof own, &own);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    m.exit_code = 127;
    m.err = argv.front() + ": " + std::strerror(spawned);
    return m;
  }
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
