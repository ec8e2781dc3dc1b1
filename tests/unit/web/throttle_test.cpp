// SigninThrottle over a real SQLite store: who must wait, how long, and what clears it. The times are passed
// in (the throttle never reads the clock), so the waits are exact.
#include "web/security/throttle.h"

#include <gtest/gtest.h>

#include "support/durations.h"
#include "support/sqlite_store.h"
#include "support/temp_dir.h"

namespace semaphore::web {
namespace {

using std::chrono::seconds;
using testing::kHour;
using testing::kSecond;

class ThrottleTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = semaphore::testing::open_migrated_sqlite(dir_, "throttle.db"); }

  semaphore::testing::TempDir dir_{"semaphore-throttle"};
  std::unique_ptr<store::Store> store_;
  const EpochMs t0_ = 1'700'000'000'000;
};

TEST_F(ThrottleTest, FourFailuresAreFreeTheFifthMakesTheAccountWait) {
  SigninThrottle throttle(*store_);
  for (int i = 0; i < 4; ++i) throttle.record_failure("a@example.com", "10.0.0.1", t0_ + i * kSecond);
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", t0_ + 4 * kSecond), std::nullopt);

  const EpochMs fifth = t0_ + 4 * kSecond;
  throttle.record_failure("a@example.com", "10.0.0.1", fifth);
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", fifth), seconds(30));
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", fifth + 100), seconds(30)) << "rounded up";
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", fifth + 10 * kSecond), seconds(20));
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", fifth + 30 * kSecond), std::nullopt);
  EXPECT_EQ(throttle.check("a@example.com", "192.0.2.9", fifth), seconds(30)) << "from any address";

  const EpochMs sixth = fifth + 30 * kSecond;
  throttle.record_failure("a@example.com", "10.0.0.1", sixth);
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", sixth), seconds(60)) << "doubles";
}

TEST_F(ThrottleTest, OtherAccountsDoNotWait) {
  SigninThrottle throttle(*store_);
  for (int i = 0; i < 8; ++i) throttle.record_failure("a@example.com", "10.0.0.1", t0_);
  EXPECT_NE(throttle.check("a@example.com", "10.0.0.1", t0_), std::nullopt);
  EXPECT_EQ(throttle.check("b@example.com", "10.0.0.1", t0_), std::nullopt);
}

TEST_F(ThrottleTest, FailuresOlderThanAnHourNoLongerCount) {
  SigninThrottle throttle(*store_);
  for (int i = 0; i < 4; ++i) throttle.record_failure("a@example.com", "10.0.0.1", t0_);
  const EpochMs later = t0_ + kHour + kSecond;
  throttle.record_failure("a@example.com", "10.0.0.1", later);  // the 5th ever, the 1st of this hour
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", later), std::nullopt);
}

TEST_F(ThrottleTest, ASuccessClearsTheAccountsFailures) {
  SigninThrottle throttle(*store_);
  for (int i = 0; i < 5; ++i) throttle.record_failure("a@example.com", "10.0.0.1", t0_);
  ASSERT_NE(throttle.check("a@example.com", "10.0.0.1", t0_), std::nullopt);
  throttle.record_success("a@example.com");
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", t0_), std::nullopt);
  throttle.record_failure("a@example.com", "10.0.0.1", t0_ + kSecond);
  EXPECT_EQ(throttle.check("a@example.com", "10.0.0.1", t0_ + kSecond), std::nullopt) << "counting from 0";
}

TEST_F(ThrottleTest, AHundredFailuresFromOneAddressBlockItUntilTheOldestIsAnHourOld) {
  SigninThrottle throttle(*store_);
  // One failure per account, so that no account is throttled: only the address is.
  for (int i = 0; i < 99; ++i)
    throttle.record_failure("u" + std::to_string(i) + "@example.com", "10.0.0.1", t0_ + i * kSecond);
  EXPECT_EQ(throttle.check("new@example.com", "10.0.0.1", t0_ + 99 * kSecond), std::nullopt)
      << "99 are allowed";
  throttle.record_failure("u99@example.com", "10.0.0.1", t0_ + 99 * kSecond);
  EXPECT_EQ(throttle.check("new@example.com", "10.0.0.1", t0_ + 100 * kSecond), seconds(3600 - 100));
  EXPECT_EQ(throttle.check("new@example.com", "10.0.0.2", t0_ + 100 * kSecond), std::nullopt)
      << "only that address";
  EXPECT_EQ(throttle.check("new@example.com", "10.0.0.1", t0_ + kHour - kSecond), seconds(1));
  EXPECT_EQ(throttle.check("new@example.com", "10.0.0.1", t0_ + kHour), std::nullopt);
}

TEST_F(ThrottleTest, SignUpsArePacedPerAddressPerHour) {
  SigninThrottle throttle(*store_);
  EXPECT_EQ(throttle.signup_wait("192.0.2.1", 2, t0_), std::nullopt);
  throttle.record_signup("192.0.2.1", t0_);
  throttle.record_signup("192.0.2.1", t0_ + 10 * kSecond);
  EXPECT_EQ(throttle.signup_wait("192.0.2.1", 2, t0_ + 20 * kSecond), seconds(3600 - 20))
      << "until the oldest attempt is an hour old";
  EXPECT_EQ(throttle.signup_wait("192.0.2.2", 2, t0_ + 20 * kSecond), std::nullopt) << "another address";
  EXPECT_EQ(throttle.signup_wait("192.0.2.1", 3, t0_ + 20 * kSecond), std::nullopt) << "a higher limit";
  EXPECT_EQ(throttle.signup_wait("192.0.2.1", 2, t0_ + kHour + 1), std::nullopt) << "an hour later";
  // Sign-ups are not sign-in failures: the address's sign-ins are not throttled by them.
  EXPECT_EQ(throttle.check("new@example.com", "192.0.2.1", t0_ + 20 * kSecond), std::nullopt);
}

}  // namespace
}  // namespace semaphore::web
