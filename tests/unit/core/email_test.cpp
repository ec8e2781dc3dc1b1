#include "core/email.h"

#include <gtest/gtest.h>

namespace semaphore {
namespace {

TEST(NormalizeEmail, TrimsAndLowerCases) {
  EXPECT_EQ(*normalize_email("  Alice@Example.COM "), "alice@example.com");
}

TEST(NormalizeEmail, RejectsWhatIsNotLocalAtDomain) {
  for (const char* bad : {"", "   ", "alice", "@example.com", "alice@", "alice@example", "a@b@example.com",
                          "al ice@example.com", "alice@example.com.", "<a>@example.com"}) {
    EXPECT_FALSE(normalize_email(bad).ok()) << bad;
  }
  EXPECT_FALSE(normalize_email(std::string(250, 'a') + "@example.com").ok());
}

}  // namespace
}  // namespace semaphore
