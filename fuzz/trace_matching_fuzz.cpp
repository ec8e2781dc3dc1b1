// Fuzzes the trace engine's matching (src/probe/trace_matching.h): a made-up trace run of 4 hosts x 2 cycles
// x 3 TTLs (one host unresolved, so never sent to) is answered by what the input describes — echo replies
// from the destination, time exceeded from a router quoting the probe's whole request or only RFC 792's
// 8 bytes, each with bytes flipped, from the right host or another, early or late, and raw bytes — each
// parsed as the engine parses a socket's packet and handed to the matcher, whose verdicts the harness takes
// as the engine does (a probe takes its first answer within the timeout). Checked against the truth the
// harness keeps on its own (each probe's sequence, payload, address and send time), not the matcher's tables:
//  - a match names a probe that was sent, and an answer's RTT is its receive time minus that probe's
//    transmit stamp;
//  - "reached" (destination) comes only from an echo reply whose identifier, sequence, payload and source
//    are the probe's own;
//  - a verified hop answer quotes the probe's own whole request to its own destination;
//  - a weak (short-quote) match quotes the identifier and the sequence bound to the probe, names its
//    destination, and only while nothing has answered the probe, within the timeout;
//  - a genuine, unmodified, timely answer for an unanswered probe is always taken.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "packet_builders.h"
#include "probe/trace_matching.h"

namespace {

using semaphore::AddressFamily;
using semaphore::IpAddress;
using namespace semaphore::probe;
using namespace semaphore::fuzzing;

constexpr std::uint32_t kHosts = 4, kCycles = 2, kHops = 3, kPerHost = kCycles * kHops;
constexpr std::uint32_t kSerials = kHosts * kPerHost;
constexpr std::uint32_t kUnresolvedHost = 2;
constexpr std::uint16_t kIdentifier = 0x7ace;
constexpr std::int64_t kStartNs = 1'800'000'000'000'000'000, kTimeoutNs = 1'000'000'000;

// A router on the way: 198.51.100.x / 2001:db8::1:x, never a host's address.
IpAddress router_address(AddressFamily family, std::uint8_t n) {
  IpAddress address = host_address(family, 0);
  if (family == AddressFamily::v4) {
    address.bytes[0] = 198, address.bytes[1] = 51, address.bytes[2] = 100, address.bytes[3] = n;
  } else {
    address.bytes[13] = 1, address.bytes[15] = n;
  }
  return address;
}

struct Truth {
  std::uint16_t sequence[kSerials] = {};
  EchoPayload payload[kSerials] = {};
  std::int64_t tx_ns[kSerials] = {};
  bool sent[kSerials] = {};
};

// The probes' states as the engine keeps them (trace_engine.cpp's answer()).
struct Probes {
  bool answered[kSerials] = {};
  bool destination[kSerials] = {};
  std::int64_t rtt_ns[kSerials] = {};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input input{{data, size}};
  const std::uint8_t flags = input.byte();
  const AddressFamily family = flags & 1 ? AddressFamily::v6 : AddressFamily::v4;
  const bool with_ip_header = family == AddressFamily::v4 && (flags & 2);

