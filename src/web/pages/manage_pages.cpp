// GET /manage, POST /manage/hosts (add), GET|POST /manage/hosts/{id} (edit), POST /manage/hosts/{id}/delete.
#include <span>

#include "core/provider.h"
#include "web/app_context.h"

namespace semaphore::web {
namespace {

TemplateData provider_options(std::string_view selected) {
  TemplateData list{TemplateData::type::list};
  for (Provider provider : kAllProviders) {
    TemplateData option;
    option.set("name", std::string(to_string(provider)));
    const auto chosen = parse_provider(selected);
    option.set("selected", chosen ? *chosen == provider : provider == Provider::other);
    list.push_back(option);
  }
  return list;
}

void set_errors(TemplateData& data, const domain::HostErrors& errors) {
  set_if(data, "hostname_error", errors.hostname);
  set_if(data, "provider_error", errors.provider);
  set_if(data, "service_error", errors.service);
  set_if(data, "label_error", errors.label);
}

}  // namespace

Response manage_page(RequestContext& ctx, store::HostStore& hosts, int status, const ManageView& view) {
  const domain::HostInput& typed = view.typed;
  auto listed = hosts.list_hosts(ctx.user->id);
  if (!listed) return ctx.store_error(listed.error());
  TemplateData data;
  data.set("hostname", typed.hostname);
  data.set("service", typed.service);
  data.set("label", typed.label);
  data.set("providers", provider_options(typed.provider));
  set_errors(data, view.errors);
  set_if(data, "form_error", view.form_error);
  data.set("import_text", view.import_text);
  set_if(data, "import_error", view.import_error);
  data.set("count", std::to_string(listed->size()));
  data.set("max_hosts", std::to_string(ctx.site.options.hosts.max_hosts_per_user));

  TemplateData groups{TemplateData::type::list};
  for (Provider provider : kAllProviders) {
    TemplateData rows{TemplateData::type::list};
    int count = 0;
    for (const auto& host : *listed) {
      if (host.provider != provider) continue;
      TemplateData row;
      row.set("id", std::to_string(host.id));
      row.set("hostname", host.hostname);
      row.set("service", host.service);  // always set: an absent key would show the add form's value
      row.set("label", host.label);
      row.set("enabled", host.enabled);
      rows.push_back(row);
      ++count;
    }
    if (count == 0) continue;
    TemplateData group;
    group.set("provider", std::string(to_string(provider)));
    group.set("count", std::to_string(count));
    group.set("hosts", rows);
    groups.push_back(group);
  }
  data.set("groups", groups);
  return ctx.page(status, "manage", "Hosts", std::move(data), "manage");
}

namespace {

domain::HostInput input_from_form(const FormData& form, bool with_enabled) {
  domain::HostInput input;
  input.hostname = form.get("hostname");
  input.provider = form.get("provider");
  input.service = form.get("service");
  input.label = form.get("label");
  input.enabled = !with_enabled || form.get("enabled") == "1";
  return input;
}

Response add_host(RequestContext& ctx, store::HostStore& hosts, domain::HostService& host_service) {
  const domain::HostInput input = input_from_form(ctx.form, false);
  auto additions = host_service.add(ctx.user->id, std::span(&input, 1));
  if (!additions) return ctx.store_error(additions.error());
  const domain::HostAddition& addition = additions->front();
  switch (addition.outcome) {
    case domain::HostOutcome::added:
      break;
    case domain::HostOutcome::invalid:
      return manage_page(ctx, hosts, 400, ManageView::with(input, addition.errors));
    case domain::HostOutcome::over_limit:
      return manage_page(ctx, hosts, 400,
                         ManageView::with(input, {},
                                          "You have reached the limit of " +
                                              std::to_string(host_service.rules().max_hosts_per_user) +
                                              " hosts. Delete one to add another."));
    case domain::HostOutcome::duplicate: {
      domain::HostErrors errors;
      errors.hostname = "You are watching this host already.";
      return manage_page(ctx, hosts, 400, ManageView::with(input, errors));
    }
  }
  return ctx.redirect_with_flash("/manage", "host_added");
}

Response edit_page(RequestContext& ctx, int status, const store::Host& stored, const domain::HostInput& shown,
                   const domain::HostErrors& errors) {
  TemplateData data;
  data.set("id", std::to_string(stored.id));
  data.set("original_hostname", stored.hostname);
  data.set("hostname", shown.hostname);
  data.set("service", shown.service);
  data.set("label", shown.label);
  data.set("enabled", shown.enabled);
  data.set("providers", provider_options(shown.provider));
  set_errors(data, errors);
  return ctx.page(status, "host_edit", "Edit " + stored.hostname, std::move(data), "manage");
}

Response get_edit(RequestContext& ctx, store::HostStore& hosts) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  auto host = hosts.find_host(ctx.user->id, *id);
  if (!host) return ctx.store_error(host.error());
  const domain::HostInput shown{host->hostname, std::string(to_string(host->provider)), host->service,
                                host->label, host->enabled};
  return edit_page(ctx, 200, *host, shown, {});
}

Response post_edit(RequestContext& ctx, store::HostStore& hosts, const domain::HostService& host_service) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  auto stored = hosts.find_host(ctx.user->id, *id);
  if (!stored) return ctx.store_error(stored.error());
  const domain::HostInput input = input_from_form(ctx.form, true);
  domain::HostErrors errors;
  auto host = host_service.validate(input, errors);
  if (!host) return edit_page(ctx, 400, *stored, input, errors);
  host->id = *id;
  host->user_id = ctx.user->id;
  if (auto updated = hosts.update_host(*host); !updated) {
    if (updated.error().code == Errc::duplicate) {
      errors.hostname = "You are watching this host already.";
      return edit_page(ctx, 400, *stored, input, errors);
    }
    return ctx.store_error(updated.error());
  }
  return ctx.redirect_with_flash("/manage", "host_updated");
}

Response post_delete(RequestContext& ctx, store::HostStore& hosts) {
  const auto id = ctx.id_param();
  if (!id) return ctx.error_page(404, "There is no such page, or it is not yours.");
  if (auto deleted = hosts.delete_host(ctx.user->id, *id); !deleted) {
    return ctx.store_error(deleted.error());
  }
  return ctx.redirect_with_flash("/manage", "host_deleted");
}

}  // namespace

void add_manage_routes(Routes& routes, store::HostStore& hosts, domain::HostService& host_service) {
  routes.add(Method::get, "/manage", Access::signed_in,
             [&hosts](RequestContext& ctx) { return manage_page(ctx, hosts, 200, ManageView{}); });
  routes.add(Method::post, "/manage/hosts", Access::signed_in, bind_handler(add_host, hosts, host_service));
  routes.add(Method::get, "/manage/hosts/{id}", Access::signed_in, bind_handler(get_edit, hosts));
  routes.add(Method::post, "/manage/hosts/{id}", Access::signed_in,
             bind_handler(post_edit, hosts, host_service));
  routes.add(Method::post, "/manage/hosts/{id}/delete", Access::signed_in, bind_handler(post_delete, hosts));
}

}  // namespace semaphore::web
