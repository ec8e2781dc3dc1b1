// /api/v1/agent/... (issue 16): the server's side of the remote agents (src/agent). An agent authenticates
// with its location's token (Access::agent, web/security/agent_auth.h); the location of what it sends is the
// token's, never a field of the request. Wire format: domain/agent_protocol.h.
//
//   GET  /api/v1/agent/assignment  the hosts to ping and the settings, with an ETag (304 when unchanged);
//                                  ?since=<the version held>: only what changed, when the server still
//                                  remembers that version (domain/assignment_changes.h)
//   POST /api/v1/agent/results     a batch of rows, stored idempotently (key: host, location, kind, round
//                                  time) with the alerts evaluated in the same transaction, as the local
//                                  writer stores its own: a batch sent again after a timeout adds nothing
//   POST /api/v1/agent/heartbeat   the agent's rounds, version and spool backlog (/locations shows them)
//   GET  /api/v1/agent/status      200 when the database answers, else 503: the agent's writer asks it
//                                  before replaying its spool
//
// The writes run in the store's background lane: they wait on the database's write lock like any writer,
// and must never hold a connection the pages need (store/lane.h).
#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>

#include "core/text.h"
#include "domain/agent_protocol.h"
#include "domain/assignment_changes.h"
#include "store/lane.h"
#include "store/result_location.h"
#include "web/api/api_error.h"
#include "web/app_context.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;

Response no_agents() {
  return api_error(404, "not_found", "This server takes no agents.");
}

// The start of the hour before `now`'s: maintenance's regular pass recomputes the rollups from there on
// (monitor/maintenance.h), so rows older than this landed too late for it.
EpochMs regular_rollup_horizon(EpochMs now) {
  constexpr EpochMs kHour = 3'600'000;
  return (now / kHour - 1) * kHour;
}

Response get_assignment(RequestContext& ctx, AgentEndpoints& agents) {
  const AgentIngest& ingest = agents.ingest;
  if (ingest.results == nullptr) return no_agents();
  // The hosts this agent's location pings: a host switched off for it (issue 16) leaves the list, so the
  // version below, made from the list, moves and the agent's next If-None-Match gets the new one.
  auto listed = ingest.results->list_enabled_hosts(ctx.agent_location->id);
  if (!listed) return api_store_error(listed.error());
  domain::AgentAssignment assignment;
  assignment.location = ctx.agent_location->name;
  assignment.settings = ingest.settings;
  assignment.hosts.reserve(listed->size());
  for (auto& host : *listed) {
    store::Host sent;  // only what an agent needs to ping: never the owner, label or provider
    sent.id = host.id;
    sent.hostname = std::move(host.hostname);
    sent.probe = host.probe;
    assignment.hosts.push_back(std::move(sent));
  }
  std::sort(assignment.hosts.begin(), assignment.hosts.end(),
            [](const store::Host& a, const store::Host& b) { return a.id < b.id; });
  assignment.version = domain::assignment_version(assignment.settings, assignment.hosts);
  const std::string etag = "\"" + assignment.version + "\"";
  if (trim(ctx.request.header("if-none-match")) == etag) {
    Response response = text_response(304, "");
    response.add_header("ETag", etag);
    return response;
  }
  auto changes = agents.history.changes_since(ctx.agent_location->id, assignment, ctx.query.get("since"));
  Response response = text_response(
      200, changes ? domain::encode_assignment_changes(*changes) : domain::encode_assignment(assignment),
      "application/json");
  response.add_header("ETag", etag);
  return response;
}

Response post_results(RequestContext& ctx, AgentEndpoints& agents) {
  const AgentIngest& ingest = agents.ingest;
  if (ingest.results == nullptr) return no_agents();
  auto rows = domain::decode_result_batch(ctx.json);
  if (!rows) return api_error(400, "bad_field", rows.error().message, "rows");
  const store::Id location_id = ctx.agent_location->id;
  if (!store::valid_result_location(location_id)) {
    return api_error(409, "conflict", "This location's id is beyond what a result row can hold.");
  }
  const std::size_t received = rows->size();
  // Rows outside the time the server stores (a clock far off, a spool older than retention) are left out,
  // counted and said: refusing the batch would make the agent send them again forever.
  std::erase_if(*rows,
                [&](const store::PingResult& row) { return !domain::row_time_accepted(row.ts, ctx.now); });
  const std::size_t out_of_range = received - rows->size();
  EpochMs oldest = ctx.now;
  for (auto& row : *rows) {
    row.location_id = location_id;
    oldest = std::min(oldest, row.ts);
  }

  auto pass = agents.pushes.enter();
  if (!pass) {
    Response response =
        api_error(503, "unavailable", "The server is storing other agents' rows; retry shortly.");
    response.add_header("Retry-After", "1");
    return response;
  }
  const store::BackgroundLane lane;
  auto inserted = ingest.evaluator != nullptr
                      ? ingest.results->insert_results_evaluated(*rows, *ingest.evaluator)
                      : ingest.results->insert_results(*rows);
  if (!inserted) {
    Response response = api_store_error(inserted.error());
    if (response.status == 503) response.add_header("Retry-After", "5");
    return response;
  }
  if (*inserted > 0 && oldest < regular_rollup_horizon(ctx.now) && ingest.on_late_rows) {
    ingest.on_late_rows(oldest);
  }
  return json_response(
      200, json::object{{"received", received}, {"inserted", *inserted}, {"out_of_range", out_of_range}});
}

Response post_heartbeat(RequestContext& ctx, store::LocationStore& locations, AgentEndpoints& agents) {
  if (agents.ingest.results == nullptr) return no_agents();
  auto beat = domain::decode_heartbeat(ctx.json);
  if (!beat) return api_error(400, "bad_field", beat.error().message);
  beat->location_id = ctx.agent_location->id;
  beat->at = ctx.now;
  const store::BackgroundLane lane;
  // The location's row, found by id: a location renamed meanwhile still gets it.
  if (auto recorded = locations.record_heartbeat(*beat); !recorded) {
    return api_store_error(recorded.error());
  }
  return text_response(204, "");
}

Response get_status(RequestContext&, AgentEndpoints& agents) {
  if (agents.ingest.results == nullptr) return no_agents();
  if (auto answered = agents.ingest.results->check_connection(); !answered) {
    Response response = api_error(503, "unavailable", "The database is not answering; retry shortly.");
    response.add_header("Retry-After", "5");
    return response;
  }
  return json_response(200, json::object{{"database", "up"}});
}

}  // namespace

void add_api_agent_routes(Routes& routes, store::LocationStore& locations, AgentEndpoints& agents) {
  routes.add(Method::get, "/api/v1/agent/assignment", Access::agent, bind_handler(get_assignment, agents));
  routes.add(Method::post, "/api/v1/agent/results", Access::agent, bind_handler(post_results, agents));
  routes.add(Method::post, "/api/v1/agent/heartbeat", Access::agent,
             bind_handler(post_heartbeat, locations, agents));
  routes.add(Method::get, "/api/v1/agent/status", Access::agent, bind_handler(get_status, agents));
}

}  // namespace semaphore::web
