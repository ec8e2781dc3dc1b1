// bench_soak: the soak of issue 12. Runs `semaphore run` (web UI + ping service in one process) for M minutes
// against N simulated hosts (tests/fixtures/simnet, in a private network namespace) at a short interval, with
// wrk on /report and host pages, a host edit through the web form every few seconds, and a database outage in
// the middle. Samples the process's RSS and open descriptors, and at the end prints their growth per hour
// (a linear fit after the warm-up), rounds on time, rows lost (host-rounds the service ran without a row in
// the database) and HTTP errors (wrk's non-2xx/3xx and socket errors, failed edits).
//
//   bench_soak [--minutes 30] [--hosts 10000] [--interval 10] [--backend sqlite|postgresql]
//              [--outage 60] [--edit-every 10] [--sample-every 15] [--warmup-minutes W]
//              [--connections 4] [--wrk-delay-ms 50]
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "simnet/network.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/shell_database.h"
#include "support/temp_dir.h"

namespace {

using namespace semaphore;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Config {
  int minutes = 30;
  std::uint32_t hosts = 10000;
  int interval_s = 10;
  std::string backend = "sqlite";
  int outage_s = 60;
  int edit_every_s = 10;
  int sample_every_s = 15;
  double warmup_minutes = -1;  // <0: a third of the run, at most 5 minutes
  int connections = 4;
  int wrk_delay_ms = 50;
};

// Every count and time is bounded, so that a typo cannot start a week-long run or a million hosts.
bool parse_args(int argc, char** argv, Config& config) {
  struct Bounded {
    int* value;
    long lo, hi;
  };
  int hosts = static_cast<int>(config.hosts), warmup = -1;
  const std::map<std::string, Bounded> numbers = {{"--minutes", {&config.minutes, 1, 24 * 60}},
                                                  {"--hosts", {&hosts, 10, 100000}},
                                                  {"--interval", {&config.interval_s, 2, 600}},
                                                  {"--outage", {&config.outage_s, 0, 3600}},
                                                  {"--edit-every", {&config.edit_every_s, 1, 3600}},
                                                  {"--sample-every", {&config.sample_every_s, 1, 600}},
                                                  {"--warmup-minutes", {&warmup, 0, 24 * 60}},
                                                  {"--connections", {&config.connections, 1, 64}},
                                                  {"--wrk-delay-ms", {&config.wrk_delay_ms, 0, 10000}}};
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_soak: %s needs a value\n", name.c_str());
      return false;
    }
    const std::string value = argv[i + 1];
    if (name == "--backend" && (value == "sqlite" || value == "postgresql")) {
      config.backend = value;
      continue;
    }
    const auto found = numbers.find(name);
    if (found == numbers.end()) {
      std::fprintf(stderr, "bench_soak: unknown option or value: %s %s\n", name.c_str(), value.c_str());
      return false;
    }
    char* end = nullptr;
    const long v = std::strtol(value.c_str(), &end, 10);
    if (end == value.c_str() || *end != '\0' || v < found->second.lo || v > found->second.hi) {
      std::fprintf(stderr, "bench_soak: %s must be a whole number from %ld to %ld\n", name.c_str(),
                   found->second.lo, found->second.hi);
      return false;
    }
    *found->second.value = static_cast<int>(v);
  }
  config.hosts = static_cast<std::uint32_t>(hosts);
  if (warmup >= 0) config.warmup_minutes = warmup;
  return true;
}

// Seconds from `start_ms` to a service log line's "[YYYY-MM-DD HH:MM:SS.mmm]" (spdlog's local time; the
// bench and the service share the machine's zone), or -1.
double log_line_seconds(const std::string& stamp, EpochMs start_ms) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(stamp.c_str(), "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  const std::time_t at = std::mktime(&tm);
  return at < 0 ? -1 : (static_cast<double>(at) * 1000 + ms - static_cast<double>(start_ms)) / 1000;
}

