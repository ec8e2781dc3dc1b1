// Seeds a database for the web benchmark: one user (bench@example.com) with N hosts and D days of rounds
// every S seconds (synthetic but plausible latencies, some loss), then the hourly and daily rollups. Usage:
// bench_web_seed DB_URL [hosts=100] [days=30] [interval_s=60]. Prints "password=... first_host=ID".
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/db_url.h"
#include "domain/passwords.h"
#include "store/store.h"

using namespace semaphore;

static int run_bench(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DB_URL [hosts] [days] [interval_s]\n", argv[0]);
    return 2;
  }
  const int hosts = argc > 2 ? std::atoi(argv[2]) : 100;
  const int days = argc > 3 ? std::atoi(argv[3]) : 30;
  const int interval_s = argc > 4 ? std::atoi(argv[4]) : 60;
  auto url = parse_db_url(argv[1]);
  if (!url) return std::fprintf(stderr, "%s\n", url.error().message.c_str()), 1;
  auto opened = store::Store::open(*url);
  if (!opened) return std::fprintf(stderr, "%s\n", opened.error().message.c_str()), 1;
  auto& db = **opened;
  if (auto migrated = db.migrate(); !migrated)
    return std::fprintf(stderr, "%s\n", migrated.error().message.c_str()), 1;

  const std::string password = "benchmark password";
  const domain::PasswordHasher hasher;
  auto user = db.create_user("bench@example.com", hasher.hash(password).value(), true);
  if (!user) return std::fprintf(stderr, "%s\n", user.error().message.c_str()), 1;

  std::vector<store::Host> added;
  for (int i = 0; i < hosts; ++i) {
    store::Host host;
    host.user_id = user->id;
    host.hostname = "host" + std::to_string(i) + ".bench.example";
    host.provider = static_cast<Provider>(i % 4);
    host.service = i % 2 ? "EC2" : "Compute";
    host.label = "bench " + std::to_string(i);
    auto stored = db.add_host(host);
    if (!stored) return std::fprintf(stderr, "%s\n", stored.error().message.c_str()), 1;
    added.push_back(*stored);
  }

  const EpochMs now = now_epoch_ms();
  const EpochMs step = EpochMs{interval_s} * 1000;
  const EpochMs from = (now - EpochMs{days} * 86'400'000) / step * step;
  std::mt19937 random(42);
  std::normal_distribution<double> jitter(0.0, 1.0);
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  std::vector<store::PingResult> batch;
  batch.reserve(20'000);
  long long rows = 0;
  for (EpochMs ts = from; ts < now; ts += step) {
    for (const auto& host : added) {
      store::PingResult result;
      result.host_id = host.id;
      result.ts = ts;
      result.sent = 5;
      const double base = 5.0 + static_cast<double>(host.id % 40) * 2.5;
      result.received = chance(random) < 0.02 ? static_cast<int>(chance(random) * 5) : 5;
      if (result.received > 0) {
        const double median = base + std::abs(jitter(random)) * 0.8;
        result.min_ms = median - 0.3;
        result.median_ms = median;
        result.avg_ms = median + 0.1;
        result.max_ms = median + 1.0 + std::abs(jitter(random));
        result.stddev_ms = 0.4;
      } else {
        result.error = "timeout";
      }
      batch.push_back(std::move(result));
    }
    if (batch.size() >= 20'000) {
      if (auto inserted = db.insert_results(batch); !inserted) {
        return std::fprintf(stderr, "%s\n", inserted.error().message.c_str()), 1;
      }
      rows += static_cast<long long>(batch.size());
      batch.clear();
    }
  }
  if (!batch.empty()) {
    if (auto inserted = db.insert_results(batch); !inserted) return 1;
    rows += static_cast<long long>(batch.size());
  }
  for (int period : {3600, 86400}) {
    if (auto rolled = db.refresh_rollups(period, from, now + 1, 100); !rolled) {
      return std::fprintf(stderr, "rollups: %s\n", rolled.error().message.c_str()), 1;
    }
  }
  std::printf("rows=%lld password=%s first_host=%lld\n", rows, password.c_str(),
              static_cast<long long>(added.front().id));
  return 0;
}

// An escaping exception (a bad argument, a failed setup) ends the run with one line and exit code 1.
int main(int argc, char** argv) {
  try {
    return run_bench(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
