#pragma once
// The web application: turns a Request into a Response. Knows nothing of sockets (src/web/server/ does that),
// so every page and every security rule can be tested by calling handle() directly.
//
// Every response gets the security headers (CSP without inline script, frame-ancestors 'none', nosniff,
// Referrer-Policy); every POST needs the form's csrf_token (403 without it); pages of a signed-in user need a
// live session (GET: 303 to /signin?next=..., POST: 403); API routes take a bearer token or the session
// (web/security/api_auth.h: 401, 403, 429); errors are pages without internals.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "alerts/notification_sender.h"
#include "core/prometheus_text.h"
#include "domain/agent_protocol.h"
#include "domain/passwords.h"
#include "store/account_store.h"
#include "store/alert_store.h"
#include "store/data_version.h"
#include "store/host_store.h"
#include "store/location_store.h"
#include "store/monitor_store.h"
#include "store/operator_store.h"
#include "store/path_store.h"
#include "store/token_store.h"
#include "web/health.h"
#include "web/http_types.h"
#include "web/web_options.h"

namespace semaphore::web {

struct WebAppParts;  // what a WebApp owns (app.cpp): the site, the route table, the caches, the metrics

// The parts of the store the web UI uses (all six are usually the one store::Store).
struct WebStores {
  store::AccountStore& accounts;       // sign-up, sign-in, sessions, the account page
  store::HostStore& hosts;             // the pages and the API
  store::DataVersionSource& versions;  // what the caches are kept under
  store::TokenStore& tokens;           // API tokens: bearer authentication, the account page's list
  store::OperatorStore& operators;     // /readyz's database check, /metrics' per-host gauges (every user's)
  store::AlertStore& alerts;           // /alerts, the host pages' rules, state and events, their API
  store::PathStore& paths;             // the host pages' network paths and their API (issue 15)
  store::LocationStore& locations;     // /locations and GET /api/v1/locations (issue 16; admins); the names
                                       // of the locations the report, the host page and the API show
};

// The ping service when it runs in the same process (`semaphore run`; web never includes monitor, so cli
// hands these over).
struct InProcessService {
  std::function<void(PrometheusText&)> write_metrics;  // its series on /metrics
  std::function<RoundProgress()> progress;             // its rounds, for /readyz
};

// What the agents' routes (/api/v1/agent/..., issue 16) need beyond WebStores; cli sets it on `run` and
// `serve` (WebApp::set_agent_ingest). Without it those routes answer 404.
struct AgentIngest {
  store::MonitorStore* results = nullptr;  // every enabled host (the assignment) and where rows go
  // The alerts' rules, run in the transaction that stores an agent's rows (as the local writer does); null:
  // rows are stored only.
  store::RoundEvaluator* evaluator = nullptr;
  domain::AgentSettings settings;  // what every agent is told to do each round
  // Called (on the handler thread; it must not block) with the oldest of an agent's rows that landed too late
  // for maintenance's regular pass (before the previous hour): cli hands it to maintenance's mark_dirty.
  std::function<void(EpochMs oldest)> on_late_rows;
};

class WebApp {
 public:
  // Throws std::runtime_error at start-up if the embedded templates do not parse.
  WebApp(WebStores stores, const WebOptions& options,
         domain::PasswordCost cost = domain::PasswordCost::interactive());
  ~WebApp();
  WebApp(const WebApp&) = delete;
  WebApp& operator=(const WebApp&) = delete;

  // Answers one request. Never throws: an unexpected exception becomes a 500 page (and a log line).
  Response handle(const Request& request);

  // The ping service in the same process: its series on /metrics, its rounds in /readyz. Call before serving.
  void set_ping_service(InProcessService service);
  // The sender of the channels' "Send test" (cli: the dispatcher's CurlSender, under --targets); not owned,
  // it must outlive the app. Without one, Send test answers that sending is not available. Call before
  // serving.
  void set_notification_sender(alerts::NotificationSender* sender);
  // Takes agents (issue 16) with `ingest`. Call before serving.
  void set_agent_ingest(AgentIngest ingest);
  // How often the report refreshes itself and after how long a host without a round counts as unknown.
  void set_round_interval(std::chrono::seconds interval);

  // Waits until the sessions' and API tokens' last-seen times asked for so far are written (they are written
  // on threads of their own: web/security/deferred_touches.h). Tests.
  void flush_touches();

  // Records an answer the server made without the app (400 for a malformed request, 413, timeouts).
  void record_protocol_error(int status, std::chrono::microseconds duration);

 private:
  std::unique_ptr<WebAppParts> parts_;
};

// The body a request may send: the server's --body-limit (`body_limit`), but for POST /api/v1/hosts/import
// (up to 10,000 hosts in one call: about 1.5 MB of ordinary JSON, 11 MB if every field is as long as it may
// be) at least kImportBodyLimit, and for an agent's POST /api/v1/agent/results at least
// kAgentBatchBodyLimit. The server asks once it has read the request line and headers.
inline constexpr std::size_t kImportBodyLimit = 16 * 1024 * 1024;
// POST /api/v1/agent/results: a batch of up to domain::kMaxAgentBatchRows rows (about 260 bytes of JSON
// each at most).
inline constexpr std::size_t kAgentBatchBodyLimit = 4 * 1024 * 1024;
std::size_t body_limit_for(bool post, std::string_view target, std::size_t body_limit);
// The JSON error body of a 413 the server answers itself for a request to the API ("/api/..."), or "" for
// any other target (which gets plain text).
std::string api_too_large_body(std::string_view target);

// The headers every response carries (also those the server makes itself, like 413).
const std::vector<std::pair<std::string, std::string>>& security_headers(bool secure_transport);

}  // namespace semaphore::web
