// SessionManager over a real SQLite store: what a sign-in stores, when a session is resumed, touched,
// expired and ended, and when a kept row may stand in for a query. Times are passed in, never read.
#include "web/security/sessions.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "support/durations.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/web/flaky_account_store.h"
#include "unit/web/test_browser.h"
#include "web/app.h"

namespace semaphore::web {
namespace {

using testing::kDay;
using testing::kHour;
using testing::kSecond;

class SessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = semaphore::testing::open_migrated_sqlite(dir_, "sessions.db");
    auto user = store_->create_user("someone@example.com", "hash", false);
    ASSERT_TRUE(user);
    user_id_ = user->id;
  }

  SessionManager::Started start(SessionManager& sessions, EpochMs now) {
    auto started = sessions.start(user_id_, now);
    EXPECT_TRUE(started) << started.error().message;
    return started ? *started : SessionManager::Started{};
  }

  semaphore::testing::TempDir dir_{"semaphore-sessions"};
  std::unique_ptr<store::Store> store_;
  store::Id user_id_ = 0;
  // 12 hours idle, 7 days at most, last_seen_at written at most once a minute.
  SessionRules rules_{std::chrono::hours(12), std::chrono::hours(24 * 7), std::chrono::seconds(60)};
  const EpochMs t0_ = 1'700'000'000'000;
};

TEST_F(SessionsTest, StartStoresOnlyTheTokensHash) {
  SessionManager sessions(*store_, rules_);
  const auto started = start(sessions, t0_);
  EXPECT_TRUE(looks_like_token(started.token));
  EXPECT_TRUE(looks_like_token(started.session.csrf_token));
  EXPECT_NE(started.session.csrf_token, started.token);
  EXPECT_EQ(started.session.token_hash, hash_token(started.token));
  EXPECT_EQ(started.session.user_id, user_id_);
  EXPECT_EQ(started.session.created_at, t0_);
  EXPECT_EQ(started.session.last_seen_at, t0_);
  EXPECT_EQ(started.session.expires_at, t0_ + 7 * kDay);

  EXPECT_FALSE(store_->find_session(started.token)) << "the token itself is never a key";
  const auto row = store_->find_session(hash_token(started.token));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->user_id, user_id_);
  EXPECT_EQ(row->csrf_token, started.session.csrf_token);
  EXPECT_EQ(row->expires_at, t0_ + 7 * kDay);

  EXPECT_NE(start(sessions, t0_).token, started.token) << "a new token at every sign-in";
}

TEST_F(SessionsTest, ResumeGivesTheLiveSessionAndTouchesItAtMostOncePerInterval) {
  SessionManager sessions(*store_, rules_);
  const auto started = start(sessions, t0_);
  const std::string key = hash_token(started.token);

  auto resumed = sessions.resume(started.token, t0_ + 59 * kSecond);
  ASSERT_TRUE(resumed);
  ASSERT_TRUE(*resumed);
  EXPECT_EQ((*resumed)->user_id, user_id_);
  EXPECT_EQ((*resumed)->csrf_token, started.session.csrf_token);
  EXPECT_EQ((*resumed)->last_seen_at, t0_) << "not a minute yet: no write";
  EXPECT_EQ(store_->find_session(key)->last_seen_at, t0_);

  resumed = sessions.resume(started.token, t0_ + 60 * kSecond);
  ASSERT_TRUE(resumed && *resumed);
  EXPECT_EQ((*resumed)->last_seen_at, t0_ + 60 * kSecond);
  sessions.flush_touches();
  EXPECT_EQ(store_->find_session(key)->last_seen_at, t0_ + 60 * kSecond);
}

