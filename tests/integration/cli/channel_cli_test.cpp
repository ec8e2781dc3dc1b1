// `semaphore channel add|list|remove` as an operator runs them: the real binary over a SQLite file. add
// prints id=... and, for a webhook, secret=... (the one that signs) and nothing else on stdout; list prints
// one line per channel of that user only; remove takes a name or an id; wrong input names its option.
#include <gtest/gtest.h>

#include <sstream>

#include "store/store.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/text_lines.h"

namespace semaphore::testing {
namespace {

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, '\t');) fields.push_back(field);
  return fields;
}

class ChannelCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run_semaphore({"migrate", "--db", db_}).exit_code, 0);
    for (const char* email : {"ops@example.com", "other@example.com"}) {
      const auto added = run_semaphore({"user", "add", "--db", db_, email}, "long enough password\n");
      ASSERT_EQ(added.exit_code, 0) << added.err;
    }
  }
  std::vector<store::ChannelWithStatus> channels_of(const std::string& email) {
    auto store = store::Store::open(*parse_db_url(db_)).value();
    return store->list_channels(store->find_user_by_email(email)->id).value();
  }

  TempDir dir_;
  std::string db_ = "sqlite:" + dir_.file("channels.db");
};

TEST_F(ChannelCli, AddPrintsTheIdAndTheWebhooksSecretOnlyThenListAndRemove) {
  const auto added =
      run_semaphore({"channel", "add", "--db", db_, "--user", "ops@example.com", "--kind", "webhook", "--url",
                     "https://hooks.example.com/semaphore/t0ken", "--name", "ops hook"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const auto lines = lines_of(added.out);
  ASSERT_EQ(lines.size(), 2u) << added.out;
  ASSERT_TRUE(lines[0].starts_with("id=")) << added.out;
  ASSERT_TRUE(lines[1].starts_with("secret=whsec_")) << added.out;
  const auto channels = channels_of("ops@example.com");
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_EQ(lines[0], "id=" + std::to_string(channels[0].channel.id));
  EXPECT_EQ(lines[1], "secret=" + channels[0].channel.secret);
  EXPECT_EQ(channels[0].channel.name, "ops hook");

  const auto slack = run_semaphore({"channel", "add", "--db", db_, "--user", "ops@example.com", "--kind",
                                    "slack", "--url", "https://hooks.slack.com/services/T0/B0/XYZsecret"});
  ASSERT_EQ(slack.exit_code, 0) << slack.err;
  EXPECT_EQ(lines_of(slack.out).size(), 1u) << "no secret line for slack: " << slack.out;
  const auto email = run_semaphore({"channel", "add", "--db", db_, "--user", "other@example.com", "--kind",
                                    "email", "--url", "smtp://mail.example.com:587", "--email-from",
                                    "alerts@example.com", "--email-to", "a@example.com,b@example.com"});
  ASSERT_EQ(email.exit_code, 0) << email.err;

  const auto listed = run_semaphore({"channel", "list", "--db", db_, "--user", "ops@example.com"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto rows = lines_of(listed.out);
  ASSERT_EQ(rows.size(), 2u) << listed.out;
  EXPECT_EQ(fields_of(rows[0]), (std::vector<std::string>{std::to_string(channels[0].channel.id), "ops hook",
                                                          "webhook", "hooks.example.com", "new", "0"}));
  EXPECT_EQ(fields_of(rows[1]).at(1), "slack hooks.slack.com");
  EXPECT_EQ(fields_of(rows[1]).at(3), "hooks.slack.com");
  EXPECT_EQ(listed.out.find("XYZsecret"), std::string::npos) << "only the URL's host is listed";
  EXPECT_EQ(listed.out.find("t0ken"), std::string::npos);
  const auto others = run_semaphore({"channel", "list", "--db", db_, "--user", "other@example.com"});
  ASSERT_EQ(lines_of(others.out).size(), 1u);
  EXPECT_EQ(fields_of(lines_of(others.out)[0]).at(3), "mail.example.com:587");

  // remove by name, then by id; another user's channel is not found.
  const std::string others_id = fields_of(lines_of(others.out)[0]).at(0);
  const auto refused =
      run_semaphore({"channel", "remove", "--db", db_, "--user", "ops@example.com", others_id});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(channels_of("other@example.com").size(), 1u);
  EXPECT_EQ(
      run_semaphore({"channel", "remove", "--db", db_, "--user", "ops@example.com", "ops hook"}).exit_code,
      0);
  const std::string slack_id = fields_of(rows[1]).at(0);
  EXPECT_EQ(
      run_semaphore({"channel", "remove", "--db", db_, "--user", "ops@example.com", slack_id}).exit_code, 0);
  EXPECT_TRUE(channels_of("ops@example.com").empty());
}

TEST_F(ChannelCli, WrongInputNamesTheOptionAndAddsNothing) {
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--kind", "webhook", "--url", "ftp://example.com/"}, 2, "--url"},
      {{"--kind", "email", "--url", "smtp://mail.example.com", "--email-from", "a@example.com"},
       2,
       "--email-to"},
      {{"--kind", "webhook", "--url", "http://169.254.169.254/"}, 2, "--url"},
      {{"--kind", "webhook", "--url", "http://10.1.2.3/", "--targets", "public"}, 2, "--url"},
      {{"--kind", "slack", "--url", "https://hooks.slack.com/x", "--email-to", "a@example.com"},
       2,
       "--email"},
      {{"--kind", "pager", "--url", "https://example.com/"}, 2, "kind"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"channel", "add", "--db", db_, "--user", "ops@example.com"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto result = run_semaphore(args);
    EXPECT_EQ(result.exit_code, c.code) << c.args[3] << result.err;
    EXPECT_NE(result.err.find(c.says), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
  EXPECT_TRUE(channels_of("ops@example.com").empty());
  const auto first = run_semaphore({"channel", "add", "--db", db_, "--user", "ops@example.com", "--kind",
                                    "ntfy", "--url", "https://ntfy.example.com/t", "--name", "n"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto duplicate = run_semaphore({"channel", "add", "--db", db_, "--user", "ops@example.com", "--kind",
                                        "ntfy", "--url", "https://ntfy.example.com/u", "--name", "n"});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_NE(duplicate.err.find("already"), std::string::npos);
  EXPECT_EQ(run_semaphore({"channel", "list", "--db", db_, "--user", "nobody@example.com"}).exit_code, 1);
}

}  // namespace
}  // namespace semaphore::testing
