// bench_api: the JSON API at scale (issue 13), through the real `semaphore serve` over HTTP on loopback with
// a token from `semaphore token create`, on SQLite and on a throwaway PostgreSQL. Two measurements, each
// beside its peer in the same run and on the same database:
//  (a) POST /api/v1/hosts/import of 10,000 hosts in one call (seconds), against the store's add_hosts of the
//      same 10,000 rows in one transaction in this process (no HTTP, no JSON, no field checks; what the
//      import calls, a statement per row), and against plain multi-row INSERTs in one transaction through the
//      database's shell (sqlite3, psql; its start-up counted);
//  (b) GET /api/v1/hosts/{id}/results?resolution=raw over 30 days of 60 s rounds (43,200 rows), following
//      next_cursor (10,000 a page), in rows per second served, against the store's SELECT of the same rows
//      (results_between) in this process. JSON and CSV (Accept: text/csv) are both measured.
//
//   bench_api [--hosts 10000] [--days 30] [--repeat 3] [--backends sqlite,postgresql]
//
// The semaphore binary is $SEMAPHORE_BINARY, else the one this was built with.
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/db_url.h"
#include "guarded_main.h"
#include "integration/web/http_client.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace {

using namespace semaphore;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

struct Config {
  int hosts = 10000;
  int days = 30;
  int repeat = 3;
  std::vector<std::string> backends = {"sqlite", "postgresql"};
};

