// The store's two lanes of connections (store/lane.h): a web request's reads never wait for the
// connections that background work holds, which is what kept pages waiting for tens of seconds while the
// database refused writes (issue 12's soak).
#include <soci/sqlite3/soci-sqlite3.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/connections.h"
#include "store/lane.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

using namespace std::chrono_literals;

// Generous: each call below answers in milliseconds when it does not wait for a connection, and a call that
// does wait would wait forever (the connection it needs is held until the test lets it go).
constexpr auto kAnswers = 30s;

int select_one(store::Connections& connections) {
  auto one = connections.with_session<int>("select one", [](soci::session& sql) -> Result<int> {
    int value = 0;
    sql << "SELECT 1", soci::into(value);
    return value;
  });
  return one ? *one : -1;
}

TEST(ConnectionLanes, AThreadIsBackgroundUntilItEntersTheInteractiveLaneAndBackWhenItLeaves) {
  EXPECT_EQ(store::current_lane(), store::Lane::background);
  {
    store::InteractiveLane outer;
    EXPECT_EQ(store::current_lane(), store::Lane::interactive);
    {
      store::InteractiveLane inner;
      EXPECT_EQ(store::current_lane(), store::Lane::interactive);
    }
    EXPECT_EQ(store::current_lane(), store::Lane::interactive);  // the inner scope restored what it found
  }
  EXPECT_EQ(store::current_lane(), store::Lane::background);
  // Another thread starts in the background lane whatever this one is in.
  store::InteractiveLane here;
  auto there = std::async(std::launch::async, [] { return store::current_lane(); });
  EXPECT_EQ(there.get(), store::Lane::background);
}

TEST(ConnectionLanes, AnInteractiveCallTakesItsOwnConnectionWhileBackgroundWorkHoldsEveryOther) {
  TempDir dir;
  store::Connections connections(1);  // one connection in each lane
  ASSERT_EQ(connections.size(), 2u);
  for (std::size_t i = 0; i < connections.size(); ++i) {
    connections.at(i).open(soci::sqlite3, "db=" + dir.file("lanes.db"));
  }

  auto background_held = connections.hold();  // this thread is background: the lane's only connection

  auto interactive = std::async(std::launch::async, [&] {
    store::InteractiveLane lane;
    return select_one(connections);
  });
  ASSERT_EQ(interactive.wait_for(kAnswers), std::future_status::ready)
      << "an interactive call waited for the background lane's connection";
  EXPECT_EQ(interactive.get(), 1);

  // A second background call does wait: the lanes are apart, not one pool of two.
  auto background = std::async(std::launch::async, [&] { return select_one(connections); });
  EXPECT_EQ(background.wait_for(200ms), std::future_status::timeout);
  background_held.reset();
  ASSERT_EQ(background.wait_for(kAnswers), std::future_status::ready);
  EXPECT_EQ(background.get(), 1);
}

// The soak's outage: another connection holds SQLite's write lock, and more background writers than the
// lane has connections wait for it (each for up to the 10 s busy timeout). A page's read still answers at
// once (WAL lets readers go on), before any writer has given up or got through.
TEST(ConnectionLanes, AReadInTheInteractiveLaneAnswersWhileBackgroundWritersWaitForAHeldWriteLock) {
  TempDir dir;
  auto store = open_migrated_sqlite(dir, "outage.db");
  auto user = store->create_user("reader@example.com", "hash", false);
  ASSERT_TRUE(user) << user.error().message;

  soci::session outside(soci::sqlite3, "db=" + dir.file("outage.db"));  // a `sqlite3` shell, a backup
  outside << "BEGIN EXCLUSIVE";

  constexpr int kWriters = 8;  // twice the lane's connections: every one of them is taken
  std::atomic<int> writers_returned{0};
  std::vector<std::future<bool>> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.push_back(std::async(std::launch::async, [&, i] {
      auto created = store->create_user("writer" + std::to_string(i) + "@example.com", "hash", false);
      writers_returned.fetch_add(1);
      return static_cast<bool>(created) || created.error().code == Errc::unavailable;
    }));
  }
  std::this_thread::sleep_for(1s);  // the writers take the lane's connections and wait for the lock

  auto read = std::async(std::launch::async, [&] {
    store::InteractiveLane lane;
    return store->find_user_by_email("reader@example.com");
  });
  ASSERT_EQ(read.wait_for(kAnswers), std::future_status::ready);
  const int returned_before_the_read = writers_returned.load();
  auto found = read.get();
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->id, user->id);
  EXPECT_EQ(returned_before_the_read, 0) << "the read waited until writers gave up or got through";

  outside << "ROLLBACK";
  for (auto& writer : writers) EXPECT_TRUE(writer.get()) << "a writer failed with something else than busy";
}

}  // namespace
}  // namespace semaphore::testing
