#include "cli/ping_output.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "cli/ping_output_text.h"

namespace semaphore::cli {
namespace {

// fping's times: "%.3e" of a huge value or "-nan" at worst, and write_fixed's room for the rest.
constexpr std::size_t kFpingTimeRoom = kFixedRoom;

// Which bytes JSON wants escaped: '"', '\\' and the control characters.
constexpr auto kJsonEscaped = [] {
  std::array<bool, 256> escaped{};
  for (int c = 0; c < 0x20; ++c) escaped[static_cast<std::size_t>(c)] = true;
  escaped['"'] = escaped['\\'] = true;
  return escaped;
}();

void append_json_escape(OutputBuffer& out, char c) {
  if (c == '"' || c == '\\') {
    out.append('\\');
    out.append(c);
  } else {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
    out.append(escaped);
  }
}

void append_json_string(OutputBuffer& out, std::string_view text) {
  out.append('"');
  // Names and messages almost never hold a character to escape: copy the runs between them whole.
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!kJsonEscaped[static_cast<unsigned char>(text[i])]) continue;
    out.append(text.substr(run, i - run));
    append_json_escape(out, text[i]);
    run = i + 1;
  }
  out.append(text.substr(run));
  out.append('"');
}

void append_json_number(OutputBuffer& out, double value) {
  if (std::isfinite(value)) {
    out.append_fixed<6>(value);
  } else {
    out.append("null");
  }
}

// IpAddress::to_string()'s text (inet_ntop's) without a std::string; IPv4, the usual case, by hand.
class AddressText {
 public:
  explicit AddressText(const IpAddress& address) {
    if (address.family == AddressFamily::v6) {
      inet_ntop(AF_INET6, address.bytes.data(), text_, sizeof text_);
      size_ = std::strlen(text_);
      return;
    }
    char* end = text_;
    for (int i = 0; i < 4; ++i) {
      if (i > 0) *end++ = '.';
      end = write_byte(end, address.bytes[static_cast<std::size_t>(i)]);
    }
    size_ = static_cast<std::size_t>(end - text_);
  }
  std::string_view view() const { return {text_, size_}; }

 private:
  char text_[INET6_ADDRSTRLEN];
  std::size_t size_ = 0;
};

// fping's sprint_tm into [first, last), which must hold kFpingTimeRoom bytes; returns the end.
char* write_fping_time(char* first, char* last, double ms) {
  if (ms < 0.0) return std::to_chars(first, last, ms, std::chars_format::general, 2).ptr;
  if (ms < 1.0) return write_fixed<3>(first, last, ms);
  if (ms < 10.0) return write_fixed<2>(first, last, ms);
  if (ms < 100.0) return write_fixed<1>(first, last, ms);
  if (ms < 1000000.0) return write_fixed<0>(first, last, ms);
  return std::to_chars(first, last, ms, std::chars_format::scientific, 3).ptr;
}

void append_fping_time(OutputBuffer& out, double ms) {
  char* start = out.room(kFpingTimeRoom);
  out.commit(write_fping_time(start, start + kFpingTimeRoom, ms));
}

bool resolved(const probe::HostResult& r) {
  return r.error != probe::HostError::unresolvable;
}

// Calls f(result) for every host in order, with one HostResult reused for all of them, and returns the tally.
template <class F>
HostTally for_each_host(const probe::CompactResults& results, F&& f) {
  HostTally tally;
  probe::HostResult r;
  for (std::size_t i = 0; i < results.size(); ++i) {
    results.get(i, r);
    tally.note(r);
    f(r);
  }
  return tally;
}

// The longest name among the hosts that resolved. A host's result is fetched only when its name is longer
// than the longest so far, so this costs about one pass over the names rather than one over the results.
std::size_t resolved_name_width(const probe::HostList& hosts, const probe::CompactResults& results) {
  std::size_t width = 0;
  probe::HostResult r;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (hosts.name(i).size() <= width) continue;
    results.get(i, r);
    if (resolved(r)) width = r.host.size();
  }
  return width;
}

void append_padded(OutputBuffer& out, std::string_view name, std::size_t width) {
  out.append(name);
  if (name.size() < width) out.append_spaces(width - name.size());
}

