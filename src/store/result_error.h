#pragma once
// A result row's error word as a number stored in the row (migration 011, issue 17), and back. A round with
// no reply says why in one of five words (monitor::to_row, probe::to_string(HostError)); the database keeps
// that as a code in the high bits of the row's `refused` column, so that ping_results has no text column
// (and on PostgreSQL no NULL in a good round's row: no null bitmap, 8 bytes of padding less a row).
//
//   stored refused = error code * 4096 + refused count     (0 <= count <= 4095, 0 <= code <= 7)
//
// Codes: 0 none (""), 1 "unresolvable", 2 "refused", 3 "unreachable", 4 "timeout", 5 "send failed",
// 6 reserved, 7 any other word (read back as kOtherErrorWord: nothing writes one today, and a word the store
// does not know is kept as "an error", never dropped into a good round). The largest value, 7 * 4096 + 4095,
// is 32767: a PostgreSQL SMALLINT. A round has at most 100 probes, so the count never reaches 4096 (a larger
// one is stored as 4095). The store's reads and writes go through pack/unpack (rows.h, the dialects'
// inserts); migration 011's SQL and the latest_results triggers hold the same table.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

namespace semaphore::store {

inline constexpr int kErrorCodeUnit = 4096;          // the stored refused value per error code
inline constexpr int kMaxStoredRefusedCount = 4095;  // the count's bits
inline constexpr int kOtherErrorCode = 7;
inline constexpr std::string_view kOtherErrorWord = "error";
// Index = code; code 0 is no error, 6 is not used, 7 is kOtherErrorCode.
inline constexpr std::array<std::string_view, 6> kErrorWords = {
    "", "unresolvable", "refused", "unreachable", "timeout", "send failed"};

// The code of an error word: 0 for "", 1-5 for the five words, kOtherErrorCode for any other text.
constexpr int error_code(std::string_view word) {
  for (std::size_t code = 0; code < kErrorWords.size(); ++code) {
    if (kErrorWords[code] == word) return static_cast<int>(code);
  }
  return kOtherErrorCode;
}

// The word of a code: "" for 0, the five words for 1-5, kOtherErrorWord for any other code.
constexpr std::string_view error_word(int code) {
  if (code >= 0 && code < static_cast<int>(kErrorWords.size()))
    return kErrorWords[static_cast<std::size_t>(code)];
  return kOtherErrorWord;
}

// The stored `refused` column of a row with `refused` RST answers and error word `error`.
constexpr int pack_refused(int refused, std::string_view error) {
  return error_code(error) * kErrorCodeUnit + std::clamp(refused, 0, kMaxStoredRefusedCount);
}

// The refused count and the error word of a stored `refused` column.
constexpr int unpacked_refused(int stored) {
  return stored % kErrorCodeUnit;
}
inline std::string unpacked_error(int stored) {
  return std::string(error_word(stored / kErrorCodeUnit));
}

}  // namespace semaphore::store
