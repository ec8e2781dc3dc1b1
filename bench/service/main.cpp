// bench_service: the ping service at scale (issue 4). Runs `semaphore probe` as a child process against N
// simulated hosts (tests/fixtures/simnet, in a private network namespace) for R rounds, on SQLite and on a
// throwaway PostgreSQL, and prints per round: CPU of the probe process, rows written per second (over the
// round, and per second of insert time), write latency p99, database growth, on-time share. The peer, in the
// same run and on the same database: the original service's way of writing, one transaction per row.
//
//   bench_service [--hosts 100000] [--interval 60] [--rounds 3] [--backends sqlite,postgresql]
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "guarded_main.h"
#include "simnet/network.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/shell_database.h"
#include "support/temp_dir.h"

namespace {

using namespace semaphore;
using namespace std::chrono_literals;

struct Config {
  std::uint32_t hosts = 100000;
  int interval_s = 60;
  int rounds = 3;
  std::vector<std::string> backends = {"sqlite", "postgresql"};
};

struct Database : testing::ShellDatabase {
  double size_bytes() const {
    if (!sqlite_path.empty()) {
      // Fold the WAL back into the file first, so that growth is table and index pages, not WAL churn.
      sql("PRAGMA wal_checkpoint(TRUNCATE);");
      double total = 0;
      for (const char* suffix : {"", "-wal"}) {
        struct stat st {};
        if (::stat((sqlite_path + suffix).c_str(), &st) == 0) total += static_cast<double>(st.st_size);
      }
      return total;
    }
    return std::atof(sql("SELECT pg_database_size(current_database());").c_str());
  }
};

// Adds the hosts in one transaction through the database's shell (the store adds one at a time).
void add_hosts(const Database& db, std::uint32_t count) {
  std::string text =
      "BEGIN;\nINSERT INTO users (email, password_hash, is_admin, created_at) VALUES "
      "('bench@example.com', 'x', 1, 0);\n";
  for (std::uint32_t at = 0; at < count; at += 1000) {
    text += "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) VALUES ";
    for (std::uint32_t i = at; i < std::min(count, at + 1000); ++i) {
      text += (i == at ? "" : ",") + std::string("(1, '") + simnet::v4_host(i).to_string() +
              "', 'Other', '', '', 1, 0)";
    }
    text += ";\n";
  }
  text += "COMMIT;\n";
  db.sql(text);
}

struct RoundLine {
  double at_s = 0;  // when logged, since the child started
  long hosts = 0, written = 0, spooled = 0, dropped = 0, round_ms = 0;
  double p99_ms = 0, busy_ms = 0, cpu_s = 0, db_bytes = 0;
};

void peer_write_rates(const Database& db, std::uint32_t hosts, double& per_row, double& batched) {
  auto url = parse_db_url(db.sqlite_path.empty() ? db.url : "sqlite:" + db.sqlite_path);
  auto store = store::Store::open(*url);
  if (!store) return;
  auto rows = [&](EpochMs ts, std::uint32_t n) {
    std::vector<store::PingResult> out(n);
    for (std::uint32_t i = 0; i < n; ++i) {
      out[i].host_id = i + 1;
      out[i].ts = ts;
      out[i].sent = 5;
      out[i].received = 5;
      out[i].min_ms = out[i].avg_ms = out[i].max_ms = out[i].median_ms = 1.0;
      out[i].stddev_ms = 0.1;
    }
    return out;
  };
  const std::uint32_t single = std::min<std::uint32_t>(2000, hosts),
                      many = std::min<std::uint32_t>(20000, hosts);
  const auto a = rows(1000, single), b = rows(2000, many);
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& row : a) (void)(*store)->insert_results(std::span(&row, 1));
  per_row = single / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t0 = std::chrono::steady_clock::now();
  for (std::uint32_t at = 0; at < many; at += 1000)
    (void)(*store)->insert_results(std::span(b).subspan(at, 1000));
  batched = many / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run_backend(const Config& config, const std::string& backend) {
  testing::TempDir dir("semaphore-bench");
  Database db;
  if (backend == "sqlite") {
    db.sqlite_path = dir.file("bench.db");
    db.url = "sqlite:" + db.sqlite_path;
  } else {
    db.server = std::make_unique<testing::PostgresServer>();
    db.url = db.server->create_database("bench");
  }
  if (testing::run_command({SEMAPHORE_BINARY_PATH, "migrate", "--db", db.url}).exit_code != 0) {
    std::fprintf(stderr, "%s: migrate failed\n", backend.c_str());
    return 1;
  }
  add_hosts(db, config.hosts);

  testing::ChildProcess probe(
      {SEMAPHORE_BINARY_PATH, "probe", "--db", db.url, "--interval", std::to_string(config.interval_s) + "s",
       "--probes", "5", "--spool-dir", dir.file("spool"), "--maintenance-every", "1h"},
      dir.file("probe.log"));
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::chrono::seconds(config.interval_s * (config.rounds + 2) + 30);
  static const std::regex line_re(
      R"(round \S+: (\d+) hosts[^,]*, .* (\d+) ms; queue \d+, written (\d+), spooled (\d+), replayed \d+, dropped (\d+); write p99 ([\d.e+]+) ms, busy (\d+) ms)");
  std::vector<RoundLine> lines;
  while (static_cast<int>(lines.size()) < config.rounds + 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    const std::string log = probe.log();
    std::vector<std::smatch> found;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line_re); it != std::sregex_iterator();
         ++it) {
      found.push_back(*it);
    }
    while (lines.size() < found.size()) {
      const auto& m = found[lines.size()];
      RoundLine line;
      line.at_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      line.hosts = std::stol(m[1]);
      line.round_ms = std::stol(m[2]);
      line.written = std::stol(m[3]);
      line.spooled = std::stol(m[4]);
      line.dropped = std::stol(m[5]);
      line.p99_ms = std::stod(m[6]);
      line.busy_ms = std::stod(m[7]);
      line.cpu_s = testing::process_cpu_seconds(probe.pid());
      line.db_bytes = db.size_bytes();
      lines.push_back(line);
    }
  }
  const int stopped = probe.stop(SIGTERM, 120s);
  if (lines.size() < 2) {
    std::fprintf(stderr, "%s: fewer than 2 rounds in time; probe log:\n%s\n", backend.c_str(),
                 probe.log().c_str());
    return 1;
  }
  const bool overran = probe.log().find("overran") != std::string::npos;

  // Rows per round (complete rounds only: the last one may still have been writing when counted).
  const std::string counts = db.sql("SELECT COUNT(*) FROM ping_results GROUP BY ts ORDER BY ts;");
  std::vector<long> per_round;
  std::istringstream in(counts);
  for (long n; in >> n;) per_round.push_back(n);

  std::printf("\n%s: %u hosts, 5 probes each, %d s interval, %zu rounds (exit %d)\n", backend.c_str(),
              config.hosts, config.interval_s, lines.size(), stopped);
  std::printf(
      "  round  cpu_s  cpu_%%core  ping_ms  rows/s(round)  rows/s(insert time)  write_p99_ms  "
      "db_growth_MB\n");
  double cpu_total = 0, growth_total = 0;
  long rows_total = 0;
  double busy_total = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto& a = lines[i - 1];
    const auto& b = lines[i];
    const double cpu = b.cpu_s - a.cpu_s, written = static_cast<double>(b.written - a.written);
    const double busy = b.busy_ms - a.busy_ms, growth = b.db_bytes - a.db_bytes;
    cpu_total += cpu;
    growth_total += growth;
    rows_total += b.written - a.written;
    busy_total += busy;
    std::printf("  %5zu  %5.2f  %8.2f  %7ld  %13.0f  %19.0f  %12.0f  %12.2f\n", i + 1, cpu,
                100 * cpu / config.interval_s, b.round_ms, written / config.interval_s,
                busy > 0 ? written / (busy / 1000) : 0.0, b.p99_ms, growth / 1e6);
  }
  const double rounds_measured = static_cast<double>(lines.size() - 1);
  long on_time_rows = 0;
  for (std::size_t i = 0; i + 1 < per_round.size(); ++i) on_time_rows += per_round[i];
  const double expected_rows = static_cast<double>(config.hosts) * static_cast<double>(per_round.size() - 1);
  const double bytes_per_row = growth_total / std::max(1.0, static_cast<double>(rows_total));
  const double rounds_per_year = 365.0 * 86400 / config.interval_s;
  double per_row = 0, batched = 0;
  peer_write_rates(db, config.hosts, per_row, batched);
  std::printf("  probe CPU: %.2f%% of one core on average (goal < 10%%)\n",
              100 * cpu_total / (rounds_measured * config.interval_s));
  std::printf(
      "  writer: %.0f rows/s over the run, %.0f rows/s of insert time (goal: 100,000 rows/min = 1,667/s)\n",
      static_cast<double>(rows_total) / (rounds_measured * config.interval_s),
      busy_total > 0 ? static_cast<double>(rows_total) / (busy_total / 1000) : 0.0);
  std::printf(
      "  on time: %.4f of host-rounds have their row (%zu rounds counted), overruns: %s, spooled %ld, "
      "dropped %ld\n",
      expected_rows > 0 ? static_cast<double>(on_time_rows) / expected_rows : 0.0, per_round.size() - 1,
      overran ? "yes" : "none", lines.back().spooled, lines.back().dropped);
  std::printf("  disk: %.0f bytes per row (raw, with indexes) = %.1f MB per host per year at this interval\n",
              bytes_per_row, bytes_per_row * rounds_per_year / 1e6);
  std::printf(
      "  peer (one transaction per row, the original service's way): %.0f rows/s; batched writer %.0f "
      "rows/s: %.1fx\n",
      per_row, batched, per_row > 0 ? batched / per_row : 0.0);
  return 0;
}

}  // namespace

