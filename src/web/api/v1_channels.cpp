// /api/v1/channels (issue 14): GET (list) and POST (add; a webhook's signing secret is in the answer, once),
// GET|PATCH|DELETE /channels/{id} (PATCH {"rotate_secret": true} makes a new webhook secret and answers it
// once), POST /channels/{id}/test (Send test: web/channel_tester.h; 200 {delivered, error, status}).
// Channels are checked by alerts/channel_service.h, as on /alerts and in the CLI; every query is scoped by
// the caller's user id (another user's channel is 404). No answer holds a secret but those two (has_secret
// instead), nor a channel's whole URL (Slack's and Discord's hold their secret): `target` is its host.
#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <variant>

#include "alerts/channel_service.h"
#include "web/api/api_error.h"
#include "web/api/api_json.h"
#include "web/app_context.h"
#include "web/channel_tester.h"
#include "web/security/rate_limiter.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;

json::value time_or_null(const std::optional<EpochMs>& at) {
  return at ? json::value(format_iso8601(*at)) : json::value(nullptr);
}

json::object channel_json(const store::ChannelRecord& channel, const store::ChannelStatus& status) {
  json::value options = json::object{};
  boost::system::error_code ec;
  if (json::value parsed = json::parse(channel.options, ec); !ec && parsed.is_object())
    options = std::move(parsed);
  json::array host_ids, providers, states;
  for (const auto id : channel.host_ids) host_ids.emplace_back(id);
  for (const auto& provider : channel.providers) providers.emplace_back(provider);
  for (const auto& state : channel.states) states.emplace_back(state);
  return json::object{
      {"id", channel.id},
      {"name", channel.name},
      {"kind", channel.kind},
      {"target", alerts::channel_target(channel)},
      {"has_secret", !channel.secret.empty()},
      {"options", std::move(options)},
      {"host_ids", std::move(host_ids)},
      {"providers", std::move(providers)},
      {"states", std::move(states)},
      {"enabled", channel.enabled},
      {"created_at", format_iso8601(channel.created_at)},
      {"updated_at", format_iso8601(channel.updated_at)},
      {"status", json::object{{"pending", status.pending},
                              {"last_attempt_at", time_or_null(status.last_attempt_at)},
                              {"last_success_at", time_or_null(status.last_success_at)},
                              {"last_error", status.last_error.empty() ? json::value(nullptr)
                                                                       : json::value(status.last_error)},
                              {"failing_since", time_or_null(status.failing_since)},
                              {"failing", status.failing}}},
  };
}

Response channel_not_found() {
  return api_error(404, "not_found", "No such channel, or it is not yours.");
}

Response bad_field(std::string_view field, std::string_view message) {
  return api_error(400, "bad_field", message, field);
}

// Reads the members of `body` that a POST or PATCH may set into `channel`; the problem (field, message).
std::optional<std::pair<std::string, std::string>> read_members(const json::object& body,
                                                                store::ChannelRecord& channel, bool patch) {
  static constexpr std::string_view kKnown[] = {"name",    "kind",         "url",       "secret",
                                                "options", "host_ids",     "providers", "states",
                                                "enabled", "rotate_secret"};
  for (const auto& [key, value] : body) {
    if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(key)) == std::end(kKnown)) {
      return std::pair<std::string, std::string>{std::string(key), "This field is not known."};
    }
    if (key == "kind" && patch) {
      return std::pair<std::string, std::string>{"kind",
                                                 "A channel's kind cannot change: add a new channel."};
    }
    if (key == "rotate_secret" && !patch) {
      return std::pair<std::string, std::string>{"rotate_secret", "Only a PATCH rotates a secret."};
    }
  }
  const auto text = [&](const char* name,
                        std::string& out) -> std::optional<std::pair<std::string, std::string>> {
    const json::value* value = body.if_contains(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string())
      return std::pair<std::string, std::string>{name, std::string(name) + " is a string."};
    out = std::string(value->get_string());
    return std::nullopt;
  };
  for (const auto& [name, out] : {std::pair<const char*, std::string*>{"name", &channel.name},
                                  {"kind", &channel.kind},
                                  {"url", &channel.url},
                                  {"secret", &channel.secret}}) {
    if (auto problem = text(name, *out)) return problem;
  }
  if (const json::value* options = body.if_contains("options")) {
    if (!options->is_object()) return std::pair<std::string, std::string>{"options", "options is an object."};
    channel.options = json::serialize(*options);
  }
  if (const json::value* ids = body.if_contains("host_ids")) {
    if (!ids->is_array())
      return std::pair<std::string, std::string>{"host_ids", "host_ids is a list of host ids."};
    channel.host_ids.clear();
    for (const auto& id : ids->get_array()) {
      if (!id.is_int64() || id.get_int64() <= 0) {
        return std::pair<std::string, std::string>{"host_ids", "host_ids is a list of host ids."};
      }
      channel.host_ids.push_back(id.get_int64());
    }
  }
  for (const auto& [name, out] :
       {std::pair<const char*, std::vector<std::string>*>{"providers", &channel.providers},
        {"states", &channel.states}}) {
    const json::value* list = body.if_contains(name);
    if (list == nullptr) continue;
    const std::string wrong = std::string(name) + " is a list of words.";
    if (!list->is_array()) return std::pair<std::string, std::string>{name, wrong};
    out->clear();
    for (const auto& word : list->get_array()) {
      if (!word.is_string()) return std::pair<std::string, std::string>{name, wrong};
      out->emplace_back(word.get_string());
    }
  }
  if (const json::value* enabled = body.if_contains("enabled")) {
    if (!enabled->is_bool())
      return std::pair<std::string, std::string>{"enabled", "enabled is true or false."};
    channel.enabled = enabled->get_bool();
  }
  return std::nullopt;
}

