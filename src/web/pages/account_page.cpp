// GET|POST /account: change the password (a new session token for this browser, every other session
// signed out), sign out everywhere, and the user's API tokens (create: shown once in the answer to the
// POST; list; revoke). Wrong current passwords count as failed sign-ins of the account, so the form cannot
// be used to guess a password that the sign-in throttle protects.
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <optional>
#include <utility>

#include "core/text.h"
#include "domain/api_tokens.h"
#include "web/app_context.h"

namespace semaphore::web {
namespace {

// "2026-11-27 22:51 UTC"
std::string date_time(EpochMs ms) {
  const std::string iso = format_iso8601(ms);
  return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC" : iso;
}

// What the token form shows: the list, the choices (as typed, after an error) and any message.
struct TokenForm {
  std::string name;
  std::string scope = "read";
  std::string expires = "90";
  std::string name_error;
  std::string form_error;
  std::optional<domain::NewApiToken> created;  // shown once, in this answer only
};

// Adds the token section's data; a failure to list the tokens shows as the section's error, not a 503 (the
// rest of the page still works).
void add_tokens(RequestContext& ctx, store::TokenStore& tokens, const TokenForm& form, TemplateData& data) {
  auto listed = tokens.list_tokens(ctx.user->id);
  TemplateData list{TemplateData::type::list};
  std::size_t count = 0;
  std::string form_error = form.form_error;
  if (listed) {
    count = listed->size();
    for (const auto& token : *listed) {
      TemplateData row;
      row.set("id", std::to_string(token.id));
      row.set("name", token.name);
      row.set("scope", std::string(store::to_string(token.scope)));
      row.set("created", date_time(token.created_at));
      row.set("last_used", token.last_used_at ? date_time(*token.last_used_at) : std::string("never"));
      row.set("expires", token.expires_at ? date_time(*token.expires_at) : std::string("never"));
      row.set("expired", token.expired(ctx.now));
      list.push_back(row);
    }
  } else {
    spdlog::error("user {}: tokens not listed: {}", ctx.user->id, log_safe(listed.error().message));
    if (form_error.empty()) form_error = "Your tokens could not be read just now; try again shortly.";
  }
  data.set("tokens", list);
  data.set("has_tokens", count > 0);
  data.set("token_count", std::to_string(count));
  data.set("max_tokens", std::to_string(domain::kMaxTokensPerUser));
  set_if(data, "token_error", form_error);
  set_if(data, "token_name_error", form.name_error);
  data.set("token_name", form.name);
  data.set("scope_write", form.scope == "write");
  TemplateData choices{TemplateData::type::list};
  for (const auto& [value, label] : {std::pair<std::string, std::string>{"never", "never"},
                                     {"30", "in 30 days"},
                                     {"90", "in 90 days"},
                                     {"365", "in a year"}}) {
    TemplateData choice;
    choice.set("value", value);
    choice.set("label", label);
    choice.set("selected", value == form.expires);
    choices.push_back(choice);
  }
  data.set("expiry_choices", choices);
  if (form.created) {
    TemplateData created;
    created.set("name", form.created->record.name);
    created.set("token", form.created->token);
    data.set("new_token", created);
  }
}

Response account_form(RequestContext& ctx, store::TokenStore& tokens, int status, TemplateData data,
                      const TokenForm& form = {}) {
  data.set("email", ctx.user->email);
  data.set("is_admin", ctx.user->is_admin);
  add_tokens(ctx, tokens, form, data);
  return ctx.page(status, "account", "Account", std::move(data), "account");
}

Response create_token(RequestContext& ctx, store::TokenStore& tokens) {
  TokenForm form;
  form.name = std::string(trim(ctx.form.get("token_name")));
  form.scope = ctx.form.get("token_scope");
  form.expires = ctx.form.get("token_expires");
  const auto scope = store::parse_token_scope(form.scope);
  const auto expiry = domain::parse_token_expiry_choice(form.expires);
  if (!scope || !expiry) {
    form.scope = "read";
    form.expires = "90";
    form.form_error = "Choose a scope and an expiry from the lists.";
    return account_form(ctx, tokens, 400, TemplateData{}, form);
  }
  std::optional<std::chrono::milliseconds> lifetime;
  if (*expiry) lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(**expiry);
  auto made = domain::create_api_token(tokens, ctx.user->id, form.name, *scope, lifetime, ctx.now);
  if (!made) {
    switch (made.error().code) {
      case Errc::invalid_argument:
        form.name_error = made.error().message;
        return account_form(ctx, tokens, 400, TemplateData{}, form);
      case Errc::duplicate:
        form.name_error = made.error().message;
        return account_form(ctx, tokens, 409, TemplateData{}, form);
      case Errc::limit_exceeded:
        form.form_error = made.error().message;
        return account_form(ctx, tokens, 422, TemplateData{}, form);
      default:
        return ctx.store_error(made.error());
    }
  }
  spdlog::info("user {}: API token {} ({}) created", ctx.user->id, made->record.id,
               store::to_string(made->record.scope));
  // The token is in this answer only (Cache-Control: no-store, as every page): reloading does not show it.
  TokenForm shown;
  shown.created = std::move(*made);
  return account_form(ctx, tokens, 200, TemplateData{}, shown);
}

Response revoke_token(RequestContext& ctx, store::TokenStore& tokens) {
  const std::string& text = ctx.form.get("token_id");
  store::Id id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id <= 0) {
    return ctx.error_page(400, "Unknown token.");
  }
  // Another user's token is not_found, as a revoked one: revoking twice (a double click) is no error.
  if (auto revoked = tokens.revoke_token_by_id(ctx.user->id, id);
      !revoked && revoked.error().code != Errc::not_found) {
    return ctx.store_error(revoked.error());
  }
  spdlog::info("user {}: API token {} revoked", ctx.user->id, id);
  return ctx.redirect_with_flash("/account#tokens", "token_revoked");
}

Response change_password(RequestContext& ctx, store::AccountStore& accounts, store::TokenStore& tokens,
                         PasswordWork& passwords, SigninThrottle& throttle) {
  TemplateData data;
  const std::string& current = ctx.form.get("current_password");
  const std::string& fresh = ctx.form.get("new_password");
  if (auto wait = throttle.check(ctx.user->email, ctx.request.client_address, ctx.now)) {
    data.set("current_error", "Too many wrong passwords. " + wait_and_retry(*wait));
    Response response = account_form(ctx, tokens, 429, std::move(data));
    response.add_header("Retry-After", std::to_string(wait->count()));
    return response;
  }
  auto pass = passwords.gate.enter();
  if (!pass) return password_work_busy(ctx);
  if (!passwords.hasher.verify(ctx.user->password_hash, current)) {
    throttle.record_failure(ctx.user->email, ctx.request.client_address, ctx.now);
    data.set("current_error", std::string("That is not your current password."));
    return account_form(ctx, tokens, 400, std::move(data));
  }
  if (auto problem = domain::password_problem(fresh)) {
    data.set("new_error", *problem);
    return account_form(ctx, tokens, 400, std::move(data));
  }
  auto hash = passwords.hasher.hash(fresh);
  if (!hash) return ctx.store_error(hash.error());
  if (auto saved = accounts.set_password_hash(ctx.user->id, *hash); !saved) {
    return ctx.store_error(saved.error());
  }
  throttle.record_success(ctx.user->email);
  // A new token for this browser (whoever may have copied the old one loses it), then every other session.
  store::User user = *ctx.user;
  user.password_hash = *hash;
  if (auto rotated = ctx.sign_in(user); !rotated) return ctx.store_error(rotated.error());
  if (auto others = accounts.delete_user_sessions(user.id, ctx.session->token_hash); !others) {
    spdlog::warn("user {}: other sessions not deleted: {}", user.id, log_safe(others.error().message));
  }
  return ctx.redirect_with_flash("/account", "password_changed");
}

Response sign_out_everywhere(RequestContext& ctx, store::AccountStore& accounts) {
  if (auto all = accounts.delete_user_sessions(ctx.user->id, ""); !all) return ctx.store_error(all.error());
  ctx.sign_out();
  return ctx.redirect_with_flash("/signin", "signed_out_everywhere");
}

}  // namespace

void add_account_routes(Routes& routes, store::AccountStore& accounts, store::TokenStore& tokens,
                        PasswordWork& passwords, SigninThrottle& throttle) {
  routes.add(Method::get, "/account", Access::signed_in,
             [&tokens](RequestContext& ctx) { return account_form(ctx, tokens, 200, TemplateData{}); });
  routes.add(Method::post, "/account", Access::signed_in,
             [&accounts, &tokens, &passwords, &throttle](RequestContext& ctx) {
               const std::string& action = ctx.form.get("action");
               if (action == "change_password") {
                 return change_password(ctx, accounts, tokens, passwords, throttle);
               }
               if (action == "create_token") return create_token(ctx, tokens);
               if (action == "revoke_token") return revoke_token(ctx, tokens);
               if (action == "signout_everywhere") return sign_out_everywhere(ctx, accounts);
               return ctx.error_page(400, "Unknown action.");
             });
}

}  // namespace semaphore::web
