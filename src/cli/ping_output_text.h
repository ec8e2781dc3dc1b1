#pragma once
// The text machinery of `semaphore ping`'s reports (ping_output.cpp): printf's "%.Nf" without printf, and a
// buffer that hands the text to stdio 64 KiB at a time. For the reports only: header-only so that it needs no
// library of its own.
#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

namespace semaphore::cli {

// The longest "%.<precision>f" of a double (precision at most 9): a sign, 309 integer digits, the point and
// the decimals.
inline constexpr std::size_t kFixedRoom = 320;

// A 128-bit product keeps the rounding below exact; __extension__ tells -Wpedantic that we mean GCC's type.
__extension__ using Uint128 = unsigned __int128;

inline constexpr std::uint32_t kPowersOf10[] = {1,       10,        100,        1'000,       10'000,
                                                100'000, 1'000'000, 10'000'000, 100'000'000, 1'000'000'000};

// "00" to "99": decimals are written two per division.
inline constexpr auto kDigitPairs = [] {
  std::array<char, 200> pairs{};
  for (std::size_t i = 0; i < 100; ++i) {
    pairs[2 * i] = static_cast<char>('0' + i / 10);
    pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

// The `count` digits of `value` (below 10^count), leading zeros included, at `first`; returns the end.
template <int kCount>
char* write_digits(char* first, std::uint32_t value) {
  int count = kCount;
  for (; count >= 2; count -= 2, value /= 100) {
    std::memcpy(first + count - 2, &kDigitPairs[2 * (value % 100)], 2);
  }
  if (count == 1) *first = static_cast<char>('0' + value);
  return first + kCount;
}

// `whole` in decimal at `first`; returns the end.
inline char* write_whole(char* first, char* last, std::uint64_t whole) {
  if (whole >= 10) return std::to_chars(first, last, whole).ptr;
  *first = static_cast<char>('0' + whole);  // most RTTs: to_chars would count the digits first
  return first + 1;
}

// n when `value` is the double nearest to n / 1000 for a whole n, as the engine's RTTs are (microseconds /
// 1000.0), and 0 <= value < 2^32 (not -0.0, which printf prints with its sign); else nullopt. The test is
// exact: n / 1000.0 is the double nearest to n / 1000, whichever way n was found.
inline std::optional<std::uint64_t> whole_thousandths(double value) {
  if (!(value >= 0.0 && value < 4294967296.0) || std::signbit(value)) return std::nullopt;
  const auto n = static_cast<std::uint64_t>(std::llround(value * 1000));
  if (static_cast<double>(n) / 1000 != value) return std::nullopt;
  return n;
}

// printf's "%.<kPrecision>f" of `value` into [first, last), which holds kFixedRoom bytes; returns the end.
// A template, so that the divisions by 10^kPrecision are multiplications and the digit loops unroll. Three
// paths, each printing exactly what printf prints (printf and std::to_chars cost 5 to 10 times the first two,
// and were most of `ping --json`'s CPU time):
//  - a whole number of microseconds (see whole_thousandths) with 3 to 6 decimals: such a double is within
//    2^-22 of n / 1000 (half its ulp below 2^32), less than half the last printed place (5e-7 at 6 decimals),
//    so the text is n's digits and zeros;
//  - any other value below 2^32, rounded exactly and half to even, as printf rounds: value is m / 2^shift, so
//    value * 10^kPrecision is (m * 10^kPrecision) / 2^shift, an integer division whose remainder decides;
//  - the rest (large values, infinities, NaN) through std::to_chars, which prints what printf prints in the C
//    locale.
template <int kPrecision>
char* write_fixed(char* first, char* last, double value) {
  static_assert(kPrecision >= 0 && kPrecision <= 9);
  if constexpr (kPrecision >= 3 && kPrecision <= 6) {
    if (const auto n = whole_thousandths(value)) {
      first = write_whole(first, last, *n / 1000);
      *first++ = '.';
      first = write_digits<3>(first, static_cast<std::uint32_t>(*n % 1000));
      std::memset(first, '0', kPrecision - 3);
      return first + (kPrecision - 3);
    }
  }
  constexpr std::uint32_t kScale = kPowersOf10[kPrecision];
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const int biased_exponent = static_cast<int>(bits >> 52 & 0x7ff);
  if (biased_exponent >= 1023 + 32) {  // also infinities and NaN
    return std::to_chars(first, last, value, std::chars_format::fixed, kPrecision).ptr;
  }
  const std::uint64_t fraction = bits & ((std::uint64_t{1} << 52) - 1);
  const std::uint64_t mantissa = biased_exponent == 0 ? fraction : fraction | std::uint64_t{1} << 52;
  const int shift = biased_exponent == 0 ? 1074 : 1075 - biased_exponent;  // at least 21 here
  const Uint128 scaled = Uint128{mantissa} * kScale;                       // below 2^83
  std::uint64_t rounded = 0;  // for shift >= 84, scaled / 2^shift < 1/2
  if (shift < 84) {
    // `doubled` is floor(2 * scaled / 2^shift), below 2^33 * 10^9 < 2^64: its low bit says "at least a half",
    // and the bits shifted out say whether it is more than an exact half.
    const auto doubled = static_cast<std::uint64_t>(scaled >> (shift - 1));
    rounded = doubled >> 1;
    const bool above_half = scaled != Uint128{doubled} << (shift - 1);
    if ((doubled & 1) != 0 && (above_half || (rounded & 1) != 0)) ++rounded;
  }
  if (bits >> 63 != 0) *first++ = '-';  // as printf: "-0.000" for -0.0001
  first = write_whole(first, last, rounded / kScale);
  if constexpr (kPrecision > 0) {
    *first++ = '.';
    first = write_digits<kPrecision>(first, static_cast<std::uint32_t>(rounded % kScale));
  }
  return first;
}

// An IPv4 address byte in decimal at `first`; returns the end.
inline char* write_byte(char* first, std::uint8_t value) {
  if (value >= 100) {
    *first++ = static_cast<char>('0' + value / 100);
    return write_digits<2>(first, value % 100u);
  }
  if (value >= 10) return write_digits<2>(first, value);
  *first = static_cast<char>('0' + value);
  return first + 1;
}

// Gathers a report's text and hands it to stdio 64 KiB at a time. stderr is unbuffered, so printing fping's
// summary line by line cost one write(2) per host; and building each line in a std::string first cost an
// allocation or two per host.
class OutputBuffer {
 public:
  explicit OutputBuffer(std::FILE* file)
      : file_(file), data_(std::make_unique_for_overwrite<char[]>(kSize)) {}
  ~OutputBuffer() { flush(); }
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  void flush() {
    if (used_ > 0) std::fwrite(data_.get(), 1, used_, file_);
    used_ = 0;
  }

  void append(char c) {
    *room(1) = c;
    ++used_;
  }
  void append(std::string_view text) {
    if (text.size() > kSize - used_) {
      flush();
      if (text.size() > kSize) {
        std::fwrite(text.data(), 1, text.size(), file_);
        return;
      }
    }
    std::memcpy(data_.get() + used_, text.data(), text.size());
    used_ += text.size();
  }
  void append_spaces(std::size_t count) {
    for (std::size_t step; count > 0; count -= step) {
      step = std::min(count, kSize);
      std::memset(room(step), ' ', step);
      used_ += step;
    }
  }
  void append_integer(long long value) {
    char* start = room(kIntegerRoom);
    commit(std::to_chars(start, start + kIntegerRoom, value).ptr);
  }
  void append_unsigned(unsigned long long value) {
    char* start = room(kIntegerRoom);
    commit(std::to_chars(start, start + kIntegerRoom, value).ptr);
  }
  // printf's "%.<kPrecision>f".
  template <int kPrecision>
  void append_fixed(double value) {
    char* start = room(kFixedRoom);
    commit(write_fixed<kPrecision>(start, start + kFixedRoom, value));
  }

  // For text written in place: where `bytes` more bytes (at most 64 KiB) may be written, flushing first when
  // they would not fit; then commit(end of what was written).
  char* room(std::size_t bytes) {
    if (kSize - used_ < bytes) flush();
    return data_.get() + used_;
  }
  void commit(const char* end) { used_ = static_cast<std::size_t>(end - data_.get()); }

 private:
  static constexpr std::size_t kSize = 64 * 1024;
  static constexpr std::size_t kIntegerRoom = 24;

  std::FILE* file_;
  std::unique_ptr<char[]> data_;
  std::size_t used_ = 0;
};

}  // namespace semaphore::cli