// An alerts::ChannelIssue as the API's 422 (the field in the API's words: options.to, url, ...).
Response issue_error(const alerts::ChannelIssue& issue) {
  return api_error(422, "bad_field", issue.message, issue.field);
}

std::set<store::Id> own_hosts(store::HostStore& hosts, store::Id user_id, std::optional<Error>& error) {
  std::set<store::Id> ids;
  auto listed = hosts.list_hosts(user_id);
  if (!listed) {
    error = listed.error();
    return ids;
  }
  for (const auto& host : *listed) ids.insert(host.id);
  return ids;
}

Response list_channels(RequestContext& ctx, store::AlertStore& alerts) {
  auto listed = alerts.list_channels(ctx.user->id);
  if (!listed) return api_store_error(listed.error());
  json::array list;
  for (const auto& [channel, status] : *listed) list.push_back(channel_json(channel, status));
  return json_response(200, json::object{{"channels", std::move(list)}});
}

Response add_channel(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  const json::object* body = ctx.json.if_object();
  if (body == nullptr) return api_error(400, "bad_field", "Send a JSON object.");
  store::ChannelRecord channel;
  channel.user_id = ctx.user->id;
  if (auto problem = read_members(*body, channel, /*patch=*/false))
    return bad_field(problem->first, problem->second);
  if (!body->contains("kind")) return bad_field("kind", "kind is webhook, slack, discord, ntfy or email.");
  if (!body->contains("url")) return bad_field("url", "Send the channel's url.");
  if (channel.kind == "webhook" && body->contains("secret")) {
    return bad_field("secret", "A webhook's signing secret is made by the server and answered once.");
  }
  std::optional<Error> error;
  const auto own = own_hosts(hosts, ctx.user->id, error);
  if (error) return api_store_error(*error);
  auto created = alerts::create_channel(alerts, channel, ctx.site.options.hosts.targets, &own);
  if (created.issue) return issue_error(*created.issue);
  if (created.error) {
    if (created.error->code == Errc::duplicate) {
      return api_error(409, "duplicate", "You have a channel of that name already.", "name");
    }
    if (created.error->code == Errc::limit_exceeded) {
      return api_error(
          422, "limit_exceeded",
          "You have " + std::to_string(alerts::kMaxChannelsPerUser) + " channels, the most there may be.");
    }
    return api_store_error(*created.error);
  }
  json::object out = channel_json(*created.channel, {});
  if (created.channel->kind == "webhook") out["secret"] = created.channel->secret;
  Response response = json_response(201, out);
  response.add_header("Location", "/api/v1/channels/" + std::to_string(created.channel->id));
  return response;
}

Response get_channel(RequestContext& ctx, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return channel_not_found();
  auto found = alerts.find_channel(ctx.user->id, *id);
  if (!found)
    return found.error().code == Errc::not_found ? channel_not_found() : api_store_error(found.error());
  return json_response(200, channel_json(found->channel, found->status));
}

