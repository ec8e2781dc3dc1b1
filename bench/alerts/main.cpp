// bench_alerts: alerts at scale (issue 14), on SQLite and on a throwaway PostgreSQL. Two measurements:
//
//  (1) Delivery: `semaphore run` (the real binary, a child process) pings N simulated hosts (tests/fixtures/
//      simnet, in a private network namespace) every `interval`; one user owns them and has one webhook
//      channel pointing at a receiver in this process (tests/support/http_receiver.h, on loopback). Once
//      every host has had its first round (quiet events), S of them are repointed at once, in one
//      transaction, to addresses that are routed into the simulated network and never answer. After the
//      user's down_after rounds (3, the default) the round that makes them down writes S events and S outbox
//      rows, and the dispatcher sends them, one channel, in order. Printed: the end of that round (its log
//      line) -> the outbox rows written -> first and last webhook received; deliveries per second; each
//      POST's signature checked, each event id once (duplicates counted). The peer, in the same run: the same
//      number of POSTs sent by the CurlSender alone, in a loop, to a receiver of the same kind (no outbox, no
//      claims, no per-delivery commit): what durability and ordering cost.
//  (2) CPU of the rules, in this process on a fresh database with the same N hosts: rounds of N rows written
//      by MonitorStore::insert_results (no alerts) and by insert_results_evaluated with the real
//      alerts::StoreRoundEvaluator, alternately, 1,000 rows per transaction as the result writer does; and
//      the evaluator alone over N in-memory contexts (pure CPU). Printed in µs per host per round.
//
//   bench_alerts [--hosts 10000] [--silent 1000] [--interval 10] [--cpu-rounds 6]
//                [--backends sqlite,postgresql] [--parts delivery,cpu]
//
// The semaphore binary is $SEMAPHORE_BINARY, else the one this was built with.
#include <time.h>

#include <dirent.h>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alerts/curl_sender.h"
#include "alerts/dispatcher.h"
#include "alerts/round_evaluator.h"
#include "core/clock.h"
#include "core/db_url.h"
#include "simnet/network.h"
#include "store/store.h"
#include "support/http_receiver.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/shell_database.h"
#include "support/temp_dir.h"

namespace {

using namespace semaphore;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
namespace json = boost::json;

constexpr char kSecret[] = "bench-alerts-secret";
constexpr std::size_t kBatch = 1000;  // the result writer's batch (monitor/result_writer.h)

struct Config {
  std::uint32_t hosts = 10000;
  std::uint32_t silent = 1000;
  int interval_s = 10;
  int cpu_rounds = 6;
  std::vector<std::string> backends = {"sqlite", "postgresql"};
  std::set<std::string> parts = {"delivery", "cpu"};
};

std::string binary() {
  const char* env = std::getenv("SEMAPHORE_BINARY");
  return env != nullptr && *env != '\0' ? env : SEMAPHORE_BINARY_PATH;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) out.push_back(item);
  return out;
}

// Steady time -> epoch ms (the receiver stamps with the steady clock, the database with the wall clock).
EpochMs to_epoch(Steady::time_point at) {
  const auto offset =
      now_epoch_ms() -
      std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now().time_since_epoch()).count();
  return offset + std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

