// bench_web_10k (issue 17): the pages at 10,000 hosts on a cache miss. Seeds a user with N hosts and H hours
// of 60 s rounds (in bulk through the database's shell; the hourly and daily rollups through the store),
// starts the real binary on 127.0.0.1 and times GET /report (its first page) and a host page (/report/{id}:
// 24 h of raw rounds; and ?range=7d, from rollups), each request right after a write to the database (a
// result row stored by this process, as the ping service stores them), so every request misses the caches;
// and the same requests with no write between them (the caches' figure). Two phases per back end: `semaphore
// serve` alone, then `semaphore run` with the ping service pinging the N hosts over the simulated network
// (tests/fixtures/simnet, in a private network namespace) at --interval, a realistic write load beside the
// explicit writes. SQLite, then a throwaway PostgreSQL cluster (skipped with the reason when it cannot
// start). Prints p50/p99/max per page. Each request is a new connection to 127.0.0.1 (counted in the time).
//
//   bench_web_10k [--hosts 10000] [--hours 24] [--samples 200] [--interval 10] [--backends sqlite,postgresql]
//                 [--no-service] [--seed-hours-per-statement 1]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/db_url.h"
#include "integration/web/http_client.h"
#include "measure.h"
#include "simnet/network.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/shell_database.h"
#include "support/temp_dir.h"

namespace {

using namespace semaphore;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Config {
  int hosts = 10000;
  int hours = 24;
  int samples = 200;
  int interval_s = 10;
  std::vector<std::string> backends = {"sqlite", "postgresql"};
  bool service = true;
  int seed_hours_per_statement = 1;  // PostgreSQL's bulk load: rounds per INSERT, in hours (0: one INSERT)
};

bool parse_args(int argc, char** argv, Config& config) {
  const std::map<std::string, std::pair<int*, std::pair<int, int>>> numbers = {
      {"--hosts", {&config.hosts, {10, 100000}}},
      {"--hours", {&config.hours, {1, 24 * 30}}},
      {"--samples", {&config.samples, {10, 100000}}},
      {"--interval", {&config.interval_s, {2, 600}}},
      {"--seed-hours-per-statement", {&config.seed_hours_per_statement, {0, 24 * 30}}}};
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--no-service") {
      config.service = false;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_web_10k: %s needs a value\n", name.c_str());
      return false;
    }
    const std::string value = argv[++i];
    if (name == "--backends") {
      config.backends.clear();
      for (std::size_t at = 0; at <= value.size();) {
        const std::size_t comma = std::min(value.find(',', at), value.size());
        const std::string backend = value.substr(at, comma - at);
        if (backend != "sqlite" && backend != "postgresql") {
          std::fprintf(stderr, "bench_web_10k: unknown back end %s\n", backend.c_str());
          return false;
        }
        config.backends.push_back(backend);
        at = comma + 1;
      }
      continue;
    }
    const auto found = numbers.find(name);
    char* end = nullptr;
    const long v = std::strtol(value.c_str(), &end, 10);
    if (found == numbers.end() || end == value.c_str() || *end != '\0' || v < found->second.second.first ||
        v > found->second.second.second) {
      std::fprintf(stderr, "bench_web_10k: bad option or value: %s %s\n", name.c_str(), value.c_str());
      return false;
    }
    *found->second.first = static_cast<int>(v);
  }
  return true;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

using bench::percentile;

// The seeded database: the user's host ids, in order.
struct Seeded {
  std::vector<store::Id> hosts;
};