Response patch_channel(RequestContext& ctx, store::HostStore& hosts, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return channel_not_found();
  const json::object* body = ctx.json.if_object();
  if (body == nullptr) return api_error(400, "bad_field", "Send a JSON object.");
  auto found = alerts.find_channel(ctx.user->id, *id);
  if (!found)
    return found.error().code == Errc::not_found ? channel_not_found() : api_store_error(found.error());
  store::ChannelRecord channel = found->channel;
  if (auto problem = read_members(*body, channel, /*patch=*/true))
    return bad_field(problem->first, problem->second);
  bool rotate = false;
  if (const json::value* value = body->if_contains("rotate_secret")) {
    if (!value->is_bool()) return bad_field("rotate_secret", "rotate_secret is true or false.");
    rotate = value->get_bool();
  }
  if (channel.kind == "webhook") {
    if (body->contains("secret")) {
      return bad_field("secret", "A webhook's signing secret is made by the server: send rotate_secret.");
    }
    if (rotate) channel.secret = alerts::make_webhook_secret();
  } else if (rotate) {
    return bad_field("rotate_secret", "Only a webhook has a signing secret to rotate.");
  }
  std::optional<Error> error;
  const auto own = own_hosts(hosts, ctx.user->id, error);
  if (error) return api_store_error(*error);
  if (auto issue = alerts::check_channel_input(channel, ctx.site.options.hosts.targets, &own)) {
    return issue_error(*issue);
  }
  if (auto saved = alerts.update_channel(channel); !saved) {
    if (saved.error().code == Errc::not_found) return channel_not_found();
    if (saved.error().code == Errc::duplicate) {
      return api_error(409, "duplicate", "You have another channel of that name.", "name");
    }
    return api_store_error(saved.error());
  }
  auto reread = alerts.find_channel(ctx.user->id, channel.id);
  if (!reread) return api_store_error(reread.error());
  json::object out = channel_json(reread->channel, reread->status);
  if (rotate) out["secret"] = channel.secret;
  return json_response(200, out);
}

Response delete_channel(RequestContext& ctx, store::AlertStore& alerts) {
  const auto id = ctx.id_param();
  if (!id) return channel_not_found();
  if (auto deleted = alerts.delete_channel(ctx.user->id, *id); !deleted) {
    if (deleted.error().code == Errc::not_found) return channel_not_found();
    return api_store_error(deleted.error());
  }
  return text_response(204, "");
}

Response test_channel(RequestContext& ctx, store::AlertStore& alerts, ChannelTester& tester) {
  const auto id = ctx.id_param();
  if (!id) return channel_not_found();
  auto found = alerts.find_channel(ctx.user->id, *id);
  if (!found)
    return found.error().code == Errc::not_found ? channel_not_found() : api_store_error(found.error());
  const ChannelTester::Result result = tester.test(found->channel, ctx.now);
  switch (result.verdict) {
    case ChannelTester::Verdict::throttled: {
      Response response =
          api_error(429, "rate_limited",
                    "Too many tests: " + std::to_string(static_cast<int>(ChannelTester::kTestsPerMinute)) +
                        " a minute per user.");
      response.add_header("Retry-After", retry_after_seconds(result.retry_after));
      return response;
    }
    case ChannelTester::Verdict::busy: {
      Response response =
          api_error(503, "unavailable", "Other tests are being sent just now; try again soon.");
      response.add_header("Retry-After", "5");
      return response;
    }
    case ChannelTester::Verdict::unavailable:
      return api_error(503, "unavailable", "This server does not send notifications.");
    case ChannelTester::Verdict::sent:
      break;
  }
  const alerts::SendOutcome& outcome = result.outcome;
  return json_response(200,
                       json::object{
                           {"delivered", outcome.delivered},
                           {"error", outcome.delivered ? json::value(nullptr) : json::value(outcome.error)},
                           {"status", outcome.status ? json::value(*outcome.status) : json::value(nullptr)},
                       });
}

}  // namespace

void add_api_channel_routes(Routes& routes, store::HostStore& hosts, store::AlertStore& alerts,
                            ChannelTester& tester) {
  routes.add(Method::get, "/api/v1/channels", Access::api, bind_handler(list_channels, alerts));
  routes.add(Method::post, "/api/v1/channels", Access::api, bind_handler(add_channel, hosts, alerts));
  routes.add(Method::get, "/api/v1/channels/{id}", Access::api, bind_handler(get_channel, alerts));
  routes.add(Method::patch, "/api/v1/channels/{id}", Access::api, bind_handler(patch_channel, hosts, alerts));
  routes.add(Method::delete_, "/api/v1/channels/{id}", Access::api, bind_handler(delete_channel, alerts));
  routes.add(Method::post, "/api/v1/channels/{id}/test", Access::api,
             bind_handler(test_channel, alerts, tester));
}

}  // namespace semaphore::web
