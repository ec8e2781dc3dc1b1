// Pinger::open (choosing raw or ping sockets, and the message when neither is allowed) and the small
// functions of the contract.
#include "probe/pinger.h"

#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string_view>

#include "probe/engine.h"

namespace semaphore::probe {
namespace {

constexpr int kInitialReceiveBuffer = 4 << 20;

std::string own_binary() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : std::string("semaphore");
}

SocketKind requested_kind(SocketKind asked) {
  if (asked != SocketKind::automatic) return asked;
  const char* env = std::getenv("SEMAPHORE_ICMP_SOCKET");
  if (env == nullptr) return asked;
  const std::string_view value(env);
  if (value == "raw") return SocketKind::raw;
  if (value == "dgram" || value == "datagram") return SocketKind::datagram;
  return asked;
}

}  // namespace

const char* to_string(HostError error) {
  switch (error) {
    case HostError::none:
      return "";
    case HostError::unresolvable:
      return "unresolvable";
    case HostError::refused_address:
      return "refused";
    case HostError::unreachable:
      return "unreachable";
    case HostError::timeout:
      return "timeout";
    case HostError::send_failed:
      return "send failed";
  }
  return "";
}

const char* to_string(SocketKind kind) {
  switch (kind) {
    case SocketKind::automatic:
      return "automatic";
    case SocketKind::raw:
      return "raw";
    case SocketKind::datagram:
      return "datagram";
    case SocketKind::tcp:
      return "tcp";
  }
  return "";
}

std::optional<RttSummary> HostResult::summary() const {
  return summarize_rtts(rtts_ms);
}

namespace {

class VectorResults final : public CompactResults {
 public:
  explicit VectorResults(std::vector<HostResult> results) : results_(std::move(results)) {}
  std::size_t size() const override { return results_.size(); }
  void get(std::size_t i, HostResult& out) const override { out = results_[i]; }

 private:
  std::vector<HostResult> results_;
};

}  // namespace

std::unique_ptr<CompactResults> Pinger::run_compact(const HostList& hosts, const PingOptions& options,
                                                    std::stop_token stop) {
  std::vector<PingRequest> requests;
  requests.reserve(hosts.size());
  for (std::size_t i = 0; i < hosts.size(); ++i) requests.push_back({std::string(hosts.name(i)), {}});
  return std::make_unique<VectorResults>(run(requests, options, std::move(stop)));
}

std::string run_too_large(std::uint64_t hosts, std::uint64_t probes_per_host) {
  return std::to_string(hosts) + " hosts x " + std::to_string(probes_per_host) +
         " probes is more than one run can hold (at most " + std::to_string(kMaxProbesPerRun) +
         " probes and " + std::to_string(kMaxHostsPerRun) + " hosts)";
}

Result<std::unique_ptr<Pinger>> Pinger::open() {
  return open(OpenOptions{});
}

Result<IcmpSockets> open_icmp_sockets(SocketKind asked_kind, int receive_buffer) {
  const SocketKind asked = requested_kind(asked_kind);
  const auto identifier = static_cast<std::uint16_t>(std::random_device{}());
  SocketKind kind = asked == SocketKind::datagram ? SocketKind::datagram : SocketKind::raw;
  auto v4 = IcmpSocket::open(AddressFamily::v4, kind, receive_buffer, identifier);
  if (!v4 && asked == SocketKind::automatic && v4.error().code == Errc::permission_denied) {
    kind = SocketKind::datagram;
    v4 = IcmpSocket::open(AddressFamily::v4, kind, receive_buffer, identifier);
  }
  if (!v4) {
    if (v4.error().code != Errc::permission_denied) return v4.error();
    const std::string binary = own_binary();
    return make_error(Errc::permission_denied, "no permission to send ICMP (" + v4.error().message +
                                                   "); run `sudo setcap cap_net_raw+ep " + binary +
                                                   "` or allow ping sockets with `sudo sysctl -w " +
                                                   "net.ipv4.ping_group_range=\"0 2147483647\"`");
  }
  IcmpSockets sockets;
  sockets.v4 = std::move(*v4);
  auto v6 = IcmpSocket::open(AddressFamily::v6, kind, receive_buffer, identifier);
  if (v6) {
    sockets.v6 = std::move(*v6);
  } else {
    sockets.v6_error = v6.error().message;
  }
  return sockets;
}

Result<std::unique_ptr<Pinger>> Pinger::open(const OpenOptions& options) {
  auto sockets = open_icmp_sockets(options.socket, kInitialReceiveBuffer);
  if (!sockets) return sockets.error();
  auto resolver = Resolver::create(options.dns_servers);
  if (!resolver) return resolver.error();
  // The kernel turns receive stamping on through deferred work: wait for it (a few milliseconds, more on a
  // busy machine), so the first replies of a run are not timed when read, a tick late.
  wait_for_receive_stamps(kReceiveStampsWaitMs);
  return std::unique_ptr<Pinger>(new IcmpPinger(std::move(sockets->v4), std::move(sockets->v6),
                                                std::move(sockets->v6_error), std::move(*resolver)));
}

}  // namespace semaphore::probe
