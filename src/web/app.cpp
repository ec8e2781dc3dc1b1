// WebApp::handle: static assets, routing, the session, CSRF, the security headers and the request log.
#include "web/app.h"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/alnum_chars.hpp>
#include <boost/url/grammar/lut_chars.hpp>

#include <algorithm>
#include <exception>
#include <optional>

#include "core/ascii.h"
#include "core/text.h"
#include "store/lane.h"
#include "web/api/api_error.h"
#include "web/app_context.h"
#include "web/channel_tester.h"
#include "web/metrics.h"
#include "web/security/agent_auth.h"
#include "web/security/cookies.h"
#include "web/view/assets.h"

namespace semaphore::web {

// Built once at start-up. The page modules hold references into it (their stores, caches and services),
// so it never moves: WebApp keeps it on the heap.
struct WebAppParts {
  WebAppParts(WebStores stores_ref, const WebOptions& options, domain::PasswordCost cost)
      : stores(stores_ref),
        site(stores_ref.accounts, options),
        host_service(stores_ref.hosts, options.hosts),
        passwords(cost, options.hash_threads),
        throttle(stores_ref.accounts),
        api_auth(stores_ref.tokens, stores_ref.accounts, stores_ref.versions, users, options.api),
        agent_auth(stores_ref.locations, stores_ref.versions, options.api),
        database(stores_ref.operators) {}

