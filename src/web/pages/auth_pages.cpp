// GET|POST /signup, GET|POST /signin, POST /signout.
#include <spdlog/spdlog.h>

#include "core/email.h"
#include "web/app_context.h"
#include "web/security/validation.h"

namespace semaphore::web {
namespace {

constexpr const char* kWrongCredentials = "Email or password is incorrect.";

Response signup_closed(RequestContext& ctx) {
  return ctx.error_page(403, "Sign-up is closed on this server. Ask its operator for an account.");
}

Response signup_form(RequestContext& ctx, int status, TemplateData data) {
  return ctx.page(status, "signup", "Create an account", std::move(data), "signup");
}

Response get_signup(RequestContext& ctx) {
  if (!ctx.site.options.signup_open) return signup_closed(ctx);
  if (ctx.user) return redirect("/");
  return signup_form(ctx, 200, TemplateData{});
}

Response post_signup(RequestContext& ctx, store::AccountStore& accounts, PasswordWork& passwords,
                     SigninThrottle& throttle) {
  if (!ctx.site.options.signup_open) return signup_closed(ctx);
  TemplateData data;
  data.set("email", ctx.form.get("email"));
  auto email = normalize_email(ctx.form.get("email"));
  const std::string& password = ctx.form.get("password");
  const auto password_error = domain::password_problem(password);
  if (!email || password_error) {
    if (!email) data.set("email_error", email.error().message);
    if (password_error) data.set("password_error", *password_error);
    return signup_form(ctx, 400, std::move(data));
  }
  if (auto wait =
          throttle.signup_wait(ctx.request.client_address, ctx.site.options.signups_per_hour, ctx.now)) {
    Response response = ctx.error_page(429, "Too many sign-ups from your address. Please try again later.");
    response.add_header("Retry-After", std::to_string(wait->count()));
    return response;
  }
  auto pass = passwords.gate.enter();
  if (!pass) return password_work_busy(ctx);
  throttle.record_signup(ctx.request.client_address, ctx.now);
  // Hashed before the e-mail is looked up, so a taken address answers after the same work as a free one.
  auto hash = passwords.hasher.hash(password);
  if (!hash) return ctx.store_error(hash.error());
  auto user = accounts.create_user(*email, *hash, /*first_user_is_admin=*/true);
  if (!user) {
    if (user.error().code == Errc::duplicate) {
      data.set("email_error", std::string("An account with this email exists already. Sign in instead."));
      return signup_form(ctx, 400, std::move(data));
    }
    return ctx.store_error(user.error());
  }
  spdlog::info("new user {}{}", user->id, user->is_admin ? " (admin)" : "");
  if (auto signed_in = ctx.sign_in(*user); !signed_in) return ctx.store_error(signed_in.error());
  return ctx.redirect_with_flash("/manage", "signed_up");
}

Response signin_form(RequestContext& ctx, int status, TemplateData data) {
  data.set("signup_open", ctx.site.options.signup_open);
  return ctx.page(status, "signin", "Sign in", std::move(data), "signin");
}

Response get_signin(RequestContext& ctx) {
  const std::string next = safe_next_path(ctx.query.get("next"));
  if (ctx.user) return redirect(next);
  TemplateData data;
  if (next != "/") data.set("next", next);
  return signin_form(ctx, 200, std::move(data));
}

Response post_signin(RequestContext& ctx, store::AccountStore& accounts, PasswordWork& passwords,
                     SigninThrottle& throttle) {
  const std::string next = safe_next_path(ctx.form.get("next"));
  TemplateData data;
  data.set("email", ctx.form.get("email"));
  if (next != "/") data.set("next", next);
  auto email = normalize_email(ctx.form.get("email"));
  const std::string& password = ctx.form.get("password");
  // Malformed input is answered like a wrong password: one message for every failure.
  const std::string key = email ? *email : std::string("invalid");
  if (auto wait = throttle.check(key, ctx.request.client_address, ctx.now)) {
    data.set("form_error", "Too many failed sign-ins. " + wait_and_retry(*wait));
    Response response = signin_form(ctx, 429, std::move(data));
    response.add_header("Retry-After", std::to_string(wait->count()));
    return response;
  }
  std::optional<store::User> user;
  if (email && password.size() <= 4 * domain::kMaxPasswordChars) {
    auto found = accounts.find_user_by_email(*email);
    if (found) {
      user = std::move(*found);
    } else if (found.error().code != Errc::not_found) {
      return ctx.store_error(found.error());
    }
  }
  auto pass = passwords.gate.enter();
  if (!pass) return password_work_busy(ctx);
  const domain::PasswordHasher& hasher = passwords.hasher;
  const bool ok = user ? hasher.verify(user->password_hash, password) : hasher.verify_dummy(password);
  if (!ok) {
    throttle.record_failure(key, ctx.request.client_address, ctx.now);
    data.set("form_error", std::string(kWrongCredentials));
    return signin_form(ctx, 400, std::move(data));
  }
  throttle.record_success(key);
  if (hasher.needs_rehash(user->password_hash)) {
    if (auto rehashed = hasher.hash(password)) {
      if (auto saved = accounts.set_password_hash(user->id, *rehashed); saved) {
        user->password_hash = *rehashed;
        spdlog::info("user {}: password rehashed with the current parameters", user->id);
      }
    }
  }
  if (auto signed_in = ctx.sign_in(*user); !signed_in) return ctx.store_error(signed_in.error());
  return ctx.redirect_with_flash(next, "signed_in");
}

Response post_signout(RequestContext& ctx) {
  ctx.sign_out();
  return ctx.redirect_with_flash("/", "signed_out");
}

}  // namespace

void add_auth_routes(Routes& routes, store::AccountStore& accounts, PasswordWork& passwords,
                     SigninThrottle& throttle) {
  routes.add(Method::get, "/signup", Access::anyone, get_signup);
  routes.add(Method::post, "/signup", Access::anyone,
             bind_handler(post_signup, accounts, passwords, throttle));
  routes.add(Method::get, "/signin", Access::anyone, get_signin);
  routes.add(Method::post, "/signin", Access::anyone,
             bind_handler(post_signin, accounts, passwords, throttle));
  routes.add(Method::post, "/signout", Access::anyone, post_signout);
}

}  // namespace semaphore::web
