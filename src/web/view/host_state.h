#pragma once
// A host's state as the pages show it, judged from its latest round, and the small formatting rules the
// pages share (latency, loss, age), so that the HTML, the JSON API and the CSV agree.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/probe_method.h"
#include "store/store.h"

namespace semaphore::web {

// up: every probe answered; degraded: some lost; down: none answered (or the name did not resolve);
// unknown: no round yet, or the latest is older than `stale_after` (the ping service is not running).
enum class HostState { up, degraded, down, unknown };

HostState classify(const std::optional<store::PingResult>& latest, EpochMs now,
                   std::chrono::seconds stale_after);
std::string_view to_string(HostState state);
std::optional<HostState> parse_host_state(std::string_view text);
int severity(HostState state);  // down 3, degraded 2, unknown 1, up 0: for "the worst few"

// What the pages add to a state from the host's probe method (issue 15).
enum class StateNote {
  none,
  port_closed,    // the TCP port answered with RST (refused > 0): the host is up, the port closed
  icmp_filtered,  // a `both` host whose ICMP is all lost while TCP answers: up, ICMP dropped on the way
};

// A host's state as the report, the host page and the overview show it: the state (counted, filtered and
// sorted by) and the note that qualifies it.
struct HostView {
  HostState state = HostState::unknown;
  StateNote note = StateNote::none;

  // "up", "degraded", "down", "unknown", "up (port closed)", "up (ICMP filtered)", ...
  std::string text() const;
  // The badge's style: "up", "degraded", "down", "unknown", or "filtered" (ICMP filtered: neutral, not down).
  std::string_view css() const;
  bool operator==(const HostView&) const = default;
};

// The one rule, from the host's method and its latest row of each kind (nullopt: none):
//  - icmp: the ICMP row as classify() judges it.
//  - tcp: the TCP row the same way; a RST counts as an answer, and a row with refused > 0 and received > 0
//    is noted "port closed".
//  - both: ICMP entirely lost while TCP answers is TCP's state noted "ICMP filtered" (never down); otherwise
//    the ICMP row decides, as it does for the alerts (the store's round evaluator judges a both host the same
//    way), so both lost is down; a closed TCP port is noted as for tcp. A kind with no fresh row is left out
//    (a host whose method just changed), so one fresh kind alone decides.
HostView judge_host(ProbeMethod method, const std::optional<store::PingResult>& icmp,
                    const std::optional<store::PingResult>& tcp, EpochMs now,
                    std::chrono::seconds stale_after);
// The same from a host's status (store::HostStatus: `latest` is the ICMP row, or the TCP row of a tcp host;
// `latest_tcp` the TCP row of a both host).
HostView judge_host(const store::HostStatus& status, EpochMs now, std::chrono::seconds stale_after);

// The same from one location's rounds of `host` (issue 16).
HostView judge_host(const store::Host& host, const store::LocationRounds& rounds, EpochMs now,
                    std::chrono::seconds stale_after);

// The round whose figures (latency, loss) the report and the overview show for a host: its `latest` (an
// icmp host's ICMP row, a tcp host's TCP row), but a `both` host's TCP row when its ICMP is filtered or it
// has no ICMP row yet.
const std::optional<store::PingResult>& shown_round(const store::HostStatus& status, const HostView& view);
const std::optional<store::PingResult>& shown_round(const store::Host& host,
                                                    const store::LocationRounds& rounds,
                                                    const HostView& view);

// A host's state across the locations that report it (issue 16): each location judged by judge_host, and the
// worst of them kept — down, then degraded, then up; a location with no fresh round (unknown: stale, or
// offline) counts only when no location has a fresh one, so that one silent location does not hide what the
// others see. A location switched off for the host (Host::locations_off) is never counted, its old rounds
// neither. `location` is the location whose verdict it is (the first by id among equals, so `local`
// before the others), or nullptr when no location has a round of the host (then the state is unknown).
struct LocationView {
  HostView view;
  const store::LocationRounds* location = nullptr;
};
LocationView judge_worst(const store::HostStatus& status, EpochMs now, std::chrono::seconds stale_after);
// The same over one location's rounds only (`location_id`; nullptr when it has none of the host, or is
// switched off for it).
LocationView judge_at(const store::HostStatus& status, store::Id location_id, EpochMs now,
                      std::chrono::seconds stale_after);
// The round whose figures a LocationView shows: shown_round of its location, or an empty one.
const std::optional<store::PingResult>& shown_round(const store::Host& host, const LocationView& view);

// The method as the pages label it: "ICMP", "TCP 22", "ICMP + TCP 443".
std::string method_label(const ProbeSpec& probe);

// Loss as a fraction 0..1; nullopt when nothing was sent.
std::optional<double> loss_of(int sent, int received);

std::string format_ms(const std::optional<double>& ms);  // "12.3 ms", "0.045 ms", or "—"
std::string format_loss(int sent, int received);         // "0%", "40%", or "—"
std::string format_age(EpochMs then, EpochMs now);       // "12 s ago", "5 min ago", "3 h ago", "2 d ago"
std::string format_number(const std::optional<double>& value, int decimals);  // "12.345" or ""

}  // namespace semaphore::web
