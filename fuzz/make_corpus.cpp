// Writes the seed corpora in fuzz/corpus/ (fuzz/README.md): real packets built with the project's own
// encoder, spool files written by the real Spool writer, and targets of every kind. Run by hand after a
// format changes, from the repository's root: build-fuzz/fuzz/make_fuzz_corpus fuzz/corpus
// (scripts/fuzz does not run it: the corpus is in the repository, and the fuzzers add to copies of it).
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "monitor/spool.h"
#include "packet_builders.h"
#include "probe/icmp_packet.h"

namespace {

namespace fs = std::filesystem;
using semaphore::AddressFamily;
using namespace semaphore::probe;
using namespace semaphore::fuzzing;

fs::path g_root;

void write(const std::string& target, const std::string& name, const Bytes& bytes) {
  const fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_text(const std::string& target, const std::string& name, const std::string& text) {
  write(target, name, Bytes(text.begin(), text.end()));
}

const EchoPayload kPayload{0x1122334455667788ull, 1'700'000'000'123'456'789, 4242};

Bytes request(AddressFamily family, std::uint16_t id = 0xbeef, std::uint16_t seq = 7) {
  Bytes out(kEchoRequestSize);
  encode_echo_request(family, id, seq, kPayload, out);
  return out;
}

// A whole IPv6 packet carrying `message` (ICMPv6) after `extensions`, with the ICMPv6 checksum computed
// over the pseudo-header as find_icmpv6_message checks it.
Bytes ipv6_packet(Bytes message, const Bytes& extensions = {}, std::uint8_t first_next = 58) {
  put16(message, 2, 0);
  std::uint32_t sum = 0;
  const Bytes header = ipv6(extensions.size() + message.size(), first_next, 1, 2);
  for (std::size_t i = 8; i < kIpv6HeaderSize; i += 2)
    sum += static_cast<std::uint32_t>(header[i] << 8 | header[i + 1]);
  sum += static_cast<std::uint32_t>(message.size()) + 58;
  put16(message, 2, internet_checksum(message, sum));
  return cat({header, extensions, message});
}

Bytes with_type(Bytes message, std::uint8_t type, std::uint8_t code = 0) {
  message[0] = type;
  message[1] = code;
  return message;
}

void icmp_seeds() {
  const Bytes req4 = request(AddressFamily::v4), req6 = request(AddressFamily::v6);
  const Bytes reply4 = icmp4(with_type(req4, 0));
  write("icmp_packet", "v4_echo_reply_with_ip_header",
        cat({ipv4(reply4.size(), {192, 0, 2, 1}, {10, 0, 0, 1}), reply4}));
  write("icmp_packet", "v4_echo_reply_ping_socket", reply4);
  write("icmp_packet", "v4_echo_reply_ip_options",
        cat({ipv4(reply4.size(), {192, 0, 2, 1}, {10, 0, 0, 1}, 8), reply4}));
  const Bytes quoted4 = cat({ipv4(req4.size(), {10, 0, 0, 1}, {192, 0, 2, 1}), req4});
  const Bytes unreachable4 = icmp4(cat({Bytes{3, 1, 0, 0, 0, 0, 0, 0}, quoted4}));
  write("icmp_packet", "v4_unreachable",
        cat({ipv4(unreachable4.size(), {198, 51, 100, 1}, {10, 0, 0, 1}), unreachable4}));
  // An old router quotes the IP header and the first 8 bytes only: no payload to verify.
  const Bytes short_quote =
      icmp4(cat({Bytes{11, 0, 0, 0, 0, 0, 0, 0}, Bytes(quoted4.begin(), quoted4.begin() + 28)}));
  write("icmp_packet", "v4_time_exceeded_short_quote",
        cat({ipv4(short_quote.size(), {198, 51, 100, 1}, {10, 0, 0, 1}), short_quote}));
  write("icmp_packet", "v4_own_request", req4);

  const Bytes reply6 = with_type(req6, 129);
  write("icmp_packet", "v6_echo_reply", reply6);
  const Bytes quoted6 = cat({ipv6(req6.size(), 58, 2, 1), req6});
  write("icmp_packet", "v6_unreachable", cat({Bytes{1, 3, 0, 0, 0, 0, 0, 0}, quoted6}));
  write("icmp_packet", "v6_time_exceeded", cat({Bytes{3, 0, 0, 0, 0, 0, 0, 0}, quoted6}));
  write("icmp_packet", "v6_whole_packet_echo_reply", ipv6_packet(reply6));
  // Hop-by-hop options (next header 0) with one PadN option, 8 bytes, then the ICMPv6 message.
  write("icmp_packet", "v6_whole_packet_hop_by_hop", ipv6_packet(reply6, Bytes{58, 0, 1, 4, 0, 0, 0, 0}, 0));
  write("icmp_packet", "v6_own_request", req6);
  // Looped back with a transmit stamp: an Ethernet header first (14 bytes), then the IP packet.
  const Bytes ethernet{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00};
  write("icmp_packet", "v4_looped_request_ethernet",
        cat({ethernet, ipv4(req4.size(), {10, 0, 0, 1}, {192, 0, 2, 1}), req4}));
  write("icmp_packet", "v6_looped_request_tun", cat({ipv6(req6.size(), 58, 1, 2), req6}));
}

// reply_ring_fuzz: a control byte (bit 0: IPv6; bits 1-3: packet type, 0 = to this host), 12 bytes of
// receive time, the packet from its IP header.
Bytes frame(bool v6, const Bytes& packet, std::uint8_t packet_type = 0) {
  Bytes out{static_cast<std::uint8_t>((v6 ? 1 : 0) | packet_type << 1),
            0x65,
            0x4f,
            0x2b,
            0x1d,
            0x15,
            0xcd,
            0x5b,
            0x07,
            0,
            0,
            0,
            0};
  out.insert(out.end(), packet.begin(), packet.end());
  return out;
}

void ring_seeds() {
  const Bytes reply4 = icmp4(with_type(request(AddressFamily::v4), 0));
  const Bytes packet4 = cat({ipv4(reply4.size(), {192, 0, 2, 1}, {10, 0, 0, 1}), reply4});
  write("reply_ring", "v4_echo_reply", frame(false, packet4));
  write("reply_ring", "v4_other_host", frame(false, packet4, 3));
  write("reply_ring", "v4_short", frame(false, Bytes(packet4.begin(), packet4.begin() + 24)));
  const Bytes reply6 = with_type(request(AddressFamily::v6), 129);
  write("reply_ring", "v6_echo_reply", frame(true, ipv6_packet(reply6)));
  write("reply_ring", "v6_hop_by_hop", frame(true, ipv6_packet(reply6, Bytes{58, 0, 1, 4, 0, 0, 0, 0}, 0)));
  Bytes bad_sum = ipv6_packet(reply6);
  bad_sum.back() ^= 1;
  write("reply_ring", "v6_bad_checksum", frame(true, bad_sum));
}

void target_seeds() {
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"hostname", "example.com"},
      {"hostname_fqdn_upper", "  WWW.Example.COM. "},
      {"hostname_single_label", "router1"},
      {"hostname_idn",
       "b\xc3\xbc"
       "cher.example"},
      {"hostname_alabel", "xn--bcher-kva.example"},
      {"hostname_bad_hyphen", "-bad-.example"},
      {"hostname_numeric_tld", "host.123"},
      {"ipv4", "192.0.2.1"},
      {"ipv4_private", "10.1.2.3"},
      {"ipv4_metadata", "169.254.169.254"},
      {"ipv4_leading_zero", "010.1.1.1"},
      {"ipv6", "2001:db8::1"},
      {"ipv6_upper", "2001:DB8:0:0::A"},
      {"ipv6_mapped", "::ffff:10.1.2.3"},
      {"ipv6_nat64", "64:ff9b::a9fe:a9fe"},
      {"ipv6_6to4", "2002:c000:0201::1"},
      {"ipv6_compat", "::192.0.2.1"},
      {"ipv6_zone", "fe80::1%eth0"},
      {"ipv6_brackets", "[::1]"},
      {"address_bytes_v6",
       std::string("\x01\xfd\x00\x0e\xc2\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x54", 17)},
  };
  for (const auto& [name, text] : seeds) write_text("target", name, text);
}