void append_native_line(OutputBuffer& out, const probe::HostResult& r, bool all_rtts,
                        std::vector<double>& replies) {
  out.append(r.host);
  if (r.address) {
    const AddressText address(*r.address);
    if (address.view() != r.host) {
      out.append(" (");
      out.append(address.view());
      out.append(')');
    }
  }
  out.append(" : ");
  if (r.sent > 0) {
    out.append_integer(r.received);
    out.append('/');
    out.append_integer(r.sent);
    out.append(" received, ");
    out.append_fixed<0>(100.0 * (r.sent - r.received) / r.sent);
    out.append("% loss");
    if (const auto s = summarize_rtts(r.rtts_ms, replies)) {
      out.append(", rtt min/avg/max/median/stddev = ");
      for (const double ms : {s->min_ms, s->avg_ms, s->max_ms, s->median_ms}) {
        out.append_fixed<3>(ms);
        out.append('/');
      }
      out.append_fixed<3>(s->stddev_ms);
      out.append(" ms");
    }
    if (r.refused > 0) {  // TCP: RSTs, the port closed (the host up)
      out.append(", ");
      out.append_integer(r.refused);
      out.append(" refused");
    }
    if (r.duplicates > 0) {
      out.append(", ");
      out.append_integer(r.duplicates);
      out.append(" duplicates");
    }
    if (r.late > 0) {
      out.append(", ");
      out.append_integer(r.late);
      out.append(" late");
    }
  }
  if (r.error != probe::HostError::none) {
    if (r.sent > 0) out.append(", ");
    out.append(probe::to_string(r.error));
    if (!r.error_detail.empty()) {
      out.append(" (");
      out.append(r.error_detail);
      out.append(')');
    }
  }
  if (all_rtts && !r.rtts_ms.empty()) {
    out.append(" [");
    for (std::size_t i = 0; i < r.rtts_ms.size(); ++i) {
      if (i > 0) out.append(' ');
      if (is_reply(r.rtts_ms[i])) {
        out.append_fixed<3>(r.rtts_ms[i]);
        if (i < r.refused_probes.size() && r.refused_probes[i]) out.append('r');
      } else {
        out.append('-');
      }
    }
    out.append(']');
  }
  out.append('\n');
}

void append_json_host(OutputBuffer& out, const probe::HostResult& r, std::vector<double>& replies, bool tcp) {
  out.append("{\"host\":");
  append_json_string(out, r.host);
  out.append(",\"address\":");
  if (r.address) {
    out.append('"');
    out.append(AddressText(*r.address).view());  // digits, dots, colons and hex: nothing to escape
    out.append('"');
  } else {
    out.append("null");
  }
  out.append(",\"error\":");
  if (r.error == probe::HostError::none) {
    out.append("null");
  } else {
    append_json_string(out, probe::to_string(r.error));
  }
  out.append(",\"error_detail\":");
  append_json_string(out, r.error_detail);
  out.append(",\"sent\":");
  out.append_integer(r.sent);
  out.append(",\"received\":");
  out.append_integer(r.received);
  const auto s = summarize_rtts(r.rtts_ms, replies);
  const double nan = std::nan("");
  out.append(",\"min_ms\":");
  append_json_number(out, s ? s->min_ms : nan);
  out.append(",\"avg_ms\":");
  append_json_number(out, s ? s->avg_ms : nan);
  out.append(",\"max_ms\":");
  append_json_number(out, s ? s->max_ms : nan);
  out.append(",\"median_ms\":");
  append_json_number(out, s ? s->median_ms : nan);
  out.append(",\"stddev_ms\":");
  append_json_number(out, s ? s->stddev_ms : nan);
  out.append(",\"rtts_ms\":[");
  for (std::size_t k = 0; k < r.rtts_ms.size(); ++k) {
    if (k > 0) out.append(',');
    append_json_number(out, r.rtts_ms[k]);
  }
  out.append("],\"late\":");
  out.append_integer(r.late);
  out.append(",\"duplicates\":");
  out.append_integer(r.duplicates);
  out.append(",\"icmp_errors\":");
  out.append_integer(r.icmp_errors);
  if (tcp) {
    out.append(",\"refused\":");
    out.append_integer(r.refused);
    out.append(",\"refused_probes\":[");
    for (std::size_t k = 0; k < r.refused_probes.size(); ++k) {
      if (k > 0) out.append(',');
      out.append(r.refused_probes[k] ? "true" : "false");
    }
    out.append(']');
  }
  out.append('}');
}

void append_json_counters(OutputBuffer& out, const probe::EngineCounters& c, bool tcp) {
  const std::pair<const char*, std::uint64_t> counters[] = {
      {"{\"sent\":", c.sent},
      {",\"received\":", c.received},
      {",\"late\":", c.late},
      {",\"duplicates\":", c.duplicates},
      {",\"malformed\":", c.malformed},
      {",\"foreign\":", c.foreign},
      {",\"icmp_errors\":", c.icmp_errors},
      {",\"send_errors\":", c.send_errors},
      {",\"receive_drops\":", c.receive_drops},
      {",\"dns_failures\":", c.dns_failures},
      {",\"ring_packets\":", c.ring_packets},
      {",\"estimated_send_times\":", c.estimated_send_times},
      {",\"unverified_errors\":", c.unverified_errors},
  };
  for (const auto& [key, value] : counters) {
    out.append(key);
    out.append_unsigned(value);
  }
  if (tcp) {
    const std::pair<const char*, std::uint64_t> tcp_counters[] = {
        {",\"refused\":", c.refused},
        {",\"user_space_rtts\":", c.user_space_rtts},
        {",\"open_sockets_peak\":", c.open_sockets_peak},
    };
    for (const auto& [key, value] : tcp_counters) {
      out.append(key);
      out.append_unsigned(value);
    }
  }
  out.append('}');
}

}  // namespace

