// Fuzzes the server's decoders of what agents send and get (src/domain/agent_protocol.h): a result batch and
// a heartbeat (untrusted: anyone holding a location's token), and an assignment (what an agent reads from a
// server it trusts less than itself). Beyond not crashing: a batch it accepts holds at most
// kMaxAgentBatchRows rows, each within the documented bounds, and encoding it and decoding it again gives
// the same rows (RTTs to within an ulp); an accepted heartbeat's counts are never negative; an accepted
// assignment encodes and decodes to itself; accepted changes (domain/assignment_changes.h) do too, and
// applied to a held list they give a list whose own version is the one they announce, or are refused.
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "domain/agent_protocol.h"
#include "domain/assignment_changes.h"
#include "fuzz_check.h"

namespace {

using namespace semaphore;

bool rtt_ok(const std::optional<double>& ms) {
  return !ms || (std::isfinite(*ms) && *ms >= 0);
}

// The same RTT, to within a part in 10^12: Boost.JSON 1.81 (Debian 12's) reads some decimals one unit in the
// last place off the nearest double (a 100-digit number, and even the shortest text it wrote itself for
// one), so a round trip may move a value by an ulp: nothing an RTT in milliseconds can tell.
bool same_rtt(const std::optional<double>& a, const std::optional<double>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || std::fabs(*a - *b) <= 1e-12 * std::max(1.0, std::fabs(*a));
}

bool same(const store::PingResult& a, const store::PingResult& b) {
  return a.host_id == b.host_id && a.ts == b.ts && a.method == b.method && a.sent == b.sent &&
         a.received == b.received && a.refused == b.refused && same_rtt(a.min_ms, b.min_ms) &&
         same_rtt(a.avg_ms, b.avg_ms) && same_rtt(a.max_ms, b.max_ms) && same_rtt(a.median_ms, b.median_ms) &&
         same_rtt(a.stddev_ms, b.stddev_ms) && a.error == b.error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(text, ec);
  if (!ec) {
    if (auto rows = domain::decode_result_batch(body)) {
      FUZZ_CHECK(rows->size() <= domain::kMaxAgentBatchRows);
      for (const auto& row : *rows) {
        FUZZ_CHECK(row.host_id >= 1 && row.ts >= 0);
        FUZZ_CHECK(row.sent >= 0 && row.sent <= domain::kMaxAgentProbesPerRound);
        FUZZ_CHECK(row.received >= 0 && row.received <= row.sent);
        FUZZ_CHECK(row.refused >= 0 && row.refused <= row.received);
        FUZZ_CHECK(rtt_ok(row.min_ms) && rtt_ok(row.avg_ms) && rtt_ok(row.max_ms) && rtt_ok(row.median_ms) &&
                   rtt_ok(row.stddev_ms));
        FUZZ_CHECK(row.error.size() <= domain::kMaxAgentErrorChars);
      }
      auto again = domain::decode_result_batch(boost::json::parse(domain::encode_result_batch(*rows)));
      FUZZ_CHECK(again && again->size() == rows->size());
      for (std::size_t i = 0; i < rows->size(); ++i) FUZZ_CHECK(same((*rows)[i], (*again)[i]));
    }
    if (auto beat = domain::decode_heartbeat(body)) {
      FUZZ_CHECK(beat->rounds_on_time >= 0 && beat->rounds_late >= 0 && beat->spool_backlog >= 0 &&
                 beat->interval_ms >= 0);
    }
  }
  if (auto assignment = domain::decode_assignment(text)) {
    auto again = domain::decode_assignment(domain::encode_assignment(*assignment));
    FUZZ_CHECK(again && again->version == assignment->version && again->settings == assignment->settings &&
               again->hosts.size() == assignment->hosts.size());
    for (std::size_t i = 0; i < assignment->hosts.size(); ++i) {
      FUZZ_CHECK(again->hosts[i].id == assignment->hosts[i].id &&
                 again->hosts[i].hostname == assignment->hosts[i].hostname &&
                 again->hosts[i].probe == assignment->hosts[i].probe);
    }
  }
  if (auto reply = domain::decode_assignment_reply(text)) {
    if (const auto* changes = std::get_if<domain::AssignmentChanges>(&*reply)) {
      auto again = domain::decode_assignment_reply(domain::encode_assignment_changes(*changes));
      FUZZ_CHECK(again && std::holds_alternative<domain::AssignmentChanges>(*again));
      const auto& back = std::get<domain::AssignmentChanges>(*again);
      FUZZ_CHECK(back.since == changes->since && back.version == changes->version &&
                 back.removed == changes->removed && back.changed.size() == changes->changed.size());
      // A held list of three hosts whose version is the changes' `since` (so that they are applied).
      domain::AgentAssignment held;
      for (store::Id id = 1; id <= 3; ++id) {
        store::Host host;
        host.id = id * 2;
        host.hostname = "h" + std::to_string(id) + ".example.com";
        held.hosts.push_back(host);
      }
      held.version = changes->since;
      if (auto applied = domain::apply_changes(held, *changes)) {
        FUZZ_CHECK(domain::assignment_version(applied->settings, applied->hosts) == changes->version);
      }
    }
  }
  return 0;
}
