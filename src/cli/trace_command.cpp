// `semaphore trace HOST... [-c N] [--max-hops N] [-i MS] [-t MS] [--rate PPS] [--no-dns] [--json] [-4|-6]`:
// the path to each host, as `mtr --report` prints it: per hop (TTL) the address that answered, its reverse
// name, the loss, the probes sent, and the last/avg/best/worst RTT with its standard deviation. Every host
// and every hop is probed at once (probe/trace_engine.h), so tracing 1,000 hosts takes about as long as one.
//
// Exit codes (as `semaphore ping`'s native mode): 0 every host was reached; 1 a host was traced but never
// answered itself; 2 a usage error, or a name that did not resolve or an address refused; 4 no ICMP socket
// (the message names the fix).
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "cli/cli_context.h"
#include "cli/interrupt_watch.h"
#include "core/rtt_stats.h"
#include "probe/tracer.h"

namespace semaphore::cli {
namespace {

struct TraceArgs {
  std::vector<std::string> hosts;
  int cycles = 10;
  int max_hops = 30;
  double interval_ms = 1000, timeout_ms = 2000, rate = 1000;
  bool no_dns = false, json = false, only_v4 = false, only_v6 = false;
};

std::string fixed(double value, int decimals) {
  if (std::isnan(value)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

double last_rtt(const probe::TraceHop& hop) {
  const auto last =
      std::find_if(hop.rtts_ms.rbegin(), hop.rtts_ms.rend(), [](double rtt) { return !std::isnan(rtt); });
  return last == hop.rtts_ms.rend() ? std::nan("") : *last;
}

void print_text(const std::vector<probe::TraceResult>& results, int cycles) {
  for (const probe::TraceResult& r : results) {
    std::printf("trace %s", r.host.c_str());
    if (r.address && r.address->to_string() != r.host) std::printf(" (%s)", r.address->to_string().c_str());
    if (r.error != probe::HostError::none) {
      std::printf(": %s: %s\n\n", probe::to_string(r.error), r.error_detail.c_str());
      continue;
    }
    if (r.reached) {
      std::printf(", %d cycles, reached in %zu hop%s\n", cycles, r.hops.size(),
                  r.hops.size() == 1 ? "" : "s");
    } else {
      std::printf(", %d cycles, not reached\n", cycles);
    }
    std::printf("%4s  %-39s %-30s %6s %4s %7s %7s %7s %7s %6s\n", "Hop", "Address", "Name", "Loss%", "Snt",
                "Last", "Avg", "Best", "Wrst", "StDev");
    // Trailing hops that nobody answered (an unreached host probed up to --max-hops): one line for all.
    std::size_t shown = r.hops.size();
    while (!r.reached && shown > 1 && !r.hops[shown - 1].address && !r.hops[shown - 2].address) --shown;
    for (std::size_t i = 0; i < shown; ++i) {
      const probe::TraceHop& hop = r.hops[i];
      if (!hop.address) {
        std::printf("%4d  %-39s %-30s %6s %4d\n", hop.ttl, "???", "", fixed(hop.loss() * 100, 1).c_str(),
                    hop.sent);
        continue;
      }
      const auto s = summarize_rtts(hop.rtts_ms);
      std::printf("%4d  %-39s %-30s %6s %4d %7s %7s %7s %7s %6s\n", hop.ttl, hop.address->to_string().c_str(),
                  hop.name.empty() ? "-" : hop.name.c_str(), fixed(hop.loss() * 100, 1).c_str(), hop.sent,
                  fixed(last_rtt(hop), 2).c_str(), fixed(s->avg_ms, 2).c_str(), fixed(s->min_ms, 2).c_str(),
                  fixed(s->max_ms, 2).c_str(), fixed(s->stddev_ms, 2).c_str());
      for (const IpAddress& other : hop.other_addresses) std::printf("      %s\n", other.to_string().c_str());
    }
    if (shown < r.hops.size()) {
      std::printf("%4s  (hops %d-%d: no answer)\n", "...", r.hops[shown].ttl, r.hops.back().ttl);
    }
    std::printf("\n");
  }
}

boost::json::value number_or_null(double value) {
  return std::isnan(value) ? boost::json::value(nullptr) : boost::json::value(value);
}

void print_json(const std::vector<probe::TraceResult>& results, const probe::TraceCounters& counters,
                double seconds) {
  boost::json::array hosts;
  for (const probe::TraceResult& r : results) {
    boost::json::object host;
    host["host"] = r.host;
    host["address"] = r.address ? boost::json::value(r.address->to_string()) : boost::json::value(nullptr);
    host["error"] = probe::to_string(r.error);
    host["error_detail"] = r.error_detail;
    host["reached"] = r.reached;
    boost::json::array hops;
    for (const probe::TraceHop& hop : r.hops) {
      boost::json::object h;
      h["ttl"] = hop.ttl;
      h["address"] = hop.address ? boost::json::value(hop.address->to_string()) : boost::json::value(nullptr);
      boost::json::array others;
      for (const IpAddress& other : hop.other_addresses) others.emplace_back(other.to_string());
      h["other_addresses"] = std::move(others);
      h["name"] = hop.name;
      h["sent"] = hop.sent;
      h["received"] = hop.received;
      h["loss"] = hop.loss();
      h["destination"] = hop.is_destination;
      h["short_quotes"] = hop.short_quotes;
      const auto s = summarize_rtts(hop.rtts_ms);
      h["last_ms"] = number_or_null(last_rtt(hop));
      h["avg_ms"] = s ? boost::json::value(s->avg_ms) : boost::json::value(nullptr);
      h["min_ms"] = s ? boost::json::value(s->min_ms) : boost::json::value(nullptr);
      h["max_ms"] = s ? boost::json::value(s->max_ms) : boost::json::value(nullptr);
      h["stddev_ms"] = s ? boost::json::value(s->stddev_ms) : boost::json::value(nullptr);
      boost::json::array rtts;
      for (double rtt : hop.rtts_ms) rtts.push_back(number_or_null(rtt));
      h["rtts_ms"] = std::move(rtts);
      hops.push_back(std::move(h));
    }
    host["hops"] = std::move(hops);
    hosts.push_back(std::move(host));
  }
  boost::json::object engine{{"sent", counters.sent},
                             {"replies", counters.replies},
                             {"hop_answers", counters.hop_answers},
                             {"short_quotes", counters.short_quotes},
                             {"unverified", counters.unverified},
                             {"late", counters.late},
                             {"send_errors", counters.send_errors}};
  const boost::json::object document{{"hosts", std::move(hosts)}, {"seconds", seconds}, {"engine", engine}};
  const std::string text = boost::json::serialize(document);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

std::chrono::microseconds ms(double value) {
  return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(value * 1000)));
}

void run_trace(const TraceArgs& args) {
  if (args.hosts.empty()) throw CommandExit{2, "trace: no hosts given"};
  if (args.only_v4 && args.only_v6) throw CommandExit{2, "trace: -4 and -6 exclude each other"};
  if (args.cycles < 1 || args.max_hops < 1 || args.max_hops > 255 || args.rate <= 0 || args.timeout_ms <= 0 ||
      args.interval_ms < 0) {
    throw CommandExit{2, "trace: cycles, rate and timeout must be positive, --max-hops 1 to 255"};
  }
  probe::TraceOptions options;
  options.cycles = args.cycles;
  options.max_hops = args.max_hops;
  options.cycle_interval = ms(args.interval_ms);
  options.timeout = ms(args.timeout_ms);
  options.rate = args.rate;
  options.resolve_names = !args.no_dns;
  options.family = args.only_v4   ? probe::FamilyPreference::v4_only
                   : args.only_v6 ? probe::FamilyPreference::v6_only
                                  : probe::FamilyPreference::any;
  options.policy = TargetPolicy::allow_private;  // never metadata, link-local, multicast or broadcast
  if (!probe::fits_one_run(args.hosts.size(), static_cast<std::uint64_t>(args.cycles) *
                                                  static_cast<std::uint64_t>(args.max_hops))) {
    throw CommandExit{2, "trace: too many hosts x cycles x hops for one run"};
  }
  auto tracer = probe::Tracer::open(probe::OpenOptions{});
  if (!tracer) throw CommandExit{4, "trace: " + tracer.error().message};
  std::vector<probe::PingRequest> requests;
  requests.reserve(args.hosts.size());
  for (const std::string& host : args.hosts) requests.push_back({host, {}, 0});
  std::stop_source stop;
  const auto started = std::chrono::steady_clock::now();
  std::vector<probe::TraceResult> results;
  {
    InterruptWatch watch(stop);
    results = (*tracer)->run(requests, options, stop.get_token());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (args.json) {
    print_json(results, (*tracer)->counters(), seconds);
  } else {
    print_text(results, args.cycles);
  }
  std::fflush(stdout);
  int code = 0;
  for (const probe::TraceResult& r : results) {
    if (r.error == probe::HostError::unresolvable || r.error == probe::HostError::refused_address) {
      code = 2;
    } else if (!r.reached && code == 0) {
      code = 1;
    }
  }
  if (code != 0) throw CommandExit{code, ""};
}

}  // namespace

void add_trace_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<TraceArgs>();
  auto* trace = app.add_subcommand(
      "trace", "trace the network path to hosts and print an mtr-style report (loss and RTT per hop)");
  trace->add_option("hosts", args->hosts, "hostnames or IP addresses");
  trace->add_option("-c,--cycles", args->cycles, "probes per hop (mtr's --report-cycles)")
      ->capture_default_str();
  trace->add_option("--max-hops", args->max_hops, "highest TTL probed")->capture_default_str();
  trace->add_option("-i,--interval", args->interval_ms, "ms between one host's cycles")
      ->capture_default_str();
  trace->add_option("-t,--timeout", args->timeout_ms, "ms to wait for each answer")->capture_default_str();
  trace->add_option("--rate", args->rate, "at most PPS probes per second over all hosts")
      ->capture_default_str();
  trace->add_flag("-n,--no-dns", args->no_dns, "do not look up the hops' reverse names");
  trace->add_flag("--json", args->json, "JSON output");
  trace->add_flag("-4", args->only_v4, "IPv4 only");
  trace->add_flag("-6", args->only_v6, "IPv6 only");
  trace->callback([args] { run_trace(*args); });
}

}  // namespace semaphore::cli
