// `semaphore ping`: one-shot pings from the terminal or a script, in two dialects.
//  - native: `semaphore ping [-c N] [-i MS] [-t MS] [--rate PPS] [-f FILE] [--json] HOST...`, where -i is the
//    interval between one host's probes (as in ping) and --rate caps probes per second over all hosts;
//  - TCP (`--tcp PORT`, native output only): TCP connect probes to PORT instead of ICMP echo
//  (probe/tcp_engine.h);
//    a RST counts as an answer, shown as "refused";
//  - fping (chosen by -C N): fping's meanings (-i = interval between any two probes, -p = per-host period,
//    -t = timeout) and fping's output and exit codes, so that SmokePing's FPing probe can run us instead.
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/cli_context.h"
#include "cli/interrupt_watch.h"
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
  std::optional<int> tcp_port;  // --tcp PORT: TCP connect probes
};

bool is_blank(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');  // what `istream >> word` skips in the C locale, '\n' too
}

// Adds the first word of each complete line of `text` (up to its last '\n'), skipping blank lines and words
// that start with '#'; returns how much of `text` it consumed.
std::size_t add_first_words(std::string_view text, probe::HostList& out) {
  std::size_t line = 0;
  for (std::size_t end; (end = text.find('\n', line)) != std::string_view::npos; line = end + 1) {
    std::size_t first = line;
    while (first < end && is_blank(text[first])) ++first;
    std::size_t last = first;
    while (last < end && !is_blank(text[last])) ++last;
    if (last > first && text[first] != '#') out.add(text.substr(first, last - first));
  }
  return line;
}

// fping's -f: one target per line, first word only; blank lines and # comments skipped. Read in 64 KiB
// chunks and split in place: a std::getline and an istringstream per line cost ~3,000 instructions a host.
// Targets go straight into one buffer (HostList): a string per target would cost 32 bytes a host.
void read_targets(std::FILE* in, probe::HostList& out) {
  std::string buffer(64 * 1024, '\0');
  std::size_t kept = 0, got = 0;  // kept: the unfinished last line read so far, at the buffer's start
  while ((got = std::fread(buffer.data() + kept, 1, buffer.size() - kept, in)) > 0) {
    const std::string_view data(buffer.data(), kept + got);
    // Lines end only in what was just read: a long unfinished line is not scanned again read after read.
    const std::size_t used = std::memchr(data.data() + kept, '\n', got) ? add_first_words(data, out) : 0;
    kept = data.size() - used;
    std::memmove(buffer.data(), buffer.data() + used, kept);
    if (kept == buffer.size()) buffer.resize(2 * buffer.size());  // a line longer than the buffer
  }
  buffer[kept] = '\n';  // ends a last line that has none
  add_first_words(std::string_view(buffer.data(), kept + 1), out);
}

// The targets named by -f FILE ("-" for stdin) added to `out`; false when the file cannot be opened or read
// (a directory, say: the istream version used to reserve tellg()'s nonsense for it and die of bad_alloc).
bool read_target_file(const std::string& path, probe::HostList& out) {
  if (path == "-") {
    read_targets(stdin, out);
    return std::ferror(stdin) == 0;
  }
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return false;
  // The names take at most the file's size: reserving it spares the buffer's growth slack.
  struct stat info {};
  if (::fstat(::fileno(file), &info) == 0 && S_ISREG(info.st_mode)) {
    out.names.reserve(out.names.size() + static_cast<std::size_t>(info.st_size));
  }
  read_targets(file, out);
  const bool read = std::ferror(file) == 0;
  std::fclose(file);
  return read;
}

std::chrono::microseconds ms(double value) {
  return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(value * 1000)));
}

