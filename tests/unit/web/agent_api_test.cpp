// /api/v1/agent/... (issue 16): an agent's token opens only the agent routes; the assignment carries every
// enabled host (and nothing of its owner) with an ETag; result batches are stored under the token's location,
// idempotently; malformed rows are refused with their index and field, rows outside the stored time are left
// out and counted; a rotated token is refused at once; the heartbeat lands in the location's row. The app
// over a real SQLite store (no sockets).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <variant>

#include "alerts/round_evaluator.h"
#include "domain/agent_protocol.h"
#include "domain/api_tokens.h"
#include "domain/assignment_changes.h"
#include "domain/locations.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/test_browser.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;
using namespace web_testing;

class AgentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = domain::create_location(*store, "fra", "Frankfurt", now_epoch_ms());
    ASSERT_TRUE(made.ok());
    token = made->token;
    location_id = made->location.id;
    auto user = store->create_user("owner@example.com", "hash", true);
    ASSERT_TRUE(user.ok());
    user_id = user->id;
    for (const char* name : {"a.example.com", "b.example.com"}) {
      store::Host host;
      host.user_id = user_id;
      host.hostname = name;
      host.label = "secret label";
      auto added = store->add_host(host);
      ASSERT_TRUE(added.ok());
      hosts.push_back(*added);
    }
    AgentIngest ingest;
    ingest.results = store.get();
    ingest.settings.interval = std::chrono::seconds(30);
    ingest.settings.probes = 7;
    ingest.on_late_rows = [this](EpochMs oldest) { late_rows.push_back(oldest); };
    app().set_agent_ingest(ingest);
  }

  WebApp& app() {
    if (!app_) app_ = app_over(*store);
    return *app_;
  }

  Response agent_call(Method method, const std::string& target, const std::string& body = "",
                      const std::string& with_token = "",
                      std::vector<std::pair<std::string, std::string>> extra = {}) {
    Browser agent{app()};
    extra.emplace_back("authorization", "Bearer " + (with_token.empty() ? token : with_token));
    if (!body.empty()) extra.emplace_back("content-type", "application/json");
    return agent.call(method, target, body, extra);
  }

  store::PingResult row(std::size_t host_index, EpochMs ts) const {
    store::PingResult result;
    result.host_id = hosts[host_index].id;
    result.ts = ts;
    result.sent = 5;
    result.received = 4;
    result.min_ms = 1.5;
    result.avg_ms = 2.0;
    result.max_ms = 3.25;
    result.median_ms = 2.0;
    result.stddev_ms = 0.5;
    return result;
  }

  // Whether `result` is stored under `location`: the store's insert is idempotent on (host, ts, kind,
  // location), so inserting it again adds nothing exactly when it is there already.
  bool stored_under(store::PingResult result, store::Id location) {
    result.location_id = location;
    const std::array<store::PingResult, 1> one{result};
    auto inserted = store->insert_results(one);
    EXPECT_TRUE(inserted.ok());
    return inserted.ok() && *inserted == 0;
  }

  testing::TempDir dir{"semaphore-agent-api-unit"};
  std::unique_ptr<store::Store> store = semaphore::testing::open_migrated_sqlite(dir, "agents.db");
  std::unique_ptr<WebApp> app_;
  std::string token;
  store::Id location_id = 0;
  store::Id user_id = 0;
  std::vector<store::Host> hosts;
  std::vector<EpochMs> late_rows;
};