// What to look at when wrk saw errors: the requests the service took over a second for (the slowest ten,
// from its own request log), the rounds that overran, and its warnings and errors (the first fifteen).
void print_slow_requests(const std::string& log, EpochMs start_ms) {
  static const std::regex request_re(
      R"(^\[([0-9-]+ [0-9:.]+)\] \[\w+\] ([A-Z]+) (\S+) (\d{3}) \d+B ([0-9.]+)ms)");
  struct Slow {
    double ms, t;
    std::string what;
  };
  std::vector<Slow> slow;
  std::vector<std::string> notes;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, request_re)) {
      const double ms = std::stod(m[5]);
      if (ms >= 1000) {
        slow.push_back({ms, log_line_seconds(m[1], start_ms),
                        std::string(m[2]) + " " + std::string(m[3]) + " " + std::string(m[4])});
      }
    } else if (line.find("overran") != std::string::npos || line.find("[warning]") != std::string::npos ||
               line.find("[error]") != std::string::npos) {
      if (notes.size() < 15) {
        const auto close = line.find(']');
        notes.push_back("t " +
                        std::to_string(std::lround(log_line_seconds(line.substr(1, close - 1), start_ms))) +
                        " s: " + line.substr(std::min(line.size(), close + 2), 200));
      }
    }
  }
  std::sort(slow.begin(), slow.end(), [](const Slow& a, const Slow& b) { return a.ms > b.ms; });
  std::printf("  requests the service took 1 s or more for: %zu%s\n", slow.size(),
              slow.empty() ? "" : " (slowest:)");
  for (std::size_t i = 0; i < slow.size() && i < 10; ++i)
    std::printf("    t %.0f s: %s in %.0f ms\n", slow[i].t, slow[i].what.c_str(), slow[i].ms);
  if (!notes.empty())
    std::printf("  the service's overruns, warnings and errors (the first %zu):\n", notes.size());
  for (const auto& note : notes) std::printf("    %s\n", note.c_str());
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

using Database = testing::ShellDatabase;

// The outage on SQLite: another connection holds the write lock (BEGIN EXCLUSIVE). Renaming or chmod-ing the
// file does nothing to a process that has it open (and root ignores modes); a held write lock is what SQLite
// really does to a writer when a backup, a migration or a forgotten `sqlite3` shell sits in a transaction:
// every insert waits out the 10 s busy timeout and fails, so the writer retries and then spools. Readers go
// on (WAL), as they would.
class SqliteWriteLock {
 public:
  explicit SqliteWriteLock(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) return;
    sqlite3_busy_timeout(db_, 30000);  // the service's own transaction in flight ends within this
    held_ = sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~SqliteWriteLock() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  SqliteWriteLock(const SqliteWriteLock&) = delete;
  SqliteWriteLock& operator=(const SqliteWriteLock&) = delete;
  bool held() const { return held_; }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
};

std::map<std::string, double> scrape_metrics(int port) {
  std::map<std::string, double> out;
  const auto r = testing::run_command(
      {"curl", "-s", "--max-time", "5", "http://127.0.0.1:" + std::to_string(port) + "/metrics"});
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::atof(line.c_str() + space + 1);
  }
  return out;
}

// A figure of the last /metrics scrape. A name the service does not export (renamed since this bench was
// written) is remembered and fails the run at the end: a missing figure must never read as 0.
std::set<std::string> missing_metrics;
double metric(const std::map<std::string, double>& scraped, const std::string& name) {
  const auto found = scraped.find(name);
  if (found != scraped.end()) return found->second;
  missing_metrics.insert(name);
  return -1;
}

// Requests the server answered with a status of the class `digit` ('2' for 2xx), over every route.
double requests_of_class(const std::map<std::string, double>& scraped, char digit) {
  double total = 0;
  const std::string prefix = "semaphore_http_requests_total{";
  const std::string code = std::string("code=\"") + digit;
  for (const auto& [name, value] : scraped) {
    if (name.starts_with(prefix) && name.find(code) != std::string::npos) total += value;
  }
  return total;
}

struct Sample {
  double t_s = 0;
  double rss_mb = 0;
  int fds = 0, threads = 0;
  std::map<std::string, double> metrics;
};

Sample sample_process(pid_t pid, double t_s, int port) {
  Sample s;
  s.t_s = t_s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_mb = std::atof(line.c_str() + 6) / 1024;
    if (line.rfind("Threads:", 0) == 0) s.threads = std::atoi(line.c_str() + 8);
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++s.fds;
  }
  s.metrics = scrape_metrics(port);
  return s;
}

