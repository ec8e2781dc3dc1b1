// Fuzzes reply matching (src/probe/reply_matching.h): a made-up run of 4 hosts x 3 probes (one host
// unresolved, so never sent to) is answered by what the input describes — genuine echo replies and ICMP
// errors for its probes, each with bytes flipped, sent from the right host or another, early or late, and
// raw bytes — each parsed as the engine parses a socket's packet and handed to the matcher. After every
// packet the run is checked against the truth the harness keeps on its own (each probe's sequence number,
// payload, address and send time), not against the matcher's tables:
//  - a probe gets an RTT only from a reply whose parsed identifier, sequence, payload and source are the
//    probe's own, within the timeout, and the RTT is the one that reply carries;
//  - a genuine reply, unmodified and on time, for a probe not yet answered by a reply, is always taken
//    (an ICMP error before it does not stop it);
//  - a probe is marked failed by an ICMP error only when the error's quote is the probe's own request to its
//    address, and only while nothing has answered it;
//  - the books balance: received = probes with an RTT, outstanding = probes sent - received.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "packet_builders.h"
#include "probe/reply_matching.h"

namespace {

using semaphore::AddressFamily;
using semaphore::IpAddress;
using namespace semaphore::probe;
using namespace semaphore::fuzzing;

constexpr std::uint32_t kHosts = 4, kProbes = 3, kSerials = kHosts * kProbes;
constexpr std::uint32_t kUnresolvedHost = 3;
constexpr std::uint16_t kIdentifier = 0x5e4a;
constexpr std::int64_t kStartNs = 1'800'000'000'000'000'000, kTimeoutNs = 1'000'000'000;

// The truth about the run, kept apart from what the matcher reads.
struct Truth {
  AddressFamily family = AddressFamily::v4;
  std::uint16_t sequence[kSerials] = {};
  EchoPayload payload[kSerials] = {};
  std::int64_t tx_ns[kSerials] = {};
  bool sent[kSerials] = {};
};

bool is_probe_of(const Truth& truth, std::uint32_t serial, const IcmpMessage& message) {
  const EchoPayload& want = truth.payload[serial];
  return message.identifier == kIdentifier && message.sequence == truth.sequence[serial] && message.payload &&
         message.payload->cookie == want.cookie && message.payload->send_ns == want.send_ns &&
         message.payload->serial == want.serial;
}

std::optional<std::uint32_t> serial_claimed(const IcmpMessage& message) {
  if (!message.payload || message.payload->serial >= kSerials) return std::nullopt;
  return message.payload->serial;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input input{{data, size}};
  const std::uint8_t flags = input.byte();
  Truth truth;
  truth.family = flags & 1 ? AddressFamily::v6 : AddressFamily::v4;
  const bool with_ip_header = truth.family == AddressFamily::v4 && (flags & 2);  // a raw IPv4 socket

  static const ProbeCookies cookies(
      std::array<std::uint8_t, 16>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  static SequenceMap sequences(2 * kTimeoutNs);
  sequences.reset(2 * kTimeoutNs);
  HostTable table;
  table.reset(kHosts, kProbes);
  EngineCounters counters;
  std::uint64_t outstanding = 0;
  for (std::uint32_t host = 0; host < kHosts; ++host) {
    if (host == kUnresolvedHost) continue;
    table.states[host].has_address = true;
    table.addresses[host] = host_address(truth.family, host);
    for (std::uint32_t k = 0; k < kProbes; ++k) {
      const std::uint32_t serial = host * kProbes + k;
      const std::int64_t sent_ns = kStartNs + serial * 1'000'000;
      const auto sequence = sequences.acquire(serial, sent_ns);
      FUZZ_CHECK(sequence);
      sequences.record_send(*sequence, serial, sent_ns + 20'000, 0);
      truth.sequence[serial] = *sequence;
      truth.payload[serial] = EchoPayload{cookies.of(serial), sent_ns, serial};
      truth.tx_ns[serial] = sent_ns + 20'000;
      truth.sent[serial] = true;
      table.rtts_us[serial] = kPending;
      ++outstanding;
    }
  }
  const std::uint64_t sent_total = outstanding;
  const MatchScope scope{truth.family, kIdentifier, kProbes,   kTimeoutNs,  &cookies,
                         &sequences,   &table,      &counters, &outstanding};

  while (input.more()) {
    const std::uint8_t op = input.byte();
    const std::uint32_t serial = input.byte() % kSerials;
    const std::uint32_t from_host = input.byte() % (kHosts + 1);  // kHosts: an address no host has
    const IpAddress source = host_address(truth.family, from_host);
    const std::int64_t rx_ns = truth.tx_ns[serial] + static_cast<std::int64_t>(input.byte()) * 8'000'000;

    Bytes request(kEchoRequestSize);
    encode_echo_request(truth.family, kIdentifier, truth.sequence[serial], truth.payload[serial], request);
    Bytes packet;
    bool genuine = false;  // what the harness built, before flips: a reply or error for `serial`
    switch (op % 3) {
      case 0: {  // an echo reply to the probe
        Bytes reply = request;
        reply[0] = truth.family == AddressFamily::v4 ? 0 : 129;
        if (truth.family == AddressFamily::v4) reply = icmp4(reply);
        packet = with_ip_header ? cat({ipv4(reply.size(), v4_bytes(source), {10, 0, 0, 1}), reply}) : reply;
        genuine = true;
        break;
      }
      case 1: {  // an ICMP error quoting the probe's request (all of it, or its first `quote` bytes)
        const std::size_t quote = std::min<std::size_t>(request.size(), 8 + input.byte() % 40);
        const Bytes quoted(request.begin(), request.begin() + static_cast<std::ptrdiff_t>(quote));
        const IpAddress destination = host_address(truth.family, serial / kProbes);
        Bytes error;
        if (truth.family == AddressFamily::v4) {
          error = icmp4(cat({Bytes{3, 1, 0, 0, 0, 0, 0, 0},
                             ipv4(quoted.size(), {10, 0, 0, 1}, v4_bytes(destination)), quoted}));
        } else {
          error = cat({Bytes{1, 3, 0, 0, 0, 0, 0, 0},
                       ipv6(quoted.size(), 58, 1, static_cast<std::uint8_t>(serial / kProbes + 1)), quoted});
        }
        packet = with_ip_header ? cat({ipv4(error.size(), v4_bytes(source), {10, 0, 0, 1}), error}) : error;
        genuine = quote == request.size();
        break;
      }
      default: {  // raw bytes
        const auto raw = input.bytes(input.byte() % 96);
        packet.assign(raw.begin(), raw.end());
        break;
      }
    }
    const Bytes before = packet;
    flip_bytes(packet, input);
    const bool unmodified = packet == before;

    const std::vector<std::uint32_t> slots_before = table.rtts_us;
    const std::uint32_t slot_before = slots_before[serial];
    const ParseResult parsed = parse_icmp(truth.family, with_ip_header, packet);
    if (parsed.status != ParseStatus::ok) {
      FUZZ_CHECK(table.rtts_us == slots_before);
      continue;
    }
    const IcmpMessage& message = parsed.message;
    Incoming incoming;
    incoming.data = packet;
    incoming.source = source;
    incoming.rx_ns = rx_ns;
    if (message.kind == IcmpKind::echo_reply) {
      match_reply(scope, message, incoming);
    } else {
      match_error(scope, message, *message.quoted_destination, source);
    }

    // Only the probe the message claims may change, and only as the truth allows.
    const auto claimed = serial_claimed(message);
    for (std::uint32_t s = 0; s < kSerials; ++s) {
      if (table.rtts_us[s] == slots_before[s]) continue;
      FUZZ_CHECK(claimed && *claimed == s);
      FUZZ_CHECK(truth.sent[s]);
      FUZZ_CHECK(is_probe_of(truth, s, message));
      const IpAddress& address = host_address(truth.family, s / kProbes);
      if (message.kind == IcmpKind::echo_reply) {
        FUZZ_CHECK(source == address);
        FUZZ_CHECK(slots_before[s] == kPending || slots_before[s] == kIcmpError);
        FUZZ_CHECK(rx_ns - truth.tx_ns[s] <= kTimeoutNs);
        FUZZ_CHECK(table.rtts_us[s] == static_cast<std::uint32_t>((rx_ns - truth.tx_ns[s] + 500) / 1000));
      } else {
        FUZZ_CHECK(*message.quoted_destination == address);
        FUZZ_CHECK(slots_before[s] == kPending);
        FUZZ_CHECK(table.rtts_us[s] == kIcmpError);
      }
    }
    // A genuine, unmodified, timely reply from the host is always taken if nothing but an error came first.
    if (op % 3 == 0 && genuine && unmodified && truth.sent[serial] && from_host == serial / kProbes &&
        rx_ns - truth.tx_ns[serial] <= kTimeoutNs && (slot_before == kPending || slot_before == kIcmpError)) {
      FUZZ_CHECK(table.rtts_us[serial] < kIcmpError);
    }
    // A genuine, unmodified error quoting the whole request marks a probe nothing has answered.
    if (op % 3 == 1 && genuine && unmodified && truth.sent[serial] && slot_before == kPending) {
      FUZZ_CHECK(table.rtts_us[serial] == kIcmpError);
    }

    std::uint64_t with_rtt = 0;
    for (std::uint32_t s = 0; s < kSerials; ++s) with_rtt += table.rtts_us[s] < kIcmpError ? 1 : 0;
    FUZZ_CHECK(counters.received == with_rtt);
    FUZZ_CHECK(outstanding == sent_total - with_rtt);
    for (std::uint32_t s = 0; s < kSerials; ++s) {
      if (!truth.sent[s]) FUZZ_CHECK(table.rtts_us[s] == kUnsent);
    }
  }
  return 0;
}