// The hosts (the simulated network's addresses, so that the ping service phase pings them) and their rounds,
// written through the database's own shell in bulk (INSERT ... SELECT over a series of times: a minute for
// 14.4 million rows, where a statement per row takes half an hour on a busy machine); then the rollups
// through the store, as the maintenance thread builds them.
std::optional<Seeded> seed(testing::ShellDatabase& shell, store::Store& db, const Config& config,
                           const std::string& email) {
  std::string text = "BEGIN;\n";
  for (int at = 0; at < config.hosts; at += 1000) {
    text += "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) VALUES ";
    for (int i = at; i < std::min(config.hosts, at + 1000); ++i) {
      static const char* const providers[] = {"AWS", "GCP", "Azure", "Other"};
      text += (i == at ? "" : ",") + std::string("((SELECT id FROM users WHERE email = '") + email + "'), '" +
              simnet::v4_host(static_cast<std::uint32_t>(i)).to_string() + "', '" + providers[i % 4] +
              "', '" + (i % 2 ? "EC2" : "Compute") + "', 'rack " + std::to_string(i % 50) + "', 1, 0)";
    }
    text += ";\n";
  }
  shell.sql(text + "COMMIT;\n");
  const EpochMs now = now_epoch_ms();
  const EpochMs step = 60'000;
  const EpochMs from = (now - EpochMs{config.hours} * 3'600'000) / step * step;
  const EpochMs to = now - step;
  // Latency by host (5-102.5 ms) with a little movement; one round in 50 loses 2 of 5.
  const std::string columns =
      "INSERT INTO ping_results (host_id, ts, method, sent, received, min_ms, avg_ms, max_ms, median_ms, "
      "stddev_ms, refused) ";
  const std::string figures =
      "SELECT h.id, t.ts, 0, 5, CASE WHEN (h.id + t.ts / 60000) % 50 = 0 THEN 3 ELSE 5 END, "
      "4.7 + (h.id % 40) * 2.5 + ((t.ts / 60000) % 7) * 0.1, 5.1 + (h.id % 40) * 2.5 + ((t.ts / 60000) % 7) "
      "* 0.1, "
      "6 + (h.id % 40) * 2.5 + ((t.ts / 60000) % 7) * 0.1, 5 + (h.id % 40) * 2.5 + ((t.ts / 60000) % 7) * "
      "0.1, "
      "0.4, 0 ";
  const auto load_started = Clock::now();
  if (shell.sqlite_path.empty()) {
    // The day partitions the rows go in (migration 009; the service makes them ahead, a bulk load must ask).
    shell.sql("SELECT semaphore_ensure_partitions('ping_results', 'day', " + std::to_string(from) + ", " +
              std::to_string(now) + ");\n");
    // An hour of rounds a statement by default (600,000 rows at 10,000 hosts): latest_results'
    // statement-level trigger keeps the statement's rows in its transition table, and one statement of 14.4
    // million rows (--seed-hours-per-statement 0) is far slower (README). Each statement commits on its own,
    // as the ping service's rounds do: in one transaction every statement's copy of each host's latest row
    // stays alive to its end, and latest_results was left at 22 MB for 10,000 rows (1.9 MB rewritten at
    // fillfactor 50), which a /report miss reads whole; committed, each copy is pruned by the next update
    // of its page (migration 017). The table's size is printed below.
    const EpochMs per_statement = config.seed_hours_per_statement > 0
                                      ? EpochMs{config.seed_hours_per_statement} * 60 * step
                                      : to - from + step;
    std::string chunks;
    for (EpochMs chunk = from; chunk <= to; chunk += per_statement) {
      chunks += columns + figures + "FROM hosts h CROSS JOIN generate_series(" + std::to_string(chunk) +
                "::bigint, " + std::to_string(std::min(to, chunk + per_statement - step)) +
                "::bigint, 60000::bigint) AS t(ts) ORDER BY h.id, t.ts;\n";
    }
    shell.sql(chunks);
    std::printf("  latest_results after the load: %lld kB for %d hosts\n",
                std::atoll(shell.sql("SELECT pg_relation_size('latest_results') / 1024;").c_str()),
                config.hosts);
  } else {
    shell.sql("PRAGMA journal_mode = WAL;\nBEGIN;\nWITH RECURSIVE t(ts) AS (SELECT " + std::to_string(from) +
              " UNION ALL SELECT ts + 60000 FROM t WHERE ts + 60000 <= " + std::to_string(to) + ") " +
              columns + figures + "FROM hosts h CROSS JOIN t;\nCOMMIT;\n");
  }
  const std::string how = shell.sqlite_path.empty() && config.seed_hours_per_statement > 0
                              ? std::to_string(config.seed_hours_per_statement) + " h of rounds an INSERT"
                              : "one INSERT";
  std::printf("  the raw rows' bulk load: %.0f s (%s)\n", ms_since(load_started) / 1000, how.c_str());
  std::fflush(stdout);
  Seeded seeded;
  std::istringstream ids(shell.sql("SELECT id FROM hosts ORDER BY id;"));
  for (long long id; ids >> id;) seeded.hosts.push_back(id);
  if (seeded.hosts.size() != static_cast<std::size_t>(config.hosts)) {
    std::fprintf(stderr, "bench_web_10k: seeded %zu hosts of %d\n", seeded.hosts.size(), config.hosts);
    return std::nullopt;
  }
  for (int period : {3600, 86400}) {
    if (auto rolled = db.refresh_rollups(period, from, now + 1, 1000); !rolled)
      return std::fprintf(stderr, "rollups: %s\n", rolled.error().message.c_str()), std::nullopt;
  }
  return seeded;
}

struct Page {
  std::string name;
  std::string target;
};

