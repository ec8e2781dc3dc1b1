// bench_trace: `semaphore trace` of 1,000 simulated hosts behind simnet's routers, beside `mtr --report`
// (mtr-tiny) run on a sample of them one after the other (mtr traces one host per run), in one run. Prints,
// per tool: wall time and CPU time per host (the child's own, from wait4), and hop accuracy against the
// simulator's truth: the share of hops whose reported address is the one that answered, and of hops whose
// reported loss is exactly the simulator's (what it answered of the probes it got at that TTL, during that
// tool's run), and the mean absolute loss error in percentage points.
//
// The routes: 20 chains of 4 to 7 hops (1 ms each way per hop), some with a lossy hop (loss from it on),
// some with a hop that polices its own ICMP (loss at that hop only), some rate-limited. Host i sits behind
// chain i % 20. Everything happens in a private network namespace; sampled routes are checked first.
#include <sched.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "simnet/network.h"
#include "simnet_bench.h"
#include "tools.h"

namespace {

using namespace semaphore;

constexpr int kCycles = 10;

struct HopReport {
  std::string address;  // empty: none ("???")
  double loss = 0;      // 0..1
};
using PathReport = std::vector<HopReport>;  // by TTL - 1

struct Accuracy {
  std::size_t hops = 0, address_right = 0, loss_exact = 0;
  double loss_error_sum = 0;  // percentage points
};

double number(const boost::json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_string()) return std::atof(v.as_string().c_str());
  return NAN;
}

// semaphore trace --json: host -> hops.
std::vector<std::pair<std::string, PathReport>> parse_semaphore(const std::string& text) {
  std::vector<std::pair<std::string, PathReport>> out;
  boost::system::error_code error;
  const boost::json::value doc = boost::json::parse(text, error);
  if (error || !doc.is_object()) return out;
  for (const auto& host : doc.at("hosts").as_array()) {
    PathReport path;
    for (const auto& hop : host.at("hops").as_array()) {
      const auto& address = hop.at("address");
      path.push_back(
          {address.is_string() ? std::string(address.as_string()) : std::string(), number(hop.at("loss"))});
    }
    out.emplace_back(std::string(host.at("host").as_string()), std::move(path));
  }
  return out;
}

// mtr --json: {"report": {"hubs": [{"count": N, "host": "a.b.c.d" or "???", "Loss%": x, ...}]}}
PathReport parse_mtr(const std::string& text) {
  PathReport path;
  boost::system::error_code error;
  const boost::json::value doc = boost::json::parse(text, error);
  if (error || !doc.is_object()) return path;
  for (const auto& hub : doc.at("report").at("hubs").as_array()) {
    const auto ttl = static_cast<std::size_t>(number(hub.at("count")));
    if (ttl == 0) continue;
    if (path.size() < ttl) path.resize(ttl);
    const std::string host(hub.at("host").as_string());
    path[ttl - 1] = {host == "???" ? std::string() : host, number(hub.at("Loss%")) / 100};
  }
  return path;
}

// The simulator's truth of one tool's run for one host: per TTL, what it answered of what it got.
struct TruthHop {
  std::uint32_t probes = 0, answered = 0;
  std::string address;  // the address that answered most (empty: none)
};

std::vector<TruthHop> difference(const std::vector<simnet::HopTruth>& after,
                                 const std::vector<simnet::HopTruth>& before) {
  std::vector<TruthHop> out(after.size());
  for (std::size_t t = 0; t < after.size(); ++t) {
    const std::uint32_t probes0 = t < before.size() ? before[t].probes : 0;
    const std::size_t from0 = t < before.size() ? before[t].from.size() : 0;
    out[t].probes = after[t].probes - probes0;
    out[t].answered = static_cast<std::uint32_t>(after[t].from.size() - from0);
    std::map<std::string, int> count;
    for (std::size_t k = from0; k < after[t].from.size(); ++k) ++count[after[t].from[k].to_string()];
    int best = 0;
    for (const auto& [address, n] : count) {
      if (n > best) best = n, out[t].address = address;
    }
  }
  return out;
}

// Hops 1 .. the destination's (the truth's last answered TTL up to the route's length + 1).
void score(const PathReport& reported, const std::vector<TruthHop>& truth, std::size_t path_length,
           Accuracy& a) {
  for (std::size_t t = 0; t < path_length && t < truth.size(); ++t) {
    if (truth[t].probes == 0) continue;
    ++a.hops;
    const HopReport hop = t < reported.size() ? reported[t] : HopReport{"", 1.0};
    if (hop.address == truth[t].address) ++a.address_right;
    const double loss = 1.0 - static_cast<double>(truth[t].answered) / truth[t].probes;
    const double error = std::fabs(hop.loss - loss) * 100;
    if (error < 0.05) ++a.loss_exact;  // mtr prints one decimal of a percent
    a.loss_error_sum += error;
  }
}

std::vector<std::vector<simnet::Hop>> routes() {
  std::vector<std::vector<simnet::Hop>> out;
  for (std::uint32_t k = 0; k < 20; ++k) {
    std::vector<simnet::Hop> hops(4 + k % 4);
    for (std::uint32_t i = 0; i < hops.size(); ++i) {
      hops[i].address = simnet::v4_router(k * 16 + i);
      hops[i].delay_ms = 1;
    }
    if (k % 5 == 1) hops[2].loss = 0.1;        // loss from hop 3 on
    if (k % 5 == 2) hops[1].icmp_loss = 0.3;   // hop 2 polices its own ICMP
    if (k % 5 == 3) hops[0].icmp_rate = 1000;  // hop 1 answers at most 1,000 time exceeded a second
    out.push_back(std::move(hops));
  }
  return out;
}

