#include "measure.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace semaphore::bench {
namespace {

// Fields 14-17 of /proc/PID/stat (utime, stime, cutime, cstime) in clock ticks, and field 4 (ppid);
// false when the process is gone.
struct StatTimes {
  pid_t ppid = 0;
  double own = 0, reaped = 0;  // seconds
};

bool read_stat(pid_t pid, StatTimes& out) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  // "pid (comm) state ...": comm may hold spaces and parentheses, so fields count from the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 > text.size()) return false;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  long long ticks[4] = {0, 0, 0, 0};
  for (int i = 3; i <= 17 && fields >> field; ++i) {  // field 3 is the state
    if (i == 4) out.ppid = static_cast<pid_t>(std::stol(field));
    if (i >= 14) ticks[i - 14] = std::stoll(field);
  }
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  out.own = static_cast<double>(ticks[0] + ticks[1]) / hz;
  out.reaped = static_cast<double>(ticks[2] + ticks[3]) / hz;
  return true;
}

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return NAN;
  const auto k = static_cast<std::size_t>(
      std::min<double>(static_cast<double>(values.size() - 1), p * static_cast<double>(values.size())));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(k), values.end());
  return values[k];
}

double cpu_seconds_with_reaped(pid_t pid) {
  StatTimes t;
  return read_stat(pid, t) ? t.own + t.reaped : -1;
}

double process_tree_cpu_seconds(pid_t root) {
  StatTimes root_times;
  if (!read_stat(root, root_times)) return -1;
  double total = root_times.own + root_times.reaped;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    StatTimes child;
    if (read_stat(static_cast<pid_t>(std::stol(name)), child) && child.ppid == root)
      total += child.own + child.reaped;
  }
  return total;
}

long peak_rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmHWM:") return status >> value ? value : 0;
    status.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace semaphore::bench
