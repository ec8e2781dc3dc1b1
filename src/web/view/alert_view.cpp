#include "web/view/alert_view.h"

#include "web/view/host_state.h"
#include "web/view/html_writer.h"

namespace semaphore::web {

std::string alert_state_word(const store::Host& host, const std::optional<store::QuorumStateRecord>& state,
                             bool in_maintenance) {
  if (!host.enabled || in_maintenance) return "paused";
  return state ? state->shown : "unknown";
}

std::string quiet_text(std::string_view quiet) {
  if (quiet == "no") return "notify";
  if (quiet == "first_round") return "quiet: first round";
  if (quiet == "flapping") return "quiet: flapping";
  if (quiet == "maintenance") return "quiet: maintenance window";
  return "quiet";
}

std::string event_figures(const store::AlertEventRecord& event) {
  std::string text = std::to_string(event.received) + " of " + std::to_string(event.sent) + " replies";
  if (!event.median_ms) return text + " · median —";
  return text + " · " + format_ms(event.min_ms) + " / " + format_ms(event.median_ms) + " / " +
         format_ms(event.max_ms);
}

std::string event_time(EpochMs at) {
  const std::string iso = format_iso8601(at);
  return iso.size() >= 19 ? iso.substr(0, 10) + " " + iso.substr(11, 8) : iso;
}

void write_event_rows(const std::vector<store::AlertEventRecord>& events,
                      const std::map<store::Id, std::string>& hostnames, bool with_host, std::string& out) {
  HtmlWriter html(out);
  for (const auto& event : events) {
    html.raw("      <tr data-event=\"").number(event.id).raw("\"><td><time datetime=\"");
    html.text(format_iso8601(event.at)).raw("\">").text(event_time(event.at)).raw("</time></td>");
    if (with_host) {
      html.raw("<td><a href=\"/report/").number(event.host_id).raw("\">");
      const auto name = hostnames.find(event.host_id);
      html.text(name != hostnames.end() ? name->second : "#" + std::to_string(event.host_id))
          .raw("</a></td>");
    }
    html.raw("<td><span class=\"badge state-").text(event.from_state).raw("\">").text(event.from_state);
    html.raw("</span> → <span class=\"badge state-").text(event.to_state).raw("\">").text(event.to_state);
    html.raw("</span></td><td>").text(event.reason);
    // Issue 15: where the trouble is, from the path traced for the event (once it is stored).
    if (!event.path_verdict.empty()) {
      html.raw("<div class=\"small path-verdict\"><a href=\"/report/")
          .number(event.host_id)
          .raw("#path\">Path</a>: ")
          .text(event.path_verdict)
          .raw("</div>");
    }
    html.raw("</td><td class=\"small\">").text(event_figures(event));
    html.raw("</td><td class=\"small\">").text(quiet_text(event.quiet)).raw("</td></tr>\n");
  }
}

}  // namespace semaphore::web