// Prints the results in the dialect asked for; returns what the exit code depends on.
HostTally print_results(const PingArgs& args, const probe::HostList& targets,
                        const probe::CompactResults& results, const probe::EngineCounters& counters,
                        double seconds) {
  if (args.fping_count <= 0) {  // not fping mode (see run_ping)
    return args.json ? json_report(stdout, results, counters, seconds, args.tcp_port.has_value())
                     : native_report(stdout, results, args.all_rtts, seconds);
  }
  if (!args.quiet) {
    fping_resolve_errors(stderr, results);
    fping_replies(stdout, targets, results, static_cast<int>(probe::kEchoRequestBytes));
    std::fflush(stdout);
    std::fputs("\n", stderr);
  }
  return fping_summary(stderr, targets, results);
}

// How many TCP probes `ping --tcp` may keep in flight, each one descriptor: the open-file limit raised to
// its hard limit (as the server does, web/server/fd_budget.h), less a reserve for everything else the
// process opens (the resolver, stdio), at most 16,384.
int tcp_socket_cap() {
  constexpr std::uint64_t kReserve = 64, kMost = 16384;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 128;
  if (limit.rlim_cur != RLIM_INFINITY &&
      (limit.rlim_max == RLIM_INFINITY || limit.rlim_cur < limit.rlim_max)) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const std::uint64_t soft = limit.rlim_cur == RLIM_INFINITY ? kMost + kReserve : limit.rlim_cur;
  return static_cast<int>(std::clamp<std::uint64_t>(soft > kReserve ? soft - kReserve : 1, 1, kMost));
}

void run_ping(const PingArgs& args) {
  const bool fping = args.fping_count > 0;
  probe::HostList targets;
  for (const auto& host : args.hosts) targets.add(host);
  if (!args.file.empty() && !read_target_file(args.file, targets)) {
    throw CommandExit{fping ? 4 : 2, "ping: cannot read " + args.file};
  }
  if (targets.size() == 0) throw CommandExit{fping ? 3 : 2, "ping: no hosts given (HOST... or -f FILE)"};
  if (args.only_v4 && args.only_v6) throw CommandExit{fping ? 3 : 2, "ping: -4 and -6 exclude each other"};
  if (args.tcp_port && fping) throw CommandExit{3, "ping: --tcp works with the native output only, not -C"};
  if (args.tcp_port && (*args.tcp_port < 1 || *args.tcp_port > 65535)) {
    throw CommandExit{2, "ping: --tcp needs a port from 1 to 65535"};
  }

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
  if (!probe::fits_one_run(targets.size(), static_cast<std::uint64_t>(options.count))) {
    throw CommandExit{
        fping ? 3 : 2,
        "ping: " + probe::run_too_large(targets.size(), static_cast<std::uint64_t>(options.count))};
  }
  options.family = args.only_v4   ? probe::FamilyPreference::v4_only
                   : args.only_v6 ? probe::FamilyPreference::v6_only
                                  : probe::FamilyPreference::any;
  options.policy = TargetPolicy::allow_private;  // never metadata, link-local, multicast or broadcast

  auto pinger = args.tcp_port ? probe::Pinger::open_tcp(probe::TcpOpenOptions{
                                    static_cast<std::uint16_t>(*args.tcp_port), tcp_socket_cap(), {}})
                              : probe::Pinger::open();
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

  const HostTally tally = print_results(args, targets, results, (*pinger)->counters(), seconds);
  std::fflush(stdout);
  const int code = tally.fping_exit_code();
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
  ping->add_option(
      "--tcp", args->tcp_port,
      "native: TCP connect probes to PORT instead of ICMP echo (a closed port's RST counts as an "
      "answer, shown as refused)");
  ping->add_flag("-4", args->only_v4, "IPv4 only");
  ping->add_flag("-6", args->only_v6, "IPv6 only");
  ping->add_flag("--json", args->json, "native: JSON output");
  ping->add_flag("--rtts", args->all_rtts, "native: print every probe's RTT");
  ping->add_option("-B", args->backoff, "accepted for fping compatibility; no effect with -C");
  ping->add_option("-r", args->retries, "accepted for fping compatibility; no effect with -C");
  ping->callback([args] { run_ping(*args); });
}

}  // namespace semaphore::cli
