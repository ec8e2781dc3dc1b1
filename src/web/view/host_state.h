#pragma once
// A host's state as the pages show it, judged from its latest round, and the small formatting rules the
// pages share (latency, loss, age), so that the HTML, the JSON API and the CSV agree.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
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

// Loss as a fraction 0..1; nullopt when nothing was sent.
std::optional<double> loss_of(int sent, int received);

std::string format_ms(const std::optional<double>& ms);  // "12.3 ms", "0.045 ms", or "—"
std::string format_loss(int sent, int received);         // "0%", "40%", or "—"
std::string format_age(EpochMs then, EpochMs now);       // "12 s ago", "5 min ago", "3 h ago", "2 d ago"
std::string format_number(const std::optional<double>& value, int decimals);  // "12.345" or ""

}  // namespace semaphore::web
