#pragma once
// What the pages share (internal to src/web): the site (options, templates, sessions) and the per-request
// context, the route table each page module adds its routes to, and what each module is given at start-up.
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "alerts/rule_fields.h"
#include "core/clock.h"
#include "core/probe_method.h"
#include "domain/assignment_changes.h"
#include "domain/host_input.h"
#include "domain/host_service.h"
#include "domain/passwords.h"
#include "store/account_store.h"
#include "store/alert_store.h"
#include "store/host_store.h"
#include "store/location_store.h"
#include "store/path_store.h"
#include "store/token_store.h"
#include "web/app.h"
#include "web/cache/page_cache.h"
#include "web/cache/versioned_cache.h"
#include "web/form.h"
#include "web/http_types.h"
#include "web/router.h"
#include "web/security/api_auth.h"
#include "web/security/concurrency_gate.h"
#include "web/security/password_work.h"
#include "web/security/sessions.h"
#include "web/security/throttle.h"
#include "web/view/sparklines.h"
#include "web/view/templates.h"
#include "web/web_options.h"

namespace semaphore::web {

struct RequestContext;
using Handler = std::function<Response(RequestContext&)>;

// The Handler that answers with `handler(ctx, parts...)`: how a page module hands its handlers the store
// interfaces and services it was given at registration (they outlive the routes).
template <class... Parts>
Handler bind_handler(Response (*handler)(RequestContext&, Parts&...), std::type_identity_t<Parts>&... parts) {
  return [handler, &parts...](RequestContext& ctx) { return handler(ctx, parts...); };
}

enum class Access {
  anyone,     // signed in or not
  signed_in,  // pages: 303 to /signin (GET) or 403 (POST) without a live session
  api,        // JSON: a bearer token (web/security/api_auth.h) or a live session, else 401; bodies are JSON;
              // writes with the session cookie need X-CSRF-Token
  agent,      // JSON: a location's agent token only (web/security/agent_auth.h), else 401; bodies are JSON
};

// What every page shares, whatever it shows: the options, the templates, the sessions (to sign in and out)
// and the round interval. The page modules get their stores and caches at registration instead (below), so
// each sees only what it uses.
struct Site {
  Site(store::AccountStore& accounts, const WebOptions& web_options)
      : options(web_options),
        sessions(accounts, SessionRules{web_options.session_idle, web_options.session_max}) {}

  WebOptions options;
  Templates templates;
  SessionManager sessions;
  std::chrono::seconds round_interval{std::chrono::seconds(60)};

  // A host without a round for this long is "unknown".
  std::chrono::seconds stale_after() const {
    return std::max<std::chrono::seconds>(std::chrono::minutes(5), round_interval * 3);
  }
};

// The route table the page modules add their routes to.
struct Routes {
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
};

struct RequestContext {
  RequestContext(Site& site_ref, const Request& request_ref) : site(site_ref), request(request_ref) {}

  Site& site;
  const Request& request;
  EpochMs now = 0;
  std::vector<std::string> params;  // the route's {parameters}
  FormData query;
  FormData form;            // a POST's fields (pages)
  boost::json::value json;  // an API request's body (null when it has none)
  std::optional<store::User> user;
  std::optional<store::Session> session;  // empty for a token-authenticated API request
  std::string session_token;
  // A session cookie came but the database did not answer to check it: a page that needs the user answers
  // 503 (the database's trouble), not a sign-in redirect or a 401 (which would say the session had ended).
  bool session_unchecked = false;
  std::optional<ApiCredential> api_token;         // the bearer token an API request was authenticated with
  std::optional<store::Location> agent_location;  // an agent's request: the location its token is
  std::string anonymous_csrf;  // the signed-out forms' token (a cookie), made on first need
  bool anonymous_csrf_is_new = false;
  std::string flash_code;  // from the flash cookie: shown once by page()
  std::vector<std::string> set_cookies;

  // The store's data_version() as read at the start of the request ("" if it could not be read: nothing is
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

// The probe method as the add and edit forms have it: a choice (icmp, tcp, both) and a port field that is
// always there (the form works without JavaScript) and is ignored for icmp. Kept as typed, so that a refused
// form shows it again (pages/manage_pages.cpp).
struct ProbeFields {
  std::string method = "icmp";
  std::string port = std::to_string(kDefaultTcpPort);