void HostTally::note(const probe::HostResult& result) {
  if (!resolved(result)) unresolved = true;
  if (result.received == 0) unanswered = true;
}

int HostTally::fping_exit_code() const {
  return unresolved ? 2 : unanswered ? 1 : 0;
}

std::string fping_time(double ms) {
  char text[kFpingTimeRoom];
  return std::string(text, write_fping_time(text, text + sizeof text, ms));
}

HostTally fping_resolve_errors(std::FILE* file, const probe::CompactResults& results) {
  OutputBuffer out(file);
  return for_each_host(results, [&](const probe::HostResult& r) {
    if (resolved(r)) return;
    out.append(r.host);
    out.append(": ");
    out.append(r.error_detail);
    out.append('\n');
  });
}

HostTally fping_summary(std::FILE* file, const probe::HostList& hosts, const probe::CompactResults& results) {
  const std::size_t width = resolved_name_width(hosts, results);
  OutputBuffer out(file);
  return for_each_host(results, [&](const probe::HostResult& r) {
    if (!resolved(r)) return;
    append_padded(out, r.host, width);
    out.append(" :");
    for (const double rtt : r.rtts_ms) {
      if (is_reply(rtt)) {
        out.append(' ');
        append_fping_time(out, rtt);
      } else {
        out.append(" -");
      }
    }
    out.append('\n');
  });
}

HostTally fping_replies(std::FILE* file, const probe::HostList& hosts, const probe::CompactResults& results,
                        int packet_bytes) {
  const std::size_t width = resolved_name_width(hosts, results);
  OutputBuffer out(file);
  return for_each_host(results, [&](const probe::HostResult& r) {
    double sum = 0;
    int received = 0;
    for (std::size_t i = 0; i < r.rtts_ms.size(); ++i) {
      if (!is_reply(r.rtts_ms[i])) continue;
      sum += r.rtts_ms[i];
      ++received;
      const int loss = static_cast<int>((i + 1 - static_cast<std::size_t>(received)) * 100 / (i + 1));
      append_padded(out, r.host, width);
      out.append(" : [");
      out.append_unsigned(i);
      out.append("], ");
      out.append_integer(packet_bytes);
      out.append(" bytes, ");
      append_fping_time(out, r.rtts_ms[i]);
      out.append(" ms (");
      append_fping_time(out, sum / received);
      out.append(" avg, ");
      out.append_integer(loss);
      out.append("% loss)\n");
    }
  });
}

HostTally native_report(std::FILE* file, const probe::CompactResults& results, bool all_rtts,
                        double seconds) {
  OutputBuffer out(file);
  std::vector<double> replies;
  int reachable = 0, unreachable = 0, unresolvable = 0;
  long sent = 0, received = 0;
  const HostTally tally = for_each_host(results, [&](const probe::HostResult& r) {
    sent += r.sent;
    received += r.received;
    if (r.error == probe::HostError::unresolvable) {
      ++unresolvable;
    } else if (r.received > 0) {
      ++reachable;
    } else {
      ++unreachable;
    }
    append_native_line(out, r, all_rtts, replies);
  });
  const double loss = sent > 0 ? 100.0 * static_cast<double>(sent - received) / static_cast<double>(sent) : 0;
  out.append_unsigned(results.size());
  out.append(" hosts: ");
  out.append_integer(reachable);
  out.append(" reachable, ");
  out.append_integer(unreachable);
  out.append(" unreachable, ");
  out.append_integer(unresolvable);
  out.append(" unresolvable; ");
  out.append_integer(sent);
  out.append(" probes sent, ");
  out.append_integer(received);
  out.append(" received (");
  out.append_fixed<1>(loss);
  out.append("% loss) in ");
  out.append_fixed<2>(seconds);
  out.append(" s\n");
  return tally;
}

HostTally json_report(std::FILE* file, const probe::CompactResults& results, const probe::EngineCounters& c,
                      double seconds, bool tcp) {
  OutputBuffer out(file);
  std::vector<double> replies;
  long sent = 0, received = 0;
  bool first = true;
  out.append("{\"hosts\":[");
  const HostTally tally = for_each_host(results, [&](const probe::HostResult& r) {
    sent += r.sent;
    received += r.received;
    out.append(first ? "\n" : ",\n");
    first = false;
    append_json_host(out, r, replies, tcp);
  });
  out.append("\n],\"summary\":{\"hosts\":");
  out.append_unsigned(results.size());
  out.append(",\"sent\":");
  out.append_integer(sent);
  out.append(",\"received\":");
  out.append_integer(received);
  out.append(",\"seconds\":");
  out.append_fixed<3>(seconds);
  out.append("},\"engine\":");
  append_json_counters(out, c, tcp);
  out.append("}\n");
  return tally;
}

}  // namespace semaphore::cli