void print(const char* tool, std::size_t hosts, const bench::Measured& m, const Accuracy& a) {
  std::printf(
      "%-34s %6zu %8.2f %10.2f %8zu %9.1f %9.1f %10.2f\n", tool, hosts, m.wall_s,
      m.cpu_s * 1e3 / static_cast<double>(hosts), a.hops,
      100.0 * static_cast<double>(a.address_right) / static_cast<double>(std::max<std::size_t>(1, a.hops)),
      100.0 * static_cast<double>(a.loss_exact) / static_cast<double>(std::max<std::size_t>(1, a.hops)),
      a.loss_error_sum / static_cast<double>(std::max<std::size_t>(1, a.hops)));
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t hosts = 1000, sample = 20;
  std::string binary = SEMAPHORE_BINARY_PATH;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--hosts") hosts = std::stoul(value);
    if (flag == "--sample") sample = std::stoul(value);
    if (flag == "--semaphore") binary = value;
  }
  if (const std::string reason = bench::enter_simulated_network_namespace(); !reason.empty()) {
    std::fprintf(stderr, "trace: skipped: %s\n", reason.c_str());
    return 0;
  }
  const auto chains = routes();
  std::vector<simnet::HostEntry> table;
  for (std::uint32_t i = 0; i < hosts; ++i) {
    table.push_back(
        {simnet::v4_host(i), {0.5, 0, simnet::Mode::normal}, static_cast<int>(i % chains.size())});
  }
  simnet::Options options;
  options.cpu = simnet::fixture_cpu();
  auto network = simnet::Network::start(options, table, chains);
  if (!network) {
    std::fprintf(stderr, "simnet: %s\n", network.error().message.c_str());
    return 1;
  }
  const cpu_set_t tool_cpus = simnet::pinger_cpus(options.cpu);
  for (std::size_t i = 0; i < hosts; i += 97) {
    if (auto routed = (*network)->check_route(table[i].address); !routed) {
      std::fprintf(stderr, "%s\n", routed.error().message.c_str());
      return 1;
    }
  }
  std::printf(
      "trace: %zu simulated hosts behind 20 chains of 4-7 hops (1 ms a hop; lossy, ICMP-policing and "
      "rate-limited hops), %d cycles; mtr on %zu of them, one after the other\n",
      hosts, kCycles, sample);
  std::printf("%-34s %6s %8s %10s %8s %9s %9s %10s\n", "tool", "hosts", "wall s", "cpu ms/host", "hops",
              "addr ok%", "loss ok%", "loss err pp");

  // semaphore trace: every host at once.
  std::vector<std::vector<simnet::HopTruth>> before(hosts);
  for (std::size_t i = 0; i < hosts; ++i) before[i] = (*network)->route_truth(i);
  std::vector<std::string> argv_semaphore{
      binary, "trace",  "--json", "-n",         "-c", std::to_string(kCycles), "-i", "100", "-t",
      "1000", "--rate", "20000",  "--max-hops", "12"};
  for (const auto& entry : table) argv_semaphore.push_back(entry.address.to_string());
  const bench::Measured ours = bench::run_measured(argv_semaphore, &tool_cpus);
  const auto reported = parse_semaphore(ours.out);
  Accuracy ours_accuracy;
  for (std::size_t i = 0; i < hosts && i < reported.size(); ++i) {
    const auto truth = difference((*network)->route_truth(i), before[i]);
    score(reported[i].second, truth, chains[i % chains.size()].size() + 1, ours_accuracy);
  }
  if (reported.size() != hosts)
    std::fprintf(stderr, "semaphore trace: %zu hosts reported: %.300s\n", reported.size(), ours.err.c_str());
  print("semaphore trace (all at once)", hosts, ours, ours_accuracy);

  // mtr --report on a sample, one host per run, as mtr works. Its wall and CPU time summed over the runs.
  const bool have_mtr = std::system("command -v mtr >/dev/null") == 0;
  if (!have_mtr) {
    std::printf("mtr not installed (Debian package mtr-tiny): no comparison\n");
    return 0;
  }
  bench::Measured theirs;
  Accuracy their_accuracy;
  const std::size_t step = std::max<std::size_t>(1, hosts / std::max<std::size_t>(1, sample));
  std::size_t traced = 0;
  for (std::size_t i = 0; i < hosts && traced < sample; i += step, ++traced) {
    const auto truth_before = (*network)->route_truth(i);
    const bench::Measured m =
        bench::run_measured({"mtr", "--report", "--json", "-n", "-c", std::to_string(kCycles), "-i", "0.1",
                             "-m", "12", "-G", "1", table[i].address.to_string()},
                            &tool_cpus);
    theirs.wall_s += m.wall_s;
    theirs.cpu_s += m.cpu_s;
    if (m.exit_code != 0) std::fprintf(stderr, "mtr exited %d: %.300s\n", m.exit_code, m.err.c_str());
    const auto truth = difference((*network)->route_truth(i), truth_before);
    score(parse_mtr(m.out), truth, chains[i % chains.size()].size() + 1, their_accuracy);
  }
  print("mtr --report (one host at a time)", traced, theirs, their_accuracy);
  const double our_cpu = ours.cpu_s / static_cast<double>(hosts),
               their_cpu = theirs.cpu_s / static_cast<double>(traced);
  const double our_wall = ours.wall_s / static_cast<double>(hosts),
               their_wall = theirs.wall_s / static_cast<double>(traced);
  std::printf("ratios mtr/semaphore per host: wall %.0fx, cpu %.1fx\n", their_wall / our_wall,
              their_cpu / our_cpu);
  return 0;
}
