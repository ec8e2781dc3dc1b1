#pragma once
// The benchmark's measuring tools: run a pinger as a child and take its wall time, CPU time and peak RSS
// (wait4), and read what it reported (fping's -C lines, semaphore's JSON).
#include <sched.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace semaphore::bench {

struct Measured {
  int exit_code = -1;
  double wall_s = 0, cpu_s = 0;  // user + system, of the child alone
  double user_s = 0;
  // The child's own peak RSS (VmHWM, polled): wait4's ru_maxrss would include this process's size at fork.
  long max_rss_kb = 0;
  std::string out, err;
};

// Runs argv with stdout and stderr captured, on `cpus` when given.
Measured run_measured(const std::vector<std::string>& argv, const cpu_set_t* cpus = nullptr);

// host -> one RTT per probe (negative for a lost one).
using Reported = std::map<std::string, std::vector<double>>;

// fping -C N -q: "HOST : 1.23 - 4.56" lines.
Reported parse_fping(const std::string& text);

// semaphore ping --json.
Reported parse_semaphore_json(const std::string& text);

// semaphore ping --json: one of the engine's counters ("engine": {...}), 0 when absent.
std::uint64_t semaphore_engine_counter(const std::string& text, const char* name);

}  // namespace semaphore::bench