double secs(EpochMs ms) {
  return static_cast<double>(ms) / 1000.0;
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The CPU of the PostgreSQL backends serving `database` (their command line reads "postgres: USER DATABASE
// ..."), in seconds, per pid. Background processes (WAL writer, checkpointer) are not counted.
std::map<int, double> backend_cpu(const std::string& database) {
  std::map<int, double> out;
  if (database.empty()) return out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* entry = readdir(proc)) {
    const int pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::ifstream cmdline("/proc/" + std::string(entry->d_name) + "/cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), {});
    if (text.rfind("postgres: ", 0) != 0 || text.find(" " + database + " ") == std::string::npos) continue;
    const double cpu = testing::process_cpu_seconds(pid);
    if (cpu >= 0) out[pid] = cpu;
  }
  closedir(proc);
  return out;
}

double backend_cpu_delta(const std::map<int, double>& before, const std::map<int, double>& after) {
  double total = 0;
  for (const auto& [pid, cpu] : after) {
    const auto was = before.find(pid);
    total += cpu - (was == before.end() ? 0.0 : was->second);
  }
  return total;
}

struct Database : testing::ShellDatabase {
  std::string pg_name;  // PostgreSQL: the database's name (for its backends' CPU)
};

Database make_database(const std::string& backend, testing::TempDir& dir, const std::string& name) {
  Database db;
  if (backend == "sqlite") {
    db.sqlite_path = dir.file(name + ".db");
    db.url = "sqlite:" + db.sqlite_path;
  } else if (backend == "postgresql") {
    db.server = std::make_unique<testing::PostgresServer>();
    db.pg_name = name + "_" + std::to_string(getpid());
    db.url = db.server->create_database(db.pg_name);
  } else {
    throw std::runtime_error("unknown backend " + backend);
  }
  if (testing::run_command({binary(), "migrate", "--db", db.url}).exit_code != 0) {
    throw std::runtime_error(backend + ": migrate failed");
  }
  return db;
}

std::unique_ptr<store::Store> open_store(const Database& db) {
  auto url = parse_db_url(db.url);
  if (!url) throw std::runtime_error("bad database url");
  auto store = store::Store::open(*url);
  if (!store) throw std::runtime_error("cannot open the store: " + store.error().message);
  return std::move(*store);
}

// One user and `count` hosts (host i is simnet::v4_host(i)) in one transaction through the database's shell.
// Returns the host ids in the order of i.
std::vector<store::Id> add_hosts(const Database& db, std::uint32_t count) {
  std::string text =
      "BEGIN;\nINSERT INTO users (email, password_hash, is_admin, created_at) VALUES "
      "('bench@example.com', 'x', 1, 0);\n";
  for (std::uint32_t at = 0; at < count; at += 1000) {
    text += "INSERT INTO hosts (user_id, hostname, provider, service, label, enabled, created_at) VALUES ";
    for (std::uint32_t i = at; i < std::min(count, at + 1000); ++i) {
      text += (i == at ? "" : ",") +
              std::string("((SELECT id FROM users WHERE email = 'bench@example.com'), '") +
              simnet::v4_host(i).to_string() + "', 'Other', '', '', 1, 0)";
    }
    text += ";\n";
  }
  text += "COMMIT;\n";
  db.sql(text);
  std::map<std::string, store::Id> by_name;
  std::istringstream rows(db.sql("SELECT id, hostname FROM hosts;"));
  for (std::string line; std::getline(rows, line);) {
    const auto bar = line.find('|');
    if (bar != std::string::npos) by_name[line.substr(bar + 1)] = std::stoll(line.substr(0, bar));
  }
  std::vector<store::Id> ids;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto found = by_name.find(simnet::v4_host(i).to_string());
    if (found == by_name.end()) throw std::runtime_error("host " + std::to_string(i) + " was not added");
    ids.push_back(found->second);
  }
  return ids;
}

store::Id user_id(const Database& db) {
  return std::stoll(db.sql("SELECT id FROM users WHERE email = 'bench@example.com';"));
}

long long count(const Database& db, const std::string& query) {
  const std::string out = db.sql(query);
  return out.empty() ? -1 : std::stoll(out);
}

// Which hosts go silent: every (hosts / silent)-th one, so that they fall in every batch of the writer.
std::vector<std::uint32_t> silent_indexes(const Config& config) {
  std::vector<std::uint32_t> out;
  const std::uint32_t step = std::max<std::uint32_t>(1, config.hosts / config.silent);
  for (std::uint32_t i = 0; i < config.hosts && out.size() < config.silent; i += step) out.push_back(i);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// (1) Delivery

struct Post {
  std::string event_id;
  std::int64_t host_id = 0;
  std::string state;
  bool signature_ok = false;
  EpochMs at = 0;
};

std::vector<Post> posts_of(const testing::HttpReceiver& receiver) {
  std::vector<Post> out;
  for (const auto& request : receiver.received()) {
    Post post;
    auto header = [&](const char* name) {
      const auto found = request.headers.find(name);
      return found == request.headers.end() ? std::string() : found->second;
    };
    post.signature_ok = request.method == "POST" &&
                        testing::webhook_signature_valid(kSecret, header("x-semaphore-timestamp"),
                                                         request.body, header("x-semaphore-signature"));
    post.at = to_epoch(request.at);
    try {
      const auto body = json::parse(request.body).as_object();
      post.event_id = json::value_to<std::string>(body.at("event_id"));
      post.host_id = body.at("host").as_object().at("id").to_number<std::int64_t>();
      post.state = json::value_to<std::string>(body.at("state"));
    } catch (const std::exception&) {
      post.signature_ok = false;
    }
    out.push_back(std::move(post));
  }
  return out;
}

// The peer: `count` webhook POSTs sent by the CurlSender alone, one after the other, to a fresh receiver.
// Returns deliveries per second (0 when any failed).
double peer_sender_rate(std::uint32_t count, store::Id first_host) {
  testing::HttpReceiver receiver;
  alerts::CurlSenderOptions options;
  options.policy = TargetPolicy::allow_private;  // the receiver is on loopback, as `run --targets private`
  alerts::CurlSender sender(options);
  store::ChannelRecord channel;
  channel.id = 1;
  channel.user_id = 1;
  channel.name = "peer";
  channel.kind = "webhook";
  channel.url = receiver.url();
  channel.secret = kSecret;
  std::vector<store::Delivery> deliveries(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto& d = deliveries[i];
    d.id = i + 1;
    d.channel_id = 1;
    d.event.id = 100000 + i;
    d.event.host_id = first_host + i;
    d.event.at = now_epoch_ms();
    d.event.from_state = "up";
    d.event.to_state = "down";
    d.event.trigger = "all_lost";
    d.event.reason = "every probe lost for 3 rounds";
    d.event.quiet = "no";
    d.event.sent = 5;
    d.host = {first_host + i, simnet::v4_host(i).to_string(), "Other", "", ""};
  }
  const auto t0 = Steady::now();
  std::uint32_t delivered = 0;
  for (const auto& d : deliveries) {
    const auto outcome = sender.send(channel, d, {"http://semaphore.bench/report/1", now_epoch_ms()});
    if (outcome.delivered) ++delivered;
  }
  const double took = std::chrono::duration<double>(Steady::now() - t0).count();
  if (!receiver.wait_for(count, 10s) || delivered != count) {
    std::fprintf(stderr, "  peer: %u of %u delivered\n", delivered, count);
    return 0;
  }
  return count / took;
}

int run_delivery(const Config& config, const std::string& backend) {
  testing::TempDir dir("semaphore-bench-alerts");
  Database db = make_database(backend, dir, "bench_alerts");
  const auto hosts = add_hosts(db, config.hosts);
  const store::Id user = user_id(db);
  testing::HttpReceiver receiver;
  auto store = open_store(db);
  store::ChannelRecord channel;
  channel.user_id = user;
  channel.name = "bench";
  channel.kind = "webhook";
  channel.url = receiver.url();
  channel.secret = kSecret;
  auto added = store->add_channel(channel, 20);
  if (!added) throw std::runtime_error("add_channel: " + added.error().message);
  const store::Id channel_id = added->id;

  const alerts::DispatcherOptions dispatcher_defaults;
  testing::ChildProcess run(
      {binary(), "run", "--db", db.url, "--listen", "127.0.0.1:" + std::to_string(testing::free_tcp_port()),
       "--signup", "closed", "--targets", "private", "--interval", std::to_string(config.interval_s) + "s",
       "--spool-dir", dir.file("spool"), "--public-url", "http://semaphore.bench"},
      dir.file("run.log"));
  auto fail = [&](const std::string& what) {
    std::fprintf(stderr, "%s: %s; log:\n%s\n", backend.c_str(), what.c_str(), run.log().c_str());
    run.stop(SIGTERM, 60s);
    return 1;
  };

  // Every host's first round: each gets its state (unknown -> up, a quiet event).
  const auto first_deadline = Steady::now() + std::chrono::seconds(config.interval_s * 4 + 60);
  while (count(db, "SELECT COUNT(*) FROM alert_state;") < config.hosts) {
    if (Steady::now() > first_deadline || !run.running()) return fail("not every host got its first round");
    std::this_thread::sleep_for(1s);
  }
  if (count(db, "SELECT COUNT(*) FROM alert_events WHERE quiet = 'no';") != 0 ||
      !receiver.received().empty()) {
    return fail("events to send before any host went silent");
  }

  // S hosts go silent at once: one transaction repoints them to routed addresses that never answer.
  const auto silent = silent_indexes(config);
  std::string update = "BEGIN;\n";
  std::set<std::int64_t> silent_ids;
  for (std::size_t j = 0; j < silent.size(); ++j) {
    const store::Id id = hosts[silent[j]];
    silent_ids.insert(id);
    update += "UPDATE hosts SET hostname = '" +
              simnet::v4_host(config.hosts + static_cast<std::uint32_t>(j)).to_string() +
              "' WHERE id = " + std::to_string(id) + ";\n";
  }
  update += "COMMIT;\n";
  db.sql(update);
  const EpochMs repointed_at = now_epoch_ms();

  // Watch the round lines (when each was logged, as seen by polling every 20 ms) until every POST came.
  static const std::regex line_re(R"(round (\S+): (\d+) hosts, (\d+) probes sent, (\d+) received)");
  std::map<std::string, EpochMs> round_seen;  // round start (ISO) -> when its line appeared
  std::map<std::string, long> round_received;
  const auto deadline = Steady::now() + std::chrono::seconds(config.interval_s * 8 + 120);
  const std::size_t want = silent.size();
  while (!receiver.wait_for(want, 20ms)) {
    const std::string log = run.log();
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line_re); it != std::sregex_iterator();
         ++it) {
      if (round_seen.emplace((*it)[1].str(), now_epoch_ms()).second) {
        round_received[(*it)[1].str()] = std::stol((*it)[4].str());
      }
    }
    if (Steady::now() > deadline || !run.running()) return fail("the webhooks did not all come in time");
  }
  {
    const std::string log = run.log();  // a line that came in the last 20 ms
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line_re); it != std::sregex_iterator();
         ++it) {
      round_seen.emplace((*it)[1].str(), now_epoch_ms());
    }
  }
  std::this_thread::sleep_for(3s);  // a duplicate would come within the dispatcher's poll (1 s) or two
  const int stopped = run.stop(SIGTERM, 60s);

  // What came, checked.
  const auto posts = posts_of(receiver);
  std::set<std::string> ids;
  long duplicates = 0, bad_signatures = 0, not_down = 0, wrong_host = 0;
  EpochMs first = 0, last = 0;
  for (const auto& post : posts) {
    if (!ids.insert(post.event_id).second) ++duplicates;
    if (!post.signature_ok) ++bad_signatures;
    if (post.state != "down") ++not_down;
    if (!silent_ids.count(post.host_id)) ++wrong_host;
    first = first == 0 ? post.at : std::min(first, post.at);
    last = std::max(last, post.at);
  }
  const long long down_events = count(db, "SELECT COUNT(*) FROM alert_events WHERE to_state = 'down';");
  const long long sent_events = count(db, "SELECT COUNT(*) FROM alert_events WHERE quiet = 'no';");
  std::istringstream at_row(
      db.sql("SELECT MIN(e.at), MAX(e.at), MIN(o.created_at), MAX(o.created_at) FROM alert_events e JOIN "
             "alert_outbox o ON o.event_id = e.id WHERE e.to_state = 'down';"));
  std::string field;
  std::vector<long long> at_fields;
  while (std::getline(at_row, field, '|')) at_fields.push_back(std::atoll(field.c_str()));
  if (at_fields.size() != 4) return fail("cannot read the events' times");
  const EpochMs round_start = at_fields[0], outbox_first = at_fields[2], outbox_last = at_fields[3];
  const auto line = round_seen.find(format_iso8601(round_start));
  if (line == round_seen.end()) return fail("no log line for round " + format_iso8601(round_start));
  const EpochMs round_end = line->second;
  int silent_rounds = 0;
  for (const auto& [ts, seen] : round_seen) {
    if (ts > format_iso8601(repointed_at) && ts <= format_iso8601(round_start)) ++silent_rounds;
  }

  std::printf("\n%s: %u hosts, %zu go silent at once, %d s interval, down after 3 rounds (default rules)\n",
              backend.c_str(), config.hosts, silent.size(), config.interval_s);
  std::printf(
      "  dispatcher (run's defaults): %d sender threads, %d deliveries per channel per claim, poll %lld ms;"
      " one channel: one delivery in flight\n",
      dispatcher_defaults.workers, dispatcher_defaults.per_channel,
      static_cast<long long>(dispatcher_defaults.poll.count()));
  std::printf(
      "  events: %lld down (%lld to send in all), all in round %s (%d rounds after the repoint);"
      " rounds of that round's events: %s..%s\n",
      down_events, sent_events, format_iso8601(round_start).c_str(), silent_rounds,
      format_iso8601(at_fields[0]).c_str(), format_iso8601(at_fields[1]).c_str());
  std::printf(
      "  received: %zu POSTs, %zu distinct event ids, duplicates %ld, bad signatures %ld, not down %ld,"
      " other hosts %ld (exit %d)\n",
      posts.size(), ids.size(), duplicates, bad_signatures, not_down, wrong_host, stopped);
  std::printf("  round end (its log line) -> outbox rows written: %.3f s (first) .. %.3f s (last)\n",
              secs(outbox_first - round_end), secs(outbox_last - round_end));
  std::printf("  round end -> first webhook: %.3f s, -> last webhook: %.3f s\n", secs(first - round_end),
              secs(last - round_end));
  const double rate =
      posts.size() > 1 && last > first ? static_cast<double>(posts.size() - 1) / secs(last - first) : 0.0;
  std::printf("  first -> last webhook: %.3f s = %.0f deliveries/s through the outbox\n", secs(last - first),
              rate);
  // The dispatcher alone: from when it had both work and all of it (the last outbox row written, and its
  // first POST sent) to the last POST. On PostgreSQL the writer's transactions take long enough that the
  // first POSTs overlap them; on SQLite the dispatcher's poll (1 s) is the wait before the first.
  const EpochMs drain_from = std::max(outbox_last, first);
  long drained = 0;
  for (const auto& post : posts) drained += post.at > drain_from ? 1 : 0;
  const double drain = last > drain_from ? static_cast<double>(drained) / secs(last - drain_from) : 0.0;
  std::printf(
      "  dispatcher alone (from max(last outbox row, first webhook) to the last): %ld POSTs in %.3f s = "
      "%.0f deliveries/s\n",
      drained, secs(last - drain_from), drain);
  const double peer = peer_sender_rate(static_cast<std::uint32_t>(silent.size()), hosts.front());
  std::printf(
      "  peer (the CurlSender alone, %zu POSTs in a loop, no outbox): %.0f deliveries/s: %.1fx the rate from "
      "first to last webhook, %.1fx the dispatcher's alone\n",
      silent.size(), peer, rate > 0 ? peer / rate : 0.0, drain > 0 ? peer / drain : 0.0);
  const bool ok = posts.size() == silent.size() && duplicates == 0 && bad_signatures == 0 && not_down == 0 &&
                  wrong_host == 0 && down_events == static_cast<long long>(silent.size()) &&
                  at_fields[0] == at_fields[1];
  if (!ok) std::printf("  CHECK FAILED: see the counts above\n");
  (void)channel_id;
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------------------
// (2) CPU of the rules

