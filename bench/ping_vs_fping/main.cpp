// bench_ping_vs_fping: `semaphore ping` and `fping -C 3 -q -i 1` against the same simulated hosts, in one
// run. Prints, per tool: wall time, CPU time per probe (the child's own, from wait4), RTT error against the
// simulator's table (p50/p99/max), probes lost (answered by the simulator, reported lost) and phantom
// replies (reported, never answered); then the ratios. Then semaphore alone at 100,000 hosts, and its memory
// per host (median peak RSS at 100,000 hosts minus at 50,000, per extra host).
//
// Everything happens in a private network namespace: the simulated prefixes are routed into simnet's TUN
// device and every sampled route is checked before anything is sent; nothing else is reachable.
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "guarded_main.h"
#include "measure.h"
#include "simnet/network.h"
#include "simnet_bench.h"
#include "tools.h"

namespace {

using namespace semaphore;

struct Figures {
  std::string tool;
  std::size_t hosts = 0, probes = 0, received = 0, lost = 0, phantom = 0;
  // semaphore only: replies whose send time was estimated between two kernel transmit stamps' bounds (a
  // send call paused by a preemption) rather than read or interpolated from stamps. A figure of how often
  // this machine preempted the pinger mid-send, not a pass/fail: its accuracy cost is already in err p99.
  std::size_t estimated_send_times = 0;
  double wall_s = 0, cpu_us_per_probe = 0, user_us_per_probe = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
  long max_rss_kb = 0;
};

using bench::percentile;

class Bench {
 public:
  explicit Bench(std::size_t hosts) {
    table_.reserve(hosts);
    for (std::uint32_t i = 0; i < hosts; ++i) {
      simnet::Behaviour b{1.0 + (i * 7919u % 8000u) / 1000.0, 0, simnet::Mode::normal};  // 1.000 - 8.999 ms
      if (i % 20 == 0) b.mode = simnet::Mode::silent;
      if (i % 20 == 1) b.loss = 1.0 / 3;
      table_.push_back({i % 5 == 4 ? simnet::v6_host(i) : simnet::v4_host(i), b});
    }
  }

  bool start() {
    // The simulator's thread gets a CPU of its own and the pingers the others, as a network's work runs
    // on other processors than the pinger's (bench/common/simnet_bench.h).
    simnet::Options options;
    // Not woken by each request (an interrupt charged to the sender, see simnet::Options): the shortest
    // delay in the table is 1 ms, far beyond the 50 µs the simulator may take to read a request.
    options.scan_interval_ns = 50'000;
    auto started = bench::start_simulated_network(options, table_);
    if (!started) {
      std::fprintf(stderr, "simnet: %s\n", started.error().message.c_str());
      return false;
    }
    network_ = std::move(started->network);
    fixture_cpu_ = started->fixture_cpu;
    pinger_cpus_ = started->pinger_cpus;
    return true;
  }

  std::string host_file(std::size_t hosts) {
    std::string path = "/tmp/semaphore-bench-hosts-" + std::to_string(hosts);
    std::ofstream out(path);
    for (std::size_t i = 0; i < hosts; ++i) out << table_[i].address.to_string() << '\n';
    return path;
  }

  // Runs the tool `runs` times and keeps the run with the median CPU time per probe: one run's CPU time
  // varies by ±10% on this virtual machine, more than the effects being measured.
  Figures measure_median(const std::string& tool, const std::vector<std::string>& argv, std::size_t hosts,
                         bool json, int runs) {
    std::vector<Figures> all;
    all.reserve(static_cast<std::size_t>(runs));
    for (int i = 0; i < runs; ++i) all.push_back(measure(tool, argv, hosts, json));
    return median_by(std::move(all), &Figures::cpu_us_per_probe);
  }

  // The run in the middle when ordered by `key` (the upper middle of an even count).
  template <class Key>
  static Figures median_by(std::vector<Figures> all, Key Figures::*key) {
    std::sort(all.begin(), all.end(), [key](const Figures& a, const Figures& b) { return a.*key < b.*key; });
    return all[all.size() / 2];
  }

