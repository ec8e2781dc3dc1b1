// GET|POST /account: change the password (signs out the other sessions), sign out everywhere.
#include <spdlog/spdlog.h>

#include "core/text.h"
#include "web/app_context.h"

namespace semaphore::web {
namespace {

Response account_form(RequestContext& ctx, int status, TemplateData data) {
  data.set("email", ctx.user->email);
  data.set("is_admin", ctx.user->is_admin);
  return ctx.page(status, "account", "Account", std::move(data), "account");
}

Response change_password(RequestContext& ctx, store::AccountStore& accounts,
                         const domain::PasswordHasher& hasher) {
  TemplateData data;
  const std::string& current = ctx.form.get("current_password");
  const std::string& fresh = ctx.form.get("new_password");
  if (!hasher.verify(ctx.user->password_hash, current)) {
    data.set("current_error", std::string("That is not your current password."));
    return account_form(ctx, 400, std::move(data));
  }
  if (auto problem = domain::password_problem(fresh)) {
    data.set("new_error", *problem);
    return account_form(ctx, 400, std::move(data));
  }
  auto hash = hasher.hash(fresh);
  if (!hash) return ctx.store_error(hash.error());
  if (auto saved = accounts.set_password_hash(ctx.user->id, *hash); !saved) {
    return ctx.store_error(saved.error());
  }
  if (auto others = accounts.delete_user_sessions(ctx.user->id, ctx.session->token_hash); !others) {
    spdlog::warn("user {}: other sessions not deleted: {}", ctx.user->id, log_safe(others.error().message));
  }
  return ctx.redirect_with_flash("/account", "password_changed");
}

Response sign_out_everywhere(RequestContext& ctx, store::AccountStore& accounts) {
  if (auto all = accounts.delete_user_sessions(ctx.user->id, ""); !all) return ctx.store_error(all.error());
  ctx.sign_out();
  return ctx.redirect_with_flash("/signin", "signed_out_everywhere");
}

}  // namespace

void add_account_routes(Routes& routes, store::AccountStore& accounts, const domain::PasswordHasher& hasher) {
  routes.add(Method::get, "/account", Access::signed_in,
             [](RequestContext& ctx) { return account_form(ctx, 200, TemplateData{}); });
  routes.add(Method::post, "/account", Access::signed_in, [&accounts, &hasher](RequestContext& ctx) {
    const std::string& action = ctx.form.get("action");
    if (action == "change_password") return change_password(ctx, accounts, hasher);
    if (action == "signout_everywhere") return sign_out_everywhere(ctx, accounts);
    return ctx.error_page(400, "Unknown action.");
  });
}

}  // namespace semaphore::web
