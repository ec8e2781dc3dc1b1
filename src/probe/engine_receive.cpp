// IcmpPinger's receive side: drains the sockets, parses what came back and hands each echo reply and ICMP
// error to the matching of reply_matching.h (the checks that decide which probe, if any, it answers).
#include "probe/engine_run.h"
#include "probe/reply_matching.h"

namespace semaphore::probe {

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

MatchScope IcmpPinger::match_scope(Run& run, int fi) {
  const IcmpSocket& socket = fi == 0 ? *v4_ : *v6_;
  return MatchScope{socket.family(), socket.identifier(), run.count,  run.timeout_ns,  &run.cookies,
                    &sequences_[fi], &run.table,          &counters_, &run.outstanding};
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
    match_error(match_scope(run, fi), *request, packet.source, packet.source);
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
    match_reply(match_scope(run, fi), parsed.message, packet);
  } else {
    match_error(match_scope(run, fi), parsed.message, *parsed.message.quoted_destination, packet.source);
  }
}

}  // namespace semaphore::probe
