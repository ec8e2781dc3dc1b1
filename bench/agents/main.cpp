// bench_agents (issue 16): what the server pays for rows that agents send, beside today's direct database
// writer, in the same run and over the same simulated hosts (tests/fixtures/simnet, in a private network
// namespace of the bench's own).
//
// For each back end (SQLite, a throwaway PostgreSQL):
//  1. direct: one `semaphore probe` pings the H hosts and writes its rows into the database itself;
//  2. agents: `semaphore serve` and A `semaphore agent` processes (A locations), each pinging the same H
//  hosts
//     and pushing its rows to the server over loopback HTTP.
// After a warm-up, over R rounds at a shortened interval, it prints the rows ingested per second, the CPU per
// row of the writer side (the probe's whole process; the server's whole process), of the agents (their whole
// processes: engine and pushes) and, on PostgreSQL, of the database server (the postmaster and its
// children), and the share of (host, round, location) rows that arrived.
//
//   bench_agents [--backends sqlite,postgresql] [--agents 4] [--hosts 10000] [--interval 20] [--rounds 3]
//                [--warmup 2]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
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

namespace {

using namespace semaphore;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Config {
  std::vector<std::string> backends{"sqlite", "postgresql"};
  int agents = 4;
  std::uint32_t hosts = 10'000;
  int interval_s = 20;
  int rounds = 3;
  int warmup = 2;
};

long long to_ll(const std::string& text) {
  try {
    return std::stoll(text);
  } catch (...) {
    return 0;
  }
}

// Sleeps until the middle of the next round (rounds start at multiples of the interval).
void wait_mid_round(int interval_s) {
  const EpochMs interval = interval_s * 1000LL;
  const EpochMs now = now_epoch_ms();
  EpochMs at = now - now % interval + interval / 2;
  if (at <= now + 1000) at += interval;
  std::this_thread::sleep_for(std::chrono::milliseconds(at - now));
}

struct Figures {
  double seconds = 0;
  long long rows = 0;
  double writer_cpu = 0;  // the probe (direct) or the server (agents)
  double agents_cpu = 0;
  double db_cpu = 0;  // PostgreSQL's processes
};

class Backend {
 public:
  Backend(const Config& config, std::string name, std::string binary)
      : config_(config), name_(std::move(name)), binary_(std::move(binary)) {}

  int run() {
    if (name_ == "postgresql") {
      db_.server = std::make_unique<testing::PostgresServer>();
      db_.url = db_.server->create_database("agents");
    } else {
      db_.sqlite_path = dir_.file("agents.db");
      db_.url = "sqlite:" + db_.sqlite_path;
    }
    if (testing::run_command({binary_, "--db", db_.url, "migrate"}).exit_code != 0) {
      std::fprintf(stderr, "bench_agents: migrate failed on %s\n", name_.c_str());
      return 1;
    }
    seed();
    postmaster_ = postmaster_pid();
    std::printf("\n%s: %u simulated hosts, 5 probes each, %d s interval\n", name_.c_str(), config_.hosts,
                config_.interval_s);
    std::printf("  %-8s %9s %12s %14s %14s %12s %9s\n", "mode", "rows/s", "rows", "writer us/row",
                "agents us/row", "db us/row", "arrived");
    const Figures direct = run_direct();
    print("direct", direct, 1);
    const Figures agents = run_agents();
    print("agents", agents, config_.agents);
    if (direct.rows > 0 && agents.rows > 0) {
      std::printf("  server CPU per row ingested from agents / the direct writer's per row: %.2f\n",
                  (agents.writer_cpu / static_cast<double>(agents.rows)) /
                      (direct.writer_cpu / static_cast<double>(direct.rows)));
    }
    return 0;
  }

 private:
  void seed() const {
    std::string sql =
        "BEGIN;\nINSERT INTO users (email, password_hash, is_admin, created_at) VALUES "
        "('bench@example.com', 'x', 1, 0);\n";
    for (std::uint32_t i = 0; i < config_.hosts; ++i) {
      sql +=
          "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) VALUES (1, "
          "'" +
          simnet::v4_host(i).to_string() + "', 'Other', '', '', 1, 0);\n";
    }
    sql += "COMMIT;\n";
    db_.sql(sql);
  }