// Least-squares slope of y over x (per hour when x is in hours).
double slope(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  if (x.size() < 2) return 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const double d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

// What wrk saw in one segment (wrk runs in segments so that the outage's seconds are counted apart).
struct WrkTotals {
  long requests = 0, non_2xx_3xx = 0, socket_errors = 0, segments = 0;
  long by_kind[4] = {0, 0, 0, 0};  // wrk's socket errors: connect, read, write, timeout
  double seconds = 0;
  std::map<int, long> statuses;
  std::vector<std::string> erring_segments;  // "t 120-180 s: 1 timeout", when a segment had socket errors
  void add(const std::string& out, double from_s, double secs) {
    std::smatch m;
    static const std::regex requests_re(R"((\d+) requests in)");
    static const std::regex non_ok_re(R"(Non-2xx or 3xx responses: (\d+))");
    static const std::regex socket_re(
        R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))");
    static const std::regex status_re(R"(status (\d+): (\d+))");
    if (std::regex_search(out, m, requests_re)) requests += std::stol(m[1]);
    if (std::regex_search(out, m, non_ok_re)) non_2xx_3xx += std::stol(m[1]);
    if (std::regex_search(out, m, socket_re)) {
      static const char* const kinds[4] = {"connect", "read", "write", "timeout"};
      std::string what;
      for (int k = 0; k < 4; ++k) {
        const long n = std::stol(m[k + 1]);
        by_kind[k] += n;
        socket_errors += n;
        if (n > 0) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + kinds[k];
      }
      if (!what.empty()) {
        erring_segments.push_back("t " + std::to_string(std::lround(from_s)) + "-" +
                                  std::to_string(std::lround(from_s + secs)) + " s: " + what);
      }
    }
    for (auto it = std::sregex_iterator(out.begin(), out.end(), status_re); it != std::sregex_iterator();
         ++it)
      statuses[std::stoi((*it)[1])] += std::stol((*it)[2]);
    seconds += secs;
    ++segments;
  }
  std::string error_text() const {
    return std::to_string(by_kind[0]) + " connect, " + std::to_string(by_kind[1]) + " read, " +
           std::to_string(by_kind[2]) + " write, " + std::to_string(by_kind[3]) + " timeout";
  }
  std::string status_text() const {
    std::string text;
    for (const auto& [code, n] : statuses)
      text += (text.empty() ? "" : ", ") + std::to_string(code) + ": " + std::to_string(n);
    return text.empty() ? "none" : text;
  }
};

// wrk's script: the session cookie on every request; the paths in turn; a pause per connection between
// requests (`delay`), so that the load is steady and leaves the pinger CPU (wrk alone would take a core);
// every status counted per thread and printed at the end (wrk itself says only "non-2xx or 3xx").
std::string wrk_script(const std::string& session, const std::vector<std::string>& paths, int delay_ms) {
  std::string list;
  for (const auto& p : paths) list += "\"" + p + "\", ";
  return "local paths = {" + list +
         "}\n"
         "local threads = {}\n"
         "function setup(thread) table.insert(threads, thread) end\n"
         "function init(args) codes = {}; n = 0; wrk.headers[\"Cookie\"] = \"semaphore_session=" +
         session +
         "\" end\n"
         "function request() n = n + 1; return wrk.format(\"GET\", paths[(n % #paths) + 1]) end\n"
         "function delay() return " +
         std::to_string(delay_ms) +
         " end\n"
         "function response(status, headers, body) codes[status] = (codes[status] or 0) + 1 end\n"
         "function done(summary, latency, requests)\n"
         "  local all = {}\n"
         "  for _, t in ipairs(threads) do\n"
         "    for code, count in pairs(t:get(\"codes\")) do all[code] = (all[code] or 0) + count end\n"
         "  end\n"
         "  for code, count in pairs(all) do io.write(string.format(\"status %d: %d\\n\", code, count)) end\n"
         "end\n";
}

struct Http {
  int port = 0;
  std::string session;
  std::string csrf;
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
};

