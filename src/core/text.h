#pragma once
// Small text helpers shared by the parsers of user input (targets, host lists, form fields, headers).
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace semaphore {

// `text` without leading and trailing blanks: spaces, tabs, and CR/LF line-ending characters.
constexpr std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r\n";
  const auto first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kBlanks);
  return text.substr(first, last - first + 1);
}

// True when `text` holds an ASCII control character (below 0x20, or DEL).
constexpr bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// The number of UTF-8 code points in `text`: the bytes that do not continue a sequence.
constexpr std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace semaphore