// Times `samples` GETs of each page, each after a write (`miss`) or not; prints p50/p99/max.
bool measure(testing::HttpClient& http, store::Store& db, const Seeded& seeded,
             const std::vector<Page>& pages, int samples, bool miss, const std::string& phase) {
  EpochMs ts = now_epoch_ms() + 3'600'000;  // the writes' own times, ahead of the service's rounds
  std::size_t next_host = 0;
  // One result row from the bench's own connection, as the ping service writes: the data version moves.
  const auto write_one = [&]() {
    store::PingResult row;
    row.host_id = seeded.hosts[next_host++ % seeded.hosts.size()];
    row.ts = ++ts;
    row.sent = 5;
    row.received = 5;
    row.min_ms = row.avg_ms = row.median_ms = row.max_ms = 1.0;
    row.stddev_ms = 0.0;
    if (auto written = db.insert_results(std::vector<store::PingResult>{row}); !written) {
      std::fprintf(stderr, "write: %s\n", written.error().message.c_str());
      return false;
    }
    return true;
  };
  for (const Page& page : pages) {
    // Warm-up: the first requests fill the caches that do not depend on the data version (sparklines), and
    // the first miss on each of the server's handler threads grows that thread's malloc arena (the first
    // four misses of a run took 33-50 ms where the rest took 11-20): a server that has been up serves from
    // warm threads, which is what is measured.
    for (int i = 0; i < 8; ++i) {
      if (miss && !write_one()) return false;
      http.get(page.target);
    }
    std::vector<double> times;
    std::size_t bytes = 0;
    for (int i = 0; i < samples; ++i) {
      if (miss && !write_one()) return false;
      const auto started = Clock::now();
      const auto response = http.get(page.target);
      times.push_back(ms_since(started));
      if (response.status != 200) {
        std::fprintf(stderr, "%s: HTTP %d\n", page.target.c_str(), response.status);
        return false;
      }
      bytes = response.body.size();
    }
    std::printf("  %-16s %-28s %-6s p50 %7.1f ms   p99 %7.1f ms   max %7.1f ms   %6zu kB\n", phase.c_str(),
                page.name.c_str(), miss ? "miss" : "cached", percentile(times, 0.50), percentile(times, 0.99),
                *std::max_element(times.begin(), times.end()), bytes / 1024);
    // Where the tail is: the slowest samples by their place in the run (a few at the start, or spread over
    // it).
    std::vector<std::size_t> order(times.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const std::size_t shown = std::min<std::size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown), order.end(),
                      [&](std::size_t a, std::size_t b) { return times[a] > times[b]; });
    std::printf("  %-16s %-28s        slowest:", "", "");
    for (std::size_t i = 0; i < shown; ++i) std::printf(" #%zu %.1f ms", order[i], times[order[i]]);
    std::printf("\n");
    std::fflush(stdout);
  }
  return true;
}

bool sign_in(testing::HttpClient& http, const std::string& email, const std::string& password) {
  const std::string csrf = http.csrf_from("/signin");
  const auto response =
      http.post("/signin", {{"csrf_token", csrf}, {"email", email}, {"password", password}});
  return response.status == 303 && !http.cookie("semaphore_session").empty();
}