TEST_F(SessionsTest, AFailedTouchPausesTouchesSoThatAnOutageDoesNotSlowEveryRequest) {
  FlakyAccountStore failing(*store_);
  SessionManager sessions(failing, rules_);
  const auto started = start(sessions, t0_);
  failing.failing = true;
  const EpochMs later = t0_ + 2 * 60 * kSecond;  // a touch is due
  auto resumed = sessions.resume(started.token, later);
  ASSERT_TRUE(resumed && *resumed) << "the request is served all the same";
  sessions.flush_touches();
  EXPECT_EQ(failing.touches, 1);
  for (int i = 1; i < 10; ++i) {
    resumed = sessions.resume(started.token, later + i * kSecond);
    ASSERT_TRUE(resumed && *resumed);
    sessions.flush_touches();
  }
  EXPECT_EQ(failing.touches, 1) << "no further write is tried during the pause";
  failing.failing = false;
  resumed = sessions.resume(started.token, later + SessionManager::kTouchPauseMs);
  ASSERT_TRUE(resumed && *resumed);
  sessions.flush_touches();
  EXPECT_EQ(failing.touches, 2) << "after the pause, touches resume";
  EXPECT_EQ(store_->find_session(hash_token(started.token))->last_seen_at,
            later + SessionManager::kTouchPauseMs);
}

// A touch is a write, and on SQLite a write waits for the one write lock (a round's insert, a spool replay, a
// held lock: up to the 10 s busy timeout). A signed-in request must not wait with it.
TEST_F(SessionsTest, ARequestDueATouchDoesNotWaitForTheWrite) {
  FlakyAccountStore store(*store_);
  SessionManager sessions(store, rules_);
  const auto started = start(sessions, t0_);
  store.blocked = true;
  const EpochMs later = t0_ + 2 * 60 * kSecond;  // a touch is due
  auto resumed = std::async(std::launch::async, [&] { return sessions.resume(started.token, later); });
  // Generous: the request needs no write at all; the write stays blocked for the whole wait.
  const bool answered = resumed.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  const EpochMs stored_when_answered = store_->find_session(hash_token(started.token))->last_seen_at;
  store.blocked = false;
  ASSERT_TRUE(answered) << "the request waited for its session's touch";
  EXPECT_EQ(stored_when_answered, t0_) << "answered before the write";
  const auto session = resumed.get();
  ASSERT_TRUE(session && *session);
  EXPECT_EQ((*session)->last_seen_at, later);
  sessions.flush_touches();
  EXPECT_EQ(store.touches, 1);
  EXPECT_EQ(store_->find_session(hash_token(started.token))->last_seen_at, later) << "written once unblocked";
}

TEST_F(SessionsTest, UnknownAndMalformedTokensResumeNothing) {
  SessionManager sessions(*store_, rules_);
  start(sessions, t0_);
  for (const std::string& token : {random_token(), std::string("not a token"), std::string()}) {
    const auto resumed = sessions.resume(token, t0_);
    ASSERT_TRUE(resumed) << token;
    EXPECT_FALSE(*resumed) << token;
  }
}

TEST_F(SessionsTest, AnIdleSessionExpiresAndIsDeleted) {
  SessionManager sessions(*store_, rules_);
  const auto started = start(sessions, t0_);
  ASSERT_TRUE(*sessions.resume(started.token, t0_ + 12 * kHour - 1));
  // That resume touched it: idle now counts from there.
  const EpochMs last_seen = t0_ + 12 * kHour - 1;
  ASSERT_TRUE(*sessions.resume(started.token, last_seen + 12 * kHour - 1));
  const EpochMs idle_until = last_seen + 12 * kHour - 1 + 12 * kHour;
  const auto resumed = sessions.resume(started.token, idle_until);
  ASSERT_TRUE(resumed);
  EXPECT_FALSE(*resumed);
  EXPECT_EQ(store_->find_session(hash_token(started.token)).error().code, Errc::not_found);
}

TEST_F(SessionsTest, AnActiveSessionStillEndsAfterTheMaximum) {
  SessionManager sessions(*store_, rules_);
  const auto started = start(sessions, t0_);
  EpochMs now = t0_;
  for (; now + 6 * kHour < t0_ + 7 * kDay; now += 6 * kHour) {
    ASSERT_TRUE(*sessions.resume(started.token, now + 6 * kHour)) << (now - t0_) / kHour << " h";
  }
  const auto resumed = sessions.resume(started.token, t0_ + 7 * kDay);
  ASSERT_TRUE(resumed);
  EXPECT_FALSE(*resumed);
  EXPECT_FALSE(store_->find_session(hash_token(started.token)));
}

