#include "agent/http_sink.h"

#include <boost/json/parse.hpp>

#include <memory>
#include <mutex>

#include "core/text.h"
#include "domain/agent_protocol.h"

namespace semaphore::agent {
namespace {

constexpr std::string_view kResultsPath = "/api/v1/agent/results";
constexpr std::string_view kStatusPath = "/api/v1/agent/status";
constexpr std::string_view kHeartbeatPath = "/api/v1/agent/heartbeat";

constexpr const char* kRefused =
    "agent: the server refuses this agent's token (401: unknown, or its location was removed); results wait "
    "in the spool";

// The message of the API's error shape {"error": {"message": ...}}, or the status alone.
std::string server_message(const Reply& reply) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(reply.body, ec);
  if (!ec && value.is_object()) {
    if (const auto* error = value.get_object().if_contains("error"); error && error->is_object()) {
      if (const auto* message = error->get_object().if_contains("message"); message && message->is_string()) {
        return "HTTP " + std::to_string(reply.status) + ": " + log_safe(message->get_string());
      }
    }
  }
  return "HTTP " + std::to_string(reply.status);
}

bool retryable(long status) {
  return status == 401 || status == 408 || status == 429 || status >= 500 || status < 200;
}

}  // namespace

Error HttpResultSink::refusal(const Reply& reply) {
  if (reply.status == 401) refusals_.warn(kRefused);
  const std::string message = "the server did not store the batch (" + server_message(reply) + ")";
  return make_error(retryable(reply.status) ? Errc::unavailable : Errc::invalid_argument, message);
}

Result<std::int64_t> HttpResultSink::insert(std::span<const store::PingResult> rows) {
  auto reply = client_.post_json(kResultsPath, domain::encode_result_batch(rows));
  if (!reply) return reply.error();
  if (reply->status != 200) return refusal(*reply);
  boost::system::error_code ec;
  const auto value = boost::json::parse(reply->body, ec);
  const auto* inserted = !ec && value.is_object() ? value.get_object().if_contains("inserted") : nullptr;
  if (inserted == nullptr || !inserted->is_int64()) {
    return make_error(Errc::unavailable, "the server's answer to a batch has no \"inserted\" count");
  }
  return inserted->get_int64();
}

Status HttpResultSink::check() {
  auto reply = client_.get(kStatusPath);
  if (!reply) return reply.error();
  if (reply->status != 200) return refusal(*reply);
  return {};
}

monitor::HeartbeatRecorder http_heartbeat(ClientOptions client, ThrottledLog& refusals) {
  // One client for the heartbeat's thread, shared by the copies of the recorder.
  auto shared = std::make_shared<AgentClient>(std::move(client));
  return [shared, &refusals](const store::LocationHeartbeat& beat) -> Status {
    auto reply = shared->post_json(kHeartbeatPath, domain::encode_heartbeat(beat));
    if (!reply) return reply.error();
    if (reply->status == 204 || reply->status == 200) return {};
    if (reply->status == 401) refusals.warn(kRefused);
    return make_error(Errc::unavailable,
                      "the server did not take the heartbeat (" + server_message(*reply) + ")");
  };
}

}  // namespace semaphore::agent
