// bench_scale (issue 17): Semaphore at a million hosts, in two parts, each over the simulated network
// (tests/fixtures/simnet) in a private network namespace of its own.
//
// 1. Workers: K `semaphore probe` processes share K x N simulated hosts through their leases on one throwaway
//    PostgreSQL, at a shortened interval. Each interval it prints the rows ingested per second, the workers'
//    CPU per host per round (/proc), PostgreSQL's CPU (the postmaster and its children, /proc) and the disk
//    per row (database growth / rows inserted); per round, the share of hosts with their row. Then one worker
//    is killed with SIGKILL in the middle of a round, and per round after it, how many of its hosts the
//    others covered (rows per host per round): they should all be covered within 2 intervals.
// 2. Engine: `semaphore ping` alone over E simulated hosts x C probes, each host's probes 12 s apart (5 a
//    minute), at E / 12 probes per second (83,334 for a million): the rate the engine really sent at (the
//    simulator's first to last request), CPU share of one core, RTT error against the simulator's truth (the
//    delay each reply really got, p50/p99/max; and against the table's delay), accounting per host against
//    the simulator's counters (every probe reported answered exactly when the simulator answered it), and
//    memory per host (peak RSS growth from E/2 to E hosts, one probe each at the same rate, medians of three
//    runs; --engine-memory no skips them).
//
// The simulated hosts live in 10.64.0.0/12 (1,048,574 addresses), routed only into the bench's own TUN
// device: simnet's default 10.250.0.0/15 holds 131,072. Every sampled route is checked before a probe goes.
//
//   bench_scale [--parts workers,engine] [--workers 4] [--hosts-per-worker 250000] [--interval 60]
//               [--rounds 3] [--after-kill 3] [--warmup-max 10] [--engine-hosts 1000000] [--engine-count 5]
//               [--engine-rate 0 (= hosts / 12 s)] [--engine-timeout 700] [--engine-realtime yes]
//               [--engine-memory yes]
//               [--deadline 3600] [--keep-logs DIR (the workers' logs, copied there at the end)]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "guarded_main.h"
#include "measure.h"
#include "simnet/network.h"
#include "simnet_bench.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/shell_database.h"
#include "support/temp_dir.h"
#include "tools.h"

namespace {

using namespace semaphore;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kPrefix = "10.64.0.0/12";
constexpr std::uint32_t kPrefixBase = (10u << 24) | (64u << 16);
constexpr std::uint32_t kPrefixSize = 1u << 20;

struct Config {
  std::vector<std::string> parts = {"workers", "engine"};
  int workers = 4;
  std::uint32_t hosts_per_worker = 250'000;
  int interval_s = 60;
  int rounds = 3;
  int after_kill = 3;
  int warmup_max = 10;
  std::uint32_t engine_hosts = 1'000'000;
  int engine_count = 5;
  double engine_rate = 0;  // 0: engine_hosts / 12 s (5 probes a minute per host)
  // The engine binds each probe's 16-bit ICMP sequence for timeout + a tenth (probe/sequence_map.h), so one
  // address family sends at most 65,536 / 1.1 s = 59,578 probes/s with a 1 s timeout; 83,334/s needs
  // at most 0.7 s (the hosts answer within 9 ms).
  int engine_timeout_ms = 700;
  bool engine_realtime = true;  // run semaphore ping under `chrt -f 20` (when chrt is there)
  bool engine_memory = true;    // the memory-per-host runs after the full one
  int deadline_s = 3600;
  std::string keep_logs;  // a directory for the workers' logs (the bench's own directory goes at its end)
};

// The i-th simulated host: 10.64.0.1 + i.
IpAddress scale_host(std::uint32_t index) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(kPrefixBase + 1 + index);
  return *IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&address));
}