  static ProbeFields from_form(const FormData& form);
  static ProbeFields of(const ProbeSpec& spec);
  // The spec text domain::HostInput::probe takes ("icmp", "tcp:22", "both"; a blank port: the default).
  std::string spec_text() const;
};

// The manage page, shared by the add form and the import: what the user typed and what was wrong with it.
struct ManageView {
  static ManageView with(domain::HostInput typed, domain::HostErrors errors, std::string form_error = "",
                         ProbeFields probe = {}) {
    ManageView view;
    view.typed = std::move(typed);
    view.errors = std::move(errors);
    view.form_error = std::move(form_error);
    view.probe = std::move(probe);
    return view;
  }
  domain::HostInput typed;
  ProbeFields probe;
  domain::HostErrors errors;
  std::string form_error;
  std::string import_text;
  std::string import_error;
};
Response manage_page(RequestContext& ctx, store::HostStore& hosts, int status, const ManageView& view);

// One alert rule in a form (/alerts' defaults, a host's overrides): its text as shown, the placeholder of a
// blank field, the built-in default in words, and what was wrong with it.
struct RuleFormRow {
  const alerts::RuleField* field = nullptr;
  std::string value, placeholder, default_text, error;
};
// The rows as the templates' {{#rules}} list; input ids are "<id_prefix>-<name>" (pages/alerts_page.cpp).
TemplateData rule_form_rows(const std::vector<RuleFormRow>& rows, std::string_view id_prefix);
// A positive decimal id (form fields, route parameters), or nullopt (request_context.cpp).
std::optional<store::Id> parse_id(std::string_view text);

// What the report shows of alerts (pages/report_page.cpp): the user's hosts' alert states, the maintenance
// windows and the latest events.
struct ReportAlerts {
  std::map<store::Id, store::QuorumStateRecord> states;  // by host id: each host's state across locations
  std::vector<store::MaintenanceWindowRecord> windows;
  std::vector<store::AlertEventRecord> events;  // newest first
};

// The report's host statuses (report_listing.h report_statuses): every host with each location's latest
// rounds (HostStatus::locations), and the locations that report any of them, by id (issue 16).
struct ReportStatuses {
  std::vector<store::HostStatus> statuses;
  std::vector<store::Location> locations;
  // What a later miss needs to merge the rows written since instead of reading every latest row again: the
  // host list version the statuses were joined to, and where each host is among them (shared by the
  // statuses merged from these).
  std::string host_list_version;
  std::shared_ptr<const store::StatusPositions> positions;

  // The location a single-location part of the page shows (the sparklines): `local` when it reports, else
  // the first that does, else `local`.
  store::Id default_location() const {
    for (const store::Location& each : locations) {
      if (each.id == store::kLocalLocationId) return each.id;
    }
    return locations.empty() ? store::kLocalLocationId : locations.front().id;
  }
  // The location `id` among them, or nullptr.
  const store::Location* find(store::Id id) const {
    for (const store::Location& each : locations) {
      if (each.id == id) return &each;
    }
    return nullptr;
  }
};

// What the report pages keep between requests (see versioned_cache.h, page_cache.h, sparklines.h).
struct ReportCaches {
  SparklineCache sparklines;
  PageCache pages;           // the report page's bodies
  HostPageCache host_pages;  // the host report pages, by user, host and range
  // The report's host statuses, by user id, under the data version (every write).
  VersionedCache<std::shared_ptr<const ReportStatuses>> statuses{10'000, kReportListBytes, weigh_statuses};
  // The report's host lists, by user id, under the user's host list version (HostStore::host_list_version):
  // at 10,000 hosts a round's writes come every few seconds and change only the latest rounds, so a miss
  // of `statuses` reads those (one range) and joins them to the list kept here.
  VersionedCache<std::shared_ptr<const std::vector<store::Host>>> host_lists{10'000, kReportListBytes,
                                                                             weigh_list<store::Host>};
  // Each list's bound, by a host's size with its strings and latest rows, roughly (a 10,000-host list is
  // about 3 MB): a few hundred users' lists at most, then the cache starts over.
  static constexpr std::size_t kBytesPerHost = 320;
  static constexpr std::size_t kReportListBytes = std::size_t{256} << 20;
  template <class T>
  static std::size_t weigh_list(const std::shared_ptr<const std::vector<T>>& list) {
    return list->size() * kBytesPerHost;
  }
  static std::size_t weigh_statuses(const std::shared_ptr<const ReportStatuses>& kept) {
    return kept->statuses.size() * kBytesPerHost * std::max<std::size_t>(1, kept->locations.size());
  }
  // Their alert states, windows and latest events, by user id.
  VersionedCache<std::shared_ptr<const ReportAlerts>> alerts;
};

// Registration of each page module's routes (src/web/pages/*.cpp, src/web/api/*.cpp), each with the store
// interfaces and the services its handlers use, and nothing else.
void add_home_routes(Routes& routes, store::HostStore& hosts);
void add_auth_routes(Routes& routes, store::AccountStore& accounts, PasswordWork& passwords,
                     SigninThrottle& throttle);
void add_account_routes(Routes& routes, store::AccountStore& accounts, store::TokenStore& tokens,
                        PasswordWork& passwords, SigninThrottle& throttle);
void add_manage_routes(Routes& routes, store::HostStore& hosts, domain::HostService& host_service,
                       store::AlertStore& alerts, store::LocationStore& locations);
void add_import_routes(Routes& routes, store::HostStore& hosts, domain::HostService& host_service);
void add_report_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                       store::PathStore& paths, store::LocationStore& locations, ReportCaches& caches);
// /report/{id}.csv and /report/{id}
void add_host_report_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                            store::PathStore& paths, store::LocationStore& locations, HostPageCache& pages);
// /alerts: the default rules, maintenance windows and recent events (pages/alerts_page.cpp)
void add_alerts_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts);
// /alerts' Channels section and /alerts/channels/... (pages/alert_channels_page.cpp): add, edit, enable,
// delete, rotate a webhook's secret, Send test.
class ChannelTester;
struct ChannelsView;  // what the section shows beyond the list: the add form as typed, a secret, a result
void add_alert_channel_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                              ChannelTester& tester);
// /alerts with `channels` in its Channels section (nullptr: the list and an empty add form).
Response alerts_page(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts, int status,
                     const ChannelsView* channels);
