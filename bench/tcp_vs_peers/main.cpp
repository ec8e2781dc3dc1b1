// bench_tcp_vs_peers: `semaphore ping --tcp` beside the TCP pingers Debian ships, on the same simulated hosts
// in one run (tests/fixtures/simnet answers SYNs: a SYN-ACK from an open port, a RST from a closed one,
// nothing from a filtered one, after the host's delay).
//  1. Accuracy, on a sample (one process per host for hping3, which pings one host): `hping3 -S -p PORT`
//     and `semaphore ping --tcp PORT` on the same IPv4 hosts, half with the port open, half closed, with
//     the same probe count and interval. RTT error against the delay the simulator really applied to each
//     reply (p50/p99/max, open and closed ports apart), CPU per probe (user + system of the children, from
//     wait4), and each host's counts against the simulator's. Twice: at normal priority, then both tools
//     under SCHED_FIFO (chrt), which takes the machine's scheduling out of what user space times.
//  2. At scale: `nmap -sn -PS PORT` (many hosts in one process, one probe a host, no per-probe RTT but its
//     srtt) and `semaphore ping --tcp PORT -c 1` on the same 10,000 IPv4 hosts, in turns, `--runs` times
//     each: CPU per probe (per SYN the simulator received), RTT error against the table's delay, which
//     hosts each found up or refused against what the simulator answered.
//  3. `semaphore ping --tcp PORT -c 3` alone on 10,000 hosts (a fifth IPv6): wall time, CPU per probe, the
//     most sockets open at once, exact accounting per host, and the TCP sockets left toward the simulated
//     prefixes afterwards (/proc/net/tcp and tcp6: TIME_WAIT would show there), as after every run above.
//
// Everything happens in a private network namespace: the simulated prefixes are routed into simnet's TUN
// device and the routes are checked before anything is sent; nothing else is reachable.
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
#include "peers.h"
#include "simnet/network.h"
#include "simnet_bench.h"
#include "tools.h"

namespace {

using namespace semaphore;
using bench::TcpReport;
using bench::TcpReports;

using bench::percentile;

double max_of(const std::vector<double>& v) {
  return v.empty() ? NAN : *std::max_element(v.begin(), v.end());
}

// One run of one tool on a set of hosts.
struct Figures {
  std::string tool;
  std::size_t hosts = 0;
  std::size_t probes = 0;             // SYNs the simulator received during the run
  std::size_t answered = 0;           // of them, answered (SYN-ACK or RST)
  std::size_t received = 0;           // answers the tool reported
  std::size_t lost = 0, phantom = 0;  // answered and reported lost; reported and never answered
  std::size_t mismatched_hosts = 0;   // hosts whose sent / received / refused differ from the simulator's
  double wall_s = 0, cpu_s = 0;
  std::vector<double> open_errors, closed_errors;  // |reported RTT - truth|, ms
  bench::SocketCount left;                         // toward the simulated prefixes, after the run
  std::uint64_t open_sockets_peak = 0, user_space_rtts = 0;
  long max_rss_kb = 0;
  int failures = 0;  // processes that exited with an error

  double cpu_us_per_probe() const { return probes == 0 ? NAN : cpu_s * 1e6 / static_cast<double>(probes); }
};

const char* kHeader = "%-30s %6s %7s %7s %9s %15s %15s %6s %6s %6s %6s\n";
void print_header() {
  std::printf(kHeader, "tool", "hosts", "probes", "wall s", "cpu us/pr", "open p50/p99", "closed p50/p99",
              "lost", "phantm", "wrong", "left");
}

void print(const Figures& f) {
  char open[32], closed[32];
  std::snprintf(open, sizeof open, "%.3f/%.3f", percentile(f.open_errors, 0.5),
                percentile(f.open_errors, 0.99));
  std::snprintf(closed, sizeof closed, "%.3f/%.3f", percentile(f.closed_errors, 0.5),
                percentile(f.closed_errors, 0.99));
  std::printf("%-30s %6zu %7zu %7.2f %9.2f %15s %15s %6zu %6zu %6zu %6zu\n", f.tool.c_str(), f.hosts,
              f.probes, f.wall_s, f.cpu_us_per_probe(), open, closed, f.lost, f.phantom, f.mismatched_hosts,
              f.left.total);
  if (f.failures > 0) std::printf("  (%d of its processes exited with an error)\n", f.failures);
  std::fflush(stdout);
}

// The simulator's counters of some table entries, to take differences across one run.
struct Snapshot {
  std::vector<simnet::HostCounters> counters;
  std::vector<std::size_t> applied;  // how many delays were recorded (record_delays)
};

class Bench {
 public:
  Bench(std::vector<simnet::HostEntry> table, bool record_delays) : table_(std::move(table)) {
    record_ = record_delays;
  }