simnet::Options scale_options() {
  simnet::Options options;
  options.v4_prefix = kPrefix;
  return options;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

long long to_ll(const std::string& text) {
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return -1;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Part 1: K probe workers against one PostgreSQL.

struct Sample {
  double at_s = 0;  // since the workers started
  long long inserted = 0, leased = 0;
  long long longest_query_s = 0;  // the longest-running statement of the workers at the sample
  double workers_cpu = 0, pg_cpu = 0, db_bytes = 0;
};

class WorkersBench {
 public:
  WorkersBench(const Config& config, std::string binary) : config_(config), binary_(std::move(binary)) {
    total_ = static_cast<std::uint32_t>(config.workers) * config.hosts_per_worker;
  }

  int run() {
    if (total_ >= kPrefixSize - 2) {
      std::fprintf(stderr, "bench_scale: %u hosts do not fit in %s\n", total_, kPrefix);
      return 1;
    }
    std::vector<simnet::HostEntry> table;
    table.reserve(total_);
    for (std::uint32_t i = 0; i < total_; ++i) {
      // 0.5-10 ms, and one host in a hundred silent: the round has timeouts to wait for (as bench/service).
      table.push_back(
          {scale_host(i),
           {0.5 + (i % 20) * 0.5, 0, i % 100 == 99 ? simnet::Mode::silent : simnet::Mode::normal}});
    }
    simnet::Options options = scale_options();
    // One wake-up per millisecond and no spinning (as bench/soak): throughput, not sub-0.1 ms timing, and
    // not pinned: the workers and PostgreSQL need both CPUs of a small machine.
    options.scan_interval_ns = 1'000'000;
    options.spin = false;
    auto network = bench::start_simulated_network(options, std::move(table), /*pin=*/false);
    if (!network) {
      std::fprintf(stderr, "bench_scale: simnet: %s\n", network.error().message.c_str());
      return 1;
    }
    network_ = std::move(network->network);

    db_.server = std::make_unique<testing::PostgresServer>();
    db_.url = db_.server->create_database("scale");
    if (testing::run_command({binary_, "migrate", "--db", db_.url}).exit_code != 0) {
      std::fprintf(stderr, "bench_scale: migrate failed\n");
      return 1;
    }
    const auto seeding = Clock::now();
    seed();
    std::printf("\nworkers: %d x %u = %u simulated hosts (%s), 5 probes each, %d s interval; PostgreSQL %s\n",
                config_.workers, config_.hosts_per_worker, total_, kPrefix, config_.interval_s,
                db_.sql("SHOW server_version;").c_str());
    std::printf("  seeded %u hosts in %.1f s; load average %s\n", total_, seconds_since(seeding),
                load_average().c_str());
    postmaster_ = postmaster_pid();

    start_workers();
    const int status = measure();
    stop_workers();
    report_rounds();
    keep_logs();
    return status;
  }

 private:
  void seed() const {
    // Host i is 10.64.0.1 + i, ids 1..total in that order.
    db_.sql(
        "BEGIN;\n"
        "INSERT INTO users (email, password_hash, is_admin, created_at) VALUES ('bench@example.com', 'x', 1, "
        "0);\n"
        "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) "
        "SELECT 1, ((v >> 24) & 255) || '.' || ((v >> 16) & 255) || '.' || ((v >> 8) & 255) || '.' || (v & "
        "255), 'Other', '', '', 1, 0 FROM (SELECT " +
        std::to_string(kPrefixBase) + "::bigint + 1 + i AS v FROM generate_series(0, " +
        std::to_string(total_ - 1) +
        ") AS i) AS s ORDER BY v;\n"
        "COMMIT;\nANALYZE hosts;\n");
  }

  pid_t postmaster_pid() const {
    std::string dir = db_.sql("SHOW data_directory;");
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
    std::ifstream in(dir + "/postmaster.pid");
    long pid = 0;
    in >> pid;
    return static_cast<pid_t>(pid);
  }

  void start_workers() {
    // Each worker may send its share's probes in 40 % of the interval: the rate is a cap, not a pace.
    const double rate = std::max(10'000.0, 5.0 * config_.hosts_per_worker / (0.4 * config_.interval_s));
    for (int k = 0; k < config_.workers; ++k) {
      const std::string id = "w" + std::to_string(k);
      workers_.push_back(std::make_unique<testing::ChildProcess>(
          std::vector<std::string>{
              binary_, "probe", "--db", db_.url, "--interval", std::to_string(config_.interval_s) + "s",
              "--probes", "5", "--rate", std::to_string(static_cast<long>(rate)), "--worker-id", id,
              "--spool-dir", dir_.file("spool-" + id), "--maintenance-every", "1h", "--path-interval", "0"},
          dir_.file(id + ".log")));
    }
    started_ = Clock::now();
  }

  Sample sample() const {
    Sample s;
    s.at_s = seconds_since(started_);
    // Inserted tuples as the statistics count them (cheap; counting the rows would scan them).
    s.inserted = to_ll(db_.sql(
        "SELECT COALESCE(sum(n_tup_ins), 0) FROM pg_stat_user_tables WHERE relname LIKE 'ping_results%';"));
    s.leased = to_ll(db_.sql(
        "SELECT count(*) FROM host_leases WHERE expires_at > (extract(epoch FROM now()) * 1000)::bigint;"));
    s.db_bytes = static_cast<double>(to_ll(db_.sql("SELECT pg_database_size(current_database());")));
    s.longest_query_s = to_ll(db_.sql(
        "SELECT COALESCE(max(extract(epoch FROM now() - query_start)), 0)::bigint FROM pg_stat_activity "
        "WHERE state = 'active' AND datname = current_database() AND pid <> pg_backend_pid();"));
    for (std::size_t k = 0; k < workers_.size(); ++k) {
      if (k == 0 && killed_) {
        s.workers_cpu += dead_cpu_;
        continue;
      }
      s.workers_cpu += std::max(0.0, bench::cpu_seconds_with_reaped(workers_[k]->pid()));
    }
    s.pg_cpu = bench::process_tree_cpu_seconds(postmaster_);
    return s;
  }

  // Sleeps until the middle of the next round (rounds start at multiples of the interval, epoch-aligned).
  void wait_mid_round() const {
    const EpochMs interval = config_.interval_s * 1000LL;
    const EpochMs now = now_epoch_ms();
    EpochMs at = now - now % interval + interval / 2;
    if (at <= now + 1000) at += interval;
    std::this_thread::sleep_for(std::chrono::milliseconds(at - now));
  }

  void print_header() const {
    std::printf("  %7s %-10s %9s %10s %12s %10s %12s %9s %8s\n", "t s", "phase", "leased", "ins/s",
                "wcpu us/h/r", "pg %core", "disk B/row", "longest q", "load1");
  }

  // Per interval: inserts per second (the statistics' count, seconds behind), the workers' CPU per host of
  // the whole table per round, PostgreSQL's share of a core, database growth per insert.
  void print_delta(const Sample& a, const Sample& b, const char* phase) const {
    const double dt = b.at_s - a.at_s;
    const double rows = static_cast<double>(b.inserted - a.inserted);
    const double rounds = dt / config_.interval_s;
    const std::string load = load_average();
    std::printf("  %7.0f %-10s %9lld %10.0f %12.2f %10.1f %12.1f %9lld %8s\n", b.at_s, phase, b.leased,
                rows / dt, 1e6 * (b.workers_cpu - a.workers_cpu) / total_ / std::max(rounds, 1e-9),
                100 * (b.pg_cpu - a.pg_cpu) / dt, rows > 0 ? (b.db_bytes - a.db_bytes) / rows : 0.0,
                b.longest_query_s, load.substr(0, load.find(' ')).c_str());
    std::fflush(stdout);
  }

  bool past_deadline() const { return seconds_since(started_) > config_.deadline_s; }

  int measure() {
    print_header();
    Sample previous = sample();
    // Warm-up: the workers claim their leases a budget at a time (min(2 s, interval/10) a round).
    int warmup = 0;
    for (; warmup < config_.warmup_max && !past_deadline(); ++warmup) {
      wait_mid_round();
      const Sample s = sample();
      print_delta(previous, s, "warm-up");
      previous = s;
      if (s.leased >= total_) break;
    }
    if (previous.leased < total_) {
      std::printf("  after %d rounds the workers hold %lld of %u hosts: measuring anyway\n", warmup,
                  previous.leased, total_);
    }
    measured_from_ = now_epoch_ms();
    const Sample first = previous;
    for (int r = 0; r < config_.rounds && !past_deadline(); ++r) {
      wait_mid_round();
      const Sample s = sample();
      print_delta(previous, s, "measured");
      previous = s;
    }
    measured_ = {first, previous};
    for (const auto& worker : workers_) workers_peak_kb_ += bench::peak_rss_kb(worker->pid());

    // The kill: in the middle of a round, the hosts the worker held then are noted, and it gets SIGKILL.
    db_.sql("CREATE TABLE bench_dead_hosts AS SELECT host_id FROM host_leases WHERE worker_id = 'w0';");
    dead_hosts_ = to_ll(db_.sql("SELECT count(*) FROM bench_dead_hosts;"));
    dead_cpu_ = std::max(0.0, bench::cpu_seconds_with_reaped(workers_[0]->pid()));
    killed_at_ = now_epoch_ms();
    workers_[0]->stop(SIGKILL, 10s);
    killed_ = true;
    std::printf("  killed worker w0 (SIGKILL) holding %lld hosts\n", dead_hosts_);
    for (int r = 0; r < config_.after_kill && !past_deadline(); ++r) {
      wait_mid_round();
      const Sample s = sample();
      print_delta(previous, s, "after kill");
      previous = s;
    }
    return 0;
  }

  void stop_workers() {
    stopping_at_ = now_epoch_ms();
    // SIGTERM lets each round in flight finish, so the last round's rows are complete.
    for (std::size_t k = 0; k < workers_.size(); ++k) {
      if (k == 0 && killed_) continue;
      const int code = workers_[k]->stop(SIGTERM, std::chrono::seconds(config_.interval_s + 60));
      if (code != 0) {
        const std::string log = workers_[k]->log();
        std::fprintf(stderr, "worker w%zu exited %d; its log ends:\n%s\n", k, code,
                     log.substr(log.size() > 2000 ? log.size() - 2000 : 0).c_str());
      }
    }
  }

  // The workers' logs say who claimed and released how many hosts when (the leases' hand-over).
  void keep_logs() const {
    if (config_.keep_logs.empty()) return;
    std::error_code error;
    std::filesystem::create_directories(config_.keep_logs, error);
    for (std::size_t k = 0; k < workers_.size() && !error; ++k) {
      const std::string name = "w" + std::to_string(k) + ".log";
      std::filesystem::copy_file(dir_.file(name), std::filesystem::path(config_.keep_logs) / name,
                                 std::filesystem::copy_options::overwrite_existing, error);
    }
    if (error) {
      std::fprintf(stderr, "bench_scale: cannot keep the workers' logs in %s: %s\n",
                   config_.keep_logs.c_str(), error.message().c_str());
    } else {
      std::printf("  the workers' logs: %s/w*.log\n", config_.keep_logs.c_str());
    }
  }

  void report_rounds() const {
    const EpochMs interval = config_.interval_s * 1000LL;
    const std::string per_round = db_.sql(
        "SELECT r.ts, count(*), count(d.host_id) FROM ping_results r LEFT JOIN bench_dead_hosts d "
        "USING (host_id) GROUP BY r.ts ORDER BY r.ts;");
    std::printf("  per round: hosts with their row (of %u), and of the killed worker's %lld hosts\n", total_,
                dead_hosts_);
    std::printf("  %16s %-10s %10s %9s %12s %9s\n", "round at (kill=0)", "phase", "rows", "share", "killed's",
                "share");
    std::istringstream lines(per_round);
    std::string line;
    long long on_time = 0, expected = 0, measured_rounds = 0;
    std::vector<double> after_kill;  // pairs: intervals from the kill to the round's start, share covered
    EpochMs covered_at = 0;
    while (std::getline(lines, line)) {
      std::replace(line.begin(), line.end(), '|', ' ');
      std::istringstream fields(line);
      long long ts = 0, rows = 0, dead = 0;
      if (!(fields >> ts >> rows >> dead)) continue;
      // A round that starts once the workers are being stopped (one after the other) is partial.
      const char* phase = ts < measured_from_ - interval / 2 ? "warm-up"
                          : ts + interval <= killed_at_      ? "measured"
                          : ts < killed_at_                  ? "the kill"
                          : ts < stopping_at_                ? "after kill"
                                                             : "stopping";
      if (ts + interval <= killed_at_ && ts >= measured_from_ - interval / 2) {
        on_time += rows;
        expected += total_;
        ++measured_rounds;
      }
      if (ts > killed_at_ && ts < stopping_at_ && covered_at == 0 && dead >= dead_hosts_) covered_at = ts;
      if (ts > killed_at_ && ts < stopping_at_ && dead_hosts_ > 0) {
        after_kill.push_back(static_cast<double>(ts - killed_at_) / static_cast<double>(interval));
        after_kill.push_back(static_cast<double>(dead) / static_cast<double>(dead_hosts_));
      }
      std::printf("  %16.1f %-10s %10lld %9.4f %12lld %9.4f\n", static_cast<double>(ts - killed_at_) / 1000.0,
                  phase, rows, static_cast<double>(rows) / total_, dead,
                  dead_hosts_ > 0 ? static_cast<double>(dead) / static_cast<double>(dead_hosts_) : 0.0);
    }
    // The measured window runs from the middle of one round to the middle of a later one; its rounds' rows
    // are counted exactly (the statistics' count lags by seconds), and the window holds window_rounds
    // rounds' worth of them (the round the kill fell in is not counted: the killed worker's rows are lost).
    const auto& [a, b] = measured_;
    const double dt = b.at_s - a.at_s, window_rounds = dt / config_.interval_s;
    const double rows_per_round =
        static_cast<double>(on_time) / std::max(1.0, static_cast<double>(measured_rounds));
    const double rows = rows_per_round * window_rounds;
    std::printf(
        "  measured (%lld rounds, %.0f s): %.0f rows/s ingested; workers %.2f us of CPU per host per round "
        "(%.1f%% of a core each); PostgreSQL %.1f%% of a core, %.1f us of its CPU per row; disk %.1f B per "
        "row\n",
        measured_rounds, dt, rows_per_round / config_.interval_s,
        1e6 * (b.workers_cpu - a.workers_cpu) / total_ / std::max(window_rounds, 1e-9),
        100 * (b.workers_cpu - a.workers_cpu) / std::max(dt, 1e-9) / config_.workers,
        100 * (b.pg_cpu - a.pg_cpu) / std::max(dt, 1e-9), 1e6 * (b.pg_cpu - a.pg_cpu) / std::max(rows, 1.0),
        rows > 0 ? (b.db_bytes - a.db_bytes) / rows : 0.0);
    std::printf("  workers' peak RSS: %.1f MB together, %.0f bytes per host\n",
                static_cast<double>(workers_peak_kb_) / 1024,
                static_cast<double>(workers_peak_kb_) * 1024 / total_);
    std::printf("  host-rounds on time in the measured rounds: %lld of %lld (%.4f)\n", on_time, expected,
                expected > 0 ? static_cast<double>(on_time) / static_cast<double>(expected) : 0.0);
    for (std::size_t i = 0; i + 1 < after_kill.size(); i += 2) {
      std::printf("  the killed worker's hosts covered in the round %.1f intervals after the kill: %.4f\n",
                  after_kill[i], after_kill[i + 1]);
    }
    if (covered_at != 0) {
      std::printf(
          "  the killed worker's hosts: all covered from the round at %.1f intervals after the kill (goal: "
          "within 2)\n",
          static_cast<double>(covered_at - killed_at_) / static_cast<double>(interval));
    } else {
      std::printf("  the killed worker's hosts: not all covered in any round before the end (%d intervals)\n",
                  config_.after_kill);
    }
    std::printf("  load average at the end: %s\n", load_average().c_str());
  }

  const Config& config_;
  std::string binary_;
  std::uint32_t total_ = 0;
  testing::TempDir dir_{"semaphore-scale"};
  std::unique_ptr<simnet::Network> network_;
  testing::ShellDatabase db_;
  pid_t postmaster_ = 0;
  std::vector<std::unique_ptr<testing::ChildProcess>> workers_;
  Clock::time_point started_;
  EpochMs measured_from_ = 0, killed_at_ = 0, stopping_at_ = 0;
  std::pair<Sample, Sample> measured_;
  long long dead_hosts_ = 0;
  double dead_cpu_ = 0;
  long workers_peak_kb_ = 0;  // the sum of the workers' peak RSS at the end of the measured rounds
  bool killed_ = false;
};

// ---------------------------------------------------------------------------------------------------------
// Part 2: the engine alone.

struct EngineFigures {
  std::size_t hosts = 0, probes = 0, received = 0, lost = 0, phantom = 0, miscounted = 0, unreached = 0;
  double rate = 0, wall_s = 0, cpu_s = 0, p50 = NAN, p99 = NAN, max = NAN;
  double nominal_p50 = NAN, nominal_p99 = NAN;  // against the table's delay: the simulator's lateness counts
  double send_span_s = 0, sent_rate = 0;        // first to last request, by the simulator's stamps
  std::uint64_t span_requests = 0;              // the requests the simulator saw in that span
  long peak_kb = 0;
  std::uint64_t late = 0, receive_drops = 0, send_errors = 0;
  int exit_code = 0;
};

class EngineBench {
 public:
  EngineBench(const Config& config, std::string binary) : config_(config), binary_(std::move(binary)) {}

  int run() {
    const std::uint32_t hosts = config_.engine_hosts;
    if (hosts >= kPrefixSize - 2 || hosts < 2) {
      std::fprintf(stderr, "bench_scale: %u engine hosts do not fit in %s\n", hosts, kPrefix);
      return 1;
    }
    table_.reserve(hosts);
    for (std::uint32_t i = 0; i < hosts; ++i) {
      // As bench/ping_vs_fping: 1.000-8.999 ms, 5 % silent, 5 % losing one probe in three.
      simnet::Behaviour b{1.0 + (i * 7919u % 8000u) / 1000.0, 0, simnet::Mode::normal};
      if (i % 20 == 0) b.mode = simnet::Mode::silent;
      if (i % 20 == 1) b.loss = 1.0 / 3;
      table_.push_back({scale_host(i), b});
    }
    simnet::Options options = scale_options();
    options.scan_interval_ns = 50'000;  // as bench/ping_vs_fping: the shortest delay is 1 ms
    options.spin = false;
    // The truth each RTT is compared with: the delay a reply really got, from its request's departure to its
    // own arrival (both stamped by the kernel at the device). The table's delay would charge the engine with
    // the simulator's own lateness, which is not a pinger's error (printed apart).
    options.record_delays = true;
    auto started = bench::start_simulated_network(options, table_);
    if (!started) {
      std::fprintf(stderr, "bench_scale: simnet: %s\n", started.error().message.c_str());
      return 1;
    }
    sim_ = std::move(*started);
    const double rate = config_.engine_rate > 0 ? config_.engine_rate : hosts / 12.0;
    std::printf(
        "\nengine: semaphore ping over %u simulated hosts (%s; 1-9 ms, 5%% silent, 5%% losing 1 in 3), "
        "%d probes each 12 s apart, --rate %.0f, -t %d ms%s; load average %s\n",
        hosts, kPrefix, config_.engine_count, rate, config_.engine_timeout_ms,
        config_.engine_realtime ? ", under chrt -f 20" : "", load_average().c_str());
    if (sim_.fixture_cpu >= 0) {
      std::printf("  the simulator's thread runs on CPU %d, the pinger on the others\n", sim_.fixture_cpu);
    }
    std::printf("  %8s %9s %8s %8s %8s %9s %8s %8s %8s %7s %8s %9s %7s %9s\n", "hosts", "probes", "wall s",
                "sent/s", "cpu s", "%core", "err p50", "err p99", "err max", "lost", "phantom", "miscount",
                "late", "rss MB");
    const EngineFigures full = measure(hosts, rate, config_.engine_count);
    // The rate held is what the simulator saw: its first to its last request (the kernel's send stamps).
    // The process's wall time also holds reading a million-line host file before the first probe and
    // writing a million hosts' JSON after the last, to a reader that shares its CPU with the simulator.
    std::printf(
        "  at %zu hosts: %.1f%% of one core over the run (%.2f us of CPU per probe, start-up and output "
        "included); %.0f probes/s offered; sent at %.0f probes/s (%zu probes from the first to the last in "
        "%.2f s, at the offered rate %.2f s); wall %.1f s\n",
        full.hosts, 100 * full.cpu_s / full.wall_s, 1e6 * full.cpu_s / static_cast<double>(full.probes),
        full.rate, full.sent_rate, static_cast<std::size_t>(full.span_requests), full.send_span_s,
        static_cast<double>(full.probes - 1) / full.rate, full.wall_s);
    std::printf(
        "  RTT error against the simulator's truth (the delay each reply really got): p50 %.3f ms, "
        "p99 %.3f ms (goal <= 0.1), max %.3f ms\n",
        full.p50, full.p99, full.max);
    std::printf(
        "  (against the table's delay, the simulator's lateness included: p50 %.3f ms, p99 %.3f ms)\n",
        full.nominal_p50, full.nominal_p99);
    std::printf(
        "  accounting: %zu probes, %zu answered by the simulator and reported; %zu lost, %zu phantom, %zu "
        "hosts whose count differs, %zu probes the simulator never saw\n",
        full.probes, full.received, full.lost, full.phantom, full.miscounted, full.unreached);
    // Memory per host: the growth of the peak RSS from half the hosts to all of them (one probe each, at the
    // same rate: the reply ring, mapped into the process, is sized by the rate and counts in its RSS), so
    // that what any run holds (code, socket buffers, reply rings, sequence tables) is the base. Three runs of
    // each size in turns, each counted with its median peak: one run's peak moves with how far the receiver
    // fell behind.
    if (!config_.engine_memory) return print_simulator_stats(full);
    const std::uint32_t half = hosts / 2;
    std::vector<long> halves, fulls;
    for (int i = 0; i < 3; ++i) {
      halves.push_back(measure(half, rate, 1).peak_kb);
      fulls.push_back(measure(hosts, rate, 1).peak_kb);
    }
    std::sort(halves.begin(), halves.end());
    std::sort(fulls.begin(), fulls.end());
    const double per_host =
        static_cast<double>(fulls[1] - halves[1]) * 1024 / static_cast<double>(hosts - half);
    std::printf(
        "  memory: %.0f bytes per host (median peak RSS %.1f MB at %u hosts, %.1f MB at %u), %.1f MB "
        "beyond\n",
        per_host, static_cast<double>(halves[1]) / 1024, half, static_cast<double>(fulls[1]) / 1024, hosts,
        static_cast<double>(fulls[1]) / 1024 - per_host * hosts / 1048576);
    return print_simulator_stats(full);
  }

 private:
  int print_simulator_stats(const EngineFigures& full) {
    const simnet::Stats s = sim_.network->stats();
    std::printf(
        "  simulator (all runs): %llu requests, %llu replies; its reply lateness p50 %.0f us, p99 %.0f us, "
        "max %.0f us (the histogram's last bucket: 100 ms and over); its tap dropped %llu packets, %llu "
        "replies never seen arriving; load average %s\n",
        static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.replies),
        s.lateness_p50_us, s.lateness_p99_us, s.lateness_max_us, static_cast<unsigned long long>(s.tap_drops),
        static_cast<unsigned long long>(s.unsettled_replies), load_average().c_str());
    return full.exit_code > 1 ? 1 : 0;
  }

  EngineFigures measure(std::uint32_t hosts, double rate, int count) {
    const std::string file = dir_.file("hosts-" + std::to_string(hosts));
    {
      std::ofstream out(file);
      for (std::uint32_t i = 0; i < hosts; ++i) out << table_[i].address.to_string() << '\n';
    }
    std::vector<simnet::HostCounters> before(hosts);
    for (std::uint32_t i = 0; i < hosts; ++i) before[i] = sim_.network->counters(i);
    std::vector<std::size_t> applied_before(hosts);
    {
      const std::vector<std::vector<double>> applied = sim_.network->all_applied_delays_ms();
      for (std::uint32_t i = 0; i < hosts; ++i) applied_before[i] = applied[i].size();
    }
    std::vector<std::string> argv;
    // Under SCHED_FIFO when asked (as bench/tcp_vs_peers' second pass): the engine sends one batch a
    // wake-up, and on a machine loaded by others its wake-ups come late.
    if (config_.engine_realtime) argv = {"chrt", "-f", "20"};
    const std::vector<std::string> ping = {binary_,
                                           "ping",
                                           "--json",
                                           "-c",
                                           std::to_string(count),
                                           "-i",
                                           "12000",
                                           "-t",
                                           std::to_string(config_.engine_timeout_ms),
                                           "--rate",
                                           std::to_string(rate),
                                           "-f",
                                           file};
    argv.insert(argv.end(), ping.begin(), ping.end());
    sim_.network->restart_request_span();
    const std::uint64_t tap_drops_before = sim_.network->stats().tap_drops;
    const bench::Measured m = bench::run_measured(argv, &sim_.pinger_cpus);
    const simnet::Stats span = sim_.network->stats();
    std::printf(
        "  the simulator's longest pause in this run: %.1f ms, ending %.1f s after the first request\n",
        static_cast<double>(span.longest_pause_ns) / 1e6,
        static_cast<double>(span.longest_pause_end_ns - span.span_first_ns) / 1e9);
    if (span.tap_drops > tap_drops_before) {
      std::printf("  the simulator's tap dropped %llu packets in this run\n",
                  static_cast<unsigned long long>(span.tap_drops - tap_drops_before));
    }
    EngineFigures f;
    f.hosts = hosts;
    f.rate = rate;
    f.probes = static_cast<std::size_t>(hosts) * static_cast<std::size_t>(count);
    f.wall_s = m.wall_s;
    f.cpu_s = m.cpu_s;
    f.peak_kb = m.max_rss_kb;
    f.exit_code = m.exit_code;
    f.span_requests = span.span_requests;
    f.send_span_s = static_cast<double>(span.span_last_ns - span.span_first_ns) / 1e9;
    if (span.span_requests > 1 && f.send_span_s > 0)
      f.sent_rate = static_cast<double>(span.span_requests - 1) / f.send_span_s;
    f.late = bench::semaphore_engine_counter(m.out, "late");
    f.receive_drops = bench::semaphore_engine_counter(m.out, "receive_drops");
    f.send_errors = bench::semaphore_engine_counter(m.out, "send_errors");
    const bench::Reported reported = bench::parse_semaphore_json(m.out);
    const std::vector<std::vector<double>> applied = sim_.network->all_applied_delays_ms();
    std::vector<double> errors, nominal_errors;
    errors.reserve(f.probes);
    nominal_errors.reserve(f.probes);
    for (std::uint32_t i = 0; i < hosts; ++i) {
      const simnet::HostCounters after = sim_.network->counters(i);
      const std::size_t answered = after.replies - before[i].replies;
      const std::size_t requests = after.requests - before[i].requests;
      if (requests < static_cast<std::size_t>(count))
        f.unreached += static_cast<std::size_t>(count) - requests;
      std::size_t got = 0;
      if (auto it = reported.find(table_[i].address.to_string()); it != reported.end()) {
        // A host's probes are 12 s apart, so its replies went out in its probes' order: the k-th reply the
        // simulator sent answers the k-th probe it did not drop. A probe reported lost whose reply went out
        // after the timeout still has its reply's delay here: skipped with it.
        std::size_t k = applied_before[i];
        const std::vector<double>& truth = applied[i];
        for (const double rtt : it->second) {
          if (rtt < 0) {
            if (k < truth.size() && truth[k] >= config_.engine_timeout_ms) ++k;
            continue;
          }
          ++got;
          nominal_errors.push_back(std::fabs(rtt - table_[i].behaviour.delay_ms));
          if (k < truth.size()) errors.push_back(std::fabs(rtt - truth[k++]));
        }
      }
      f.received += std::min(got, answered);
      if (answered > got) f.lost += answered - got;
      if (got > answered) f.phantom += got - answered;
      if (got != answered) ++f.miscounted;
    }
    f.p50 = bench::percentile(errors, 0.50);
    f.p99 = bench::percentile(errors, 0.99);
    f.max = errors.empty() ? NAN : *std::max_element(errors.begin(), errors.end());
    f.nominal_p50 = bench::percentile(nominal_errors, 0.50);
    f.nominal_p99 = bench::percentile(nominal_errors, 0.99);
    if (errors.size() != nominal_errors.size()) {
      std::printf("  %zu of %zu RTTs had no recorded delay to compare with\n",
                  nominal_errors.size() - errors.size(), nominal_errors.size());
    }
    std::printf("  %8zu %9zu %8.1f %8.0f %8.1f %9.1f %8.3f %8.3f %8.3f %7zu %8zu %9zu %7llu %9.1f\n", f.hosts,
                f.probes, f.wall_s, f.sent_rate, f.cpu_s, 100 * f.cpu_s / f.wall_s, f.p50, f.p99, f.max,
                f.lost, f.phantom, f.miscounted, static_cast<unsigned long long>(f.late),
                static_cast<double>(f.peak_kb) / 1024);
    if (m.exit_code > 1)
      std::fprintf(stderr, "semaphore ping exited %d: %.300s\n", m.exit_code, m.err.c_str());
    if (f.receive_drops > 0 || f.send_errors > 0) {
      std::printf("  the engine counted %llu receive drops and %llu send errors\n",
                  static_cast<unsigned long long>(f.receive_drops),
                  static_cast<unsigned long long>(f.send_errors));
    }
    std::fflush(stdout);
    return f;
  }

  const Config& config_;
  std::string binary_;
  testing::TempDir dir_{"semaphore-scale-engine"};
  std::vector<simnet::HostEntry> table_;
  bench::SimulatedNetwork sim_;
};

int run_bench(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--parts") {
      config.parts.clear();
      std::stringstream list(value);
      for (std::string p; std::getline(list, p, ',');) config.parts.push_back(p);
    } else if (name == "--workers") {
      config.workers = std::max(2, std::stoi(value));
    } else if (name == "--hosts-per-worker") {
      config.hosts_per_worker = static_cast<std::uint32_t>(std::stoul(value));
    } else if (name == "--interval") {
      config.interval_s = std::max(5, std::stoi(value));
    } else if (name == "--rounds") {
      config.rounds = std::max(1, std::stoi(value));
    } else if (name == "--after-kill") {
      config.after_kill = std::max(1, std::stoi(value));
    } else if (name == "--warmup-max") {
      config.warmup_max = std::max(1, std::stoi(value));
    } else if (name == "--engine-hosts") {
      config.engine_hosts = static_cast<std::uint32_t>(std::stoul(value));
    } else if (name == "--engine-count") {
      config.engine_count = std::max(1, std::stoi(value));
    } else if (name == "--engine-rate") {
      config.engine_rate = std::stod(value);
    } else if (name == "--engine-timeout") {
      config.engine_timeout_ms = std::max(10, std::stoi(value));
    } else if (name == "--engine-realtime") {
      config.engine_realtime = value == "yes";
    } else if (name == "--engine-memory") {
      config.engine_memory = value == "yes";
    } else if (name == "--deadline") {
      config.deadline_s = std::stoi(value);
    } else if (name == "--keep-logs") {
      config.keep_logs = value;
    } else {
      std::fprintf(stderr, "bench_scale: unknown option %s\n", name.c_str());
      return 2;
    }
  }
  if (const std::string reason = bench::enter_simulated_network_namespace(); !reason.empty()) {
    std::fprintf(stderr, "bench_scale: skipped: %s\n", reason.c_str());
    return 0;
  }
  std::printf("bench_scale: %ld CPUs, %.1f GiB of memory; load average %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
              static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGESIZE)) /
                  (1024.0 * 1024 * 1024),
              load_average().c_str());
  const auto wants = [&](const char* part) {
    return std::find(config.parts.begin(), config.parts.end(), part) != config.parts.end();
  };
  int status = 0;
  // The workers first: the engine part pins this process to the simulator's CPU.
  if (wants("workers")) status |= WorkersBench(config, SEMAPHORE_BINARY_PATH).run();
  if (config.engine_realtime && std::system("command -v chrt >/dev/null") != 0)
    config.engine_realtime = false;
  if (wants("engine")) status |= EngineBench(config, SEMAPHORE_BINARY_PATH).run();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  return semaphore::bench::guarded_main("bench_scale", argc, argv, run_bench);
}