  WebStores stores;
  Site site;
  domain::HostService
      host_service;  // adds and checks hosts under options.hosts (the target policy, the limit)
  Assets assets;
  PasswordWork passwords;  // argon2id behind a gate: a burst of sign-ins cannot take every handler thread
  SigninThrottle throttle;
  RequestMetrics metrics;
  VersionedCache<store::User> users;  // by id, for load_session and api_auth
  ApiAuth api_auth;                   // bearer tokens and the session on Access::api routes
  AgentAuth agent_auth;               // location tokens on Access::agent routes
  AgentEndpoints agents;              // /api/v1/agent/...: what cli sets with set_agent_ingest
  ReportCaches report;
  Routes routes;
  DatabaseCheck database;        // /readyz and semaphore_database_up
  InProcessService service;      // the ping service in `semaphore run`
  ChannelTester channel_tester;  // Send test, through the process's NotificationSender
};

namespace {

using Clock = std::chrono::steady_clock;

// The signed-in user's live session from the cookie, if any. Store trouble leaves the request signed out
// but marked (RequestContext::session_unchecked), and is logged: a page that anyone may see is still
// served, one that needs the user answers 503 (dispatch).
void load_session(WebAppParts& parts, RequestContext& ctx) {
  const bool secure = ctx.site.options.secure_cookies;
  const std::string_view cookies = ctx.request.header("cookie");
  if (cookies.empty()) return;
  if (auto csrf = find_cookie(cookies, csrf_cookie_name(secure)); csrf && looks_like_token(*csrf)) {
    ctx.anonymous_csrf = std::string(*csrf);
  }
  if (auto flash = find_cookie(cookies, flash_cookie_name(secure)); flash && flash->size() < 40) {
    ctx.flash_code = std::string(*flash);
  }
  const auto token = find_cookie(cookies, session_cookie_name(secure));
  if (!token || token->empty()) return;
  if (auto version = parts.stores.versions.data_version()) ctx.data_version = std::move(*version);
  auto resumed = ctx.site.sessions.resume(*token, ctx.now, ctx.data_version);
  if (!resumed) {
    spdlog::warn("session lookup: {}", log_safe(resumed.error().message));
    ctx.session_unchecked = true;
    return;
  }
  if (!*resumed) {  // unknown or expired: drop the stale cookie
    ctx.set_cookies.push_back(make_set_cookie(session_cookie_name(secure), "", {secure, 0}));
    return;
  }
  const std::string user_key = std::to_string((*resumed)->user_id);
  auto user = parts.users.find(user_key, ctx.data_version);
  if (!user) {
    auto found = parts.stores.accounts.find_user((*resumed)->user_id);
    if (!found) {
      ctx.session_unchecked = found.error().code != Errc::not_found;
      return;
    }
    parts.users.put(user_key, ctx.data_version, *found);
    user = std::move(*found);
  }
  ctx.session = std::move(**resumed);
  ctx.session_token = std::string(*token);
  ctx.user = std::move(*user);
}

bool csrf_ok(RequestContext& ctx) {
  const std::string& sent = ctx.form.get("csrf_token");
  if (ctx.session) return tokens_equal(sent, ctx.session->csrf_token);
  return tokens_equal(sent, ctx.anonymous_csrf);  // double-submit: the form's token equals the cookie's
}

// What the sign-in page's ?next= keeps unescaped of the page asked for: a path's plain characters. '?', '&',
// '=' and '%' are escaped, so the whole target (query included) stays one parameter value.
constexpr boost::urls::grammar::lut_chars kNextChars =
    boost::urls::grammar::lut_chars(boost::urls::grammar::alnum_chars) + "/-_.";

std::string encode_next(std::string_view target) {
  return boost::urls::encode(boost::urls::string_view(target.data(), target.size()), kNextChars);
}

Response serve_asset(const Assets& assets, const Request& request) {
  const Asset* asset = assets.find(request.path);
  if (asset == nullptr) return text_response(404, "Not found\n");
  if (request.header("if-none-match") == asset->etag) {
    Response response = text_response(304, "");
    response.add_header("ETag", asset->etag);
    return response;
  }
  Response response = text_response(200, std::string(asset->bytes), std::string(asset->content_type));
  response.add_header("ETag", asset->etag);
  response.add_header("Cache-Control", "public, max-age=3600");
  return response;
}

// "application/json", with or without parameters ("; charset=utf-8"), in any case.
bool is_json_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return iequals_ascii(type, "application/json");
}

// An API route's request (the caller is signed in: by the session cookie, or by a token; or an agent): a
// write made with the session cookie carries the session's CSRF token in X-CSRF-Token (another site's page
// cannot send that header here); a token-authenticated request has no session and needs none. A body is
// JSON (ctx.json).
Response dispatch_api(const Routes::Route& route, RequestContext& ctx) {
  const Request& request = ctx.request;
  const bool write = request.method == Method::post || request.method == Method::put ||
                     request.method == Method::patch || request.method == Method::delete_;
  if (write && ctx.session && !tokens_equal(request.header("x-csrf-token"), ctx.session->csrf_token)) {
    return api_error(403, "forbidden",
                     "A write with the session cookie needs the page's X-CSRF-Token header.");
  }
  if (!request.body.empty() || request.method == Method::post || request.method == Method::put ||
      request.method == Method::patch) {
    if (!is_json_type(request.header("content-type"))) {
      return api_error(415, "unsupported_media_type", "Send the body as application/json.");
    }
    boost::system::error_code ec;
    ctx.json = boost::json::parse(request.body, ec);
    if (ec) return api_error(400, "bad_json", "The body is not valid JSON.");
  }
  return route.handler(ctx);
}

Response method_not_allowed(RequestContext& ctx, bool api, const std::string& allow) {
  Response response = api ? api_error(405, "method_not_allowed", "This address does not accept that method.")
                          : ctx.error_page(405, "This address does not accept that method.");
  response.add_header("Allow", allow);
  return response;
}

// Answers the request; `route` is set to the route that answered it, for the metrics (RequestMetrics'
// constants when none did).
Response dispatch(WebAppParts& parts, RequestContext& ctx, int& route_index) {
  const Request& request = ctx.request;
  route_index = RequestMetrics::kUnmatched;
  const bool api_path = request.path.starts_with("/api/");
  if (request.method == Method::other) {
    return method_not_allowed(ctx, api_path, "GET, HEAD, POST, PUT, PATCH, DELETE");
  }
  if (request.path.starts_with("/static/") &&
      (request.method == Method::get || request.method == Method::head)) {
    route_index = RequestMetrics::kStatic;
    return serve_asset(parts.assets, request);
  }

  const RouteMatch match = parts.routes.router.match(request.method, request.path);
  if (match.route < 0) {
    if (match.method_not_allowed) return method_not_allowed(ctx, api_path, match.allow);
    if (api_path) return api_error(404, "not_found", "No such resource, or it is not yours.");
    load_session(parts, ctx);
    return ctx.error_page(404, "There is no such page, or it is not yours.");
  }
  route_index = match.route;
  const Routes::Route& route = parts.routes.routes[static_cast<std::size_t>(match.route)];
  ctx.params = match.params;
  ctx.query = parse_query_or_empty(request.query);
  // An agent's request is judged by its location token alone (no cookie is read).
  if (route.access == Access::agent) {
    if (auto refused = parts.agent_auth.authorize(ctx)) return std::move(*refused);
    return dispatch_api(route, ctx);
  }
  // An API request with an Authorization header is judged by it alone: its cookie is not read.
  const bool api = route.access == Access::api;
  if (!api || !ApiAuth::has_authorization(request)) load_session(parts, ctx);
  if (api) {
    if (auto refused = parts.api_auth.authorize(ctx)) return std::move(*refused);
    return dispatch_api(route, ctx);
  }
  if (route.access == Access::signed_in && !ctx.user && ctx.session_unchecked) {
    Response response = ctx.error_page(
        503,
        "The database is not answering, so your session cannot be checked. Please try again in a moment.");
    response.add_header("Retry-After", "5");
    return response;
  }
  if (route.access == Access::signed_in && !ctx.user && request.method != Method::post) {
    std::string target = request.path;
    if (!request.query.empty()) target += "?" + request.query;
    return redirect("/signin?next=" + encode_next(target));
  }
  if (request.method == Method::post) {  // a page's form (API routes answered above)
    const std::string_view type = request.header("content-type");
    if (!type.starts_with("application/x-www-form-urlencoded")) {
      return ctx.error_page(415, "Forms are sent as application/x-www-form-urlencoded.");
    }
    auto form = FormData::parse(request.body);
    if (!form) return ctx.error_page(400, "The form could not be read. Please try again.");
    ctx.form = std::move(*form);
    if (!csrf_ok(ctx)) {
      return ctx.error_page(403,
                            "The form had expired or came from another site. Reload the page and try again.");
    }
    if (route.access == Access::signed_in && !ctx.user) {
      return ctx.error_page(403, "Please sign in first.");
    }
  }
  return route.handler(ctx);
}

// /metrics: the process, the database, HTTP, the ping service in this process and, with --metrics-hosts,
// every host (one query, skipped while the database does not answer so a scrape stays quick in an outage).
Response metrics_page(WebAppParts& parts, RequestContext& ctx) {
  if (auto refused = metrics_refusal(ctx.request, ctx.site.options.metrics_token)) return *refused;
  PrometheusText out;
  write_process_metrics(out);
  const bool database_up = parts.database.check() == DatabaseCheck::Outcome::up;
  out.gauge("semaphore_database_up",
            "1 when the database answered a cheap query (the one /readyz makes), else 0.",
            database_up ? 1 : 0);
  parts.metrics.write_prometheus(out);
  if (parts.service.write_metrics) parts.service.write_metrics(out);
  if (ctx.site.options.metrics_hosts && database_up) {
    // `local`'s rounds: the host metrics carry no location label yet (issue 16 keeps them as they were).
    if (auto hosts = parts.stores.operators.all_host_statuses(store::kLocalLocationId)) {
      write_host_metrics(out, *hosts, ctx.now, ctx.site.stale_after());
    } else {
      spdlog::warn("/metrics: cannot read the hosts: {}", log_safe(hosts.error().message));
    }
  }
  return text_response(200, out.take(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& security_headers(bool secure_transport) {
  static const std::vector<std::pair<std::string, std::string>> plain = {
      {"Content-Security-Policy",
       "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "same-origin"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
  };
  static const std::vector<std::pair<std::string, std::string>> secure = [] {
    auto headers = plain;
    headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
    return headers;
  }();
  return secure_transport ? secure : plain;
}

std::size_t body_limit_for(bool post, std::string_view target, std::size_t body_limit) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (post && path == "/api/v1/hosts/import") return std::max(body_limit, kImportBodyLimit);
  if (post && path == "/api/v1/agent/results") return std::max(body_limit, kAgentBatchBodyLimit);
  return body_limit;
}

std::string api_too_large_body(std::string_view target) {
  if (!target.starts_with("/api/")) return {};
  return api_error(413, "too_large", "The request body is too large.").body;
}

WebApp::WebApp(WebStores stores, const WebOptions& options, domain::PasswordCost cost)
    : parts_(std::make_unique<WebAppParts>(stores, options, cost)) {
  WebAppParts& parts = *parts_;
  if (options.refresh.count() > 0) parts.site.round_interval = options.refresh;
  // Order matters where patterns overlap: "/report/{id}.csv" before "/report/{id}".
  Routes& routes = parts.routes;
  add_home_routes(routes, stores.hosts);
  add_auth_routes(routes, stores.accounts, parts.passwords, parts.throttle);
  add_account_routes(routes, stores.accounts, stores.tokens, parts.passwords, parts.throttle);
  add_manage_routes(routes, stores.hosts, parts.host_service, stores.alerts, stores.locations);
  add_import_routes(routes, stores.hosts, parts.host_service);
  add_report_routes(routes, stores.hosts, stores.alerts, stores.paths, stores.locations, parts.report);
  add_alerts_routes(routes, stores.hosts, stores.alerts);
  add_alert_channel_routes(routes, stores.hosts, stores.alerts, parts.channel_tester);
  add_api_host_routes(routes, stores.hosts, parts.host_service, stores.alerts, stores.locations);
  add_api_result_routes(routes, stores.hosts, stores.locations);
  add_api_report_routes(routes, stores.hosts, stores.alerts, stores.locations, parts.report);
  add_api_alert_routes(routes, stores.alerts);
  add_api_path_routes(routes, stores.paths);
  add_api_channel_routes(routes, stores.hosts, stores.alerts, parts.channel_tester);
  add_locations_routes(routes, stores.locations);
  add_api_location_routes(routes, stores.locations);
  add_api_agent_routes(routes, stores.locations, parts.agents);
  add_api_openapi_routes(routes);
  routes.add(Method::get, "/metrics", Access::anyone,
             [&parts](RequestContext& ctx) { return metrics_page(parts, ctx); });
  routes.add(Method::get, "/healthz", Access::anyone,
             [](RequestContext&) { return text_response(200, "ok\n"); });
  routes.add(Method::get, "/readyz", Access::anyone, [&parts](RequestContext& ctx) {
    return readiness(parts.database, parts.service.progress, ctx.now);
  });
  parts.metrics.set_routes(routes.router);
}

WebApp::~WebApp() = default;

void WebApp::set_ping_service(InProcessService service) {
  parts_->service = std::move(service);
}

void WebApp::set_agent_ingest(AgentIngest ingest) {
  parts_->agents.ingest = std::move(ingest);
}

void WebApp::set_notification_sender(alerts::NotificationSender* sender) {
  parts_->channel_tester.set_sender(sender);
}

void WebApp::flush_touches() {
  parts_->site.sessions.flush_touches();
  parts_->api_auth.flush_touches();
}

void WebApp::set_round_interval(std::chrono::seconds interval) {
  if (interval.count() > 0) parts_->site.round_interval = interval;
}

void WebApp::record_protocol_error(int status, std::chrono::microseconds duration) {
  parts_->metrics.record(RequestMetrics::kNotRouted, status, duration);
}

Response WebApp::handle(const Request& request) {
  const auto started = Clock::now();
  // The request's store calls take the interactive lane's connections, never waiting behind the ping
  // service's writer or the alert senders (store/lane.h).
  store::InteractiveLane lane;
  RequestContext ctx{parts_->site, request};
  ctx.now = now_epoch_ms();
  Response response;
  int route = RequestMetrics::kUnmatched;
  try {
    response = dispatch(*parts_, ctx, route);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unexpected exception: {}", to_string(request.method), log_safe(request.path),
                  log_safe(e.what()));
    response = text_response(500, "Something went wrong on our side. Please try again.\n");
  }
  const bool secure = parts_->site.options.secure_cookies;
  for (const auto& [name, value] : security_headers(secure)) response.add_header(name, value);
  if (!request.path.starts_with("/static/")) response.add_header("Cache-Control", "no-store");
  if (ctx.anonymous_csrf_is_new) {
    response.add_header("Set-Cookie",
                        make_set_cookie(csrf_cookie_name(secure), ctx.anonymous_csrf, {secure, -1}));
  }
  for (auto& cookie : ctx.set_cookies) response.add_header("Set-Cookie", std::move(cookie));

  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  parts_->metrics.record(route, response.status, elapsed);
  // The path is decoded (a %0a in it is a newline by now) and the client address may come from a header:
  // both are escaped so that no request can write a line of its own into the log.
  spdlog::info("{} {} {} {}B {:.1f}ms {}{}{}", to_string(request.method), log_safe(request.path),
               response.status, response.body.size(), static_cast<double>(elapsed.count()) / 1000.0,
               log_safe(request.client_address),
               ctx.user ? " user=" + std::to_string(ctx.user->id) : std::string(),
               ctx.api_token ? " token=" + std::to_string(ctx.api_token->token_id) : std::string());
  return response;
}

}  // namespace semaphore::web