TEST_F(AgentApiTest, TheAssignmentListsEveryEnabledHostWithTheSettingsAndNothingOfItsOwner) {
  const Response answer = agent_call(Method::get, "/api/v1/agent/assignment");
  ASSERT_EQ(answer.status, 200) << answer.body;
  auto assignment = domain::decode_assignment(answer.body);
  ASSERT_TRUE(assignment.ok()) << assignment.error().message;
  EXPECT_EQ(assignment->location, "fra");
  EXPECT_EQ(assignment->settings.interval, std::chrono::seconds(30));
  EXPECT_EQ(assignment->settings.probes, 7);
  ASSERT_EQ(assignment->hosts.size(), 2u);
  EXPECT_EQ(assignment->hosts[0].id, hosts[0].id);
  EXPECT_EQ(assignment->hosts[0].hostname, "a.example.com");
  EXPECT_FALSE(contains(answer.body, "secret label"));
  EXPECT_FALSE(contains(answer.body, "owner@example.com"));
  EXPECT_FALSE(contains(answer.body, "user"));
  EXPECT_EQ(header_of(answer, "ETag"), "\"" + assignment->version + "\"");

  // Unchanged: 304 and no body. A host disabled: a new version, without it.
  const Response same = agent_call(Method::get, "/api/v1/agent/assignment", "", "",
                                   {{"if-none-match", header_of(answer, "ETag")}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  store::Host disabled = hosts[1];
  disabled.enabled = false;
  ASSERT_TRUE(store->update_host(disabled).ok());
  const Response changed = agent_call(Method::get, "/api/v1/agent/assignment", "", "",
                                      {{"if-none-match", header_of(answer, "ETag")}});
  ASSERT_EQ(changed.status, 200);
  auto after = domain::decode_assignment(changed.body);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->version, assignment->version);
  ASSERT_EQ(after->hosts.size(), 1u);
  EXPECT_EQ(after->hosts[0].id, hosts[0].id);
}

TEST_F(AgentApiTest, AHostSwitchedOffForTheLocationLeavesItsAssignmentWithANewVersion) {
  // Issue 16: a user switches the agent's location off for a host; the agent's next fetch (If-None-Match
  // with the version it has) gets a new version without that host; another location's switch changes
  // nothing for it; switched on again, the host is back.
  const Response first = agent_call(Method::get, "/api/v1/agent/assignment");
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string etag = header_of(first, "ETag");
  const std::vector<store::Id> local_off = {store::kLocalLocationId};
  ASSERT_TRUE(store->set_host_locations_off(user_id, hosts[0].id, local_off).ok());
  EXPECT_EQ(agent_call(Method::get, "/api/v1/agent/assignment", "", "", {{"if-none-match", etag}}).status,
            304)
      << "switching local off changes nothing for fra";

  const std::vector<store::Id> fra_off = {location_id};
  ASSERT_TRUE(store->set_host_locations_off(user_id, hosts[0].id, fra_off).ok());
  const Response changed =
      agent_call(Method::get, "/api/v1/agent/assignment", "", "", {{"if-none-match", etag}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  auto after = domain::decode_assignment(changed.body);
  ASSERT_TRUE(after.ok()) << after.error().message;
  ASSERT_EQ(after->hosts.size(), 1u);
  EXPECT_EQ(after->hosts[0].id, hosts[1].id);
  EXPECT_NE(header_of(changed, "ETag"), etag);

  ASSERT_TRUE(store->set_host_locations_off(user_id, hosts[0].id, {}).ok());
  const Response back = agent_call(Method::get, "/api/v1/agent/assignment", "", "",
                                   {{"if-none-match", header_of(changed, "ETag")}});
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(header_of(back, "ETag"), etag) << "the same hosts and settings: the first version again";
  EXPECT_EQ(domain::decode_assignment(back.body)->hosts.size(), 2u);
}

TEST_F(AgentApiTest, AnAgentAskingSinceItsVersionGetsOnlyWhatChangedAndItAddsUpToTheWholeList) {
  // Issue 16: "fetches its host list (changes since its last fetch)". Four hosts; then one added, one
  // renamed, one deleted, one switched off for this location: the answer to ?since= carries those four
  // and nothing else, and applied to the old list it is the whole list the server sends without since.
  for (const char* name : {"c.example.com", "d.example.com"}) {
    store::Host more;
    more.user_id = user_id;
    more.hostname = name;
    auto added = store->add_host(more);
    ASSERT_TRUE(added.ok());
    hosts.push_back(*added);
  }
  const Response first = agent_call(Method::get, "/api/v1/agent/assignment");
  ASSERT_EQ(first.status, 200) << first.body;
  auto held = domain::decode_assignment(first.body);
  ASSERT_TRUE(held.ok()) << held.error().message;
  ASSERT_EQ(held->hosts.size(), 4u);

  store::Host added;
  added.user_id = user_id;
  added.hostname = "e.example.com";
  auto made = store->add_host(added);
  ASSERT_TRUE(made.ok());
  store::Host renamed = hosts[1];
  renamed.hostname = "renamed.example.com";
  ASSERT_TRUE(store->update_host(renamed).ok());
  ASSERT_TRUE(store->delete_host(user_id, hosts[2].id).ok());
  const std::vector<store::Id> fra_off = {location_id};
  ASSERT_TRUE(store->set_host_locations_off(user_id, hosts[3].id, fra_off).ok());

  const Response changed = agent_call(Method::get, "/api/v1/agent/assignment?since=" + held->version, "", "",
                                      {{"if-none-match", "\"" + held->version + "\""}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  auto reply = domain::decode_assignment_reply(changed.body);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  const auto* changes = std::get_if<domain::AssignmentChanges>(&*reply);
  ASSERT_NE(changes, nullptr) << "changes, not the whole list: " << changed.body;
  EXPECT_EQ(changes->since, held->version);
  ASSERT_EQ(changes->changed.size(), 2u);
  EXPECT_EQ(changes->changed[0].id, hosts[1].id);
  EXPECT_EQ(changes->changed[0].hostname, "renamed.example.com");
  EXPECT_EQ(changes->changed[1].id, made->id);
  EXPECT_EQ(changes->removed, (std::vector<store::Id>{hosts[2].id, hosts[3].id}));
  EXPECT_EQ(changed.body.find("secret label"), std::string::npos);

  const Response whole = agent_call(Method::get, "/api/v1/agent/assignment");
  auto expected = domain::decode_assignment(whole.body);
  ASSERT_TRUE(expected.ok());
  auto applied = domain::apply_changes(*held, *changes);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(applied->version, expected->version);
  EXPECT_EQ(header_of(changed, "ETag"), "\"" + expected->version + "\"");
  ASSERT_EQ(applied->hosts.size(), expected->hosts.size());
  for (std::size_t i = 0; i < applied->hosts.size(); ++i) {
    EXPECT_EQ(applied->hosts[i].id, expected->hosts[i].id);
    EXPECT_EQ(applied->hosts[i].hostname, expected->hosts[i].hostname);
  }

  const Response unknown =
      agent_call(Method::get, "/api/v1/agent/assignment?since=0123456789abcdef0123456789abcdef");
  ASSERT_EQ(unknown.status, 200);
  EXPECT_TRUE(domain::decode_assignment(unknown.body).ok())
      << "a version the server never handed out: the whole list";
}

TEST_F(AgentApiTest, ABatchIsStoredUnderTheTokensLocationOnceHoweverOftenItIsSent) {
  const EpochMs ts = (now_epoch_ms() / 60'000) * 60'000;
  const std::vector<store::PingResult> rows{row(0, ts), row(1, ts)};
  const std::string body = domain::encode_result_batch(rows);
  const Response first = agent_call(Method::post, "/api/v1/agent/results", body);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(body_of(first).at("received").as_int64(), 2);
  EXPECT_EQ(body_of(first).at("inserted").as_int64(), 2);
  // Sent again (its answer was lost, say): nothing more is stored.
  const Response again = agent_call(Method::post, "/api/v1/agent/results", body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(body_of(again).at("inserted").as_int64(), 0);
  EXPECT_TRUE(stored_under(rows[0], location_id));
  EXPECT_FALSE(stored_under(rows[1], store::kLocalLocationId)) << "not the local location's row";
  EXPECT_TRUE(late_rows.empty()) << "rows of this minute are not late";
}

TEST_F(AgentApiTest, RowsOfADeletedHostAreLeftOutAndTheRestOfTheBatchIsStored) {
  const EpochMs ts = (now_epoch_ms() / 60'000) * 60'000;
  ASSERT_TRUE(store->delete_host(user_id, hosts[1].id).ok());
  const Response answer = agent_call(Method::post, "/api/v1/agent/results",
                                     domain::encode_result_batch(std::vector{row(0, ts), row(1, ts)}));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(body_of(answer).at("inserted").as_int64(), 1);
  EXPECT_TRUE(stored_under(row(0, ts), location_id));
}

TEST_F(AgentApiTest, RowsOutsideTheStoredTimeAreCountedNotStoredAndLateRowsAreReported) {
  const EpochMs now = now_epoch_ms();
  const EpochMs too_old = now - 31LL * 86'400'000;
  const EpochMs ahead = now + 3'600'000;
  const EpochMs yesterday = ((now - 86'400'000) / 60'000) * 60'000;
  const Response answer =
      agent_call(Method::post, "/api/v1/agent/results",
                 domain::encode_result_batch(std::vector{row(0, too_old), row(0, ahead), row(1, yesterday)}));
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(body_of(answer).at("received").as_int64(), 3);
  EXPECT_EQ(body_of(answer).at("out_of_range").as_int64(), 2);
  EXPECT_EQ(body_of(answer).at("inserted").as_int64(), 1);
  ASSERT_EQ(late_rows.size(), 1u) << "yesterday's row is older than maintenance's regular pass";
  EXPECT_EQ(late_rows[0], yesterday);
}

TEST_F(AgentApiTest, AMalformedBatchIsRefusedNamingTheRowAndNothingIsStored) {
  const EpochMs ts = (now_epoch_ms() / 60'000) * 60'000;
  json::object good = json::parse(domain::encode_result_batch(std::vector{row(0, ts)})).as_object();
  json::object bad_row = good.at("rows").as_array()[0].as_object();
  bad_row["received"] = 9;  // more than sent
  json::array rows{good.at("rows").as_array()[0], bad_row};
  const Response answer =
      agent_call(Method::post, "/api/v1/agent/results", json::serialize(json::object{{"rows", rows}}));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(error_of(answer).first, "bad_field");
  EXPECT_TRUE(contains(answer.body, "row 1")) << answer.body;
  EXPECT_FALSE(stored_under(row(0, ts), location_id)) << "the good row of a refused batch is not stored";

  for (const std::string& body :
       {std::string(R"({"rows": 5})"), std::string(R"({"rows": [{"host": 1}]})"), std::string(R"([1, 2])")}) {
    EXPECT_EQ(agent_call(Method::post, "/api/v1/agent/results", body).status, 400) << body;
  }
  EXPECT_EQ(agent_call(Method::post, "/api/v1/agent/results", "{not json").status, 400);
}

TEST_F(AgentApiTest, OnlyALiveAgentTokenOpensTheAgentRoutes) {
  EXPECT_EQ(agent_call(Method::get, "/api/v1/agent/status").status, 200);
  Browser nobody{app()};
  const Response bare = nobody.call(Method::get, "/api/v1/agent/status");
  EXPECT_EQ(bare.status, 401);
  EXPECT_EQ(header_of(bare, "WWW-Authenticate"), "Bearer");
  // A user's API token is not an agent's, even an admin's; an agent's token opens no user route.
  auto api_token = domain::create_api_token(*store, user_id, "ops", store::TokenScope::write, std::nullopt,
                                            now_epoch_ms());
  ASSERT_TRUE(api_token.ok());
  EXPECT_EQ(agent_call(Method::get, "/api/v1/agent/assignment", "", api_token->token).status, 401);
  EXPECT_EQ(agent_call(Method::get, "/api/v1/hosts").status, 401);
  // A signed-in user's session is not an agent either.
  Browser admin{app()};
  admin.sign_up("admin%40example.com");
  EXPECT_EQ(admin.call(Method::get, "/api/v1/agent/assignment").status, 401);

  // Rotated: the old token is refused at once, the new one works.
  auto rotated = domain::rotate_location_token(*store, "fra");
  ASSERT_TRUE(rotated.ok());
  const Response old = agent_call(Method::get, "/api/v1/agent/assignment");
  EXPECT_EQ(old.status, 401);
  EXPECT_EQ(header_of(old, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(agent_call(Method::get, "/api/v1/agent/assignment", "", *rotated).status, 200);
}

TEST_F(AgentApiTest, TheHeartbeatLandsInTheTokensLocation) {
  store::LocationHeartbeat beat;
  beat.location_id = store::kLocalLocationId;  // what an agent says of its location is not believed
  beat.version = "9.9.9";
  beat.rounds_on_time = 12;
  beat.rounds_late = 1;
  beat.spool_backlog = 300;
  beat.interval_ms = 30'000;
  const Response answer = agent_call(Method::post, "/api/v1/agent/heartbeat", domain::encode_heartbeat(beat));
  ASSERT_EQ(answer.status, 204) << answer.body;
  auto fra = store->find_location("fra");
  ASSERT_TRUE(fra.ok());
  EXPECT_EQ(fra->version, "9.9.9");
  EXPECT_EQ(fra->rounds_on_time, 12);
  EXPECT_EQ(fra->rounds_late, 1);
  EXPECT_EQ(fra->spool_backlog, 300);
  EXPECT_EQ(fra->interval_ms, 30'000);
  ASSERT_TRUE(fra->last_seen_at.has_value());
  EXPECT_EQ(domain::location_status(*fra, now_epoch_ms()), domain::LocationStatus::online);
  auto local = store->find_location("local");
  ASSERT_TRUE(local.ok());
  EXPECT_NE(local->version, "9.9.9");
  EXPECT_EQ(agent_call(Method::post, "/api/v1/agent/heartbeat", R"({"version": 5})").status, 400);
}

TEST_F(AgentApiTest, AServerThatTakesNoAgentsAnswers404) {
  app().set_agent_ingest(AgentIngest{});
  const Response answer = agent_call(Method::get, "/api/v1/agent/assignment");
  EXPECT_EQ(answer.status, 404);
  EXPECT_EQ(error_of(answer).first, "not_found");
}

TEST_F(AgentApiTest, TwoAgentsJudgeAHostAndOnlyTheirQuorumChangesItsState) {
  // Issue 16: agents of two locations push rounds of host a. Loss at fra alone makes fra's own state
  // degraded and leaves the host up (a majority of 2 is 2); the same loss at sin too makes the host
  // degraded, in one event that names both.
  alerts::StoreRoundEvaluator evaluator;
  AgentIngest ingest;
  ingest.results = store.get();
  ingest.evaluator = &evaluator;
  ingest.settings.interval = std::chrono::seconds(30);
  app().set_agent_ingest(ingest);
  auto sin = domain::create_location(*store, "sin", "Singapore", now_epoch_ms());
  ASSERT_TRUE(sin.ok());
  store::LocationHeartbeat beat;
  beat.interval_ms = 30'000;
  for (const std::string& each : {token, sin->token}) {
    ASSERT_EQ(
        agent_call(Method::post, "/api/v1/agent/heartbeat", domain::encode_heartbeat(beat), each).status,
        204);
  }
  const EpochMs start = (now_epoch_ms() / 30'000 - 20) * 30'000;
  const auto push = [&](const std::string& with_token, int number, int received) {
    store::PingResult result = row(0, start + number * 30'000);
    result.received = received;  // of 5: 2 is 60 % loss, a poor round
    const Response answer = agent_call(Method::post, "/api/v1/agent/results",
                                       domain::encode_result_batch(std::vector{result}), with_token);
    ASSERT_EQ(answer.status, 200) << answer.body;
  };
  for (int number = 0; number < 5; ++number) {
    push(token, number, number == 0 ? 5 : 2);  // fra: lossy from its second round
    push(sin->token, number, 5);
  }
  EXPECT_EQ(store->host_alert_state(user_id, hosts[0].id, location_id).value()->shown, "degraded");
  EXPECT_EQ(store->host_alert_state(user_id, hosts[0].id, sin->location.id).value()->shown, "up");
  EXPECT_EQ(store->host_quorum_state(user_id, hosts[0].id).value()->shown, "up");
  auto events = store->user_events(user_id, 0, 100).value();
  ASSERT_EQ(events.size(), 1u);  // the host's first verdict, quiet
  EXPECT_EQ(events[0].to_state, "up");
  EXPECT_EQ(events[0].quiet, "first_round");

  for (int number = 5; number < 8; ++number) {
    push(token, number, 2);
    push(sin->token, number, 2);
  }
  EXPECT_EQ(store->host_quorum_state(user_id, hosts[0].id).value()->shown, "degraded");
  events = store->user_events(user_id, 0, 100).value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].from_state + ">" + events[0].to_state, "up>degraded");
  EXPECT_EQ(events[0].at, start + 7 * 30'000);  // sin's third poor round
  EXPECT_EQ(events[0].trigger, "loss");
  EXPECT_EQ(events[0].quiet, "no");
  EXPECT_EQ(events[0].locations, (std::vector<std::string>{"fra", "sin"}));
  EXPECT_EQ(events[0].reason,
            "loss 60% >= 20% for 3 rounds at sin; degraded from fra, sin (2 of 2 locations, 2 needed)");
}

}  // namespace
}  // namespace semaphore::web
