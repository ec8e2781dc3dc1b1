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