std::string form_csrf(const std::string& html) {
  static const std::regex re(R"(name="csrf_token" value="([^"]+)\")");
  std::smatch m;
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

// Signs in like a browser: the form's CSRF token and cookie, then the session cookie from the jar.
bool sign_in(Http& http, const std::string& jar, const std::string& email, const std::string& password) {
  const auto page = testing::run_command({"curl", "-s", "-c", jar, http.base() + "/signin"});
  const std::string token = form_csrf(page.out);
  if (token.empty()) return false;
  testing::run_command({"curl", "-s", "-o", "/dev/null", "-b", jar, "-c", jar, "--data-urlencode",
                        "csrf_token=" + token, "--data-urlencode", "email=" + email, "--data-urlencode",
                        "password=" + password, http.base() + "/signin"});
  std::ifstream in(jar);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string f; std::getline(split, f, '\t');) fields.push_back(f);
    if (fields.size() == 7 && fields[5] == "semaphore_session") http.session = fields[6];
  }
  return !http.session.empty();
}

// One edit through the host form: a new label and service, and the hostname moved between the host's own
// simulated address and a spare one (so the resolver, the host table and the unique key all see changes).
// Returns the HTTP status (303 when saved).
int edit_host(const Http& http, long long id, const std::string& hostname, int n) {
  const auto r = testing::run_command({"curl",
                                       "-s",
                                       "-o",
                                       "/dev/null",
                                       "-w",
                                       "%{http_code}",
                                       "--max-time",
                                       "20",
                                       "-H",
                                       "Cookie: semaphore_session=" + http.session,
                                       "--data-urlencode",
                                       "csrf_token=" + http.csrf,
                                       "--data-urlencode",
                                       "hostname=" + hostname,
                                       "--data-urlencode",
                                       "provider=Other",
                                       "--data-urlencode",
                                       "service=soak " + std::to_string(n % 7),
                                       "--data-urlencode",
                                       "label=edit " + std::to_string(n),
                                       "--data-urlencode",
                                       "enabled=1",
                                       http.base() + "/manage/hosts/" + std::to_string(id)});
  return std::atoi(r.out.c_str());
}

EpochMs parse_iso_ms(const std::string& text) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<EpochMs>(timegm(&tm)) * 1000 + ms;
}

