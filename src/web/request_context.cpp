// RequestContext: rendering pages inside the layout, flash messages, signing in and out.
#include <spdlog/spdlog.h>

#include "core/text.h"
#include "core/version.h"
#include "web/app_context.h"
#include "web/security/cookies.h"

namespace semaphore::web {
namespace {

struct Flash {
  std::string_view code;
  std::string_view kind;  // success | info
  std::string_view text;
};

// Flash messages travel as fixed codes, never as text from a request, so a crafted cookie shows nothing new.
constexpr Flash kFlashes[] = {
    {"signed_up", "success", "Welcome to Semaphore! Add the hosts you want to watch."},
    {"signed_in", "success", "You are signed in."},
    {"signed_out", "info", "You are signed out."},
    {"host_added", "success", "Host added. Its first round comes within a minute."},
    {"host_updated", "success", "Host saved."},
    {"host_deleted", "success", "Host deleted, with its history."},
    {"password_changed", "success", "Password changed. Your other sessions were signed out."},
    {"signed_out_everywhere", "info", "Every session of your account was signed out."},
    {"session_expired", "info", "Please sign in to continue."},
    {"token_revoked", "info", "Token revoked: whatever used it can no longer use the API."},
    {"rules_saved", "success", "Alert rules saved. The next round is judged by them."},
    {"host_rules_saved", "success", "The host's alert rules saved."},
    {"window_added", "success", "Maintenance window added."},
    {"window_deleted", "info", "Maintenance window deleted."},
    {"channel_saved", "success", "Channel saved."},
    {"channel_deleted", "info", "Channel deleted, with its pending notifications."},
    {"channel_enabled", "success", "Channel enabled: notifications go to it again."},
    {"channel_disabled", "info", "Channel disabled: nothing is sent to it until it is enabled again."},
};

std::string_view heading_for(int status) {
  switch (status) {
    case 400:
      return "That request was not understood";
    case 403:
      return "Not allowed";
    case 404:
      return "Page not found";
    case 405:
      return "Method not allowed";
    case 413:
      return "Too much data";
    case 429:
      return "Too many tries";
    case 503:
      return "Temporarily unavailable";
    default:
      return "Something went wrong";
  }
}

}  // namespace

const std::string& RequestContext::csrf_token() {
  if (session) return session->csrf_token;
  if (anonymous_csrf.empty()) {
    anonymous_csrf = random_token();
    anonymous_csrf_is_new = true;
  }
  return anonymous_csrf;
}

Response RequestContext::page(int status, std::string_view template_name, const std::string& title,
                              TemplateData data, std::string_view nav, bool with_chart) {
  data.set("csrf_token", csrf_token());
  return page_html(status, site.templates.render(template_name, data), title, nav, with_chart);
}

Response RequestContext::page_html(int status, std::string_view body_html, const std::string& title,
                                   std::string_view nav, bool with_chart) {
  // The layout is rendered around a marker that the body then replaces: the body (up to a few hundred
  // kilobytes) is copied once, not through kainjow's data.
  // Escaped values cannot hold '<', so the marker found is the layout's {{{body}}}.
  static constexpr std::string_view kMarker = "<semaphore-body/>";
  TemplateData layout;
  layout.set("title", title);
  layout.set("body", std::string(kMarker));
  layout.set("version", std::string(kVersion));
  layout.set("csrf_token", csrf_token());
  layout.set("signed_in", user.has_value());
  if (user) layout.set("email", user->email);
  if (user && user->is_admin) layout.set("is_admin", true);
  if (with_chart) layout.set("chart", true);
  if (!nav.empty()) layout.set("nav_" + std::string(nav), true);
  if (!flash_code.empty()) {
    for (const Flash& flash : kFlashes) {
      if (flash.code != flash_code) continue;
      TemplateData message;
      message.set("kind", std::string(flash.kind));
      message.set("text", std::string(flash.text));
      layout.set("flash", message);
    }
    set_cookies.push_back(make_set_cookie(flash_cookie_name(site.options.secure_cookies), "",
                                          {site.options.secure_cookies, 0}));
    flash_code.clear();
  }
  const std::string outer = site.templates.render("layout", layout);
  const auto at = outer.find(kMarker);
  Response response;
  response.status = status;
  if (at == std::string::npos) {
    response.body = outer;
    return response;
  }
  response.body.reserve(outer.size() + body_html.size());
  response.body.append(outer, 0, at);
  response.body.append(body_html);
  response.body.append(outer, at + kMarker.size());
  return response;
}

Response RequestContext::error_page(int status, const std::string& message) {
  TemplateData data;
  data.set("heading", std::string(heading_for(status)));
  data.set("message", message);
  return page(status, "error", std::string(heading_for(status)), std::move(data));
}

Response RequestContext::redirect_with_flash(std::string location, std::string_view code) {
  set_cookies.push_back(make_set_cookie(flash_cookie_name(site.options.secure_cookies), code,
                                        {site.options.secure_cookies, 60}));
  return redirect(std::move(location));
}

Response RequestContext::store_error(const Error& error) {
  if (error.code == Errc::not_found) return error_page(404, "There is no such page, or it is not yours.");
  spdlog::error("store: {}", log_safe(error.message));
  return error_page(503, "The database is not answering. Please try again in a moment.");
}

Response password_work_busy(RequestContext& ctx) {
  Response response =
      ctx.error_page(503, "Too many sign-ins are being checked right now. Please try again in a moment.");
  response.add_header("Retry-After", "2");
  return response;
}

Status RequestContext::sign_in(const store::User& signed_in_user) {
  if (!session_token.empty()) (void)site.sessions.end(session_token);
  auto started = site.sessions.start(signed_in_user.id, now);
  if (!started) return started.error();
  session_token = started->token;
  session = started->session;
  user = signed_in_user;
  const long long max_age = site.options.session_max.count();
  set_cookies.push_back(make_set_cookie(session_cookie_name(site.options.secure_cookies), session_token,
                                        {site.options.secure_cookies, max_age}));
  return {};
}

void RequestContext::sign_out() {
  if (!session_token.empty()) {
    if (auto ended = site.sessions.end(session_token); !ended)
      spdlog::warn("sign-out: {}", log_safe(ended.error().message));
  }
  session_token.clear();
  session.reset();
  user.reset();
  set_cookies.push_back(make_set_cookie(session_cookie_name(site.options.secure_cookies), "",
                                        {site.options.secure_cookies, 0}));
}

std::optional<store::Id> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;  // 18 digits cannot overflow an int64
  store::Id id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (id <= 0) return std::nullopt;
  return id;
}

std::optional<store::Id> RequestContext::id_param(std::size_t index) const {
  if (index >= params.size()) return std::nullopt;
  return parse_id(params[index]);
}

}  // namespace semaphore::web
