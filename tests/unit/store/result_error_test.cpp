// The error word <-> code mapping of result rows (migration 011, src/store/result_error.h): every word the
// ping service writes comes back the same, an unknown word is kept as an error (never read as a good round),
// and the refused count shares the stored column without either losing the other.
#include "store/result_error.h"

#include <gtest/gtest.h>

#include <string>

namespace semaphore::store {
namespace {

TEST(ResultError, EveryWordRoundTripsThroughItsCode) {
  const std::string words[] = {"unresolvable", "refused", "unreachable", "timeout", "send failed"};
  int code = 1;
  for (const std::string& word : words) {
    EXPECT_EQ(error_code(word), code) << word;  // the codes migration 011's SQL writes
    EXPECT_EQ(error_word(code), word);
    EXPECT_EQ(unpacked_error(pack_refused(0, word)), word);
    EXPECT_EQ(unpacked_refused(pack_refused(0, word)), 0);
    ++code;
  }
}

TEST(ResultError, NoErrorIsCodeZeroAndTheStoredValueIsTheCount) {
  EXPECT_EQ(error_code(""), 0);
  EXPECT_EQ(error_word(0), "");
  for (int refused : {0, 1, 5, 100}) {
    EXPECT_EQ(pack_refused(refused, ""), refused);  // a good round's column reads as before
    EXPECT_EQ(unpacked_refused(refused), refused);
    EXPECT_EQ(unpacked_error(refused), "");
  }
}

TEST(ResultError, AnUnknownWordIsKeptAsAnErrorNotDropped) {
  EXPECT_EQ(error_code("no address"), kOtherErrorCode);
  EXPECT_EQ(error_code("Timeout"), kOtherErrorCode);  // words are exact
  EXPECT_EQ(unpacked_error(pack_refused(0, "no address")), "error");
  EXPECT_EQ(error_word(6), "error");  // an unused code (a newer binary's) reads as an error too
  EXPECT_EQ(error_word(-1), "error");
}

TEST(ResultError, AnErrorAndARefusedCountKeepEachOther) {
  const int stored = pack_refused(3, "timeout");
  EXPECT_EQ(unpacked_refused(stored), 3);
  EXPECT_EQ(unpacked_error(stored), "timeout");
  // The largest value fits a PostgreSQL SMALLINT; a count beyond its bits is capped, never carried into
  // the code.
  EXPECT_EQ(pack_refused(1 << 20, "no address"), 32767);
  EXPECT_EQ(unpacked_error(pack_refused(5000, "")), "");
  EXPECT_EQ(unpacked_refused(pack_refused(5000, "")), kMaxStoredRefusedCount);
  EXPECT_EQ(pack_refused(-1, ""), 0);
}

}  // namespace
}  // namespace semaphore::store