  pid_t postmaster_pid() const {
    if (name_ != "postgresql") return -1;
    std::string dir = db_.sql("SHOW data_directory;");
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
    std::ifstream in(dir + "/postmaster.pid");
    long pid = 0;
    in >> pid;
    return static_cast<pid_t>(pid);
  }

  double db_cpu() const { return postmaster_ > 0 ? bench::process_tree_cpu_seconds(postmaster_) : 0.0; }

  // Rows of locations [first, last] (ids), from the stored method (store/result_location.h: location =
  // method / 2 + 1).
  long long rows_of(int first, int last) const {
    return to_ll(db_.sql("SELECT count(*) FROM ping_results WHERE method / 2 + 1 BETWEEN " +
                         std::to_string(first) + " AND " + std::to_string(last) + ";"));
  }

  std::string rate() const {
    // Each pinger may send its probes in 40 % of the interval: the rate is a cap, not a pace.
    return std::to_string(
        static_cast<long>(std::max(10'000.0, 5.0 * config_.hosts / (0.4 * config_.interval_s))));
  }

  // Warm-up rounds, then R rounds measured from the middle of one round to the middle of another.
  template <class Sample>
  Figures measure(Sample sample) {
    for (int i = 0; i < config_.warmup; ++i) wait_mid_round(config_.interval_s);
    wait_mid_round(config_.interval_s);
    const auto t0 = Clock::now();
    const Figures a = sample();
    for (int i = 0; i < config_.rounds; ++i) wait_mid_round(config_.interval_s);
    Figures b = sample();
    b.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    b.rows -= a.rows;
    b.writer_cpu -= a.writer_cpu;
    b.agents_cpu -= a.agents_cpu;
    b.db_cpu -= a.db_cpu;
    return b;
  }

  Figures run_direct() {
    testing::ChildProcess probe(
        {binary_, "--db", db_.url, "probe", "--interval", std::to_string(config_.interval_s) + "s", "--rate",
         rate(), "--spool-dir", dir_.file("spool-direct"), "--path-interval", "0", "--maintenance-every",
         "1h"},
        dir_.file("direct.log"));
    const Figures figures = measure([&] {
      Figures f;
      f.rows = rows_of(1, 1);
      f.writer_cpu = bench::cpu_seconds_with_reaped(probe.pid());
      f.db_cpu = db_cpu();
      return f;
    });
    if (probe.stop(SIGTERM, std::chrono::seconds(config_.interval_s + 30)) != 0) {
      std::fprintf(stderr, "bench_agents: the probe did not stop cleanly; its log ends:\n%s\n",
                   tail(probe.log()).c_str());
    }
    return figures;
  }

  Figures run_agents() {
    const int port = testing::free_tcp_port();
    testing::ChildProcess server(
        {binary_, "--db", db_.url, "--listen", "127.0.0.1:" + std::to_string(port), "--log-level", "warn",
         "serve", "--signup", "closed", "--targets", "private", "--agent-interval",
         std::to_string(config_.interval_s) + "s", "--alert-senders", "0"},
        dir_.file("server.log"));
    std::vector<std::unique_ptr<testing::ChildProcess>> agents;
    for (int k = 0; k < config_.agents; ++k) {
      const std::string name = "agent" + std::to_string(k);
      const auto made = testing::run_command({binary_, "--db", db_.url, "location", "add", name});
      if (made.exit_code != 0) {
        std::fprintf(stderr, "bench_agents: location add: %s\n", made.err.c_str());
        return {};
      }
      const std::string token_file = dir_.file(name + ".token");
      std::ofstream(token_file) << made.out;
      agents.push_back(std::make_unique<testing::ChildProcess>(
          std::vector<std::string>{binary_, "--log-level", "warn", "agent", "--server",
                                   "http://127.0.0.1:" + std::to_string(port), "--token-file", token_file,
                                   "--spool-dir", dir_.file("spool-" + name), "--rate", rate(), "--worker-id",
                                   name},
          dir_.file(name + ".log")));
    }
    // Locations 2.. are the agents' (1 is `local`).
    const Figures figures = measure([&] {
      Figures f;
      f.rows = rows_of(2, 1 + config_.agents);
      f.writer_cpu = bench::cpu_seconds_with_reaped(server.pid());
      for (const auto& agent : agents) f.agents_cpu += bench::cpu_seconds_with_reaped(agent->pid());
      f.db_cpu = db_cpu();
      return f;
    });
    for (const auto& agent : agents) {
      if (agent->stop(SIGTERM, std::chrono::seconds(config_.interval_s + 30)) != 0) {
        std::fprintf(stderr, "bench_agents: an agent did not stop cleanly; its log ends:\n%s\n",
                     tail(agent->log()).c_str());
      }
    }
    server.stop(SIGTERM, 30s);
    return figures;
  }

  void print(const char* mode, const Figures& f, int locations) const {
    const double rows = static_cast<double>(std::max<long long>(f.rows, 1));
    // Between two mid-round samples R rounds ended: each should have brought one row per host and location.
    const double expected = static_cast<double>(config_.hosts) * locations * config_.rounds;
    std::printf("  %-8s %9.0f %12lld %14.1f %14.1f %12.1f %8.1f%%\n", mode,
                static_cast<double>(f.rows) / f.seconds, f.rows, 1e6 * f.writer_cpu / rows,
                1e6 * f.agents_cpu / rows, 1e6 * f.db_cpu / rows,
                expected > 0 ? 100.0 * static_cast<double>(f.rows) / expected : 0.0);
    std::fflush(stdout);
  }

  static std::string tail(const std::string& log) {
    return log.substr(log.size() > 2000 ? log.size() - 2000 : 0);
  }

  const Config& config_;
  std::string name_;
  std::string binary_;
  testing::TempDir dir_{"semaphore-bench-agents"};
  testing::ShellDatabase db_;
  pid_t postmaster_ = -1;
};

int run_bench(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--backends") {
      config.backends.clear();
      std::stringstream list(value);
      for (std::string b; std::getline(list, b, ',');) config.backends.push_back(b);
    } else if (name == "--agents") {
      config.agents = std::clamp(std::stoi(value), 1, 16);
    } else if (name == "--hosts") {
      config.hosts = static_cast<std::uint32_t>(std::clamp(std::stol(value), 1L, 100'000L));
    } else if (name == "--interval") {
      config.interval_s = std::clamp(std::stoi(value), 2, 300);
    } else if (name == "--rounds") {
      config.rounds = std::clamp(std::stoi(value), 1, 20);
    } else if (name == "--warmup") {
      config.warmup = std::clamp(std::stoi(value), 0, 10);
    } else {
      std::fprintf(stderr, "bench_agents: unknown option %s\n", name.c_str());
      return 2;
    }
  }
  if (const std::string reason = bench::enter_simulated_network_namespace(); !reason.empty()) {
    std::fprintf(stderr, "bench_agents: skipped: %s\n", reason.c_str());
    return 0;
  }
  std::vector<simnet::HostEntry> table;
  for (std::uint32_t i = 0; i < config.hosts; ++i) {
    table.push_back({simnet::v4_host(i), {0.5 + (i % 20) * 0.5, 0, simnet::Mode::normal}});
  }
  simnet::Options options;
  options.scan_interval_ns = 1'000'000;  // throughput, not sub-0.1 ms timing (as bench/scale)
  options.spin = false;
  auto network = bench::start_simulated_network(options, std::move(table), /*pin=*/false);
  if (!network) {
    std::fprintf(stderr, "bench_agents: simnet: %s\n", network.error().message.c_str());
    return 1;
  }
  std::printf("bench_agents: %ld CPUs; %d agents x %u hosts at %d s rounds (%d measured, %d warm-up)\n",
              ::sysconf(_SC_NPROCESSORS_ONLN), config.agents, config.hosts, config.interval_s, config.rounds,
              config.warmup);
  int status = 0;
  for (const auto& backend : config.backends) status |= Backend(config, backend, SEMAPHORE_BINARY_PATH).run();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  return semaphore::bench::guarded_main("bench_agents", argc, argv, run_bench);
}