  bool start() {
    // As bench/ping_vs_fping: the simulator's thread on a CPU of its own, the pingers on the others, this
    // process (which wakes every few ms to read the child's memory) with the simulator; the simulator not
    // woken by each request (it would charge the sender an interrupt per packet, and hping3 sends one at a
    // time), reading requests at most 50 µs late, with their kernel send stamps.
    simnet::Options options;
    options.scan_interval_ns = 50'000;
    options.record_delays = record_;
    auto started = bench::start_simulated_network(options, table_);
    if (!started) {
      std::fprintf(stderr, "simnet: %s\n", started.error().message.c_str());
      return false;
    }
    network_ = std::move(started->network);
    fixture_cpu_ = started->fixture_cpu;
    pinger_cpus_ = started->pinger_cpus;
    prefixes_ = {bench::parse_prefix(options.v4_prefix), bench::parse_prefix(options.v6_prefix)};
    return true;
  }

  const simnet::HostEntry& entry(std::size_t i) const { return table_[i]; }
  int fixture_cpu() const { return fixture_cpu_; }
  const simnet::Network& network() const { return *network_; }

  std::string host_file(const std::vector<std::size_t>& hosts, const std::string& name) const {
    std::string path = "/tmp/semaphore-bench-tcp-" + name;
    std::ofstream out(path);
    for (const std::size_t i : hosts) out << table_[i].address.to_string() << '\n';
    return path;
  }

  Snapshot snapshot(const std::vector<std::size_t>& hosts) const {
    Snapshot s;
    for (const std::size_t i : hosts) {
      s.counters.push_back(network_->counters(i));
      s.applied.push_back(record_ ? network_->applied_delays_ms(i).size() : 0);
    }
    return s;
  }