// spool_fuzz: a control byte (bit 0: fix checksums; bits 1-3: which bit the damage test flips), two
// position bytes, the file.
void spool_seeds() {
  using semaphore::store::PingResult;
  const fs::path dir = fs::temp_directory_path() / ("semaphore-corpus-" + std::to_string(::getpid()));
  std::vector<PingResult> answered(3), lost(2);
  for (std::size_t i = 0; i < answered.size(); ++i) {
    PingResult& row = answered[i];
    row.host_id = static_cast<std::int64_t>(i + 1);
    row.ts = 1'700'000'000'000;
    row.sent = 5;
    row.received = 5 - static_cast<int>(i);
    row.min_ms = 0.25 + static_cast<double>(i);
    row.avg_ms = 1.0 / 3.0;
    row.max_ms = 12345.678901234;
    row.median_ms = 2e-9;
    row.stddev_ms = 0;
  }
  lost[0].host_id = 42, lost[0].ts = 1'700'000'060'000, lost[0].sent = 5, lost[0].error = "timeout";
  lost[1].host_id = 43, lost[1].ts = 1'700'000'060'000, lost[1].sent = 3;
  lost[1].error = "destination unreachable (type 3 code 1) from 198.51.100.1, 100% odd\n-";
  {
    semaphore::monitor::Spool spool(dir.string(), "results", 1 << 20);
    if (!spool.append(answered) || !spool.append(lost)) {
      std::fprintf(stderr, "make_corpus: cannot write a spool in %s\n", dir.c_str());
      std::exit(1);
    }
  }
  std::string text;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  fs::remove_all(dir);
  const auto seed = [](std::uint8_t control, std::uint16_t where, const std::string& file) {
    Bytes out{control, static_cast<std::uint8_t>(where >> 8), static_cast<std::uint8_t>(where & 0xff)};
    out.insert(out.end(), file.begin(), file.end());
    return out;
  };
  write("spool", "two_batches", seed(0, 150, text));
  write("spool", "two_batches_fixed_checksums", seed(1, 40, text));
  write("spool", "torn_tail", seed(0, 7, text.substr(0, text.size() - 30)));
  const std::string one = semaphore::monitor::Spool::encode(std::span(lost.data(), 1));
  write("spool", "one_row_flip", seed(2 << 1, 20, one));
  write("spool", "empty_batch", seed(1, 0, "batch 0 0\n"));
  write("spool", "not_a_spool_file", seed(0, 0, "not a spool file\n"));
}

}  // namespace