int run_backend(const Config& config, const std::string& backend, bool network_ready) {
  testing::TempDir dir("semaphore-bench-web-10k");
  testing::ShellDatabase shell;
  if (backend == "sqlite") {
    shell.sqlite_path = dir.file("bench.db");
    shell.url = "sqlite:" + shell.sqlite_path;
  } else {
    try {
      shell.server = std::make_unique<testing::PostgresServer>();
      shell.url = shell.server->create_database("bench_web");
    } catch (const std::exception& e) {
      std::printf("%s: skipped (PostgreSQL did not start: %s)\n", backend.c_str(), e.what());
      return 0;
    }
  }
  const std::string& url = shell.url;
  const std::string binary = SEMAPHORE_BINARY_PATH;
  if (testing::run_command({binary, "migrate", "--db", url}).exit_code != 0) {
    std::fprintf(stderr, "bench_web_10k: migrate failed\n");
    return 1;
  }
  const std::string email = "bench@example.com", password = "benchmark password";
  if (auto added = testing::run_command({binary, "user", "add", email, "--db", url}, password + "\n");
      added.exit_code != 0) {
    std::fprintf(stderr, "bench_web_10k: user add failed: %s\n", added.err.c_str());
    return 1;
  }
  auto parsed = parse_db_url(url);
  if (!parsed) return std::fprintf(stderr, "url: %s\n", parsed.error().message.c_str()), 1;
  auto opened = store::Store::open(*parsed);
  if (!opened) return std::fprintf(stderr, "open: %s\n", opened.error().message.c_str()), 1;
  store::Store& db = **opened;

  const auto seed_started = Clock::now();
  const auto seeded = seed(shell, db, config, email);
  if (!seeded) return 1;
  const long long rows = std::atoll(shell.sql("SELECT COUNT(*) FROM ping_results;").c_str());
  if (rows == 0)
    return std::fprintf(stderr, "bench_web_10k: %s: the bulk load wrote no rows\n", backend.c_str()), 1;
  std::printf("%s: seeded %d hosts x %d h of 60 s rounds (%lld rows) and their rollups in %.0f s\n",
              backend.c_str(), config.hosts, config.hours, rows, ms_since(seed_started) / 1000);
  std::fflush(stdout);

  const std::string middle = std::to_string(seeded->hosts[seeded->hosts.size() / 2]);
  const std::vector<Page> pages = {{"/report (page 1 of 100)", "/report"},
                                   {"/report/{id} (24 h raw)", "/report/" + middle},
                                   {"/report/{id}?range=7d", "/report/" + middle + "?range=7d"}};
  const auto phase = [&](const std::vector<std::string>& command, const std::string& name) -> int {
    const int port = testing::free_tcp_port();
    std::vector<std::string> argv = command;
    argv.insert(argv.end(),
                {"--db", url, "--listen", "127.0.0.1:" + std::to_string(port), "--log-level", "warn"});
    testing::ChildProcess server(argv, dir.file(name + ".log"));
    if (!testing::wait_for_tcp_port(port, 30s)) {
      std::fprintf(stderr, "bench_web_10k: %s did not listen:\n%s\n", name.c_str(), server.log().c_str());
      return 1;
    }
    testing::HttpClient http(port);
    if (!sign_in(http, email, password)) {
      std::fprintf(stderr, "bench_web_10k: sign-in failed:\n%s\n", server.log().c_str());
      return 1;
    }
    if (name == "run")
      std::this_thread::sleep_for(std::chrono::seconds(config.interval_s + 5));  // rounds land
    const double cpu_before = testing::process_cpu_seconds(server.pid());
    const auto started = Clock::now();
    if (!measure(http, db, *seeded, pages, config.samples, true, name) ||
        !measure(http, db, *seeded, pages, config.samples, false, name)) {
      std::fprintf(stderr, "%s log:\n%s\n", name.c_str(), server.log().c_str());
      return 1;
    }
    std::printf(
        "  %-16s server CPU %.0f%% of one core over the measurement (%.0f s)\n", name.c_str(),
        100.0 * (testing::process_cpu_seconds(server.pid()) - cpu_before) / (ms_since(started) / 1000),
        ms_since(started) / 1000);
    if (!server.running()) return std::fprintf(stderr, "%s exited\n", name.c_str()), 1;
    return 0;
  };
  if (int failed = phase({binary, "serve"}, "serve")) return failed;
  if (config.service && network_ready) {
    if (int failed = phase({binary, "run", "--interval", std::to_string(config.interval_s) + "s", "--targets",
                            "private", "--spool-dir", dir.file("spool")},
                           "run"))
      return failed;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (!parse_args(argc, argv, config)) return 2;
  bool network_ready = false;
  std::unique_ptr<simnet::Network> network;
  if (config.service) {
    // The ping service's hosts: the simulated network, in a namespace of our own (nothing leaves it).
    if (auto entered = simnet::enter_private_network_namespace(); !entered) {
      std::printf("ping service phase skipped: no private network namespace: %s\n",
                  entered.error().message.c_str());
    } else {
      std::vector<simnet::HostEntry> table;
      table.reserve(static_cast<std::size_t>(config.hosts));
      for (int i = 0; i < config.hosts; ++i) {
        table.push_back(
            {simnet::v4_host(static_cast<std::uint32_t>(i)),
             {0.5 + (i % 20) * 0.5, 0, i % 100 == 99 ? simnet::Mode::silent : simnet::Mode::normal}});
      }
      simnet::Options options;
      options.scan_interval_ns = 1'000'000;  // as bench_soak: one wake-up per millisecond, no spinning
      options.spin = false;
      auto started = simnet::Network::start(options, table);
      if (!started) {
        std::printf("ping service phase skipped: simnet: %s\n", started.error().message.c_str());
      } else if (auto routed = (*started)->check_route(table.back().address); !routed) {
        std::printf("ping service phase skipped: %s\n", routed.error().message.c_str());
      } else {
        network = std::move(*started);
        network_ready = true;
      }
    }
  }
  std::printf("bench_web_10k: %d hosts, %d h of history, %d samples per page; %u cores\n", config.hosts,
              config.hours, config.samples, std::thread::hardware_concurrency());
  try {
    for (const std::string& backend : config.backends) {
      if (int failed = run_backend(config, backend, network_ready)) return failed;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_web_10k: %s\n", e.what());
    return 1;
  }
  return 0;
}
