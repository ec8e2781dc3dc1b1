// bench_pg_store: PostgreSQL at scale, in-process (issue 17), on a throwaway cluster.
//  1. Bytes per row: N hosts x R rounds written the way the result writer writes them (round after round,
//     1,000-row batches through MonitorStore::insert_results), then the size of ping_results' partitions with
//     their indexes (pg_total_relation_size) over the rows, before and after VACUUM; and SQLite's figure for
//     the same rows.
//  2. Lease claiming: the first claim_host_leases of one worker over H hosts (what delays its first round),
//     a renewal, then a second worker's claim of its half and the first's release of its surplus; every host
//     held exactly once at the end; the service's budgeted claim round by round (before claims overlapped
//     the round), and LeaseHostSource's claim overlapping the round: when the round starts, when every host
//     is claimed, the first round's coverage.
//
//   bench_pg_store [--hosts 10000] [--rounds 60] [--lease-hosts 100000] [--chunk 1000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "guarded_main.h"
#include "monitor/host_source.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/shell_database.h"
#include "support/temp_dir.h"

namespace {

using namespace semaphore;

struct Config {
  int hosts = 10000;
  int rounds = 60;
  int lease_hosts = 100000;
  int chunk = 1000;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void add_hosts(const testing::ShellDatabase& db, int count, const std::string& email) {
  std::string text = "BEGIN;\nINSERT INTO users (email, password_hash, is_admin, created_at) VALUES ('" +
                     email + "', 'x', 1, 0);\n";
  for (int at = 0; at < count; at += 1000) {
    text += "INSERT INTO hosts (user_id, hostname, provider, created_at) VALUES ";
    for (int i = at; i < std::min(count, at + 1000); ++i) {
      text += (i == at ? "" : ",") + std::string("((SELECT id FROM users WHERE email = '") + email +
              "'), 'h" + std::to_string(i) + ".example', 'Other', 0)";
    }
    text += ";\n";
  }
  text += "COMMIT;\n";
  db.sql(text);
}

std::unique_ptr<store::Store> open_store(const std::string& url) {
  auto parsed = parse_db_url(url);
  if (!parsed) throw std::runtime_error(parsed.error().message);
  auto opened = store::Store::open(*parsed);
  if (!opened) throw std::runtime_error(opened.error().message);
  if (auto migrated = (*opened)->migrate(); !migrated) throw std::runtime_error(migrated.error().message);
  return std::move(opened).value();
}

long long insert(store::Store& store, const std::vector<store::PingResult>& batch) {
  auto inserted = store.insert_results(batch);
  if (!inserted) throw std::runtime_error(inserted.error().message);
  return *inserted;
}

// Writes hosts x rounds rows as the writer does; returns the rows written.
long long write_rounds(store::Store& store, int hosts, int rounds) {
  const EpochMs start = 1'790'000'000'000LL;  // 2026-09-21
  long long written = 0;
  std::vector<store::PingResult> batch;
  for (int round = 0; round < rounds; ++round) {
    for (int host = 1; host <= hosts; ++host) {
      store::PingResult row;
      row.host_id = host;
      row.ts = start + round * 60'000LL;
      row.sent = 5;
      row.received = host % 50 == 0 ? 0 : 5;
      if (row.received > 0) {
        const double base = 0.5 + (host % 200) * 0.37 + (round % 7) * 0.011;
        row.min_ms = base;
        row.avg_ms = base + 0.21;
        row.max_ms = base + 0.53;
        row.median_ms = base + 0.19;
        row.stddev_ms = 0.17;
      } else {
        row.error = "timeout";
      }
      batch.push_back(row);
      if (batch.size() == 1000) {
        written += insert(store, batch);
        batch.clear();
      }
    }
  }
  if (!batch.empty()) written += insert(store, batch);
  return written;
}

int bytes_per_row(const Config& config) {
  testing::TempDir dir("semaphore-bench-pg-store");
  testing::ShellDatabase pg;
  pg.server = std::make_unique<testing::PostgresServer>();
  pg.url = pg.server->create_database("rows");
  auto store = open_store(pg.url);
  add_hosts(pg, config.hosts, "rows@example.com");
  const auto t0 = std::chrono::steady_clock::now();
  const long long rows = write_rounds(*store, config.hosts, config.rounds);
  const double took = seconds_since(t0);
  const char* kSize =
      "SELECT COALESCE(SUM(pg_total_relation_size(inhrelid)), 0) || ' ' || "
      "COALESCE(SUM(pg_relation_size(inhrelid)), 0) FROM pg_inherits WHERE inhparent = "
      "CAST('ping_results' AS regclass);";
  long long total = 0, heap = 0;
  std::sscanf(pg.sql(kSize).c_str(), "%lld %lld", &total, &heap);
  const std::string density = pg.sql(
      "CREATE EXTENSION IF NOT EXISTS pgstattuple; SELECT string_agg(CAST(i.indexrelid AS regclass) || ' ' "
      "|| "
      "s.leaf_pages || ' leaf pages, ' || s.avg_leaf_density || '% full', '; ') FROM pg_inherits p JOIN "
      "pg_index "
      "i ON i.indrelid = p.inhrelid CROSS JOIN LATERAL pgstatindex(CAST(i.indexrelid AS regclass)) s WHERE "
      "p.inhparent = CAST('ping_results' AS regclass) AND s.leaf_pages > 1;");
  pg.sql("VACUUM ANALYZE ping_results;");
  long long total_vacuumed = 0, heap_vacuumed = 0;
  std::sscanf(pg.sql(kSize).c_str(), "%lld %lld", &total_vacuumed, &heap_vacuumed);
  // Maintenance's compaction (MonitorStore::compact_partitions, one closed day a pass): every closed day's
  // primary key rebuilt packed full, as it stands from the day after on.
  const auto compact_t0 = std::chrono::steady_clock::now();
  int compacted = 0;
  for (; compacted < 100; ++compacted) {
    auto done = store->compact_partitions(now_epoch_ms());
    if (!done) throw std::runtime_error(done.error().message);
    if (*done == 0) break;
  }
  const double compact_s = seconds_since(compact_t0);
  long long total_compacted = 0, heap_compacted = 0;
  std::sscanf(pg.sql(kSize).c_str(), "%lld %lld", &total_compacted, &heap_compacted);
  const std::string density_compacted = pg.sql(
      "SELECT string_agg(CAST(i.indexrelid AS regclass) || ' ' || s.leaf_pages || ' leaf pages, ' || "
      "s.avg_leaf_density || '% full', '; ') FROM pg_inherits p JOIN pg_index i ON i.indrelid = p.inhrelid "
      "CROSS JOIN LATERAL pgstatindex(CAST(i.indexrelid AS regclass)) s WHERE p.inhparent = "
      "CAST('ping_results' AS regclass) AND s.leaf_pages > 1;");
  const double per_row = static_cast<double>(total) / static_cast<double>(rows);
  // What a SMALLINT location id in the row and its key would cost (issue 16): the same rows copied into
  // plain tables, packed the same way (heap written in one go, key built full), one with the column after
  // `method` (in the key between method and ts, where the key has padding), one without, and one with the
  // location packed into `method` as migration 013 keeps it (store/result_location.h), three locations'
  // worth of values.
  const auto copy_bytes = [&](const std::string& name, const std::string& location,
                              const std::string& method = "method") {
    pg.sql("CREATE TABLE " + name + " AS SELECT ts, host_id, " + method + " AS method, " + location +
           "sent, received, refused, min_ms, avg_ms, max_ms, median_ms, stddev_ms FROM ping_results ORDER BY "
           "host_id, method, ts; ALTER TABLE " +
           name + " ADD PRIMARY KEY (host_id, method, " + (location.empty() ? "" : "location, ") +
           "ts) WITH (fillfactor = 100);");
    long long heap_bytes = 0, total_bytes = 0;
    std::sscanf(pg.sql("SELECT pg_relation_size(CAST('" + name + "' AS regclass)) || ' ' || " +
                       "pg_total_relation_size(CAST('" + name + "' AS regclass));")
                    .c_str(),
                "%lld %lld", &heap_bytes, &total_bytes);
    pg.sql("DROP TABLE " + name + ";");
    return std::pair{static_cast<double>(heap_bytes) / static_cast<double>(rows),
                     static_cast<double>(total_bytes) / static_cast<double>(rows)};
  };
  const auto [plain_heap, plain_total] = copy_bytes("bench_rows_plain", "");
  const auto [located_heap, located_total] =
      copy_bytes("bench_rows_located", "CAST(host_id % 3 AS SMALLINT) AS location, ");
  const auto [packed_heap, packed_total] =
      copy_bytes("bench_rows_packed", "", "CAST(method + 2 * (host_id % 3) AS SMALLINT)");
  // How a host's newest row is found (the report's latest status): one partition, one index range.
  const std::string plan =
      pg.sql("EXPLAIN (COSTS OFF) SELECT MAX(ts) FROM ping_results WHERE host_id = 7 AND method = 0;");
  const auto probe_t0 = std::chrono::steady_clock::now();
  pg.sql(
      "SELECT COUNT(*) FROM hosts h JOIN ping_results r ON r.host_id = h.id AND r.method = 0 AND r.ts = "
      "(SELECT "
      "MAX(ts) FROM ping_results WHERE host_id = h.id AND method = 0);");
  const double latest_s = seconds_since(probe_t0);
  const double per_row_vacuumed = static_cast<double>(total_vacuumed) / static_cast<double>(rows);

  // SQLite, the same rows: the file's growth.
  testing::ShellDatabase lite;
  lite.sqlite_path = dir.file("rows.db");
  lite.url = "sqlite:" + lite.sqlite_path;
  auto sqlite_store = open_store(lite.url);
  add_hosts(lite, config.hosts, "rows@example.com");
  const auto pages = [&] {
    lite.sql("PRAGMA wal_checkpoint(TRUNCATE);");
    return std::atof(
        lite.sql("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size();").c_str());
  };
  const double before = pages();
  const long long sqlite_rows = write_rounds(*sqlite_store, config.hosts, config.rounds);
  const double sqlite_per_row = (pages() - before) / static_cast<double>(sqlite_rows);

  const double per_year = 525'600;  // rounds a year at 60 s
  std::printf("bytes per ping_results row: %d hosts x %d rounds = %lld rows written in %.1f s\n",
              config.hosts, config.rounds, rows, took);
  std::printf(
      "  PostgreSQL: %.1f B/row with indexes (heap %.1f), %.1f after VACUUM (goal <= 100): %.1f MB per "
      "host per year at 60 s\n",
      per_row, static_cast<double>(heap) / static_cast<double>(rows), per_row_vacuumed,
      per_row_vacuumed * per_year / 1e6);
  const double per_row_compacted = static_cast<double>(total_compacted) / static_cast<double>(rows);
  std::printf(
      "  PostgreSQL, closed days' keys rebuilt by maintenance (%d partitions, %.1f s): %.1f B/row (heap "
      "%.1f, "
      "key and maps %.1f): %.1f MB per host per year at 60 s\n",
      compacted, compact_s, per_row_compacted,
      static_cast<double>(heap_compacted) / static_cast<double>(rows),
      static_cast<double>(total_compacted - heap_compacted) / static_cast<double>(rows),
      per_row_compacted * per_year / 1e6);
  std::printf("  primary key leaves after: %s", density_compacted.c_str());
  std::printf(
      "  a SMALLINT location id (issue 16), the same rows copied and packed: %.1f B/row (heap %.1f) without "
      "it, %.1f (heap %.1f) with it in the row and the key, %.1f (heap %.1f) packed into method (migration "
      "013)\n",
      plain_total, plain_heap, located_total, located_heap, packed_total, packed_heap);
  std::printf("  SQLite:     %.1f B/row: %.1f MB per host per year at 60 s\n", sqlite_per_row,
              sqlite_per_row * per_year / 1e6);
  std::printf(
      "  every host's latest row (the report's query, through psql): %.3f s for %d hosts; a host's "
      "newest row:\n%s",
      latest_s, config.hosts, plan.c_str());
  std::printf("  primary key leaves: %s", density.c_str());
  return 0;
}

int lease_claims(const Config& config) {
  testing::ShellDatabase pg;
  pg.server = std::make_unique<testing::PostgresServer>();
  pg.url = pg.server->create_database("leases");
  auto first = open_store(pg.url);
  auto second = open_store(pg.url);
  add_hosts(pg, config.lease_hosts, "leases@example.com");
  const EpochMs now = 1'790'000'000'000LL;
  const std::int64_t ttl = 90'000;

  auto t0 = std::chrono::steady_clock::now();
  auto a = first->claim_host_leases({"a", now, ttl, config.chunk});
  const double first_claim = seconds_since(t0);
  if (!a) throw std::runtime_error(a.error().message);
  t0 = std::chrono::steady_clock::now();
  auto renewed = first->claim_host_leases({"a", now + 60'000, ttl, config.chunk});
  const double renewal = seconds_since(t0);
  // A second worker arrives: the first gives back its surplus after its round, the second claims its share
  // (it retries at its next round when the first has not released yet; here the release comes first).
  t0 = std::chrono::steady_clock::now();
  auto b0 = second->claim_host_leases({"b", now + 61'000, ttl, config.chunk});
  const double heartbeat = seconds_since(t0);
  if (!b0) throw std::runtime_error(b0.error().message);
  t0 = std::chrono::steady_clock::now();
  if (auto released = first->release_host_leases("a", b0->fair_share); !released) {
    throw std::runtime_error(released.error().message);
  }
  const double release = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  auto b = second->claim_host_leases({"b", now + 62'000, ttl, config.chunk});
  const double second_claim = seconds_since(t0);
  auto a2 = first->claim_host_leases({"a", now + 120'000, ttl, config.chunk});
  if (!b || !a2) throw std::runtime_error("claim failed");
  std::set<store::Id> seen;
  std::size_t held = 0;
  for (const auto* grant : {&*a2, &*b}) {
    for (const auto& host : grant->hosts) seen.insert(host.id);
    held += grant->hosts.size();
  }
  std::printf("lease claiming, %d hosts, chunk %d:\n", config.lease_hosts, config.chunk);
  std::printf("  first claim of one worker: %.2f s for %zu hosts; renewal: %.2f s\n", first_claim,
              a->hosts.size(), renewal);
  std::printf(
      "  second worker: heartbeat %.2f s, first's release of its surplus %.2f s, claim of its share "
      "%.2f s for %zu hosts\n",
      heartbeat, release, second_claim, b->hosts.size());
  std::printf("  accounting: %zu + %zu hosts held, %zu distinct, of %d: %s\n", a2->hosts.size(),
              b->hosts.size(), seen.size(), config.lease_hosts,
              held == seen.size() && static_cast<int>(seen.size()) == config.lease_hosts ? "each exactly once"
                                                                                         : "MISMATCH");
  (void)renewed;

  // What the service does (LeaseHostSource): a budget of min(2 s, interval / 10) per round start, the rest at
  // the next rounds. A fresh worker on a fresh database of the same hosts.
  testing::ShellDatabase fresh;
  fresh.url = pg.server->create_database("budgeted");
  auto budgeted = open_store(fresh.url);
  add_hosts(fresh, config.lease_hosts, "budget@example.com");
  std::printf("  with the service's 2 s budget (60 s interval), round by round:");
  for (int round = 0; round < 20; ++round) {
    t0 = std::chrono::steady_clock::now();
    auto grant = budgeted->claim_host_leases({"c", now + round * 60'000LL, ttl, config.chunk, 2000});
    if (!grant) throw std::runtime_error(grant.error().message);
    std::printf(" %.2f s -> %zu hosts;", seconds_since(t0), grant->hosts.size());
    if (static_cast<std::int64_t>(grant->hosts.size()) >= grant->fair_share) break;
  }
  std::printf("\n");

  // The service's way since claims overlap the round (LeaseHostSource with the phase window of a 60 s
  // interval, 53 s): the round starts after the heartbeat, the renewal and one batch; the other batches
  // come from the source's claimer thread while the round runs, and the scheduler pings each in the same
  // round (tests/integration/monitor/lease_rounds_test.cpp). A fresh worker on a fresh database.
  testing::ShellDatabase overlapped;
  overlapped.url = pg.server->create_database("overlapped");
  auto overlapped_store = open_store(overlapped.url);
  add_hosts(overlapped, config.lease_hosts, "overlap@example.com");
  const auto window = std::chrono::milliseconds(53'000);
  monitor::LeaseHostSource source(*overlapped_store, "d", std::chrono::milliseconds(ttl), config.chunk,
                                  std::chrono::milliseconds(0), window);
  t0 = std::chrono::steady_clock::now();
  auto start = source.hosts_for_round(now_epoch_ms());
  if (!start) throw std::runtime_error(start.error().message);
  const double round_start = seconds_since(t0);
  std::set<store::Id> first_round;
  for (const auto& host : *start) first_round.insert(host.id);
  std::size_t given = start->size();
  std::vector<std::pair<double, std::size_t>> marks;  // (s since the call, hosts given so far) every 10,000
  for (bool done = false; !done;) {
    for (auto& host : source.more_hosts(std::chrono::steady_clock::now() + window, done)) {
      first_round.insert(host.id);
      ++given;
      if (given % 10'000 == 0) marks.emplace_back(seconds_since(t0), given);
    }
  }
  const double claimed_all = seconds_since(t0);
  source.round_done(now_epoch_ms());
  std::printf(
      "  claims overlapping the round (60 s interval, 53 s window): the round starts after %.2f s with %zu "
      "hosts; then",
      round_start, start->size());
  for (const auto& [at, count] : marks) std::printf(" %.2f s -> %zu;", at, count);
  std::printf(
      " claiming done at %.2f s (%.0f hosts/s): first round covers %zu of %d hosts (%zu given, %s), "
      "background batches %lld\n",
      claimed_all, static_cast<double>(given) / claimed_all, first_round.size(), config.lease_hosts, given,
      given == first_round.size() ? "each once" : "DUPLICATES",
      static_cast<long long>(source.background_batches()));
  source.close();
  const bool covered =
      static_cast<int>(first_round.size()) == config.lease_hosts && given == first_round.size();
  return held == seen.size() && static_cast<int>(seen.size()) == config.lease_hosts && covered ? 0 : 1;
}

int run(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const int value = std::stoi(argv[i + 1]);
    if (name == "--hosts") config.hosts = value;
    if (name == "--rounds") config.rounds = value;
    if (name == "--lease-hosts") config.lease_hosts = value;
    if (name == "--chunk") config.chunk = value;
  }
  int status = bytes_per_row(config);
  status |= lease_claims(config);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  return semaphore::bench::guarded_main("bench_pg_store", argc, argv, run);
}