// Reply matching: the input is a flags byte (bit 0: IPv6, bit 1: a raw IPv4 socket's packets, with the IP
// header), then operations of five bytes or more: kind (0 reply, 1 ICMP error, 2 raw bytes), probe serial,
// the sending host (4: none of the run's), the delay in 8 ms steps, the error's quote length (errors
// only), then the number of byte flips and a position and mask for each (reply_matching_fuzz.cpp).
void reply_matching_seeds() {
  // Each probe answered once, on time, from its host; then a duplicate and a late one.
  Bytes replies{0};
  for (std::uint8_t serial = 0; serial < 9; ++serial) {
    replies.insert(replies.end(), {0, serial, static_cast<std::uint8_t>(serial / 3), 2, 0});
  }
  replies.insert(replies.end(), {0, 0, 0, 3, 0, 0, 4, 1, 200, 0});
  write("reply_matching", "v4_replies", replies);
  Bytes v6 = replies;
  v6[0] = 1;
  write("reply_matching", "v6_replies", v6);
  Bytes raw = replies;
  raw[0] = 2;
  write("reply_matching", "v4_raw_socket_replies", raw);
  // An error, then the reply that still counts; a short quote that must not count; a reply from the wrong
  // host; a reply with a flipped byte.
  const Bytes mixed{1, 4, 1, 0, 30, 0,        // a full-quote error for probe 4
                    0, 4, 1, 3, 0,            // then its reply
                    1, 5, 1, 0, 0,  0,        // an error quoting 8 bytes for probe 5
                    0, 7, 1, 2, 0,            // probe 7's reply from host 1 (it is host 2's)
                    0, 2, 0, 2, 1,  12, 255,  // probe 2's reply with a byte flipped
                    0, 0, 0, 2, 0,            // probe 0's reply
                    1, 0, 0, 0, 30, 0};       // then an error for it, which must change nothing
  write("reply_matching", "v4_errors_and_forgeries", cat({Bytes{0}, mixed}));
  write("reply_matching", "v6_errors_and_forgeries", cat({Bytes{1}, mixed}));
  write("reply_matching", "v4_raw_socket_errors_and_forgeries", cat({Bytes{2}, mixed}));
}

