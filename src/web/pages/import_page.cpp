// POST /manage/import: one host per line, optionally ",provider,service" (domain/host_list.h). Answers the
// result page (200) with what was added and each rejected line with its reason; an empty field answers 400
// with the form again.
#include <algorithm>

#include "core/provider.h"
#include "domain/host_list.h"
#include "web/app_context.h"

namespace semaphore::web {
namespace {

constexpr std::size_t kMaxLines = 10'000;

Response import_hosts(RequestContext& ctx, store::HostStore& store, domain::HostService& host_service) {
  const std::string& text = ctx.form.get("hosts");
  const domain::ParsedHostList parsed = domain::parse_host_list(text);
  if (parsed.entries.empty() && parsed.rejected.empty()) {
    ManageView view;
    view.import_text = text;
    view.import_error = "Paste at least one host, one per line.";
    return manage_page(ctx, store, 400, view);
  }
  if (parsed.entries.size() + parsed.rejected.size() > kMaxLines) {
    ManageView view;
    view.import_text = text;
    view.import_error = "Import at most " + std::to_string(kMaxLines) + " hosts at a time.";
    return manage_page(ctx, store, 400, view);
  }
  std::vector<domain::HostInput> inputs;
  for (const domain::HostListEntry& entry : parsed.entries) inputs.push_back(domain::to_host_input(entry));
  auto additions = host_service.add(ctx.user->id, inputs);
  if (!additions) return ctx.store_error(additions.error());
  const std::int64_t limit = host_service.host_limit(*ctx.user);

  struct Rejection {
    int line;
    std::string text, reason;
  };
  std::vector<Rejection> rejections;
  for (const auto& line : parsed.rejected) rejections.push_back({line.line, line.text, line.reason});
  TemplateData added{TemplateData::type::list};
  int added_count = 0;
  for (std::size_t i = 0; i < parsed.entries.size(); ++i) {
    const domain::HostListEntry& entry = parsed.entries[i];
    const domain::HostAddition& addition = (*additions)[i];
    const std::string line_text =
        entry.target.text + "," + inputs[i].provider + (entry.service.empty() ? "" : "," + entry.service);
    switch (addition.outcome) {
      case domain::HostOutcome::added:
        break;
      case domain::HostOutcome::invalid:
        rejections.push_back({entry.line, line_text, addition.errors.first()});
        continue;
      case domain::HostOutcome::over_limit:
        rejections.push_back(
            {entry.line, line_text, "You have reached the limit of " + std::to_string(limit) + " hosts."});
        continue;
      case domain::HostOutcome::duplicate:
        rejections.push_back({entry.line, line_text, "You are watching this host already."});
        continue;
    }
    ++added_count;
    TemplateData item;
    item.set("id", std::to_string(addition.host.id));
    item.set("hostname", addition.host.hostname);
    item.set("provider", std::string(to_string(addition.host.provider)));
    set_if(item, "service", addition.host.service);
    added.push_back(item);
  }
  std::sort(rejections.begin(), rejections.end(),
            [](const auto& a, const auto& b) { return a.line < b.line; });
  TemplateData rejected{TemplateData::type::list};
  for (const auto& rejection : rejections) {
    TemplateData item;
    item.set("line", std::to_string(rejection.line));
    item.set("text", rejection.text.size() > 200 ? rejection.text.substr(0, 200) + "…" : rejection.text);
    item.set("reason", rejection.reason);
    rejected.push_back(item);
  }
  TemplateData data;
  data.set("added", added);
  data.set("rejected", rejected);
  data.set("has_added", added_count > 0);
  data.set("has_rejected", !rejections.empty());
  data.set("added_count", std::to_string(added_count));
  data.set("rejected_count", std::to_string(rejections.size()));
  return ctx.page(200, "import_result", "Import", std::move(data), "manage");
}

}  // namespace

void add_import_routes(Routes& routes, store::HostStore& hosts, domain::HostService& host_service) {
  routes.add(Method::post, "/manage/import", Access::signed_in,
             bind_handler(import_hosts, hosts, host_service));
}

}  // namespace semaphore::web