  // Runs a pinger on the pingers' CPUs; under `chrt -f 20` (SCHED_FIFO) when realtime(true).
  bench::Measured run(const std::vector<std::string>& argv) const {
    if (!realtime_) return bench::run_measured(argv, &pinger_cpus_);
    std::vector<std::string> wrapped = {"chrt", "-f", "20"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return bench::run_measured(wrapped, &pinger_cpus_);
  }
  void realtime(bool on) { realtime_ = on; }

  // Compares the reports of a run with what the simulator did to `hosts` since `before`. `per_probe`:
  // the tool reports every probe (semaphore, hping3), so counts must match exactly; otherwise (nmap) a host
  // is up when any of its SYNs was answered, refused when answered with RSTs only, and its one RTT is its
  // srtt. RTT truth: the applied delays when recorded, else the table's delay.
  void account(Figures& f, const std::vector<std::size_t>& hosts, const Snapshot& before,
               const TcpReports& reports, bool per_probe) const {
    f.hosts = hosts.size();
    for (std::size_t h = 0; h < hosts.size(); ++h) {
      const std::size_t i = hosts[h];
      const simnet::HostCounters now = network_->counters(i), was = before.counters[h];
      const std::uint32_t requests = now.requests - was.requests, replies = now.replies - was.replies,
                          resets = now.resets - was.resets;
      f.probes += requests;
      const auto it = reports.find(table_[i].address.to_string());
      const TcpReport none;
      const TcpReport& r = it == reports.end() ? none : it->second;
      std::size_t answered = replies, got = r.received;
      bool right = false;
      if (per_probe) {
        right = r.sent == requests && r.received == replies && r.refused == resets;
      } else {
        answered = replies > 0 ? 1 : 0;
        got = r.received > 0 ? 1 : 0;
        right = got == answered && (r.refused > 0) == (replies > 0 && resets == replies);
      }
      f.answered += answered;
      f.received += got;
      if (answered > got) f.lost += answered - got;
      if (got > answered) f.phantom += got - answered;
      if (!right) ++f.mismatched_hosts;

      std::vector<double> truth;
      if (record_) {
        const std::vector<double> applied = network_->applied_delays_ms(i);
        truth.assign(applied.begin() + static_cast<long>(before.applied[h]), applied.end());
      }
      std::size_t k = 0;  // the k-th answered probe met the k-th applied delay (replies come back in order)
      for (std::size_t p = 0; p < r.rtts_ms.size(); ++p) {
        if (r.rtts_ms[p] < 0) continue;
        const double expected = record_ ? (k < truth.size() ? truth[k] : NAN) : table_[i].behaviour.delay_ms;
        ++k;
        if (std::isnan(expected)) continue;
        const bool refused = p < r.refused_probes.size() && r.refused_probes[p];
        (refused ? f.closed_errors : f.open_errors).push_back(std::fabs(r.rtts_ms[p] - expected));
      }
    }
    f.left = bench::tcp_sockets_toward(prefixes_);
  }

  // `semaphore ping --tcp PORT --json ... -f FILE` on `hosts`.
  Figures semaphore(const std::string& tool, const std::vector<std::string>& argv,
                    const std::vector<std::size_t>& hosts) const {
    const Snapshot before = snapshot(hosts);
    const bench::Measured m = run(argv);
    std::unordered_map<std::string, std::uint64_t> engine;
    const TcpReports reports = bench::parse_semaphore_tcp(m.out, engine);
    Figures f;
    f.tool = tool;
    f.wall_s = m.wall_s;
    f.cpu_s = m.cpu_s;
    f.max_rss_kb = m.max_rss_kb;
    f.open_sockets_peak = engine["open_sockets_peak"];
    f.user_space_rtts = engine["user_space_rtts"];
    if (m.exit_code > 1 || reports.empty()) {
      ++f.failures;
      std::fprintf(stderr, "semaphore exited %d: %.300s\n", m.exit_code, m.err.c_str());
    }
    account(f, hosts, before, reports, true);
    return f;
  }

  // One `hping3 -S -p PORT -c COUNT -i uINTERVAL` per host, one after the other.
  Figures hping3(int port, int count, int interval_ms, const std::vector<std::size_t>& hosts) const {
    Figures f;
    f.tool = "hping3 -S (a process a host)";
    TcpReports reports;
    const Snapshot before = snapshot(hosts);
    for (const std::size_t i : hosts) {
      const std::string address = table_[i].address.to_string();
      const bench::Measured m = run({"hping3", "-S", "-p", std::to_string(port), "-c", std::to_string(count),
                                     "-i", "u" + std::to_string(interval_ms * 1000), "-n", address});
      f.wall_s += m.wall_s;
      f.cpu_s += m.cpu_s;
      f.max_rss_kb = std::max(f.max_rss_kb, m.max_rss_kb);
      // Exit status: 0 when something answered, 1 when nothing did.
      if (m.exit_code > 1) {
        ++f.failures;
        std::fprintf(stderr, "hping3 %s exited %d: %.300s\n", address.c_str(), m.exit_code, m.err.c_str());
      }
      reports[address] = bench::parse_hping3(m.out + m.err, static_cast<std::uint32_t>(count));
    }
    account(f, hosts, before, reports, true);
    return f;
  }

  // `nmap -n -sn -PS PORT -iL FILE -oX -`: host discovery by SYN to PORT.
  Figures nmap(const std::vector<std::string>& argv, const std::vector<std::size_t>& hosts) const {
    const Snapshot before = snapshot(hosts);
    const bench::Measured m = run(argv);
    Figures f;
    f.tool = "nmap -sn -PS";
    f.wall_s = m.wall_s;
    f.cpu_s = m.cpu_s;
    f.max_rss_kb = m.max_rss_kb;
    if (m.exit_code != 0) {
      ++f.failures;
      std::fprintf(stderr, "nmap exited %d: %.300s\n", m.exit_code, m.err.c_str());
    }
    account(f, hosts, before, bench::parse_nmap_xml(m.out), false);
    return f;
  }

 private:
  std::vector<simnet::HostEntry> table_;
  bool record_ = false;
  bool realtime_ = false;
  std::unique_ptr<simnet::Network> network_;
  int fixture_cpu_ = -1;
  cpu_set_t pinger_cpus_{};
  std::vector<bench::Prefix> prefixes_;
};

double delay_of(std::uint32_t i) {
  return 1.0 + (i * 7919u % 8000u) / 1000.0;  // 1.000 - 8.999 ms
}

std::vector<std::size_t> range(std::size_t from, std::size_t to) {
  std::vector<std::size_t> r;
  for (std::size_t i = from; i < to; ++i) r.push_back(i);
  return r;
}

std::vector<std::string> semaphore_ping(const std::string& binary, int port, int count, int interval_ms,
                                        int timeout_ms, int rate, const std::string& file) {
  return {binary,
          "ping",
          "--tcp",
          std::to_string(port),
          "--json",
          "-c",
          std::to_string(count),
          "-i",
          std::to_string(interval_ms),
          "-t",
          std::to_string(timeout_ms),
          "--rate",
          std::to_string(rate),
          "-f",
          file};
}

void print_placement(int fixture_cpu) {
  if (fixture_cpu >= 0) {
    std::printf("the simulator's thread runs on CPU %d, the pingers on the other CPUs\n", fixture_cpu);
  } else {
    std::printf("one CPU: the simulator's thread and the pingers share it\n");
  }
}

// The ratio of two figures, "-" when either is missing.
std::string ratio(double theirs, double ours) {
  if (!(theirs > 0) || !(ours > 0)) return "-";
  char text[32];
  const double r = theirs / ours;
  std::snprintf(text, sizeof text, r < 1 ? "%.2gx" : "%.1fx", r);
  return text;
}

}  // namespace

static int run_bench(int argc, char** argv) {
  std::size_t hosts = 10'000, sample = 100;
  int rate = 10'000, runs = 3, count = 5, port = 443;
  std::string binary = SEMAPHORE_BINARY_PATH;
  bool peers = true;  // --peers no: semaphore alone
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--hosts") hosts = std::max<std::size_t>(10, std::stoul(value));
    if (flag == "--sample") sample = std::max<std::size_t>(2, std::stoul(value));
    if (flag == "--count") count = std::max(1, std::stoi(value));
    if (flag == "--rate") rate = std::stoi(value);
    if (flag == "--runs") runs = std::max(1, std::stoi(value));
    if (flag == "--semaphore") binary = value;
    if (flag == "--peers") peers = value != "no";
  }
  if (const std::string reason = bench::enter_simulated_network_namespace(); !reason.empty()) {
    std::fprintf(stderr, "tcp_vs_peers: skipped: %s\n", reason.c_str());
    return 0;
  }
  const bool hping3 = peers && std::system("command -v hping3 >/dev/null") == 0;
  const bool nmap = peers && std::system("command -v nmap >/dev/null") == 0;
  int status = 0;
  // Each network pins this process to the simulator's CPU; the next one must choose from all of them.
  cpu_set_t all_cpus;
  sched_getaffinity(0, sizeof all_cpus, &all_cpus);