  // fping and semaphore in turns, `runs` times each. The machine's speed drifts by tens of percent over
  // minutes here (other guests on the host), so each ratio compares two neighbouring runs, and the ratio
  // reported is the median of those pairs: one tool's slow spell is not set against the other's quick one.
  struct Paired {
    Figures fping, semaphore;
    double cpu_ratio = 0;
  };
  Paired measure_pairs(const std::vector<std::string>& fping_argv, const std::string& tool,
                       const std::vector<std::string>& semaphore_argv, std::size_t hosts, int runs) {
    std::vector<Figures> theirs, ours;
    std::vector<double> ratios;
    for (int i = 0; i < runs; ++i) {
      theirs.push_back(measure("fping -C 3 -q -i 1", fping_argv, hosts, false));
      ours.push_back(measure(tool, semaphore_argv, hosts, true));
      ratios.push_back(theirs.back().cpu_us_per_probe / ours.back().cpu_us_per_probe);
      std::printf("  pair %d: fping %.2f, semaphore %.2f us of CPU per probe: %.1fx\n", i + 1,
                  theirs.back().cpu_us_per_probe, ours.back().cpu_us_per_probe, ratios.back());
      std::fflush(stdout);
    }
    std::sort(ratios.begin(), ratios.end());
    const std::size_t n = ratios.size();
    const double median = n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
    return {median_by(std::move(theirs), &Figures::cpu_us_per_probe),
            median_by(std::move(ours), &Figures::cpu_us_per_probe), median};
  }

  Figures measure(const std::string& tool, const std::vector<std::string>& argv, std::size_t hosts,
                  bool json) {
    std::vector<std::uint32_t> before(hosts);
    for (std::size_t i = 0; i < hosts; ++i) before[i] = network_->counters(i).replies;
    const bench::Measured m = bench::run_measured(argv, &pinger_cpus_);
    const bench::Reported reported = json ? bench::parse_semaphore_json(m.out) : bench::parse_fping(m.err);
    Figures f;
    f.tool = tool;
    f.hosts = hosts;
    f.probes = hosts * 3;
    f.wall_s = m.wall_s;
    f.cpu_us_per_probe = m.cpu_s * 1e6 / static_cast<double>(f.probes);
    f.user_us_per_probe = m.user_s * 1e6 / static_cast<double>(f.probes);
    f.max_rss_kb = m.max_rss_kb;
    if (json) f.estimated_send_times = bench::semaphore_engine_counter(m.out, "estimated_send_times");
    std::vector<double> errors;
    for (std::size_t i = 0; i < hosts; ++i) {
      const auto answered = static_cast<std::size_t>(network_->counters(i).replies - before[i]);
      std::size_t got = 0;
      if (auto it = reported.find(table_[i].address.to_string()); it != reported.end()) {
        for (double rtt : it->second) {
          if (rtt < 0) continue;
          ++got;
          errors.push_back(std::fabs(rtt - table_[i].behaviour.delay_ms));
        }
      }
      f.received += got;
      if (answered > got) f.lost += answered - got;
      if (got > answered) f.phantom += got - answered;
    }
    f.p50_ms = percentile(errors, 0.50);
    f.p99_ms = percentile(errors, 0.99);
    f.max_ms = errors.empty() ? NAN : *std::max_element(errors.begin(), errors.end());
    if (m.exit_code > 1)
      std::fprintf(stderr, "%s exited %d: %.300s\n", tool.c_str(), m.exit_code, m.err.c_str());
    return f;
  }

  const simnet::Network& network() const { return *network_; }
  int fixture_cpu() const { return fixture_cpu_; }

 private:
  std::vector<simnet::HostEntry> table_;
  std::unique_ptr<simnet::Network> network_;
  int fixture_cpu_ = -1;
  cpu_set_t pinger_cpus_{};
};

void print(const Figures& f) {
  std::printf("%-26s %7zu %8zu %8.2f %10.2f %8.2f %8.3f %8.3f %8.3f %7zu %8zu %9.1f", f.tool.c_str(), f.hosts,
              f.probes, f.wall_s, f.cpu_us_per_probe, f.user_us_per_probe, f.p50_ms, f.p99_ms, f.max_ms,
              f.lost, f.phantom, static_cast<double>(f.max_rss_kb) / 1024);
  if (f.received > 0 && f.tool.rfind("semaphore", 0) == 0) {
    std::printf(" %8.2f",
                100.0 * static_cast<double>(f.estimated_send_times) / static_cast<double>(f.received));
  }
  std::printf("\n");
}

std::vector<std::string> semaphore_ping(const std::string& binary, const std::string& file, int rate) {
  return {binary, "ping", "--json", "-c", "3", "-i", "1000", "-t", "1000", "--rate", std::to_string(rate),
          "-f",   file};
}

}  // namespace