std::vector<store::PingResult> round_rows(const std::vector<store::Id>& hosts, EpochMs ts,
                                          const std::set<store::Id>& lost) {
  std::vector<store::PingResult> rows(hosts.size());
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    auto& row = rows[i];
    row.host_id = hosts[i];
    row.ts = ts;
    row.sent = 5;
    if (lost.count(hosts[i])) {
      row.error = "timeout";
      continue;
    }
    row.received = 5;
    const double base = 0.5 + static_cast<double>(i % 20) * 0.5;
    row.min_ms = base;
    row.avg_ms = row.median_ms = base + 0.1;
    row.max_ms = base + 0.3;
    row.stddev_ms = 0.1;
  }
  return rows;
}

struct Cost {
  double cpu_s = 0;     // this thread (SQLite's engine runs here)
  double server_s = 0;  // PostgreSQL's backends for this database
  double wall_s = 0;
};

Cost write_round(store::Store& store, const Database& db, const std::vector<store::PingResult>& rows,
                 store::RoundEvaluator* evaluator) {
  const auto backends_before = backend_cpu(db.pg_name);
  const double cpu0 = thread_cpu_s();
  const auto t0 = Steady::now();
  for (std::size_t at = 0; at < rows.size(); at += kBatch) {
    const auto batch = std::span(rows).subspan(at, std::min(kBatch, rows.size() - at));
    auto written =
        evaluator ? store.insert_results_evaluated(batch, *evaluator) : store.insert_results(batch);
    if (!written || *written != static_cast<std::int64_t>(batch.size())) {
      throw std::runtime_error("insert failed: " +
                               (written ? std::to_string(*written) + " rows" : written.error().message));
    }
  }
  Cost cost;
  cost.wall_s = std::chrono::duration<double>(Steady::now() - t0).count();
  cost.cpu_s = thread_cpu_s() - cpu0;
  cost.server_s = backend_cpu_delta(backends_before, backend_cpu(db.pg_name));
  return cost;
}