static int run_bench(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--hosts") config.hosts = static_cast<std::uint32_t>(std::stoul(value));
    if (name == "--interval") config.interval_s = std::stoi(value);
    if (name == "--rounds") config.rounds = std::stoi(value);
    if (name == "--backends") {
      config.backends.clear();
      std::stringstream list(value);
      for (std::string b; std::getline(list, b, ',');) config.backends.push_back(b);
    }
  }
  if (auto entered = simnet::enter_private_network_namespace(); !entered) {
    std::fprintf(stderr, "bench_service: no private network namespace: %s\n",
                 entered.error().message.c_str());
    return 1;
  }
  std::vector<simnet::HostEntry> table;
  for (std::uint32_t i = 0; i < config.hosts; ++i) {
    // 0.5-10 ms, and one host in a hundred silent: the round has timeouts to wait for, as in life.
    table.push_back({simnet::v4_host(i),
                     {0.5 + (i % 20) * 0.5, 0, i % 100 == 99 ? simnet::Mode::silent : simnet::Mode::normal}});
  }
  auto network = simnet::Network::start(simnet::Options{}, table);
  if (!network) {
    std::fprintf(stderr, "bench_service: simnet: %s\n", network.error().message.c_str());
    return 1;
  }
  for (const auto* entry : {&table.front(), &table.back()}) {
    if (auto routed = (*network)->check_route(entry->address); !routed) {
      std::fprintf(stderr, "bench_service: %s\n", routed.error().message.c_str());
      return 1;
    }
  }
  int status = 0;
  for (const auto& backend : config.backends) status |= run_backend(config, backend);
  return status;
}

int main(int argc, char** argv) {
  return semaphore::bench::guarded_main("bench_service", argc, argv, run_bench);
}
