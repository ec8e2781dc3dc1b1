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

Response import_hosts(RequestContext& ctx) {
  const std::string& text = ctx.form.get("hosts");
  const domain::ParsedHostList parsed = domain::parse_host_list(text);
  if (parsed.entries.empty() && parsed.rejected.empty()) {
    ManageView view;
    view.import_text = text;
    view.import_error = "Paste at least one host, one per line.";
    return manage_page(ctx, 400, view);
  }
  if (parsed.entries.size() + parsed.rejected.size() > kMaxLines) {
    ManageView view;
    view.import_text = text;
    view.import_error = "Import at most " + std::to_string(kMaxLines) + " hosts at a time.";
    return manage_page(ctx, 400, view);
  }
  auto count = ctx.services.store.count_hosts(ctx.user->id);
  if (!count) return ctx.store_error(count.error());
  std::int64_t hosts = *count;
  const std::int64_t limit = ctx.services.options.max_hosts_per_user;

  struct Rejection {
    int line;
    std::string text, reason;
  };
  std::vector<Rejection> rejections;
  for (const auto& line : parsed.rejected) rejections.push_back({line.line, line.text, line.reason});
  TemplateData added{TemplateData::type::list};
  int added_count = 0;
  for (const domain::HostListEntry& entry : parsed.entries) {
    const std::string provider(to_string(entry.provider));
    const std::string line_text =
        entry.target.text + "," + provider + (entry.service.empty() ? "" : "," + entry.service);
    domain::HostErrors errors;
    auto host = domain::validate_host(domain::to_host_input(entry), ctx.services.options.targets, errors);
    if (!host) {
      rejections.push_back({entry.line, line_text, errors.first()});
      continue;
    }
    if (hosts >= limit) {
      rejections.push_back(
          {entry.line, line_text, "You have reached the limit of " + std::to_string(limit) + " hosts."});
      continue;
    }
    host->user_id = ctx.user->id;
    auto stored = ctx.services.store.add_host(*host);
    if (!stored) {
      if (stored.error().code != Errc::duplicate) return ctx.store_error(stored.error());
      rejections.push_back({entry.line, line_text, "You are watching this host already."});
      continue;
    }
    ++hosts;
    ++added_count;
    TemplateData item;
    item.set("id", std::to_string(stored->id));
    item.set("hostname", stored->hostname);
    item.set("provider", std::string(to_string(stored->provider)));
    set_if(item, "service", stored->service);
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

void add_import_routes(Services& services) {
  services.add(Method::post, "/manage/import", Access::signed_in, import_hosts);
}

}  // namespace semaphore::web
