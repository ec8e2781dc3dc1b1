// Fuzzes the ICMP/ICMPv6 codec (src/probe/icmp_packet.h) with what a socket could hand the engine: every
// parser entry point gets the same bytes, as each family and socket kind would read them, and the results
// are checked for what the engine relies on when it matches replies (engine_receive.cpp).
//
// Reply matching itself (src/probe/reply_matching.h) has a target of its own: reply_matching_fuzz.cpp.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "fuzz_check.h"
#include "probe/icmp_packet.h"

namespace {

using semaphore::AddressFamily;
using namespace semaphore::probe;

// What the matching code dereferences without asking: an error's quoted destination, of the socket's family.
void check_result(AddressFamily family, const ParseResult& result) {
  if (result.status != ParseStatus::ok) return;
  const IcmpMessage& message = result.message;
  if (message.kind == IcmpKind::echo_reply) {
    FUZZ_CHECK(!message.quoted_destination);
  } else {
    FUZZ_CHECK(message.quoted_destination);
    FUZZ_CHECK(message.quoted_destination->family == family);
  }
}

void parse_as_every_socket(std::span<const std::uint8_t> data) {
  check_result(AddressFamily::v4, parse_icmp(AddressFamily::v4, true, data));   // raw IPv4
  check_result(AddressFamily::v4, parse_icmp(AddressFamily::v4, false, data));  // IPv4 ping socket
  check_result(AddressFamily::v6, parse_icmp(AddressFamily::v6, false, data));  // ICMPv6, either kind
  check_result(AddressFamily::v6, parse_icmp(AddressFamily::v6, true, data));   // never used; must not crash

  // A whole IPv6 packet (the reply ring's): the message found must lie inside it and parse like a socket's.
  const Icmpv6Found found = find_icmpv6_message(data);
  if (found.status == ParseStatus::ok) {
    // As offsets: a comparison of raw pointers would fill libFuzzer's dictionary with stack addresses.
    const auto offset = static_cast<std::size_t>(found.message.data() - data.data());
    FUZZ_CHECK(offset <= data.size() && found.message.size() <= data.size() - offset);
    check_result(AddressFamily::v6, parse_icmp(AddressFamily::v6, false, found.message));
  } else {
    FUZZ_CHECK(found.message.empty());
  }

  for (const AddressFamily family : {AddressFamily::v4, AddressFamily::v6}) {
    (void)parse_own_request(family, data);  // a ping socket's error queue
    // A looped-back request is used only with its payload (handle_packet reads request->payload->cookie).
    if (const auto looped = parse_looped_request(family, data)) FUZZ_CHECK(looped->payload);
  }
}

// The encoder's output must read back as what was encoded, from fuzzed fields.
void round_trip(std::span<const std::uint8_t> data) {
  if (data.size() < 4 + sizeof(std::uint64_t) + sizeof(std::int64_t) + sizeof(std::uint32_t)) return;
  const std::uint16_t identifier = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  const std::uint16_t sequence = static_cast<std::uint16_t>(data[2] << 8 | data[3]);
  EchoPayload payload;
  std::memcpy(&payload.cookie, data.data() + 4, 8);
  std::memcpy(&payload.send_ns, data.data() + 12, 8);
  std::memcpy(&payload.serial, data.data() + 20, 4);
  for (const AddressFamily family : {AddressFamily::v4, AddressFamily::v6}) {
    std::uint8_t packet[kEchoRequestSize];
    FUZZ_CHECK(encode_echo_request(family, identifier, sequence, payload, packet) == kEchoRequestSize);
    if (family == AddressFamily::v4) FUZZ_CHECK(internet_checksum(packet) == 0);
    const auto request = parse_own_request(family, packet);
    FUZZ_CHECK(request && request->payload);
    FUZZ_CHECK(request->identifier == identifier && request->sequence == sequence);
    FUZZ_CHECK(request->payload->cookie == payload.cookie && request->payload->send_ns == payload.send_ns &&
               request->payload->serial == payload.serial);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  parse_as_every_socket(bytes);
  round_trip(bytes);
  return 0;
}
