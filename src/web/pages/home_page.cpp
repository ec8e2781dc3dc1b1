// GET /: what Semaphore is (signed out), or the overview of the user's hosts (signed in).
#include <algorithm>

#include "web/app_context.h"
#include "web/view/host_state.h"

namespace semaphore::web {
namespace {

constexpr std::size_t kWorstShown = 5;

// Each host's state is the worst across the locations that report it, as on /report.
Response overview(RequestContext& ctx, store::HostStore& hosts) {
  auto list = hosts.list_hosts(ctx.user->id);
  if (!list) return ctx.store_error(list.error());
  auto rounds = hosts.latest_rounds(ctx.user->id);
  if (!rounds) return ctx.store_error(rounds.error());
  const std::vector<store::HostStatus> joined = store::join_rounds_by_location(*list, *rounds);
  const std::vector<store::HostStatus>* statuses = &joined;
  int counts[4] = {0, 0, 0, 0};
  struct Entry {
    const store::HostStatus* status;
    LocationView view;
  };
  std::vector<Entry> attention;
  for (const auto& status : *statuses) {
    const LocationView view = judge_worst(status, ctx.now, ctx.site.stale_after());
    ++counts[static_cast<int>(view.view.state)];
    if (view.view.state != HostState::up) attention.push_back({&status, view});
  }
  std::stable_sort(attention.begin(), attention.end(), [](const Entry& a, const Entry& b) {
    return severity(a.view.view.state) > severity(b.view.view.state);
  });
  if (attention.size() > kWorstShown) attention.resize(kWorstShown);

  TemplateData data;
  data.set("no_hosts", statuses->empty());
  data.set("total", std::to_string(statuses->size()));
  data.set("up", std::to_string(counts[static_cast<int>(HostState::up)]));
  data.set("degraded", std::to_string(counts[static_cast<int>(HostState::degraded)]));
  data.set("down", std::to_string(counts[static_cast<int>(HostState::down)]));
  data.set("unknown", std::to_string(counts[static_cast<int>(HostState::unknown)]));
  TemplateData worst{TemplateData::type::list};
  for (const Entry& entry : attention) {
    TemplateData item;
    item.set("id", std::to_string(entry.status->host.id));
    item.set("hostname", entry.status->host.hostname);
    set_if(item, "label", entry.status->host.label);
    item.set("state", entry.view.view.text());
    item.set("state_css", std::string(entry.view.view.css()));
    item.set("method", method_label(entry.status->host.probe));
    const auto& latest = shown_round(entry.status->host, entry.view);
    item.set("loss", latest ? format_loss(latest->sent, latest->received) : "—");
    item.set("median", latest ? format_ms(latest->median_ms) : "—");
    worst.push_back(item);
  }
  data.set("has_worst", !attention.empty());
  data.set("worst", worst);
  return ctx.page(200, "overview", "Overview", std::move(data));
}

}  // namespace

void add_home_routes(Routes& routes, store::HostStore& hosts) {
  routes.add(Method::get, "/", Access::anyone, [&hosts](RequestContext& ctx) {
    if (ctx.user) return overview(ctx, hosts);
    return ctx.page(200, "home", "Latency monitoring", TemplateData{});
  });
}

}  // namespace semaphore::web