constexpr EpochMs kStep = 60'000;
// The import's answer (one result per host) and a 10,000-row page can take a while on a busy machine.
constexpr auto kRequestTimeout = std::chrono::minutes(5);

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string binary() {
  const char* env = std::getenv("SEMAPHORE_BINARY");
  return env != nullptr && *env != '\0' ? env : SEMAPHORE_BINARY_PATH;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

// One request on a fresh connection (the client sends Connection: close), with a long timeout.
testing::HttpResponse send(testing::HttpClient& client, const std::string& method, const std::string& target,
                           const std::string& token, const std::string& body = "",
                           const std::string& accept = "application/json") {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                     "Authorization: Bearer " + token + "\r\nAccept: " + accept + "\r\n";
  if (method == "POST") {
    text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  text += "\r\n" + body;
  return client.raw(text, kRequestTimeout);
}

std::string hostname(const std::string& prefix, int i) {
  return prefix + std::to_string(i) + ".bench.example";
}

std::vector<store::PingResult> rounds(store::Id host_id, EpochMs from, EpochMs to) {
  std::vector<store::PingResult> out;
  for (EpochMs ts = from; ts < to; ts += kStep) {
    store::PingResult row;
    row.host_id = host_id;
    row.ts = ts;
    row.sent = 5;
    row.received = (ts / kStep) % 97 == 0 ? 3 : 5;
    const double median = 10.0 + static_cast<double>((ts / kStep) % 13) * 0.25;
    row.min_ms = median - 0.3;
    row.median_ms = median;
    row.avg_ms = median + 0.1;
    row.max_ms = median + 1.2;
    row.stddev_ms = 0.4;
    out.push_back(row);
  }
  return out;
}

struct Figures {
  double import_s = 0, add_hosts_s = 0, plain_sql_s = 0;
  long long imported = 0;
  long long rows = 0, json_bytes = 0, csv_bytes = 0;
  double json_rows_per_s = 0, csv_rows_per_s = 0, select_rows_per_s = 0;
};

// Reads the host's raw results through the API, page after page; returns the seconds spent in requests (the
// JSON parsing between pages is not counted) and the rows and bytes received, or -1 on a failed request.
double read_results(testing::HttpClient& client, const std::string& token, store::Id host_id, EpochMs from,
                    EpochMs to, bool csv, long long& rows, long long& bytes) {
  rows = 0;
  bytes = 0;
  double spent = 0;
  const std::string base = "/api/v1/hosts/" + std::to_string(host_id) +
                           "/results?resolution=raw&limit=10000&from=" + std::to_string(from / 1000) +
                           "&to=" + std::to_string(to / 1000);
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    const std::string target = base + (cursor.empty() ? "" : "&cursor=" + testing::url_encode(cursor));
    const auto started = Clock::now();
    const auto response = send(client, "GET", target, token, "", csv ? "text/csv" : "application/json");
    spent += seconds_since(started);
    if (response.status != 200) {
      std::fprintf(stderr, "GET %s: %d %s\n", target.c_str(), response.status,
                   response.body.substr(0, 300).c_str());
      return -1;
    }
    bytes += static_cast<long long>(response.body.size());
    if (csv) {
      rows += std::count(response.body.begin(), response.body.end(), '\n') - 1;  // less the header line
      cursor = response.header("x-next-cursor");
    } else {
      const json::object answer = json::parse(response.body).as_object();
      rows += static_cast<long long>(answer.at("results").as_array().size());
      const auto& next = answer.at("next_cursor");
      cursor = next.is_string() ? std::string(next.as_string()) : "";
    }
    if (cursor.empty()) return spent;
  }
  return -1;
}

int run_backend(const Config& config, const std::string& backend, Figures& figures) {
  testing::TempDir dir("semaphore-bench-api");
  std::unique_ptr<testing::PostgresServer> server;
  std::string url;
  if (backend == "sqlite") {
    url = "sqlite:" + dir.file("bench.db");
  } else {
    const auto started = Clock::now();
    try {
      server = std::make_unique<testing::PostgresServer>();
      url = server->create_database("bench");
    } catch (const std::exception& e) {
      std::printf("%s: skipped, the throwaway server did not start: %s\n", backend.c_str(), e.what());
      return 0;
    }
    std::printf("%s: throwaway server up in %.1f s\n", backend.c_str(), seconds_since(started));
  }
  if (auto migrated = testing::run_command({binary(), "migrate", "--db", url}); migrated.exit_code != 0) {
    std::fprintf(stderr, "%s: migrate failed: %s\n", backend.c_str(), migrated.err.c_str());
    return 1;
  }
  auto opened = store::Store::open(*parse_db_url(url));
  if (!opened) return std::fprintf(stderr, "%s\n", opened.error().message.c_str()), 1;
  auto& db = **opened;
  auto api_user = db.create_user("api@example.com", "not a password hash", false);
  auto sql_user = db.create_user("sql@example.com", "not a password hash", false);
  if (!api_user || !sql_user)
    return std::fprintf(stderr, "%s: cannot create the users\n", backend.c_str()), 1;
  const auto token = testing::run_command({binary(), "token", "create", "--user", "api@example.com", "--name",
                                           "bench", "--scope", "write", "--db", url});
  if (token.exit_code != 0) return std::fprintf(stderr, "token create failed: %s\n", token.err.c_str()), 1;
  const std::string bearer = token.out.substr(0, token.out.find_last_not_of("\r\n") + 1);

  const int port = testing::free_tcp_port();
  testing::ChildProcess serve(
      {binary(), "serve", "--db", url, "--listen", "127.0.0.1:" + std::to_string(port),
       "--max-hosts-per-user", std::to_string(config.hosts * 2), "--log-level", "warn"},
      dir.file("serve.log"));
  if (!testing::wait_for_tcp_port(port, std::chrono::seconds(30))) {
    return std::fprintf(stderr, "%s: serve did not start:\n%s\n", backend.c_str(), serve.log().c_str()), 1;
  }
  testing::HttpClient client(port);

  // (a) The peer first, into the other user: the import then meets a table that already holds as many rows.
  std::vector<store::Host> hosts(static_cast<std::size_t>(config.hosts));
  for (int i = 0; i < config.hosts; ++i) {
    auto& host = hosts[static_cast<std::size_t>(i)];
    host.hostname = hostname("sql-", i);
    host.provider = static_cast<Provider>(i % 4);
    host.service = i % 2 ? "EC2" : "Compute";
    host.label = "bench " + std::to_string(i);
  }
  static const char* providers[] = {"AWS", "GCP", "Azure", "Other"};
  auto started = Clock::now();
  auto added = db.add_hosts(sql_user->id, hosts, config.hosts * 2);
  figures.add_hosts_s = seconds_since(started);
  if (!added) return std::fprintf(stderr, "add_hosts: %s\n", added.error().message.c_str()), 1;

  // The plain-SQL peer: 10,000 rows in multi-row INSERTs of 1,000, one transaction, into a third user.
  auto sql_plain_user = db.create_user("plain@example.com", "not a password hash", false);
  if (!sql_plain_user) return std::fprintf(stderr, "%s: cannot create the user\n", backend.c_str()), 1;
  std::string statements = "BEGIN;\n";
  for (int at = 0; at < config.hosts; at += 1000) {
    statements +=
        "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) VALUES ";
    for (int i = at; i < std::min(config.hosts, at + 1000); ++i) {
      statements += (i == at ? "(" : ",(") + std::to_string(sql_plain_user->id) + ", '" +
                    hostname("plain-", i) + "', '" + providers[i % 4] + "', '" + (i % 2 ? "EC2" : "Compute") +
                    "', 'bench " + std::to_string(i) + "', 1, 0)";
    }
    statements += ";\n";
  }
  statements += "COMMIT;\n";
  const std::vector<std::string> shell =
      backend == "sqlite" ? std::vector<std::string>{"sqlite3", dir.file("bench.db")}
                          : std::vector<std::string>{"psql", "-qtA", "-v", "ON_ERROR_STOP=1", url};
  started = Clock::now();
  const auto plain = testing::run_command(shell, statements);
  figures.plain_sql_s = seconds_since(started);
  if (plain.exit_code != 0) return std::fprintf(stderr, "plain INSERT: %s\n", plain.err.c_str()), 1;

  json::array items;
  for (int i = 0; i < config.hosts; ++i) {
    items.push_back(json::object{{"hostname", hostname("api-", i)},
                                 {"provider", providers[i % 4]},
                                 {"service", i % 2 ? "EC2" : "Compute"},
                                 {"label", "bench " + std::to_string(i)}});
  }
  const std::string body = json::serialize(json::object{{"hosts", std::move(items)}});
  started = Clock::now();
  const auto imported = send(client, "POST", "/api/v1/hosts/import", bearer, body);
  figures.import_s = seconds_since(started);
  if (imported.status != 200) {
    std::fprintf(stderr, "import: %d %s\n%s\n", imported.status, imported.body.substr(0, 300).c_str(),
                 serve.log().c_str());
    return 1;
  }
  const json::object answer = json::parse(imported.body).as_object();
  figures.imported = answer.at("added").to_number<long long>();
  if (figures.imported != config.hosts) {
    std::fprintf(stderr, "import added %lld of %d: %s\n", figures.imported, config.hosts,
                 imported.body.substr(0, 300).c_str());
    return 1;
  }
  const store::Id host_id = answer.at("results").as_array().at(0).as_object().at("id").to_number<long long>();
  std::printf(
      "%s: import of %d hosts (%.1f MB of JSON): %.2f s over HTTP; add_hosts in-process %.2f s (%.1fx); "
      "plain INSERTs in one transaction %.2f s (%.1fx)\n",
      backend.c_str(), config.hosts, static_cast<double>(body.size()) / 1e6, figures.import_s,
      figures.add_hosts_s, figures.import_s / figures.add_hosts_s, figures.plain_sql_s,
      figures.import_s / figures.plain_sql_s);

  // (b) Seed the first imported host's rounds through the store, then read them back both ways.
  const EpochMs to = now_epoch_ms() / kStep * kStep;
  const EpochMs from = to - EpochMs{config.days} * 86'400'000;
  const auto seeded = rounds(host_id, from, to);
  started = Clock::now();
  for (std::size_t at = 0; at < seeded.size(); at += 1000) {
    const auto batch = std::span(seeded).subspan(at, std::min<std::size_t>(1000, seeded.size() - at));
    if (auto inserted = db.insert_results(batch); !inserted) {
      return std::fprintf(stderr, "insert_results: %s\n", inserted.error().message.c_str()), 1;
    }
  }
  std::printf("%s: seeded %zu rounds of host %lld in %.2f s\n", backend.c_str(), seeded.size(),
              static_cast<long long>(host_id), seconds_since(started));

  std::vector<double> json_rates, csv_rates, select_rates;
  for (int round = 0; round < config.repeat; ++round) {
    long long rows = 0, bytes = 0;
    const double json_s = read_results(client, bearer, host_id, from, to, false, rows, bytes);
    if (json_s < 0 || rows != static_cast<long long>(seeded.size())) {
      return std::fprintf(stderr, "JSON read: %lld rows of %zu\n", rows, seeded.size()), 1;
    }
    figures.json_bytes = bytes;
    json_rates.push_back(static_cast<double>(rows) / json_s);
    const double csv_s = read_results(client, bearer, host_id, from, to, true, rows, bytes);
    if (csv_s < 0 || rows != static_cast<long long>(seeded.size())) {
      return std::fprintf(stderr, "CSV read: %lld rows of %zu\n", rows, seeded.size()), 1;
    }
    figures.csv_bytes = bytes;
    csv_rates.push_back(static_cast<double>(rows) / csv_s);
    started = Clock::now();
    const auto selected = db.results_between(api_user->id, host_id, store::kLocalLocationId, from, to);
    const double select_s = seconds_since(started);
    if (!selected || selected->size() != seeded.size()) return std::fprintf(stderr, "SELECT failed\n"), 1;
    select_rates.push_back(static_cast<double>(selected->size()) / select_s);
    figures.rows = rows;
  }
  figures.json_rows_per_s = median(json_rates);
  figures.csv_rows_per_s = median(csv_rates);
  figures.select_rows_per_s = median(select_rates);
  std::printf(
      "%s: results, %lld raw rows (median of %d): JSON %.0f rows/s (%.1f MB), CSV %.0f rows/s (%.1f MB); "
      "SELECT in-process %.0f rows/s: JSON %.1fx, CSV %.1fx slower\n",
      backend.c_str(), figures.rows, config.repeat, figures.json_rows_per_s,
      static_cast<double>(figures.json_bytes) / 1e6, figures.csv_rows_per_s,
      static_cast<double>(figures.csv_bytes) / 1e6, figures.select_rows_per_s,
      figures.select_rows_per_s / figures.json_rows_per_s,
      figures.select_rows_per_s / figures.csv_rows_per_s);
  return 0;
}

int run_bench(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--hosts" && has_value) {
      config.hosts = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--days" && has_value) {
      config.days = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--repeat" && has_value) {
      config.repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--backends" && has_value) {
      config.backends = split(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--hosts 10000] [--days 30] [--repeat 3] [--backends sqlite,postgresql]\n",
                   argv[0]);
      return 2;
    }
  }
  std::vector<std::pair<std::string, Figures>> all;
  int status = 0;
  for (const auto& backend : config.backends) {
    Figures figures;
    if (run_backend(config, backend, figures) != 0) {
      status = 1;
    } else if (figures.imported > 0) {
      all.emplace_back(backend, figures);
    }
  }
  std::printf(
      "\n| | import %d hosts (s) | add_hosts (s) | ratio | plain SQL (s) | ratio | results JSON (rows/s) | "
      "CSV (rows/s) | SELECT (rows/s) | ratio JSON | ratio CSV "
      "|\n|---|---|---|---|---|---|---|---|---|---|---|\n",
      config.hosts);
  for (const auto& [backend, f] : all) {
    std::printf("| %s | %.2f | %.2f | %.1fx | %.2f | %.1fx | %.0f | %.0f | %.0f | %.1fx | %.1fx |\n",
                backend.c_str(), f.import_s, f.add_hosts_s, f.import_s / f.add_hosts_s, f.plain_sql_s,
                f.import_s / f.plain_sql_s, f.json_rows_per_s, f.csv_rows_per_s, f.select_rows_per_s,
                f.select_rows_per_s / f.json_rows_per_s, f.select_rows_per_s / f.csv_rows_per_s);
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  return semaphore::bench::guarded_main("bench_api", argc, argv, run_bench);
}
