#include "web/view/path_view.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/text.h"
#include "paths/path.h"

namespace semaphore::web {
namespace {

std::string ms_text(const std::optional<double>& value) {
  if (!value) return "–";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", *value);
  return buffer;
}

std::string loss_text(const paths::PathHop& hop) {
  if (hop.sent == 0) return "–";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.0f%%", hop.loss() * 100.0);
  return buffer;
}

std::string time_text(EpochMs ms) {
  const std::string iso = format_iso8601(ms);
  return iso.size() >= 19 ? iso.substr(0, 10) + " " + iso.substr(11, 8) : iso;
}

// The hop rows of a stored hop list; `ok` false when it does not read back.
TemplateData hop_rows(const std::string& hops_json, bool& ok) {
  TemplateData rows{TemplateData::type::list};
  auto hops = paths::decode_hops(hops_json);
  ok = hops.ok();
  if (!hops) return rows;
  for (const auto& hop : *hops) {
    TemplateData row;
    row.set("ttl", std::to_string(hop.ttl));
    row.set("address", hop.address.empty() ? std::string("???") : hop.address);
    std::string others;
    for (const auto& other : hop.other_addresses) others += (others.empty() ? "" : ", ") + other;
    row.set("has_others", !others.empty());  // (kainjow: an empty string is not falsy)
    row.set("others", others);
    row.set("name", hop.name);
    row.set("loss", loss_text(hop));
    row.set("lossy", hop.sent > 0 && hop.received < hop.sent);
    row.set("min", ms_text(hop.min_ms));
    row.set("avg", ms_text(hop.avg_ms));
    row.set("max", ms_text(hop.max_ms));
    row.set("destination", hop.is_destination);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

std::string render_host_paths(const Templates& templates, store::PathStore& paths, store::Id user_id,
                              store::Id host_id) {
  TemplateData data;
  auto recent = paths.host_paths(user_id, host_id, store::PathQuery{false, 0, kPathsRead});
  auto changes = paths.host_paths(user_id, host_id, store::PathQuery{true, 0, kPathChangesShown});
  if (!recent || !changes) {
    const Error& error = !recent ? recent.error() : changes.error();
    spdlog::error("user {}: host {} paths not read: {}", user_id, host_id, log_safe(error.message));
    data.set("paths_error", std::string("The network path could not be read just now."));
    return templates.render("host_paths", data);
  }
  data.set("has_path", !recent->empty());
  if (!recent->empty()) {
    const store::HostPathRecord& latest = recent->front();
    bool ok = true;
    data.set("hops", hop_rows(latest.hops, ok));
    data.set("measured_at", time_text(latest.measured_at));
    data.set("measured_iso", format_iso8601(latest.measured_at));
    data.set("trigger", std::string(latest.trigger == "state_change" ? "at a state change" : "on schedule"));
    data.set("reached", latest.reached);
    for (const auto& path : *recent) {
      if (path.verdict.empty()) continue;
      data.set("has_verdict", true);
      data.set("verdict", path.verdict);
      data.set("verdict_kind", path.verdict_kind);
      data.set("verdict_at", time_text(path.measured_at));
      break;
    }
  }
  TemplateData history{TemplateData::type::list};
  for (const auto& change : *changes) {
    TemplateData item;
    bool ok = true;
    item.set("at", time_text(change.measured_at));
    item.set("at_iso", format_iso8601(change.measured_at));
    item.set("new_hops", hop_rows(change.hops, ok));
    item.set("has_old", !change.previous_hops.empty());
    if (!change.previous_hops.empty()) {
      item.set("old_hops", hop_rows(change.previous_hops, ok));
      if (change.previous_measured_at) item.set("old_at", time_text(*change.previous_measured_at));
    }
    history.push_back(item);
  }
  data.set("has_changes", !changes->empty());
  data.set("changes", history);
  return templates.render("host_paths", data);
}

}  // namespace semaphore::web
