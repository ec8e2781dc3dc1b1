#include "web/view/host_state.h"

#include <cmath>
#include <cstdio>

namespace semaphore::web {

HostState classify(const std::optional<store::PingResult>& latest, EpochMs now,
                   std::chrono::seconds stale_after) {
  if (!latest) return HostState::unknown;
  if (now - latest->ts > std::chrono::duration_cast<std::chrono::milliseconds>(stale_after).count()) {
    return HostState::unknown;
  }
  if (latest->sent <= 0) return latest->error.empty() ? HostState::unknown : HostState::down;
  if (latest->received <= 0) return HostState::down;
  if (latest->received < latest->sent) return HostState::degraded;
  return HostState::up;
}

namespace {

bool answered(const std::optional<store::PingResult>& row) {
  return row && row->received > 0;
}

bool port_closed(const std::optional<store::PingResult>& tcp) {
  return tcp && tcp->refused > 0 && tcp->received > 0;
}

}  // namespace

HostView judge_host(ProbeMethod method, const std::optional<store::PingResult>& icmp,
                    const std::optional<store::PingResult>& tcp, EpochMs now,
                    std::chrono::seconds stale_after) {
  const HostState icmp_state = classify(icmp, now, stale_after);
  const HostState tcp_state = classify(tcp, now, stale_after);
  const StateNote closed = port_closed(tcp) ? StateNote::port_closed : StateNote::none;
  switch (method) {
    case ProbeMethod::icmp:
      return {icmp_state, StateNote::none};
    case ProbeMethod::tcp:
      return {tcp_state, tcp_state == HostState::unknown ? StateNote::none : closed};
    case ProbeMethod::both:
      break;
  }
  if (icmp_state == HostState::unknown) {
    return {tcp_state, tcp_state == HostState::unknown ? StateNote::none : closed};
  }
  if (icmp_state == HostState::down && tcp_state != HostState::unknown && answered(tcp)) {
    return {tcp_state, StateNote::icmp_filtered};
  }
  // ICMP decides, as it does for the alerts (the TCP row is there for the chart and the tables).
  return {icmp_state, tcp_state == HostState::unknown ? StateNote::none : closed};
}

HostView judge_host(const store::HostStatus& status, EpochMs now, std::chrono::seconds stale_after) {
  switch (status.host.probe.method) {
    case ProbeMethod::icmp:
      return judge_host(ProbeMethod::icmp, status.latest, std::nullopt, now, stale_after);
    case ProbeMethod::tcp:
      return judge_host(ProbeMethod::tcp, std::nullopt, status.latest, now, stale_after);
    case ProbeMethod::both:
      break;
  }
  return judge_host(ProbeMethod::both, status.latest, status.latest_tcp, now, stale_after);
}

HostView judge_host(const store::Host& host, const store::LocationRounds& rounds, EpochMs now,
                    std::chrono::seconds stale_after) {
  switch (host.probe.method) {
    case ProbeMethod::icmp:
      return judge_host(ProbeMethod::icmp, rounds.latest, std::nullopt, now, stale_after);
    case ProbeMethod::tcp:
      return judge_host(ProbeMethod::tcp, std::nullopt, rounds.latest, now, stale_after);
    case ProbeMethod::both:
      break;
  }
  return judge_host(ProbeMethod::both, rounds.latest, rounds.latest_tcp, now, stale_after);
}

namespace {

const std::optional<store::PingResult>& shown_of(ProbeMethod method,
                                                 const std::optional<store::PingResult>& latest,
                                                 const std::optional<store::PingResult>& latest_tcp,
                                                 const HostView& view) {
  if (method == ProbeMethod::both && latest_tcp && (view.note == StateNote::icmp_filtered || !latest)) {
    return latest_tcp;
  }
  return latest;
}

// How bad a location's verdict is when locations are compared: unknown (no fresh round) below up.
int worst_rank(HostState state) {
  switch (state) {
    case HostState::down:
      return 3;
    case HostState::degraded:
      return 2;
    case HostState::up:
      return 1;
    case HostState::unknown:
      return 0;
  }
  return 0;
}

const std::optional<store::PingResult> kNoRound;

}  // namespace

const std::optional<store::PingResult>& shown_round(const store::HostStatus& status, const HostView& view) {
  return shown_of(status.host.probe.method, status.latest, status.latest_tcp, view);
}

const std::optional<store::PingResult>& shown_round(const store::Host& host,
                                                    const store::LocationRounds& rounds,
                                                    const HostView& view) {
  return shown_of(host.probe.method, rounds.latest, rounds.latest_tcp, view);
}

LocationView judge_worst(const store::HostStatus& status, EpochMs now, std::chrono::seconds stale_after) {
  LocationView worst;
  for (const store::LocationRounds& rounds : status.locations) {
    // A location switched off for the host (issue 16) no longer pings it: its last rounds say nothing now.
    if (status.host.location_off(rounds.location_id)) continue;
    const HostView view = judge_host(status.host, rounds, now, stale_after);
    if (!worst.location || worst_rank(view.state) > worst_rank(worst.view.state)) worst = {view, &rounds};
  }
  return worst;
}

LocationView judge_at(const store::HostStatus& status, store::Id location_id, EpochMs now,
                      std::chrono::seconds stale_after) {
  if (status.host.location_off(location_id)) return {};
  for (const store::LocationRounds& rounds : status.locations) {
    if (rounds.location_id == location_id)
      return {judge_host(status.host, rounds, now, stale_after), &rounds};
  }
  return {};
}

const std::optional<store::PingResult>& shown_round(const store::Host& host, const LocationView& view) {
  return view.location ? shown_round(host, *view.location, view.view) : kNoRound;
}

std::string HostView::text() const {
  std::string text(to_string(state));
  switch (note) {
    case StateNote::none:
      break;
    case StateNote::port_closed:
      text += " (port closed)";
      break;
    case StateNote::icmp_filtered:
      text += " (ICMP filtered)";
      break;
  }
  return text;
}

std::string_view HostView::css() const {
  if (note == StateNote::icmp_filtered && state == HostState::up) return "filtered";
  return to_string(state);
}

std::string method_label(const ProbeSpec& probe) {
  const std::string port = std::to_string(probe.tcp_port);
  switch (probe.method) {
    case ProbeMethod::icmp:
      return "ICMP";
    case ProbeMethod::tcp:
      return "TCP " + port;
    case ProbeMethod::both:
      return "ICMP + TCP " + port;
  }
  return "ICMP";
}

std::string_view to_string(HostState state) {
  switch (state) {
    case HostState::up:
      return "up";
    case HostState::degraded:
      return "degraded";
    case HostState::down:
      return "down";
    case HostState::unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<HostState> parse_host_state(std::string_view text) {
  for (HostState state : {HostState::up, HostState::degraded, HostState::down, HostState::unknown}) {
    if (text == to_string(state)) return state;
  }
  return std::nullopt;
}

int severity(HostState state) {
  switch (state) {
    case HostState::down:
      return 3;
    case HostState::degraded:
      return 2;
    case HostState::unknown:
      return 1;
    case HostState::up:
      return 0;
  }
  return 0;
}

std::optional<double> loss_of(int sent, int received) {
  if (sent <= 0) return std::nullopt;
  return 1.0 - static_cast<double>(received) / static_cast<double>(sent);
}

std::string format_ms(const std::optional<double>& ms) {
  if (!ms || !std::isfinite(*ms)) return "—";
  char text[32];
  if (*ms < 1)
    std::snprintf(text, sizeof text, "%.3f ms", *ms);
  else if (*ms < 100)
    std::snprintf(text, sizeof text, "%.1f ms", *ms);
  else
    std::snprintf(text, sizeof text, "%.0f ms", *ms);
  return text;
}

std::string format_loss(int sent, int received) {
  const auto loss = loss_of(sent, received);
  if (!loss) return "—";
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", *loss * 100);
  return text;
}

std::string format_age(EpochMs then, EpochMs now) {
  const long long seconds = std::max<long long>(0, (now - then) / 1000);
  if (seconds < 90) return std::to_string(seconds) + " s ago";
  if (seconds < 90 * 60) return std::to_string(seconds / 60) + " min ago";
  if (seconds < 36 * 3600) return std::to_string(seconds / 3600) + " h ago";
  return std::to_string(seconds / 86400) + " d ago";
}

std::string format_number(const std::optional<double>& value, int decimals) {
  if (!value || !std::isfinite(*value)) return "";
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, *value);
  return text;
}

}  // namespace semaphore::web