double us_per_host(double seconds, std::size_t hosts) {
  return seconds * 1e6 / static_cast<double>(hosts);
}

// The evaluator alone over `hosts` in-memory contexts, `rounds` rounds (the state carried from round to
// round, as the store would): CPU µs per host per round. `heavy`: median and baseline rules on, and two
// maintenance windows (one once, one weekly in a time zone) that the rounds fall outside of.
double pure_evaluation(std::size_t hosts, int rounds, bool heavy) {
  alerts::StoreRoundEvaluator evaluator;
  std::vector<store::HostAlertContext> contexts(hosts);
  for (std::size_t i = 0; i < hosts; ++i) {
    contexts[i].host_id = static_cast<store::Id>(i + 1);
    contexts[i].user_id = 1;
    if (heavy) {
      store::UserAlertRules rules = alerts::to_record(alerts::AlertRules{});
      rules.median_ms = 500;
      rules.baseline_factor = 2;
      contexts[i].user_rules = rules;
      store::MaintenanceWindowRecord once;
      once.kind = "once";
      once.starts_at = 1000;
      once.ends_at = 2000;
      store::MaintenanceWindowRecord weekly;
      weekly.kind = "weekly";
      weekly.days = 0x7f;
      weekly.start_minute = 0;
      weekly.end_minute = 1;  // 00:00-00:01 Berlin time: the rounds below fall outside it
      weekly.time_zone = "Europe/Berlin";
      contexts[i].windows = {once, weekly};
    }
  }
  std::vector<store::RoundToEvaluate> round(1);
  EpochMs ts = 1'800'000'000'000 + 3'600'000;  // 2027-01-15T08:00:00Z + 1 h
  double cpu = 0;
  for (int r = 0; r < rounds + 1; ++r, ts += 10'000) {
    const double cpu0 = thread_cpu_s();
    for (std::size_t i = 0; i < hosts; ++i) {
      auto& row = round[0].round;
      row = {};
      row.host_id = contexts[i].host_id;
      row.ts = ts;
      row.sent = 5;
      row.received = 5;
      row.min_ms = 1.0;
      row.avg_ms = row.median_ms = 1.2;
      row.max_ms = 1.5;
      round[0].baseline_median_ms = heavy ? std::optional<double>(1.1) : std::nullopt;
      auto outcome = evaluator.evaluate(contexts[i], round);
      contexts[i].state = std::move(outcome.state);
    }
    if (r > 0) cpu += thread_cpu_s() - cpu0;  // round 0 (first round: states created) not counted
  }
  return us_per_host(cpu, hosts) / rounds;
}