int run(const Config& config, const std::vector<simnet::HostEntry>& table) {
  testing::TempDir dir("semaphore-soak");
  Database db;
  if (config.backend == "sqlite") {
    db.sqlite_path = dir.file("soak.db");
    db.url = "sqlite:" + db.sqlite_path;
  } else {
    db.server = std::make_unique<testing::PostgresServer>();
    db.url = db.server->create_database("soak");
  }
  const std::string binary = SEMAPHORE_BINARY_PATH;
  if (testing::run_command({binary, "migrate", "--db", db.url}).exit_code != 0) {
    std::fprintf(stderr, "bench_soak: migrate failed\n");
    return 1;
  }
  const std::string email = "soak@example.com", password = "soak benchmark password";
  if (auto added = testing::run_command({binary, "user", "add", email, "--db", db.url}, password + "\n");
      added.exit_code != 0) {
    std::fprintf(stderr, "bench_soak: user add failed: %s%s\n", added.out.c_str(), added.err.c_str());
    return 1;
  }
  // The hosts in one transaction through the database's shell: `host import` applies the per-user limit.
  std::string text = "BEGIN;\n";
  for (std::uint32_t at = 0; at < config.hosts; at += 1000) {
    text += "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) VALUES ";
    for (std::uint32_t i = at; i < std::min(config.hosts, at + 1000); ++i) {
      text += (i == at ? "" : ",") + std::string("((SELECT id FROM users WHERE email = '") + email + "'), '" +
              table[i].address.to_string() + "', 'Other', 'soak', '', 1, 0)";
    }
    text += ";\n";
  }
  db.sql(text + "COMMIT;\n");
  std::vector<long long> ids;
  {
    std::istringstream in(db.sql("SELECT id FROM hosts ORDER BY id;"));
    for (long long id; in >> id;) ids.push_back(id);
  }
  if (ids.size() != config.hosts) {
    std::fprintf(stderr, "bench_soak: seeded %zu hosts of %u\n", ids.size(), config.hosts);
    return 1;
  }

  Http http;
  http.port = testing::free_tcp_port();
  testing::ChildProcess service(
      {binary, "run", "--db", db.url, "--listen", "127.0.0.1:" + std::to_string(http.port), "--interval",
       std::to_string(config.interval_s) + "s", "--targets", "private", "--signup", "closed", "--spool-dir",
       dir.file("spool"), "--log-level", "info"},
      dir.file("service.log"));
  auto fail = [&](const char* what) {
    std::fprintf(stderr, "bench_soak: %s; service log:\n%s\n", what, service.log().c_str());
    return 1;
  };
  if (!testing::wait_for_tcp_port(http.port, 30s)) return fail("the web server did not listen");
  if (!sign_in(http, dir.file("cookies"), email, password)) return fail("sign-in failed");
  http.csrf = form_csrf(testing::run_command({"curl", "-s", "-H", "Cookie: semaphore_session=" + http.session,
                                              http.base() + "/manage/hosts/" + std::to_string(ids[0])})
                            .out);
  if (http.csrf.empty()) return fail("no CSRF token on the edit form");

  // The browser's pages: the report of every host, and three hosts' pages and chart data (one of them
  // edited).
  const std::string mid = std::to_string(ids[ids.size() / 2]), last_id = std::to_string(ids.back());
  const std::vector<std::string> paths = {
      "/report", "/report/" + std::to_string(ids[0]) + "?range=1h", "/report/" + mid + "?range=24h",
      "/api/v1/hosts/" + mid + "/results", "/report/" + last_id + "?range=6h"};
  {
    std::ofstream script(dir.file("soak.lua"));
    script << wrk_script(http.session, paths, config.wrk_delay_ms);
  }

  const double total_s = config.minutes * 60.0;
  // The outage sits in the middle; a run too short for the whole of it gets half the run, so that even the
  // one-minute check outlasts the busy timeout plus --spool-after (20 s) and makes the writer spool.
  const double outage_s = std::min<double>(config.outage_s, total_s / 2);
  const double outage_from = total_s / 2 - outage_s / 2, outage_to = outage_from + outage_s;
  const double warmup_s =
      config.warmup_minutes >= 0 ? config.warmup_minutes * 60 : std::min(300.0, total_s / 3);
  std::printf(
      "soak: %u hosts, %d s interval, %s, %d minutes; wrk %d connections (%d ms pause) on %zu paths; a host "
      "edit every %d s; database outage %.0f-%.0f s; warm-up %.0f s\n",
      config.hosts, config.interval_s, config.backend.c_str(), config.minutes, config.connections,
      config.wrk_delay_ms, paths.size(), config.edit_every_s, outage_from, outage_to, warmup_s);
  std::printf("%7s %8s %5s %7s %6s %9s %8s %8s %6s %8s %5s %s\n", "t_s", "rss_MB", "fds", "threads", "rounds",
              "written", "spooled", "replayed", "queue", "spool_kB", "db_up", "phase");
  std::fflush(stdout);

  const auto started = Clock::now();
  const EpochMs started_wall_ms = now_epoch_ms();
  std::vector<Sample> samples;
  WrkTotals wrk_normal, wrk_outage;
  std::unique_ptr<testing::ChildProcess> wrk;
  double wrk_from = 0;
  bool wrk_in_outage = false;
  int wrk_runs = 0;
  std::unique_ptr<SqliteWriteLock> lock;
  bool outage_started = false, outage_done = outage_s <= 0;
  long edits_ok = 0, edits_failed = 0, edits_skipped = 0;
  std::vector<std::string> edit_failures;
  int edit_n = 0;
  std::vector<bool> moved(std::min<std::size_t>(100, config.hosts), false);
  double next_sample = 0, next_edit = config.edit_every_s;

  auto collect_wrk = [&]() {
    if (!wrk || wrk->running()) return;
    (wrk_in_outage ? wrk_outage : wrk_normal).add(wrk->log(), wrk_from, seconds_since(started) - wrk_from);
    wrk.reset();
  };
  while (seconds_since(started) < total_s) {
    const double t = seconds_since(started);
    if (!service.running()) return fail("semaphore run exited");
    // The outage, in the middle.
    if (!outage_started && t >= outage_from && outage_s > 0) {
      outage_started = true;
      if (db.sqlite_path.empty()) {
        db.server->stop();
      } else {
        lock = std::make_unique<SqliteWriteLock>(db.sqlite_path);
        if (!lock->held()) return fail("could not take the SQLite write lock");
      }
      std::printf(
          "%7.0f  -- database outage begins (%s)\n", t,
          db.sqlite_path.empty() ? "PostgreSQL stopped" : "SQLite write lock held by another connection");
    }
    if (outage_started && !outage_done && t >= outage_to) {
      outage_done = true;
      if (db.sqlite_path.empty()) db.server->start();
      lock.reset();
      std::printf("%7.0f  -- database outage ends\n", t);
    }
    const bool in_outage = outage_started && !outage_done;
    // wrk in segments that end at the outage's edges, so that each is wholly inside or outside it.
    collect_wrk();
    // An edge less than a second away: start after it (wrk's whole seconds would cross it, and a segment
    // that spans the outage's start would count its requests as outside it).
    bool edge_near = false;
    for (double edge : {outage_from, outage_to})
      edge_near = edge_near || (outage_s > 0 && edge > t && edge < t + 1);
    if (!wrk && !edge_near) {
      double until = std::min(total_s, t + 60);
      for (double edge : {outage_from, outage_to})
        if (outage_s > 0 && edge > t) until = std::min(until, edge);
      const int secs = std::max(1, static_cast<int>(std::floor(until - t)));
      if (t + secs <= total_s + 1) {
        wrk = std::make_unique<testing::ChildProcess>(
            std::vector<std::string>{"wrk", "-t1", "-c", std::to_string(config.connections), "-d",
                                     std::to_string(secs) + "s", "--timeout", "5s", "-s",
                                     dir.file("soak.lua"), http.base() + "/report"},
            dir.file("wrk" + std::to_string(wrk_runs++ % 2) + ".log"));
        wrk_from = t;
        wrk_in_outage = in_outage;
      }
    }
    if (t >= next_edit) {
      next_edit += config.edit_every_s;
      if (in_outage) {
        // An edit now would wait out the busy timeout (or fail at once on PostgreSQL): it says nothing the
        // outage's wrk segment does not, and would hold up the samples.
        ++edits_skipped;
      } else {
        const std::size_t k = static_cast<std::size_t>(edit_n) % moved.size();
        moved[k] = !moved[k];
        const std::string hostname = table[moved[k] ? config.hosts + k : k].address.to_string();
        const int code = edit_host(http, ids[k], hostname, edit_n++);
        if (code == 303) {
          ++edits_ok;
        } else {
          ++edits_failed;
          moved[k] = !moved[k];
          if (edit_failures.size() < 10)
            edit_failures.push_back(std::to_string(static_cast<int>(t)) + " s: " + std::to_string(code));
        }
      }
    }
    if (t >= next_sample) {
      next_sample += config.sample_every_s;
      Sample s = sample_process(service.pid(), t, http.port);
      // -1: the scrape got no answer (in 5 s); a name missing from an answer is remembered by metric().
      auto m = [&](const char* name) { return s.metrics.empty() ? -1.0 : metric(s.metrics, name); };
      std::printf("%7.0f %8.1f %5d %7d %6.0f %9.0f %8.0f %8.0f %6.0f %8.0f %5.0f %s\n", t, s.rss_mb, s.fds,
                  s.threads, m("semaphore_rounds_total"), m("semaphore_results_written_total"),
                  m("semaphore_results_spooled_total"), m("semaphore_results_replayed_total"),
                  m("semaphore_result_queue_depth"), m("semaphore_spool_bytes") / 1024,
                  m("semaphore_writer_database_up"), in_outage ? "outage" : (t < warmup_s ? "warm-up" : ""));
      std::fflush(stdout);
      samples.push_back(std::move(s));
    }
    std::this_thread::sleep_for(200ms);
  }
  if (wrk) {
    // A last segment may end a moment after the deadline; wait for its figures rather than cut them.
    for (int i = 0; i < 100 && wrk->running(); ++i) std::this_thread::sleep_for(100ms);
    if (wrk->running()) wrk->stop(SIGINT, 5s);
    collect_wrk();
  }

  // Let the writer finish replaying the spool, so that a row still waiting there is not counted as lost.
  std::map<std::string, double> last;
  const auto drain_deadline = Clock::now() + std::chrono::seconds(config.interval_s * 2 + 60);
  for (;;) {
    last = scrape_metrics(http.port);
    if (metric(last, "semaphore_spool_bytes") == 0 && metric(last, "semaphore_result_queue_depth") == 0)
      break;
    if (Clock::now() > drain_deadline) {
      std::printf("spool not drained after %d s: %.0f bytes left\n", config.interval_s * 2 + 60,
                  metric(last, "semaphore_spool_bytes"));
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  const int exit_code = service.stop(SIGTERM, 120s);
  const std::string log = service.log();

  // Rounds the service ran, from its log (every round writes one line, the last one too): ts and the rows
  // it produced ("round <ts>: <hosts> hosts (<n> by TCP), <rows> rows, ..."; a host probed both ways gives
  // two rows).
  static const std::regex round_re(R"(round (\S+): \d+ hosts \(\d+ by TCP\), (\d+) rows, )");
  std::vector<std::pair<EpochMs, long>> rounds;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), round_re); it != std::sregex_iterator(); ++it)
    rounds.emplace_back(parse_iso_ms((*it)[1]), std::stol((*it)[2]));
  long overruns = 0;
  for (std::size_t at = log.find("overran"); at != std::string::npos; at = log.find("overran", at + 1))
    ++overruns;
  std::map<EpochMs, long> rows;
  {
    std::istringstream in(db.sql("SELECT ts, COUNT(*) FROM ping_results GROUP BY ts ORDER BY ts;"));
    for (std::string line; std::getline(in, line);) {
      const auto bar = line.find('|');
      if (bar != std::string::npos) rows[std::stoll(line.substr(0, bar))] = std::stol(line.substr(bar + 1));
    }
  }
  long expected = 0, stored = 0, lost = 0, short_rounds = 0;
  for (const auto& [ts, logged] : rounds) {
    const long have = rows.count(ts) ? rows[ts] : 0;
    expected += logged;
    stored += std::min(have, logged);
    if (have < logged) {
      lost += logged - have;
      ++short_rounds;
    }
  }
  long missed_boundaries = 0;
  if (rounds.size() >= 2) {
    const EpochMs step = config.interval_s * 1000LL;
    missed_boundaries = static_cast<long>((rounds.back().first - rounds.front().first) / step + 1) -
                        static_cast<long>(rounds.size());
  }

  std::printf("\nsummary (%s, %u hosts, %d s interval, %.1f minutes, service exit %d)\n",
              config.backend.c_str(), config.hosts, config.interval_s, seconds_since(started) / 60,
              exit_code);
  std::vector<double> hours, rss, fds;
  for (const auto& s : samples) {
    if (s.t_s < warmup_s) continue;
    hours.push_back(s.t_s / 3600);
    rss.push_back(s.rss_mb);
    fds.push_back(s.fds);
  }
  if (hours.size() >= 2) {
    std::printf(
        "  RSS after warm-up: %.1f-%.1f MB, growth %+.1f MB/hour (fit over %zu samples, %.0f-%.0f s); first "
        "sample "
        "%.1f MB\n",
        *std::min_element(rss.begin(), rss.end()), *std::max_element(rss.begin(), rss.end()),
        slope(hours, rss), hours.size(), hours.front() * 3600, hours.back() * 3600, samples.front().rss_mb);
    std::printf("  descriptors after warm-up: %.0f-%.0f, growth %+.1f per hour\n",
                *std::min_element(fds.begin(), fds.end()), *std::max_element(fds.begin(), fds.end()),
                slope(hours, fds));
  } else {
    std::printf("  too few samples after the warm-up for a fit\n");
  }
  std::printf(
      "  rounds: %zu run, %ld overran, %ld round boundaries missed between the first and the last -> %ld on "
      "time\n",
      rounds.size(), overruns, missed_boundaries, static_cast<long>(rounds.size()) - overruns);
  std::printf(
      "  rows: %ld expected (rows of every round the service logged), %ld stored, %ld LOST in %ld rounds\n",
      expected, stored, lost, short_rounds);
  std::printf("  writer: spooled %.0f, replayed %.0f, dropped %.0f, write errors %.0f\n",
              metric(last, "semaphore_results_spooled_total"),
              metric(last, "semaphore_results_replayed_total"),
              metric(last, "semaphore_results_dropped_total"), metric(last, "semaphore_write_errors_total"));
  for (const auto* totals : {&wrk_normal, &wrk_outage}) {
    std::printf("  wrk %s: %ld requests in %.0f s, %ld non-2xx/3xx, %ld socket errors (%s; statuses: %s)\n",
                totals == &wrk_normal ? "outside the outage" : "during the outage", totals->requests,
                totals->seconds, totals->non_2xx_3xx, totals->socket_errors, totals->error_text().c_str(),
                totals->status_text().c_str());
    for (const auto& segment : totals->erring_segments) std::printf("    %s\n", segment.c_str());
  }
  print_slow_requests(log, started_wall_ms);
  std::printf("  host edits: %ld saved, %ld failed, %ld skipped during the outage%s\n", edits_ok,
              edits_failed, edits_skipped, edit_failures.empty() ? "" : " (failures at:");
  for (const auto& f : edit_failures) std::printf("    %s\n", f.c_str());
  std::printf("  server's own count: %.0f 2xx, %.0f 3xx, %.0f 4xx, %.0f 5xx\n", requests_of_class(last, '2'),
              requests_of_class(last, '3'), requests_of_class(last, '4'), requests_of_class(last, '5'));
  const long http_errors = wrk_normal.non_2xx_3xx + wrk_normal.socket_errors + edits_failed;
  const bool spool_tested = outage_s <= 0 || metric(last, "semaphore_results_spooled_total") > 0;
  std::printf("  verdict: rows lost %ld (must be 0), HTTP errors outside the outage %ld (must be 0)%s\n",
              lost, http_errors,
              spool_tested ? "" : "; the outage never made the writer spool (lengthen --outage)");
  for (const auto& name : missing_metrics)
    std::printf("  metric %s is not exported: this bench is out of date\n", name.c_str());
  return lost == 0 && http_errors == 0 && !rounds.empty() && missing_metrics.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (!parse_args(argc, argv, config)) return 2;
  if (auto entered = simnet::enter_private_network_namespace(); !entered) {
    std::fprintf(stderr, "bench_soak: no private network namespace: %s\n", entered.error().message.c_str());
    return 1;
  }
  // The hosts, then one spare address for each of the first 100 (edits move a host's name there and back).
  std::vector<simnet::HostEntry> table;
  const std::uint32_t spares = std::min<std::uint32_t>(100, config.hosts);
  for (std::uint32_t i = 0; i < config.hosts + spares; ++i) {
    // 0.5-10 ms, and one host in a hundred silent: rounds have timeouts to wait for, as in life.
    table.push_back({simnet::v4_host(i),
                     {0.5 + (i % 20) * 0.5, 0, i % 100 == 99 ? simnet::Mode::silent : simnet::Mode::normal}});
  }
  simnet::Options options;
  // One wake-up per millisecond instead of one per request: at 5,000 probes/s a wake-up each would cost the
  // pinger an interrupt per packet on this 2-core machine; a reply up to 1 ms late does not matter here.
  options.scan_interval_ns = 1'000'000;
  options.spin = false;  // busy-waiting before each of 5,000 replies a second would take a quarter of a core
  auto network = simnet::Network::start(options, table);
  if (!network) {
    std::fprintf(stderr, "bench_soak: simnet: %s\n", network.error().message.c_str());
    return 1;
  }
  // Nothing is sent before the simulated prefix is known to route into the fixture's own device.
  for (const auto* entry : {&table.front(), &table[config.hosts - 1], &table.back()}) {
    if (auto routed = (*network)->check_route(entry->address); !routed) {
      std::fprintf(stderr, "bench_soak: %s\n", routed.error().message.c_str());
      return 1;
    }
  }
  try {
    return run(config, table);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_soak: %s\n", e.what());
    return 1;
  }
}