// Trace matching: a flags byte as above, then operations: kind (0 the destination's echo reply, 1 a time
// exceeded from a router, bit 7 set: quoting another host's address; 2 raw bytes), probe serial (4 hosts x
// 6: host 2 unresolved), the sender (replies: a host, 4 the probe's own; errors: the router's number), the
// delay in 8 ms steps, the quote length (errors: 8 + n % 40 bytes), the flips (trace_matching_fuzz.cpp).
void trace_matching_seeds() {
  Bytes hops{0};
  for (std::uint8_t serial = 0; serial < 24; ++serial) {
    if (serial / 6 == 2) continue;
    hops.insert(hops.end(), {1, serial, static_cast<std::uint8_t>(10 + serial), 1, 32, 0});
  }
  for (std::uint8_t serial : {0, 3, 6, 9, 20, 23}) hops.insert(hops.end(), {0, serial, 4, 2, 0});
  hops.insert(hops.end(), {0, 0, 4, 3, 0, 0, 1, 4, 200, 0});  // a duplicate reply, a late one
  write("trace_matching", "v4_hops_and_replies", hops);
  hops[0] = 1;
  write("trace_matching", "v6_hops_and_replies", hops);
  hops[0] = 2;
  write("trace_matching", "v4_raw_socket_hops_and_replies", hops);
  const Bytes mixed{1,    7,  20, 0,   0,  0,        // a short quote for probe 7: matched weakly
                    1,    7,  21, 1,   32, 0,        // then its whole quote: answered already
                    0x81, 8,  1,  1,   32, 0,        // an error naming another destination
                    0,    9,  0,  2,   0,            // probe 9's reply from host 0 (it is host 1's)
                    0,    10, 4,  2,   1,  12, 255,  // probe 10's reply with a byte flipped
                    1,    11, 22, 130, 0,  0,        // a short quote past the timeout
                    0,    13, 4,  2,   0};           // the destination's reply
  write("trace_matching", "v4_short_quotes_and_forgeries", cat({Bytes{0}, mixed}));
  write("trace_matching", "v6_short_quotes_and_forgeries", cat({Bytes{1}, mixed}));
  write("trace_matching", "v4_raw_socket_short_quotes_and_forgeries", cat({Bytes{2}, mixed}));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  icmp_seeds();
  reply_matching_seeds();
  trace_matching_seeds();
  ring_seeds();
  target_seeds();
  spool_seeds();
  return 0;
}