// Sets "channels_html" in `data`: the section's list and forms (pages/alert_channels_page.cpp).
void add_channels_section(RequestContext& ctx, store::AlertStore& alerts,
                          const std::vector<store::Host>& hosts, const ChannelsView* channels,
                          TemplateData& data);
// /locations (pages/locations_page.cpp, issue 16): the locations and what they report; admins only (404
// for anyone else).
void add_locations_routes(Routes& routes, store::LocationStore& locations);
// /api/v1 (src/web/api/): hosts (list, add, read, change, delete, import), results, report, openapi.json
void add_api_host_routes(Routes& routes, store::HostStore& hosts, domain::HostService& host_service,
                         store::AlertStore& alerts, store::LocationStore& locations);
void add_api_result_routes(Routes& routes, store::HostStore& hosts, store::LocationStore& locations);
void add_api_report_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                           store::LocationStore& locations, ReportCaches& caches);
void add_api_openapi_routes(Routes& routes);
// /api/v1/events, /api/v1/maintenance, /api/v1/alert-rules (src/web/api/v1_alerts.cpp)
void add_api_alert_routes(Routes& routes, store::AlertStore& alerts);
// GET /api/v1/hosts/{id}/paths (api/v1_paths.cpp, issue 15)
void add_api_path_routes(Routes& routes, store::PathStore& paths);
// /api/v1/channels (src/web/api/v1_channels.cpp)
void add_api_channel_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                            ChannelTester& tester);
// GET /api/v1/locations (api/v1_locations.cpp, issue 16): admins only, 404 for anyone else.
void add_api_location_routes(Routes& routes, store::LocationStore& locations);
// What the agents' routes share (api/v1_agent.cpp, issue 16): the ingest cli sets, and a gate on the
// batches stored at once (each holds a write transaction; a burst of agents must not take every handler
// thread: past the gate's queue a push is answered 503 and the agent's writer retries it).
struct AgentEndpoints {
  AgentIngest ingest;  // results null: this process takes no agents
  ConcurrencyGate pushes{2, 8};
  domain::AssignmentHistory history;  // the assignments handed out, to send an agent only what changed
};
// /api/v1/agent/assignment, results, heartbeat and status (api/v1_agent.cpp, issue 16).
void add_api_agent_routes(Routes& routes, store::LocationStore& locations, AgentEndpoints& agents);
// The OpenAPI document of /api/v1 (embedded src/web/api/openapi.json).
std::string_view openapi_document();

}  // namespace semaphore::web
