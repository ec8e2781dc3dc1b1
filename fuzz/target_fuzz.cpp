// Fuzzes the target parser (parse_target in src/core/target.h), the strict address parser under it
// (IpAddress::parse) and the address policy (check_target_address) on what they yield. Targets come from
// web forms, import files and the command line, are stored as typed-and-normalized text and are parsed
// again by the engine on every run, so beyond not crashing the checks are: a target is normalized (only the
// characters of its kind, idempotent), an address target is an address, and the public policy refuses
// everything the private one refuses.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/ip_address.h"
#include "core/target.h"
#include "fuzz_check.h"

namespace {

using namespace semaphore;

bool refused(const IpAddress& address, TargetPolicy policy) {
  const Status status = check_target_address(address, policy);
  if (!status) FUZZ_CHECK(!status.error().message.empty());
  return !status;
}

void check_policies(const IpAddress& address) {
  const bool by_private = refused(address, TargetPolicy::allow_private);
  const bool by_public = refused(address, TargetPolicy::public_only);
  FUZZ_CHECK(!by_private || by_public);
}

bool only_chars(std::string_view text, std::string_view allowed) {
  return std::all_of(text.begin(), text.end(),
                     [&](char c) { return allowed.find(c) != std::string_view::npos; });
}

void check_address_text(std::string_view text) {
  const auto address = IpAddress::parse(text);
  if (!address) return;
  // Printed canonically, it parses back to the same address.
  const std::string printed = address->to_string();
  const auto again = IpAddress::parse(printed);
  FUZZ_CHECK(again && *again == *address);
  check_policies(*address);
}

void check_target(std::string_view input) {
  const auto target = parse_target(input);
  if (!target) {
    FUZZ_CHECK(!target.error().message.empty());
    return;
  }
  const std::string& text = target->text;
  FUZZ_CHECK(!text.empty());
  // A NUL byte is part of no hostname or address: a target holding one was cut at it somewhere (a C string)
  // and the rest of the input ignored.
  FUZZ_CHECK(input.find('\0') == std::string_view::npos);
  switch (target->kind) {
    case TargetKind::hostname:
      FUZZ_CHECK(text.size() <= 253);
      FUZZ_CHECK(only_chars(text, "abcdefghijklmnopqrstuvwxyz0123456789.-"));
      FUZZ_CHECK(!IpAddress::parse(text));
      break;
    case TargetKind::ipv4:
    case TargetKind::ipv6: {
      const bool v4 = target->kind == TargetKind::ipv4;
      FUZZ_CHECK(only_chars(text, v4 ? "0123456789." : "0123456789abcdef:."));
      const auto address = IpAddress::parse(text);
      FUZZ_CHECK(address);
      FUZZ_CHECK(address->family == (v4 ? AddressFamily::v4 : AddressFamily::v6));
      FUZZ_CHECK(address->to_string() == text);  // canonical, as the engine and the pages print it
      check_policies(*address);
      break;
    }
  }
  // Normalized: parsing the stored text again gives it back unchanged.
  const auto again = parse_target(text);
  FUZZ_CHECK(again && again->text == text && again->kind == target->kind);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_target(text);
  check_address_text(text);
  // The same bytes as an address (a DNS answer can be any address): the first byte picks the family.
  if (size >= 17) {
    IpAddress address;
    address.family = (data[0] & 1) != 0 ? AddressFamily::v6 : AddressFamily::v4;
    std::memcpy(address.bytes.data(), data + 1, address.family == AddressFamily::v6 ? 16 : 4);
    check_policies(address);
  }
  return 0;
}
