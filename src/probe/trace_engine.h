#pragma once
// TraceEngine: the Tracer behind Tracer::open(). TTL-limited ICMP echo requests, every TTL of every host in
// flight together, from one event loop on the calling thread (epoll over the ICMP sockets, beside the
// resolver's sockets), paced by one token bucket at TraceOptions::rate.
//
// A probe is an echo request like the ping engine's (icmp_packet.h: identifier, sequence from a SequenceMap,
// payload with the probe's own cookie, send time and serial) sent with the TTL / hop limit of the hop it is
// for: the probes of one send call share a TTL, set on the socket before the call (IcmpSocket::set_hop_limit;
// raw IPv4 writes it into the header it builds). Every probe asks for its own kernel transmit stamp. RTT =
// kernel receive stamp of the answer - kernel transmit stamp of the probe, as in the ping engine.
//
// Matching (trace_matching.h): an echo reply and a time exceeded (or unreachable) are matched to their probe
// only when the identifier, the probe's cookie, the sequence still bound to that serial, the send time and
// the address the probe went to all agree (for an error: those of the request it quotes). A router that
// quotes only RFC 792's minimum (IP header + 8 bytes: identifier and sequence, no payload) cannot prove which
// probe it answers; such an error is matched *weakly*, only to a probe of this run still unanswered whose
// sequence binding, destination and timeout fit, and counted in TraceHop::short_quotes. For a path that is
// information about a hop (its address and RTT), never about the destination: only a verified echo reply
// marks a host reached. An error whose quote carries a payload that fails a check is never matched.
//
// Serials: host * cycles * max_hops + cycle * max_hops + (ttl - 1). Raw or ping (datagram) sockets, as the
// ping engine: ping sockets hand time exceeded back on the error queue (IP_RECVERR), the router's address in
// SO_EE_OFFENDER.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "probe/icmp_socket.h"
#include "probe/resolver.h"
#include "probe/sequence_map.h"
#include "probe/trace_matching.h"
#include "probe/tracer.h"

namespace semaphore::probe {

class TraceEngine final : public Tracer {
 public:
  TraceEngine(IcmpSockets sockets, std::unique_ptr<Resolver> resolver, int epoll_fd);
  ~TraceEngine() override;
  TraceEngine(const TraceEngine&) = delete;
  TraceEngine& operator=(const TraceEngine&) = delete;

  std::vector<TraceResult> run(std::span<const PingRequest> requests, const TraceOptions& options,
                               std::stop_token stop) override;
  TraceCounters counters() const override { return counters_; }
  SocketKind socket_kind() const override { return sockets_.v4->kind(); }

 private:
  struct Run;
  void execute(Run& run, std::stop_token stop);
  void start_resolution(Run& run);
  void take_answers(Run& run);
  void accept_address(Run& run, std::uint32_t host, const IpAddress& resolved);
  void send_due(Run& run, std::int64_t now_ns);
  void flush(Run& run);
  void receive_all(Run& run);
  void handle_packet(Run& run, int family_index, const Incoming& packet);
  // The matching itself is trace_matching.h's; these hand it the run and count or take its verdict.
  TraceMatchScope match_scope(Run& run, int family_index) const;
  void match_reply(Run& run, int family_index, const IcmpMessage& message, const Incoming& packet);
  void match_error(Run& run, int family_index, const IcmpMessage& message, const IpAddress& destination,
                   const IpAddress& reporter, std::int64_t rx_ns);
  void take_match(Run& run, const TraceMatch& match);
  void answer(Run& run, std::uint32_t serial, const IpAddress& from, std::int64_t rtt_ns, bool destination,
              bool short_quote);
  std::vector<TraceResult> results(Run& run);

  IcmpSockets sockets_;
  std::unique_ptr<Resolver> resolver_;
  int epoll_fd_;
  SequenceMap sequences_[2];  // [0] IPv4, [1] IPv6
  TraceCounters counters_;
};

}  // namespace semaphore::probe
