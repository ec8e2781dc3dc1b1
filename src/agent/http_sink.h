#pragma once
// Where an agent's rows go (issue 16): the server's POST /api/v1/agent/results, behind the same result
// writer and spool as a database-connected service's (monitor/result_writer.h): while the server does not
// take a batch the writer backs off, spools, and replays the spool in order once check() answers again. The
// server stores a batch idempotently, so a batch sent again after a timeout (the server stored it, the answer
// was lost) adds nothing.
//
// How answers map onto the writer's contract:
//  - 200: written (the count the server inserted);
//  - no answer, 5xx, 429, 408: Errc::unavailable (retried, then spooled);
//  - 401 (a removed location): Errc::unavailable too, so the rows wait in the spool rather than being lost
//    to a mistake an operator can undo; logged once a minute;
//  - any other 4xx (a batch the server can never take: malformed, too large): Errc::invalid_argument, which
//    the writer drops, counts and logs: retrying it forever would stop every later batch.
#include "agent/agent_client.h"
#include "agent/throttled_log.h"
#include "monitor/heartbeat.h"
#include "monitor/result_writer.h"

namespace semaphore::agent {

class HttpResultSink : public monitor::ResultSink {
 public:
  HttpResultSink(ClientOptions client, ThrottledLog& refusals)
      : client_(std::move(client)), refusals_(refusals) {}

  Result<std::int64_t> insert(std::span<const store::PingResult> rows) override;
  // GET /api/v1/agent/status: 200 when the server and its database answer.
  Status check() override;

 private:
  Error refusal(const Reply& reply);

  AgentClient client_;
  ThrottledLog& refusals_;
};

// The heartbeat's way to the server (POST /api/v1/agent/heartbeat), for monitor::Heartbeat.
monitor::HeartbeatRecorder http_heartbeat(ClientOptions client, ThrottledLog& refusals);

}  // namespace semaphore::agent