  // 1. Accuracy on a sample: even hosts have the port open, odd ones closed. IPv4 (hping3 has no IPv6).
  {
    std::vector<simnet::HostEntry> table;
    for (std::uint32_t i = 0; i < sample; ++i) {
      simnet::Behaviour b{delay_of(i), 0, simnet::Mode::normal};
      (i % 2 == 0 ? b.tcp.open : b.tcp.closed)[0] = static_cast<std::uint16_t>(port);
      table.push_back({simnet::v4_host(i), b});
    }
    Bench bench(std::move(table), true);
    if (!bench.start()) return 1;
    const std::vector<std::size_t> all = range(0, sample);
    const std::string file = bench.host_file(all, "sample");
    constexpr int kInterval = 20, kTimeout = 500;
    std::printf(
        "tcp_vs_peers 1, accuracy: %zu simulated IPv4 hosts (1-9 ms), port %d open on half, closed on the "
        "other half; %d probes each, %d ms apart; RTT error against the delay the simulator applied (ms)\n",
        sample, port, count, kInterval);
    print_placement(bench.fixture_cpu());
    // Twice: as the tools run by default, and both under SCHED_FIFO (chrt -f 20), as the engine's accuracy
    // tests run it. What is timed in user space (a RST, for semaphore; everything, for hping3) waits for
    // the process to be woken and scheduled, which on a busy machine is the machine's figure, not the tool's.
    const bool chrt = std::system("chrt -f 20 true 2>/dev/null") == 0;
    for (const bool realtime : {false, true}) {
      if (realtime && !chrt) {
        std::printf("no SCHED_FIFO here (chrt -f 20 failed): the realtime pass is skipped\n");
        break;
      }
      bench.realtime(realtime);
      std::printf("%s\n", realtime ? "both under SCHED_FIFO (chrt -f 20):" : "at normal priority:");
      print_header();
      const Figures ours = bench.semaphore(
          "semaphore ping --tcp", semaphore_ping(binary, port, count, kInterval, kTimeout, rate, file), all);
      print(ours);
      status |= ours.failures > 0 || ours.mismatched_hosts > 0 ? 1 : 0;
      if (hping3) {
        const Figures theirs = bench.hping3(port, count, kInterval, all);
        print(theirs);
        std::printf(
            "ratios hping3/semaphore: cpu per probe %s; rtt error p99 open %s, closed %s; p50 open %s, "
            "closed "
            "%s\n",
            ratio(theirs.cpu_us_per_probe(), ours.cpu_us_per_probe()).c_str(),
            ratio(percentile(theirs.open_errors, 0.99), percentile(ours.open_errors, 0.99)).c_str(),
            ratio(percentile(theirs.closed_errors, 0.99), percentile(ours.closed_errors, 0.99)).c_str(),
            ratio(percentile(theirs.open_errors, 0.5), percentile(ours.open_errors, 0.5)).c_str(),
            ratio(percentile(theirs.closed_errors, 0.5), percentile(ours.closed_errors, 0.5)).c_str());
        std::printf("max error: hping3 open %.3f, closed %.3f; semaphore open %.3f, closed %.3f ms\n",
                    max_of(theirs.open_errors), max_of(theirs.closed_errors), max_of(ours.open_errors),
                    max_of(ours.closed_errors));
      } else {
        std::printf("hping3 not installed: no comparison\n");
      }
      std::printf("semaphore: %llu of its RTTs timed in user space (the RSTs), the others the kernel's\n",
                  static_cast<unsigned long long>(ours.user_space_rtts));
    }
  }
  sched_setaffinity(0, sizeof all_cpus, &all_cpus);

