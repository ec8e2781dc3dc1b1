#pragma once
// What the pages share (internal to src/web): the services built once at start-up, the per-request context,
// and the route table each page module adds its routes to.
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "domain/host_input.h"
#include "domain/host_service.h"
#include "domain/passwords.h"
#include "store/store.h"
#include "web/assets.h"
#include "web/form.h"
#include "web/http_types.h"
#include "web/metrics.h"
#include "web/page_cache.h"
#include "web/router.h"
#include "web/sessions.h"
#include "web/sparklines.h"
#include "web/templates.h"
#include "web/throttle.h"
#include "web/versioned_cache.h"
#include "web/web_options.h"

namespace semaphore::web {

struct RequestContext;
using Handler = std::function<Response(RequestContext&)>;

enum class Access {
  anyone,     // signed in or not
  signed_in,  // pages: 303 to /signin (GET) or 403 (POST) without a live session
  api,        // JSON: 401 without a live session
};

struct Services {
  Services(store::Store& store_ref, WebOptions web_options, domain::PasswordCost cost)
      : store(store_ref),
        options(web_options),
        hosts(store_ref, web_options.hosts),
        hasher(cost),
        sessions(store_ref, SessionRules{web_options.session_idle, web_options.session_max}),
        throttle(store_ref) {}

  store::Store& store;
  WebOptions options;
  domain::HostService hosts;  // adds and checks hosts under options.hosts (the target policy, the limit)
  Templates templates;
  Assets assets;
  domain::PasswordHasher hasher;
  SessionManager sessions;
  SigninThrottle throttle;
  RequestMetrics metrics;
  SparklineCache sparklines;
  PageCache pages;                      // the report pages' bodies (see page_cache.h)
  VersionedCache<KeptPage> host_pages;  // by user, host and range
  VersionedCache<store::User> users;    // by id
  VersionedCache<std::shared_ptr<const std::vector<store::HostStatus>>> statuses;  // by user id
  std::chrono::seconds round_interval{std::chrono::seconds(60)};
  std::function<std::map<std::string, double>()> extra_metrics;

  struct Route {
    Access access;
    Handler handler;
  };
  Router router;
  std::vector<Route> routes;
  void add(Method method, std::string_view pattern, Access access, Handler handler) {
    router.add(method, pattern);
    routes.push_back({access, std::move(handler)});
  }

  // A host without a round for this long is "unknown".
  std::chrono::seconds stale_after() const {
    return std::max<std::chrono::seconds>(std::chrono::minutes(5), round_interval * 3);
  }
};

struct RequestContext {
  RequestContext(Services& services_ref, const Request& request_ref)
      : services(services_ref), request(request_ref) {}

  Services& services;
  const Request& request;
  EpochMs now = 0;
  std::vector<std::string> params;  // the route's {parameters}
  FormData query;
  FormData form;  // a POST's fields
  std::optional<store::User> user;
  std::optional<store::Session> session;
  std::string session_token;
  std::string anonymous_csrf;  // the signed-out forms' token (a cookie), made on first need
  bool anonymous_csrf_is_new = false;
  std::string flash_code;  // from the flash cookie: shown once by page()
  std::vector<std::string> set_cookies;

  // Store::data_version() as read at the start of the request ("" if it could not be read: nothing is
  // reused then). Data kept under it is what the database holds now.
  std::string data_version;

  // The token to put in forms: the session's, or the signed-out one (making it if needed).
  const std::string& csrf_token();

  // Renders `template_name` inside the layout with `data` (csrf_token and the user's e-mail are added).
  // `nav` names the menu entry to mark current ("report", "manage", "account", "signin").
  Response page(int status, std::string_view template_name, const std::string& title, TemplateData data,
                std::string_view nav = "", bool with_chart = false);
  // The same with the body already rendered (HTML inside the layout; it must hold no CSRF token).
  Response page_html(int status, std::string_view body_html, const std::string& title,
                     std::string_view nav = "", bool with_chart = false);
  // The error page: a heading and a human message, never internals.
  Response error_page(int status, const std::string& message);
  // 303 to `location`, with a flash message code for the next page.
  Response redirect_with_flash(std::string location, std::string_view flash_code);
  // A store failure: 404 for not_found, 503 for the rest (logged).
  Response store_error(const Error& error);

  // Starts a session for `user` (new token), replacing the current one. Sets the cookie.
  Status sign_in(const store::User& signed_in_user);
  // Deletes the current session (server side) and clears the cookie.
  void sign_out();

  // The numeric route parameter `index`, or nullopt (then the route answers 404).
  std::optional<store::Id> id_param(std::size_t index = 0) const;
};

// The manage page, shared by the add form and the import: what the user typed and what was wrong with it.
struct ManageView {
  static ManageView with(domain::HostInput typed, domain::HostErrors errors, std::string form_error = "") {
    ManageView view;
    view.typed = std::move(typed);
    view.errors = std::move(errors);
    view.form_error = std::move(form_error);
    return view;
  }
  domain::HostInput typed;
  domain::HostErrors errors;
  std::string form_error;
  std::string import_text;
  std::string import_error;
};
Response manage_page(RequestContext& ctx, int status, const ManageView& view);

// Registration of each page module's routes (src/web/pages/*.cpp, src/web/api/*.cpp).
void add_home_routes(Services& services);
void add_auth_routes(Services& services);
void add_account_routes(Services& services);
void add_manage_routes(Services& services);
void add_import_routes(Services& services);
void add_report_routes(Services& services);
void add_host_report_routes(Services& services);  // /report/{id}.csv and /report/{id}
void add_api_routes(Services& services);

}  // namespace semaphore::web