static int run_bench(int argc, char** argv) {
  std::size_t hosts = 10'000, big = 100'000;
  int rate = 10'000, big_rate = 25'000;
  std::string binary = SEMAPHORE_BINARY_PATH;
  bool skip_fping = false;  // --fping no: semaphore alone (for profiling; the ratios need fping)
  int runs = 5;  // --runs N: N runs of each tool, in turns; figures of the median run (by CPU per probe)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--hosts") hosts = std::stoul(value);
    if (flag == "--big") big = std::stoul(value);
    if (flag == "--rate") rate = std::stoi(value);
    if (flag == "--big-rate") big_rate = std::stoi(value);
    if (flag == "--semaphore") binary = value;
    if (flag == "--fping") skip_fping = value == "no";
    if (flag == "--runs") runs = std::max(1, std::stoi(value));
  }
  if (const std::string reason = bench::enter_simulated_network_namespace(); !reason.empty()) {
    std::fprintf(stderr, "ping_vs_fping: skipped: %s\n", reason.c_str());
    return 0;
  }
  Bench bench(std::max(hosts, big));
  if (!bench.start()) return 1;
  const bool fping = !skip_fping && std::system("command -v fping >/dev/null") == 0;

  std::printf(
      "ping_vs_fping: %zu simulated hosts (1-9 ms delays, 5%% silent, 5%% losing 1 in 3; 20%% IPv6), 3 "
      "probes each; each tool's median of %d runs\n",
      hosts, runs);
  if (bench.fixture_cpu() >= 0) {
    std::printf("the simulator's thread runs on CPU %d, the pingers on the other CPUs\n",
                bench.fixture_cpu());
  } else {
    std::printf("one CPU: the simulator's thread and the pingers share it\n");
  }
  std::printf("%-26s %7s %8s %8s %10s %8s %8s %8s %8s %7s %8s %9s %8s\n", "tool", "hosts", "probes", "wall s",
              "cpu us/prb", "(user)", "err p50", "err p99", "err max", "lost", "phantom", "rss MB", "est. %");
  const std::string file = bench.host_file(hosts);
  const std::string tool = "semaphore --rate " + std::to_string(rate);
  if (fping) {
    const auto paired = bench.measure_pairs({"fping", "-C", "3", "-q", "-i", "1", "-f", file}, tool,
                                            semaphore_ping(binary, file, rate), hosts, runs);
    print(paired.fping);
    print(paired.semaphore);
    std::printf(
        "ratios fping/semaphore: cpu per probe %.1fx (median of the %d pairs' ratios); of the medians: wall "
        "%.1fx, cpu per probe %.1fx, rtt error p99 %.1fx\n",
        paired.cpu_ratio, runs, paired.fping.wall_s / paired.semaphore.wall_s,
        paired.fping.cpu_us_per_probe / paired.semaphore.cpu_us_per_probe,
        paired.fping.p99_ms / paired.semaphore.p99_ms);
  } else {
    print(bench.measure_median(tool, semaphore_ping(binary, file, rate), hosts, true, runs));
    std::printf("fping not installed: no comparison\n");
  }

  // Memory per host: the peak RSS's growth between half the large run and the large run, so that what a
  // run holds whatever its size (code, socket buffers and reply rings, the 65,536-entry sequence tables,
  // which a small run leaves untouched) is the base, not spread over the hosts. Each size runs three times,
  // in turns, and counts with its median peak: one run's peak moves by a megabyte or so.
  const std::size_t half = big / 2;
  constexpr int kMemoryRuns = 3;
  std::vector<Figures> bases, larges;
  for (int i = 0; i < kMemoryRuns; ++i) {
    bases.push_back(bench.measure("semaphore (memory base)",
                                  semaphore_ping(binary, bench.host_file(half), big_rate), half, true));
    larges.push_back(bench.measure("semaphore --rate " + std::to_string(big_rate),
                                   semaphore_ping(binary, bench.host_file(big), big_rate), big, true));
  }
  const Figures base = Bench::median_by(std::move(bases), &Figures::max_rss_kb);
  const Figures large = Bench::median_by(std::move(larges), &Figures::max_rss_kb);
  print(base);
  print(large);
  const double per_host =
      static_cast<double>(large.max_rss_kb - base.max_rss_kb) * 1024 / static_cast<double>(big - half);
  const double fixed_mb =
      static_cast<double>(base.max_rss_kb) / 1024 - per_host * static_cast<double>(half) / 1048576;
  std::printf(
      "semaphore memory: %.0f bytes per host beyond a %.1f MB base (peak RSS growth from %zu to %zu hosts)\n",
      per_host, fixed_mb, half, big);
  const simnet::Stats s = bench.network().stats();
  std::printf(
      "simulator: %llu requests, %llu replies; its own reply lateness p50 %.0f us, p99 %.0f us, max %.0f "
      "us\n",
      static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.replies),
      s.lateness_p50_us, s.lateness_p99_us, s.lateness_max_us);
  return 0;
}

int main(int argc, char** argv) {
  return semaphore::bench::guarded_main("bench_ping_vs_fping", argc, argv, run_bench);
}
