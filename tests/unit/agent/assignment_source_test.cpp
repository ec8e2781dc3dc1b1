// The agent's assignment source (agent/assignment_source.h) over real HTTP (libcurl) to a scripted server on
// loopback: the whole list first; then, asking with the version it holds (?since= and If-None-Match), only
// the changes, applied to what it holds and kept on disk; changes that do not apply make it ask for the whole
// list at once, and it keeps pinging what it holds when that fails too.
#include "agent/assignment_source.h"

#include <gtest/gtest.h>

#include "domain/assignment_changes.h"
#include "support/http_receiver.h"
#include "support/temp_dir.h"

namespace semaphore::agent {
namespace {

using semaphore::testing::HttpReceiver;

store::Host host(store::Id id, const std::string& name) {
  store::Host h;
  h.id = id;
  h.hostname = name;
  return h;
}

domain::AgentAssignment assignment_of(std::vector<store::Host> hosts) {
  domain::AgentAssignment made;
  made.location = "fra";
  made.hosts = std::move(hosts);
  made.version = domain::assignment_version(made.settings, made.hosts);
  return made;
}

std::vector<std::string> names_of(const std::optional<domain::AgentAssignment>& held) {
  std::vector<std::string> names;
  if (held) {
    for (const auto& h : held->hosts) names.push_back(h.hostname);
  }
  return names;
}

class AssignmentSourceTest : public ::testing::Test {
 protected:
  ClientOptions client() const {
    ClientOptions options;
    options.server = server.url("");
    options.token = "sml_test";
    options.connect_timeout = std::chrono::seconds(5);
    options.total_timeout = std::chrono::seconds(10);
    return options;
  }

  std::string changes_body(const domain::AgentAssignment& from, const domain::AgentAssignment& to) {
    return domain::encode_assignment_changes(
        domain::changes_between(domain::fingerprint_hosts(from.hosts), from.version, to));
  }

  semaphore::testing::TempDir dir{"semaphore-assignment-source"};
  HttpReceiver server;
  ThrottledLog refusals;
  const domain::AgentAssignment first =
      assignment_of({host(1, "a.example.com"), host(2, "b.example.com"), host(3, "c.example.com")});
  const domain::AgentAssignment second =
      assignment_of({host(1, "a.example.com"), host(3, "renamed.example.com"), host(4, "d.example.com")});
};

TEST_F(AssignmentSourceTest, AfterTheWholeListOnlyTheChangesComeAndAreAppliedAndKept) {
  const std::string cache = dir.file("assignment.json");
  AssignmentSource source(client(), cache, refusals);
  server.queue_answer(200, domain::encode_assignment(first));
  ASSERT_EQ(source.fetch(), AssignmentSource::Fetch::changed);
  EXPECT_EQ(names_of(source.current()),
            (std::vector<std::string>{"a.example.com", "b.example.com", "c.example.com"}));

  server.queue_answer(200, changes_body(first, second));
  ASSERT_EQ(source.fetch(), AssignmentSource::Fetch::changed);
  EXPECT_EQ(names_of(source.current()),
            (std::vector<std::string>{"a.example.com", "renamed.example.com", "d.example.com"}));
  EXPECT_EQ(source.current()->version, second.version);

  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/api/v1/agent/assignment") << "nothing held: the whole list";
  EXPECT_EQ(requests[0].headers.count("if-none-match"), 0u);
  EXPECT_EQ(requests[1].target, "/api/v1/agent/assignment?since=" + first.version);
  EXPECT_EQ(requests[1].headers.at("if-none-match"), "\"" + first.version + "\"");
  EXPECT_EQ(requests[1].headers.at("authorization"), "Bearer sml_test");

  AssignmentSource restarted(client(), cache, refusals);
  ASSERT_TRUE(restarted.load_cache()) << "the list with the changes applied is what is kept";
  EXPECT_EQ(restarted.current()->version, second.version);
  EXPECT_EQ(names_of(restarted.current()), names_of(source.current()));
}

TEST_F(AssignmentSourceTest, ChangesThatDoNotApplyBringTheWholeListAtOnce) {
  AssignmentSource source(client(), "", refusals);
  server.queue_answer(200, domain::encode_assignment(first));
  ASSERT_EQ(source.fetch(), AssignmentSource::Fetch::changed);

  // Changes from a version this agent never held (the server's memory of another agent), then the whole
  // list when asked without since.
  const domain::AgentAssignment other = assignment_of({host(9, "z.example.com")});
  server.queue_answer(200, changes_body(other, second));
  server.queue_answer(200, domain::encode_assignment(second));
  ASSERT_EQ(source.fetch(), AssignmentSource::Fetch::changed);
  EXPECT_EQ(names_of(source.current()),
            (std::vector<std::string>{"a.example.com", "renamed.example.com", "d.example.com"}));
  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].target, "/api/v1/agent/assignment?since=" + first.version);
  EXPECT_EQ(requests[2].target, "/api/v1/agent/assignment");
  EXPECT_EQ(requests[2].headers.count("if-none-match"), 0u);
}

TEST_F(AssignmentSourceTest, ChangesThatMissAChangeAreNeverHalfUsed) {
  AssignmentSource source(client(), "", refusals);
  server.queue_answer(200, domain::encode_assignment(first));
  ASSERT_EQ(source.fetch(), AssignmentSource::Fetch::changed);

  // The rename of host 3 lost on the way: the applied list's version is not the announced one. The whole
  // list asked for next fails too (the server answers 503): the agent keeps pinging what it held.
  auto broken = domain::changes_between(domain::fingerprint_hosts(first.hosts), first.version, second);
  std::erase_if(broken.changed, [](const store::Host& h) { return h.id == 3; });
  server.queue_answer(200, domain::encode_assignment_changes(broken));
  server.queue_answer(503, "{}");
  EXPECT_EQ(source.fetch(), AssignmentSource::Fetch::failed);
  EXPECT_EQ(source.current()->version, first.version);
  EXPECT_EQ(names_of(source.current()),
            (std::vector<std::string>{"a.example.com", "b.example.com", "c.example.com"}));
  const auto requests = server.received();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].target, "/api/v1/agent/assignment");
}

TEST_F(AssignmentSourceTest, AnUnchangedListCostsA304) {
  AssignmentSource source(client(), "", refusals);
  server.queue_answer(200, domain::encode_assignment(first));
  ASSERT_EQ(source.fetch(), AssignmentSource::Fetch::changed);
  server.queue_answer(304, "");
  EXPECT_EQ(source.fetch(), AssignmentSource::Fetch::unchanged);
  EXPECT_EQ(source.current()->version, first.version);
}

}  // namespace
}  // namespace semaphore::agent
