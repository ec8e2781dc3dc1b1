// IcmpPinger's receive side: drains the sockets and matches what came back to the probe it answers.
// A reply counts only when every check passes: our identifier, a probe serial within the run, that probe's
// own cookie (probe_cookie.h), the source the probe went to, the sequence still bound to that serial, and
// the send time we recorded. An ICMP error must pass the same checks on the request it quotes (so one that
// quotes too little to show them is never matched), and it only marks a probe that no reply has answered;
// a valid reply that comes after it still counts. Anything else is counted (malformed, foreign, late,
// duplicate, unverified errors) and never matched.
#include <algorithm>
#include <string>

#include "probe/engine_run.h"

namespace semaphore::probe {
namespace {

std::string describe_icmp_error(AddressFamily family, std::uint8_t type, std::uint8_t code,
                                const IpAddress& reporter) {
  const bool ttl = family == AddressFamily::v4 ? type == 11 : type == 3;
  std::string text = ttl ? "time exceeded" : "destination unreachable";
  text +=
      " (type " + std::to_string(type) + " code " + std::to_string(code) + ") from " + reporter.to_string();
  return text;
}

}  // namespace

void IcmpPinger::receive_all(Run& run) {
  for (int fi = 0; fi < 2; ++fi) {
    IcmpSocket* socket = fi == 0 ? v4_.get() : v6_.get();
    if (socket == nullptr) continue;
    // The error queue first: a probe's transmit timestamp is queued before its reply can exist, so reading
    // it first gives the reply its exact start time.
    for (;;) {  // until EAGAIN: a short batch means the queue is empty
      const int n = socket->receive_errors();
      for (int i = 0; i < n; ++i) handle_packet(run, fi, socket->packet(i));
      if (n < kBatchSize) break;
    }
    if (ReplyRing* ring = rings_[fi].get()) {  // echo replies, when a ring takes them
      for (;;) {
        const int n = ring->receive();
        for (int i = 0; i < n; ++i) handle_packet(run, fi, ring->packet(i));
        counters_.ring_packets += static_cast<std::uint64_t>(n);
        counters_.malformed += ring->take_malformed();
        if (n < kBatchSize) break;
      }
    }
    for (;;) {  // the socket: ICMP errors, and echo replies when no ring takes them
      const int n = socket->receive();
      for (int i = 0; i < n; ++i) handle_packet(run, fi, socket->packet(i));
      if (n < kBatchSize) break;
    }
  }
}

void IcmpPinger::handle_packet(Run& run, int fi, const Incoming& packet) {
  IcmpSocket& socket = fi == 0 ? *v4_ : *v6_;
  if (packet.from_error_queue && packet.tx_ns != 0) {
    if (socket.stamps_by_id()) {
      sequences_[fi].set_transmit_time_by_id(packet.tx_id, packet.tx_ns);
    } else if (auto request = parse_looped_request(socket.family(), packet.data)) {
      if (request->payload->cookie == run.cookies.of(request->payload->serial)) {
        sequences_[fi].set_transmit_time(request->sequence, request->payload->serial, packet.tx_ns);
      }
    }
    return;
  }
  if (packet.from_error_queue) {
    // A ping socket hands back our own request with the error in a control message; the packet's
    // address is the request's destination.
    if (packet.error_type == 0) return;  // a local error, not an ICMP answer
    auto request = parse_own_request(socket.family(), packet.data);
    if (!request) {
      ++counters_.malformed;
      return;
    }
    request->type = packet.error_type;
    request->code = packet.error_code;
    match_error(run, fi, *request, packet.source, packet.source);
    return;
  }
  const ParseResult parsed = parse_icmp(socket.family(), socket.with_ip_header(), packet.data);
  switch (parsed.status) {
    case ParseStatus::malformed:
      ++counters_.malformed;
      return;
    case ParseStatus::ignored:
      return;
    case ParseStatus::ok:
      break;
  }
  if (parsed.message.kind == IcmpKind::echo_reply) {
    match_reply(run, fi, parsed.message, packet);
  } else {
    match_error(run, fi, parsed.message, *parsed.message.quoted_destination, packet.source);
  }
}

void IcmpPinger::match_reply(Run& run, int fi, const IcmpMessage& message, const Incoming& packet) {
  const IcmpSocket& socket = fi == 0 ? *v4_ : *v6_;
  if (message.identifier != socket.identifier()) {  // another pinger's reply (raw sockets see them all)
    ++counters_.foreign;
    return;
  }
  if (!message.payload) {  // ours by identifier, but the data is cut short or rewritten
    ++counters_.malformed;
    return;
  }
  const EchoPayload& payload = *message.payload;
  const std::uint32_t host = payload.serial / run.count;
  if (host >= run.table.size() || payload.cookie != run.cookies.of(payload.serial)) {
    ++counters_.foreign;
    return;
  }
  HostState& state = run.table.states[host];
  if (!state.has_address || !(run.table.addresses[host] == packet.source.unmapped())) {  // someone else
    ++counters_.foreign;
    return;
  }
  const SequenceMap::Entry entry = sequences_[fi].lookup(message.sequence);
  if (entry.serial != payload.serial) {  // the number has been reused since: a very late reply
    saturating_increment(state.late);
    ++counters_.late;
    return;
  }
  if (payload.send_ns != entry.sent_ns) {
    ++counters_.foreign;
    return;
  }
  // The kernel's transmit time when we have it (exact, or interpolated between two stamps of the same send
  // call); else our estimate from around the call.
  const std::int64_t rtt_ns = packet.rx_ns - (entry.tx_ns != 0 ? entry.tx_ns : entry.sent_ns);
  if (rtt_ns > run.timeout_ns) {
    saturating_increment(state.late);
    ++counters_.late;
    return;
  }
  std::uint32_t& slot = run.table.rtts_us[payload.serial];
  if (slot == kPending || slot == kIcmpError) {  // an error before it (real or not) does not stop a reply
    // Microseconds, rounded: the timeout bounds the RTT, far below kMaxRttUs (71 minutes).
    const std::int64_t us = (std::max<std::int64_t>(0, rtt_ns) + 500) / 1000;
    slot = static_cast<std::uint32_t>(std::min<std::int64_t>(us, kMaxRttUs));
    ++counters_.received;
    if (!entry.kernel_time) ++counters_.estimated_send_times;
    --run.outstanding;
  } else if (slot < kIcmpError) {  // an RTT: answered already
    saturating_increment(state.duplicates);
    ++counters_.duplicates;
  } else {
    ++counters_.foreign;
  }
}

void IcmpPinger::match_error(Run& run, int fi, const IcmpMessage& message, const IpAddress& destination,
                             const IpAddress& reporter) {
  const IcmpSocket& socket = fi == 0 ? *v4_ : *v6_;
  if (message.identifier != socket.identifier()) {  // about another pinger's packet
    ++counters_.foreign;
    return;
  }
  // Ours by identifier; from here on, anything that does not prove which probe it is about is unverified.
  // An error quoting only the first 8 bytes of the request (old routers) shows no payload: it cannot be
  // told from a forged one, so the probe is left to its timeout.
  const auto unverified = [&] { ++counters_.unverified_errors; };
  if (!message.payload) return unverified();
  const EchoPayload& payload = *message.payload;
  const std::uint32_t host = payload.serial / run.count;
  if (host >= run.table.size() || payload.cookie != run.cookies.of(payload.serial)) return unverified();
  if (!run.table.states[host].has_address || !(run.table.addresses[host] == destination.unmapped())) {
    return unverified();
  }
  const SequenceMap::Entry entry = sequences_[fi].lookup(message.sequence);
  if (entry.serial != payload.serial || payload.send_ns != entry.sent_ns) return unverified();
  std::uint32_t& slot = run.table.rtts_us[payload.serial];
  if (slot != kPending) return;  // answered already, or an error for it was counted
  // Marked, not ended: the probe stays outstanding, and a valid reply before its timeout replaces this.
  slot = kIcmpError;
  ++counters_.icmp_errors;
  run.table.details[host] = describe_icmp_error(socket.family(), message.type, message.code, reporter);
}

}  // namespace semaphore::probe
