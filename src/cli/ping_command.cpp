// `semaphore ping`: one-shot pings from the terminal or a script, in two dialects.
//  - native: `semaphore ping [-c N] [-i MS] [-t MS] [--rate PPS] [-f FILE] [--json] HOST...`, where -i is the
//    interval between one host's probes (as in ping) and --rate caps probes per second over all hosts;
//  - fping (chosen by -C N): fping's meanings (-i = interval between any two probes, -p = per-host period,
//    -t = timeout) and fping's output and exit codes, so that SmokePing's FPing probe can run us instead.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/cli_context.h"
#include "cli/ping_output.h"
#include "probe/pinger.h"

namespace semaphore::cli {
namespace {

struct PingArgs {
  std::vector<std::string> hosts;
  std::string file;
  int count = 3;
  int fping_count = 0;  // -C: fping mode when > 0
  bool quiet = false;
  std::optional<double> interval_ms, period_ms, timeout_ms, rate;
  bool only_v4 = false, only_v6 = false, json = false, all_rtts = false;
  double backoff = 0;  // fping's -B and -r, which SmokePing passes and which mean nothing with -C
  int retries = 0;
};

// fping's -f: one target per line, first word only; blank lines and # comments skipped. "-" is stdin.
// Targets go straight into one buffer (HostList): a string per target would cost 32 bytes a host.
void read_targets(std::istream& in, probe::HostList& out) {
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string word;
    if (words >> word && word[0] != '#') out.add(word);
  }
}

// Ctrl-C or SIGTERM ends the run early (results so far are still printed, as fping does). Signals are
// blocked here and taken by a watcher thread, because std::stop_source is not async-signal-safe.
class InterruptWatch {
 public:
  explicit InterruptWatch(std::stop_source& source) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::jthread([this, &source](std::stop_token done) {
      const timespec tick{0, 50'000'000};
      while (!done.stop_requested()) {
        if (sigtimedwait(&set_, nullptr, &tick) > 0) {
          source.request_stop();
          return;
        }
      }
    });
  }
  ~InterruptWatch() {
    thread_.request_stop();
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

 private:
  sigset_t set_{}, old_{};
  std::jthread thread_;
};

std::chrono::microseconds ms(double value) {
  return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(value * 1000)));
}

void run_ping(const PingArgs& args) {
  const bool fping = args.fping_count > 0;
  probe::HostList targets;
  for (const auto& host : args.hosts) targets.add(host);
  if (!args.file.empty()) {
    if (args.file == "-") {
      read_targets(std::cin, targets);
    } else {
      std::ifstream in(args.file, std::ios::ate);
      if (!in) throw CommandExit{fping ? 4 : 2, "ping: cannot read " + args.file};
      // The names take at most the file's size: reserving it spares the buffer's growth slack.
      targets.names.reserve(static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg())));
      in.seekg(0);
      read_targets(in, targets);
    }
  }
  if (targets.size() == 0) throw CommandExit{fping ? 3 : 2, "ping: no hosts given (HOST... or -f FILE)"};
  if (args.only_v4 && args.only_v6) throw CommandExit{fping ? 3 : 2, "ping: -4 and -6 exclude each other"};

  probe::PingOptions options;
  if (fping) {
    // fping 5.1 defaults: -i 10 ms between any two probes, -p 1000 ms per host, -t = the period up to 2 s.
    options.count = args.fping_count;
    const double period = args.period_ms.value_or(1000);
    options.per_host_interval = ms(period);
    options.timeout = ms(args.timeout_ms.value_or(std::min(period, 2000.0)));
    const double interval = args.interval_ms.value_or(10);
    options.rate = interval > 0 ? 1000.0 / interval : 1e9;
  } else {
    options.count = args.count;
    options.per_host_interval = ms(args.interval_ms.value_or(1000));
    options.timeout = ms(args.timeout_ms.value_or(1000));
    options.rate = args.rate.value_or(10000);
  }
  if (options.count < 1 || options.rate <= 0 || options.timeout.count() <= 0) {
    throw CommandExit{fping ? 3 : 2, "ping: count, rate and timeout must be positive"};
  }
  options.family = args.only_v4   ? probe::FamilyPreference::v4_only
                   : args.only_v6 ? probe::FamilyPreference::v6_only
                                  : probe::FamilyPreference::any;
  options.policy = TargetPolicy::allow_private;  // never metadata, link-local, multicast or broadcast

  auto pinger = probe::Pinger::open();
  if (!pinger) throw CommandExit{4, "ping: " + pinger.error().message};

  std::stop_source stop;
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<probe::CompactResults> compact;
  {
    InterruptWatch watch(stop);
    compact = (*pinger)->run_compact(targets, options, stop.get_token());
  }
  const probe::CompactResults& results = *compact;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (fping) {
    if (!args.quiet) {
      probe::HostResult r;
      for (std::size_t i = 0; i < results.size(); ++i) {
        results.get(i, r);
        if (r.error == probe::HostError::unresolvable) {
          std::fprintf(stderr, "%s: %s\n", r.host.c_str(), r.error_detail.c_str());
        }
      }
      fping_replies(stdout, results, static_cast<int>(probe::kEchoRequestBytes));
      std::fflush(stdout);
      std::fputs("\n", stderr);
    }
    fping_summary(stderr, results);
  } else if (args.json) {
    json_report(stdout, results, (*pinger)->counters(), seconds);
  } else {
    native_report(stdout, results, args.all_rtts, seconds);
  }
  std::fflush(stdout);
  const int code = fping_exit_code(results);
  if (code != 0) throw CommandExit{code, ""};
}

}  // namespace

void add_ping_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<PingArgs>();
  auto* ping = app.add_subcommand(
      "ping",
      "ping hosts and print their latency; with -C N, behaves like `fping -C N` (output, exit codes)");
  ping->add_option("hosts", args->hosts, "hostnames or IP addresses");
  ping->add_option("-f,--file", args->file, "read targets from FILE, one per line ('-' for stdin)");
  ping->add_option("-c,--count", args->count, "probes per host (native output)")->capture_default_str();
  ping->add_option("-C", args->fping_count,
                   "fping mode: N probes per host, fping's -C report and exit codes");
  ping->add_flag("-q,--quiet", args->quiet, "fping mode: only the final report");
  ping->add_option("-i,--interval", args->interval_ms,
                   "ms between one host's probes (native, default 1000); fping mode: ms between any two "
                   "probes (default 10)");
  ping->add_option("-p,--period", args->period_ms, "fping mode: ms between one host's probes (default 1000)");
  ping->add_option("-t,--timeout", args->timeout_ms, "ms to wait for each reply (default 1000)");
  ping->add_option("--rate", args->rate,
                   "native: at most PPS probes per second over all hosts (default 10000)");
  ping->add_flag("-4", args->only_v4, "IPv4 only");
  ping->add_flag("-6", args->only_v6, "IPv6 only");
  ping->add_flag("--json", args->json, "native: JSON output");
  ping->add_flag("--rtts", args->all_rtts, "native: print every probe's RTT");
  ping->add_option("-B", args->backoff, "accepted for fping compatibility; no effect with -C");
  ping->add_option("-r", args->retries, "accepted for fping compatibility; no effect with -C");
  ping->callback([args] { run_ping(*args); });
}

}  // namespace semaphore::cli