  // 2 and 3 at scale: IPv4 hosts 0..hosts-1 and a fifth as many IPv6 after them. Of every ten: seven open,
  // one open losing one SYN in three, one closed, one filtered.
  std::vector<simnet::HostEntry> table;
  const std::size_t v6 = hosts / 5;
  for (std::uint32_t i = 0; i < hosts + v6; ++i) {
    simnet::Behaviour b{delay_of(i), 0, simnet::Mode::normal};
    b.tcp.open[0] = static_cast<std::uint16_t>(port);
    if (i % 10 == 6) b.loss = 1.0 / 3;
    if (i % 10 == 7) b.tcp.open[0] = 0, b.tcp.closed[0] = static_cast<std::uint16_t>(port);
    if (i % 10 == 8) b.tcp.open[0] = 0;  // filtered
    table.push_back({i < hosts ? simnet::v4_host(i) : simnet::v6_host(i), b});
  }
  Bench bench(std::move(table), false);
  if (!bench.start()) return 1;
  const std::vector<std::size_t> v4 = range(0, hosts);
  const std::string v4_file = bench.host_file(v4, "v4");
  std::printf(
      "\ntcp_vs_peers 2, CPU at scale: %zu simulated IPv4 hosts (1-9 ms; of ten, 7 open, 1 open losing one "
      "SYN "
      "in 3, 1 closed, 1 filtered); one probe a host; RTT error against the table's delay; %d runs each, in "
      "turns\n",
      hosts, runs);
  print_placement(bench.fixture_cpu());
  print_header();
  const std::vector<std::string> ours_argv = semaphore_ping(binary, port, 1, 1000, 1000, rate, v4_file);
  // nmap's defaults but: -n (no reverse DNS), --min-rate (the rate semaphore is given), --max-retries 1 (a
  // lost SYN is sent again once; the default, 10, would spend ten times as long on the filtered tenth).
  const std::vector<std::string> nmap_argv = {"nmap",          "-n",
                                              "-sn",           "-PS" + std::to_string(port),
                                              "--min-rate",    std::to_string(rate),
                                              "--max-retries", "1",
                                              "-iL",           v4_file,
                                              "-oX",           "-"};
  if (nmap) {
    std::vector<Figures> theirs, ours;
    std::vector<double> ratios;
    for (int r = 0; r < runs; ++r) {
      theirs.push_back(bench.nmap(nmap_argv, v4));
      ours.push_back(bench.semaphore("semaphore ping --tcp -c 1", ours_argv, v4));
      ratios.push_back(theirs.back().cpu_us_per_probe() / ours.back().cpu_us_per_probe());
      std::printf("  pair %d: nmap %.2f, semaphore %.2f us of CPU per probe: %.1fx\n", r + 1,
                  theirs.back().cpu_us_per_probe(), ours.back().cpu_us_per_probe(), ratios.back());
      std::fflush(stdout);
    }
    auto median_run = [](std::vector<Figures> all) {
      std::sort(all.begin(), all.end(), [](const Figures& a, const Figures& b) {
        return a.cpu_us_per_probe() < b.cpu_us_per_probe();
      });
      return all[all.size() / 2];
    };
    const Figures their = median_run(theirs), our = median_run(ours);
    print(their);
    print(our);
    for (const Figures& f : ours) status |= f.failures > 0 || f.mismatched_hosts > 0 ? 1 : 0;
    std::sort(ratios.begin(), ratios.end());
    std::printf(
        "ratios nmap/semaphore: cpu per probe %.1fx (median of the %d pairs' ratios); of the median runs: "
        "wall "
        "%s, rtt error p99 open %s, closed %s\n",
        ratios[ratios.size() / 2], runs, ratio(their.wall_s, our.wall_s).c_str(),
        ratio(percentile(their.open_errors, 0.99), percentile(our.open_errors, 0.99)).c_str(),
        ratio(percentile(their.closed_errors, 0.99), percentile(our.closed_errors, 0.99)).c_str());
  } else {
    const Figures our = bench.semaphore("semaphore ping --tcp -c 1", ours_argv, v4);
    print(our);
    status |= our.failures > 0 || our.mismatched_hosts > 0 ? 1 : 0;
    std::printf("nmap not installed: no comparison\n");
  }

