#include "core/units.h"

#include <array>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>

namespace semaphore {
namespace {

// Nine decimals are kept after the point: 10^9 times the largest unit (a day in ms, 8.64e7) still fits 64
// bits, and further digits change the result by less than 10^-9 of a unit.
constexpr std::uint64_t kFractionScale = 1'000'000'000;

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

// A number split at its point: whole + fraction / kFractionScale.
struct Decimal {
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;
};

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

// The leading decimal number of `text`; `rest` gets what follows it. nullopt when there is no digit or the
// whole part does not fit 64 bits (`too_big` then says so).
std::optional<Decimal> read_decimal(std::string_view text, std::string_view& rest, bool& too_big) {
  Decimal number;
  std::size_t i = 0, digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (__builtin_mul_overflow(number.whole, 10u, &number.whole) ||
        __builtin_add_overflow(number.whole, digit, &number.whole)) {
      too_big = true;
      return std::nullopt;
    }
  }
  if (i < text.size() && text[i] == '.') {
    std::uint64_t place = kFractionScale;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      if (place > 1) {
        place /= 10;
        number.fraction += place * static_cast<std::uint64_t>(text[i] - '0');
      }
    }
  }
  if (digits == 0) return std::nullopt;
  rest = text.substr(i);
  return number;
}

// `text` (NUMBER[UNIT]) in the units' base unit, rounded to the nearest; `what` names the quantity in
// messages ("duration", "size"). Refuses results above `max`.
template <std::size_t N>
Result<std::uint64_t> parse_quantity(std::string_view text, const std::array<Unit, N>& units,
                                     std::string_view default_unit, std::uint64_t max, std::string_view what,
                                     std::string_view examples) {
  const std::string kind(what);
  if (text.empty())
    return make_error(Errc::invalid_argument,
                      "a " + kind + " cannot be empty (" + std::string(examples) + ")");
  if (text.front() == '-') {
    return make_error(Errc::invalid_argument, "a " + kind + " cannot be negative: " + quoted(text));
  }
  std::string_view suffix;
  bool too_big = false;
  const auto number = read_decimal(text, suffix, too_big);
  if (too_big) return make_error(Errc::invalid_argument, kind + " too large: " + quoted(text));
  if (!number) {
    return make_error(Errc::invalid_argument,
                      "not a " + kind + ": " + quoted(text) + " (" + std::string(examples) + ")");
  }
  if (suffix.empty()) suffix = default_unit;
  const Unit* unit = nullptr;
  for (const Unit& candidate : units) {
    if (candidate.name == suffix) unit = &candidate;
  }
  if (unit == nullptr) {
    std::string names;
    for (const Unit& candidate : units) names += (names.empty() ? "" : ", ") + std::string(candidate.name);
    return make_error(Errc::invalid_argument, "unknown unit " + quoted(suffix) + " in the " + kind + " " +
                                                  quoted(text) + ": use " + names);
  }
  // fraction * factor < 10^9 * 8.64e7 < 2^64, so only the whole part can overflow.
  const std::uint64_t part = (number->fraction * unit->factor + kFractionScale / 2) / kFractionScale;
  std::uint64_t total = 0;
  if (__builtin_mul_overflow(number->whole, unit->factor, &total) ||
      __builtin_add_overflow(total, part, &total) || total > max) {
    return make_error(Errc::invalid_argument, kind + " too large: " + quoted(text));
  }
  return total;
}

constexpr std::array<Unit, 6> kDurationUnits = {
    {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"min", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

constexpr std::array<Unit, 10> kSizeUnits = {{{"B", 1},
                                              {"k", 1024},
                                              {"K", 1024},
                                              {"KiB", 1024},
                                              {"M", 1024 * 1024},
                                              {"m", 1024 * 1024},
                                              {"MiB", 1024 * 1024},
                                              {"kB", 1000},
                                              {"KB", 1000},
                                              {"MB", 1000 * 1000}}};

}  // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto ms = parse_quantity(text, kDurationUnits, "s",
                           static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()), "duration",
                           "use e.g. 500ms, 1.5s, 2m, 12h, 30d");
  if (!ms) return ms.error();
  return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

Result<std::uint64_t> parse_size(std::string_view text) {
  return parse_quantity(text, kSizeUnits, "B", std::numeric_limits<std::uint64_t>::max(), "size",
                        "use e.g. 1048576, 64KiB, 1M, 10MB");
}

}  // namespace semaphore
