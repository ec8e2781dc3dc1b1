#include "store/postgresql/postgres_array.h"

#include <gtest/gtest.h>

#include <limits>

namespace semaphore::store {
namespace {

TEST(PostgresArrayBuilder, IntegersAndEmptyArrays) {
  PostgresArrayBuilder builder;
  EXPECT_EQ(builder.finish(), "{}");
  builder.add_integer(1);
  builder.add_integer(-42);
  builder.add_integer(1'700'000'000'000);
  EXPECT_EQ(builder.finish(), "{1,-42,1700000000000}");
  builder.add_integer(7);
  EXPECT_EQ(builder.finish(), "{7}");  // finish() leaves the builder empty
}

TEST(PostgresArrayBuilder, RealsReadBackExactlyAndMissingOnesAreNull) {
  PostgresArrayBuilder builder;
  builder.add_real(0.1);
  builder.add_real(std::nullopt);
  builder.add_real(12.345678901234567);
  builder.add_real(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(builder.finish(), "{0.1,NULL,12.345678901234567,NULL}");
}

TEST(PostgresArrayBuilder, TextIsQuotedAndEscaped) {
  PostgresArrayBuilder builder;
  builder.add_text("timeout");
  builder.add_text("");
  builder.add_text(R"(a "quoted", {braced} \ text)");
  EXPECT_EQ(builder.finish(), R"({"timeout",NULL,"a \"quoted\", {braced} \\ text"})");
}

}  // namespace
}  // namespace semaphore::store