TEST_F(SessionsTest, EndDeletesTheSession) {
  SessionManager sessions(*store_, rules_);
  const auto started = start(sessions, t0_);
  const auto other = start(sessions, t0_);
  EXPECT_TRUE(sessions.end(started.token));
  EXPECT_FALSE(*sessions.resume(started.token, t0_ + kSecond));
  EXPECT_FALSE(store_->find_session(hash_token(started.token)));
  EXPECT_TRUE(*sessions.resume(other.token, t0_ + kSecond)) << "only that one";
  EXPECT_TRUE(sessions.end("not a token")) << "nothing to end is no error";
}

TEST_F(SessionsTest, AKeptRowStandsInOnlyUnderItsDataVersion) {
  SessionManager sessions(*store_, rules_);
  const auto started = start(sessions, t0_);
  ASSERT_TRUE(*sessions.resume(started.token, t0_ + kSecond, "v1"));
  // Deleted behind the manager's back (another replica signed the user out; the version changes with it):
  ASSERT_TRUE(store_->delete_session(hash_token(started.token)));
  EXPECT_TRUE(*sessions.resume(started.token, t0_ + 2 * kSecond, "v1"))
      << "same version: the kept row, no query";
  EXPECT_FALSE(*sessions.resume(started.token, t0_ + 2 * kSecond, "v2")) << "new version: read again";
  EXPECT_FALSE(*sessions.resume(started.token, t0_ + 2 * kSecond, "")) << "no version: always read";
}

TEST_F(SessionsTest, TheRulesApplyToAKeptRowToo) {
  SessionManager sessions(*store_, rules_);
  const auto started = start(sessions, t0_);
  ASSERT_TRUE(*sessions.resume(started.token, t0_ + kSecond, "v1"));
  EXPECT_FALSE(*sessions.resume(started.token, t0_ + 12 * kHour, "v1")) << "idle, kept or not";
}

// A stopped PostgreSQL: the session cookie cannot be checked. A page that needs the user says the database
// is not answering (503, Retry-After) instead of sending the user to sign in as if the session had ended
// (the soak's outage saw 303s to /signin and 401s); once the database answers, the same session goes on.
TEST_F(SessionsTest, ASessionThatCannotBeCheckedIsA503NotASignInRedirect) {
  FlakyAccountStore accounts(*store_);
  WebApp app(WebStores{accounts, *store_, *store_, *store_, *store_, *store_, *store_, *store_}, WebOptions{},
             domain::PasswordCost::minimum());
  web_testing::Browser browser(app);
  browser.sign_up("outage@example.com");
  ASSERT_EQ(browser.call(Method::get, "/report").status, 200);

  accounts.lookups_fail = true;
  // A write, so that nothing kept under the old data version stands in for the lookups.
  ASSERT_TRUE(store_->create_user("another@example.com", "hash", false));
  const Response page = browser.call(Method::get, "/report");
  EXPECT_EQ(page.status, 503) << page.body;
  EXPECT_TRUE(web_testing::contains(page.body, "The database is not answering")) << page.body;
  EXPECT_EQ(web_testing::header_of(page, "Retry-After"), "5");
  const Response api = browser.api(Method::get, "/api/v1/hosts");
  EXPECT_EQ(api.status, 503) << api.body;
  EXPECT_EQ(web_testing::error_of(api).first, "unavailable");
  const Response form = browser.post("/manage/hosts", "hostname=example.com&provider=other");
  EXPECT_EQ(form.status, 503) << form.body;
  EXPECT_EQ(browser.call(Method::get, "/signin").status, 200) << "a page for anyone is still served";

  accounts.lookups_fail = false;
  EXPECT_EQ(browser.call(Method::get, "/report").status, 200) << "the session was kept";
}

}  // namespace
}  // namespace semaphore::web