int run_cpu(const Config& config, const std::string& backend) {
  testing::TempDir dir("semaphore-bench-alerts-cpu");
  Database db = make_database(backend, dir, "bench_alerts_cpu");
  const auto hosts = add_hosts(db, config.hosts);
  auto store = open_store(db);
  store::ChannelRecord channel;  // so that events write outbox rows, as with a user who set up alerts
  channel.user_id = user_id(db);
  channel.name = "bench";
  channel.kind = "webhook";
  channel.url = "http://127.0.0.1:9/hook";
  channel.secret = kSecret;
  if (auto added = store->add_channel(channel, 20); !added) {
    throw std::runtime_error("add_channel: " + added.error().message);
  }
  alerts::StoreRoundEvaluator evaluator;
  EpochMs ts = (now_epoch_ms() / 10'000) * 10'000 - 3'600'000;
  const std::set<store::Id> none;

  // The first evaluated round creates every state (and a quiet event each): shown, not averaged.
  const Cost first = write_round(*store, db, round_rows(hosts, ts += 10'000, none), &evaluator);
  // Steady rounds, every host up: plain and evaluated alternately.
  Cost plain, evaluated;
  for (int r = 0; r < config.cpu_rounds; ++r) {
    const Cost p = write_round(*store, db, round_rows(hosts, ts += 10'000, none), nullptr);
    const Cost e = write_round(*store, db, round_rows(hosts, ts += 10'000, none), &evaluator);
    plain.cpu_s += p.cpu_s, plain.server_s += p.server_s, plain.wall_s += p.wall_s;
    evaluated.cpu_s += e.cpu_s, evaluated.server_s += e.server_s, evaluated.wall_s += e.wall_s;
  }
  // S hosts lose every probe for 3 rounds: the third writes S down events and S outbox rows.
  const auto silent = silent_indexes(config);
  std::set<store::Id> lost;
  for (auto i : silent) lost.insert(hosts[i]);
  Cost down;
  for (int r = 0; r < 3; ++r)
    down = write_round(*store, db, round_rows(hosts, ts += 10'000, lost), &evaluator);
  const long long events = count(db, "SELECT COUNT(*) FROM alert_events WHERE to_state = 'down';");

  const double n = static_cast<double>(config.cpu_rounds);
  const bool pg = !db.pg_name.empty();
  auto figure = [&](const Cost& c, double rounds) {
    char server[64] = "";
    if (pg) {
      std::snprintf(server, sizeof server, " + %6.2f µs in the server",
                    us_per_host(c.server_s, hosts.size()) / rounds);
    }
    char text[160];
    std::snprintf(text, sizeof text, "%6.2f µs CPU here%s, %6.2f µs wall",
                  us_per_host(c.cpu_s, hosts.size()) / rounds, server,
                  us_per_host(c.wall_s, hosts.size()) / rounds);
    return std::string(text);
  };
  std::printf(
      "\n%s: the rules' CPU, %u hosts, %d rounds of each kind, %zu rows per transaction (per host per "
      "round)\n",
      backend.c_str(), config.hosts, config.cpu_rounds, kBatch);
  std::printf("  insert_results (no alerts):            %s\n", figure(plain, n).c_str());
  std::printf("  insert_results_evaluated (all up):     %s\n", figure(evaluated, n).c_str());
  const Cost added_cost{evaluated.cpu_s - plain.cpu_s, evaluated.server_s - plain.server_s,
                        evaluated.wall_s - plain.wall_s};
  std::printf("  added by the alerts in the writer's transaction: %s (context loads, state writes)\n",
              figure(added_cost, n).c_str());
  std::printf("  first evaluated round (every state created): %s\n", figure(first, 1).c_str());
  std::printf("  the round that makes %zu hosts down (%lld events + outbox rows): %s\n", silent.size(),
              events, figure(down, 1).c_str());
  return events == static_cast<long long>(silent.size()) ? 0 : 1;
}

}  // namespace

static int run_bench(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--hosts")
      config.hosts = static_cast<std::uint32_t>(std::stoul(value));
    else if (name == "--silent")
      config.silent = static_cast<std::uint32_t>(std::stoul(value));
    else if (name == "--interval")
      config.interval_s = std::stoi(value);
    else if (name == "--cpu-rounds")
      config.cpu_rounds = std::stoi(value);
    else if (name == "--backends")
      config.backends = split(value);
    else if (name == "--parts") {
      const auto parts = split(value);
      config.parts = {parts.begin(), parts.end()};
    } else {
      throw std::runtime_error("unknown option " + name);
    }
  }
  if (config.silent == 0 || config.silent > config.hosts) throw std::runtime_error("--silent: 1..hosts");

  int status = 0;
  // The pure evaluation first: no database, no network.
  if (config.parts.count("cpu")) {
    const double plain = pure_evaluation(config.hosts, 20, false);
    const double heavy = pure_evaluation(config.hosts, 20, true);
    std::printf("evaluator alone (StoreRoundEvaluator::evaluate, %u in-memory contexts, 20 rounds, CPU):\n",
                config.hosts);
    std::printf("  default rules, no windows: %.3f µs per host per round (goal < 1 µs: %s)\n", plain,
                plain < 1 ? "met" : "NOT met");
    std::printf("  median + baseline rules, 2 windows (one weekly in Europe/Berlin): %.3f µs (goal: %s)\n",
                heavy, heavy < 1 ? "met" : "NOT met");
  }

  if (config.parts.count("delivery")) {
    if (auto entered = simnet::enter_private_network_namespace(); !entered) {
      std::fprintf(stderr, "bench_alerts: no private network namespace: %s\n",
                   entered.error().message.c_str());
      return 1;
    }
  }
  // Hosts 0..N-1 answer (0.5-10 ms); N..N+S-1 are routed into the device and never answer.
  std::vector<simnet::HostEntry> table;
  for (std::uint32_t i = 0; i < config.hosts + config.silent; ++i) {
    table.push_back(
        {simnet::v4_host(i),
         {0.5 + (i % 20) * 0.5, 0, i < config.hosts ? simnet::Mode::normal : simnet::Mode::silent}});
  }
  std::unique_ptr<simnet::Network> network;
  if (config.parts.count("delivery")) {
    auto started = simnet::Network::start(simnet::Options{}, table);
    if (!started) {
      std::fprintf(stderr, "bench_alerts: simnet: %s\n", started.error().message.c_str());
      return 1;
    }
    network = std::move(*started);
    for (const auto* entry :
         {&table.front(), &table[config.hosts - 1], &table[config.hosts], &table.back()}) {
      if (auto routed = network->check_route(entry->address); !routed) {
        std::fprintf(stderr, "bench_alerts: %s\n", routed.error().message.c_str());
        return 1;
      }
    }
  }
  for (const auto& backend : config.backends) {
    if (config.parts.count("cpu")) status |= run_cpu(config, backend);
    if (config.parts.count("delivery")) status |= run_delivery(config, backend);
  }
  return status;
}

// An escaping exception (a bad argument, a failed setup) ends the run with one line and exit code 1.
int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures as they come, also into a pipe or a file
  try {
    return run_bench(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