  // 3. semaphore alone: hosts hosts x 3, a fifth of them IPv6.
  std::vector<std::size_t> mixed = range(0, hosts - v6);
  for (std::size_t i = hosts; i < hosts + v6; ++i) mixed.push_back(i);
  std::printf("\ntcp_vs_peers 3, scale: %zu simulated hosts (%zu IPv6), 3 probes each, 1 s apart, at %d/s\n",
              mixed.size(), v6, rate);
  print_header();
  const Figures scale = bench.semaphore(
      "semaphore ping --tcp -c 3",
      semaphore_ping(binary, port, 3, 1000, 1000, rate, bench.host_file(mixed, "mixed")), mixed);
  print(scale);
  status |= scale.failures > 0 || scale.mismatched_hosts > 0 || scale.left.total > 0 ? 1 : 0;
  std::printf(
      "semaphore: %zu probes, %zu answered (sent, received and refused equal the simulator's on %zu of %zu "
      "hosts); at most %llu sockets open at once; %.1f MB peak RSS; afterwards %zu TCP sockets toward the "
      "simulated prefixes (%zu in TIME_WAIT)\n",
      scale.probes, scale.received, scale.hosts - scale.mismatched_hosts, scale.hosts,
      static_cast<unsigned long long>(scale.open_sockets_peak), static_cast<double>(scale.max_rss_kb) / 1024,
      scale.left.total, scale.left.time_wait);
  const simnet::Stats s = bench.network().stats();
  std::printf(
      "simulator: %llu requests, %llu replies; its own reply lateness p50 %.0f us, p99 %.0f us, max %.0f "
      "us\n",
      static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.replies),
      s.lateness_p50_us, s.lateness_p99_us, s.lateness_max_us);
  return status;
}

int main(int argc, char** argv) {
  return semaphore::bench::guarded_main("bench_tcp_vs_peers", argc, argv, run_bench);
}