  static const ProbeCookies cookies(
      std::array<std::uint8_t, 16>{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  static SequenceMap sequences(2 * kTimeoutNs);
  sequences.reset(2 * kTimeoutNs);
  Truth truth;
  Probes probes;
  std::vector<std::optional<IpAddress>> addresses(kHosts);
  for (std::uint32_t host = 0; host < kHosts; ++host) {
    if (host == kUnresolvedHost) continue;
    addresses[host] = host_address(family, host);
    for (std::uint32_t k = 0; k < kPerHost; ++k) {
      const std::uint32_t serial = host * kPerHost + k;
      const std::int64_t sent_ns = kStartNs + serial * 1'000'000;
      const auto sequence = sequences.acquire(serial, sent_ns);
      FUZZ_CHECK(sequence);
      // Every other probe has its kernel transmit stamp; the rest go by their send time.
      const std::int64_t tx_ns = serial % 2 == 0 ? sent_ns + 30'000 : 0;
      sequences.record_send(*sequence, serial, tx_ns, 0);
      truth.sequence[serial] = *sequence;
      truth.payload[serial] = EchoPayload{cookies.of(serial), sent_ns, serial};
      truth.tx_ns[serial] = tx_ns != 0 ? tx_ns : sent_ns;
      truth.sent[serial] = true;
    }
  }
  TraceMatchScope scope;
  scope.identifier = kIdentifier;
  scope.per_host = kPerHost;
  scope.hosts = kHosts;
  scope.timeout_ns = kTimeoutNs;
  scope.cookies = &cookies;
  scope.sequences = &sequences;
  scope.address_of = [&](std::uint32_t host) -> const IpAddress* {
    return addresses[host] ? &*addresses[host] : nullptr;
  };
  scope.pending = [&](std::uint32_t serial) { return truth.sent[serial] && !probes.answered[serial]; };

  while (input.more()) {
    const std::uint8_t op = input.byte();
    const std::uint32_t serial = input.byte() % kSerials;
    const std::uint8_t from = input.byte();
    const std::int64_t rx_ns = truth.tx_ns[serial] + static_cast<std::int64_t>(input.byte()) * 8'000'000;
    const std::uint32_t host = serial / kPerHost;

    Bytes request(kEchoRequestSize);
    encode_echo_request(family, kIdentifier, truth.sequence[serial], truth.payload[serial], request);
    Bytes packet;
    IpAddress source;
    bool genuine = false;
    bool whole_quote = false;
    switch (op % 3) {
      case 0: {  // an echo reply, from the destination (or another host)
        source = host_address(family, from % (kHosts + 1) == kHosts ? host : from % (kHosts + 1));
        Bytes reply = request;
        reply[0] = family == AddressFamily::v4 ? 0 : 129;
        if (family == AddressFamily::v4) reply = icmp4(reply);
        packet = with_ip_header ? cat({ipv4(reply.size(), v4_bytes(source), {10, 0, 0, 1}), reply}) : reply;
        genuine = source == host_address(family, host);
        break;
      }
      case 1: {  // a time exceeded from a router, quoting the whole request or its first 8+ bytes
        source = router_address(family, from);
        const std::size_t quote = std::min<std::size_t>(request.size(), 8 + input.byte() % 40);
        whole_quote = quote == request.size();
        const Bytes quoted(request.begin(), request.begin() + static_cast<std::ptrdiff_t>(quote));
        const IpAddress destination = host_address(family, (op & 0x80) ? from % kHosts : host);
        Bytes error;
        if (family == AddressFamily::v4) {
          error = icmp4(cat({Bytes{11, 0, 0, 0, 0, 0, 0, 0},
                             ipv4(quoted.size(), {10, 0, 0, 1}, v4_bytes(destination)), quoted}));
        } else {
          error = cat({Bytes{3, 0, 0, 0, 0, 0, 0, 0},
                       ipv6(quoted.size(), 58, 1, static_cast<std::uint8_t>(destination.bytes[15])), quoted});
        }
        packet = with_ip_header ? cat({ipv4(error.size(), v4_bytes(source), {10, 0, 0, 1}), error}) : error;
        genuine = destination == host_address(family, host);
        break;
      }
      default: {
        source = router_address(family, from);
        const auto raw = input.bytes(input.byte() % 96);
        packet.assign(raw.begin(), raw.end());
        break;
      }
    }
    const Bytes before = packet;
    flip_bytes(packet, input);
    const bool unmodified = packet == before;

    const ParseResult parsed = parse_icmp(family, with_ip_header, packet);
    if (parsed.status != ParseStatus::ok) continue;
    const IcmpMessage& message = parsed.message;
    const bool was_answered = probes.answered[serial];
    const TraceMatch match =
        message.kind == IcmpKind::echo_reply
            ? match_trace_reply(scope, message, source, rx_ns)
            : match_trace_error(scope, message, *message.quoted_destination, source, rx_ns);

    if (match.verdict == TraceVerdict::matched) {
      const std::uint32_t s = match.serial;
      FUZZ_CHECK(s < kSerials && truth.sent[s]);
      FUZZ_CHECK(match.rtt_ns == rx_ns - truth.tx_ns[s]);
      const IpAddress& address = host_address(family, s / kPerHost);
      if (message.kind == IcmpKind::echo_reply) {
        // Reached: only the probe's own reply, from its destination.
        FUZZ_CHECK(match.destination && !match.short_quote);
        FUZZ_CHECK(source == address && match.from == address);
        FUZZ_CHECK(message.identifier == kIdentifier && message.sequence == truth.sequence[s]);
        FUZZ_CHECK(message.payload && message.payload->cookie == truth.payload[s].cookie &&
                   message.payload->send_ns == truth.payload[s].send_ns);
      } else {
        FUZZ_CHECK(!match.destination);
        FUZZ_CHECK(match.from == source);
        FUZZ_CHECK(*message.quoted_destination == address);
        FUZZ_CHECK(message.identifier == kIdentifier && message.sequence == truth.sequence[s]);
        if (match.short_quote) {
          FUZZ_CHECK(!message.payload);
          FUZZ_CHECK(!probes.answered[s]);
          FUZZ_CHECK(match.rtt_ns >= 0 && match.rtt_ns <= kTimeoutNs);
        } else {
          FUZZ_CHECK(message.payload && message.payload->cookie == truth.payload[s].cookie &&
                     message.payload->send_ns == truth.payload[s].send_ns && message.payload->serial == s);
        }
      }
      // The engine's answer(): the first answer within the timeout.
      if (!probes.answered[s] && match.rtt_ns <= kTimeoutNs) {
        probes.answered[s] = true;
        probes.destination[s] = match.destination;
        probes.rtt_ns[s] = match.rtt_ns;
      }
    }

    // A genuine, unmodified answer in time for a probe nothing has answered is always taken.
    const bool timely = rx_ns - truth.tx_ns[serial] <= kTimeoutNs;
    if (genuine && unmodified && truth.sent[serial] && !was_answered && timely && op % 3 != 2 &&
        (op % 3 == 0 || whole_quote)) {
      FUZZ_CHECK(match.verdict == TraceVerdict::matched && match.serial == serial);
      FUZZ_CHECK(probes.answered[serial]);
      FUZZ_CHECK(probes.destination[serial] == (op % 3 == 0));
    }
  }
  return 0;
}
