#pragma once
// Small text helpers shared by the parsers of user input (targets, host lists, form fields, headers).
#include <algorithm>
#include <cstddef>
#include <string>
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

// `text` made safe for one log line: each ASCII control character (below 0x20, or DEL) becomes `\xHH`, so
// that a request path with `%0a`, a header value or a hostname cannot end the line and forge the next one,
// nor move a terminal's cursor. A backslash becomes `\x5c`, so that a literal "\x0a" in the input stays
// distinguishable from an escaped newline. Everything else (UTF-8 included) is kept as it is.
inline std::string log_safe(std::string_view text) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// The number of UTF-8 code points in `text`: the bytes that do not continue a sequence.
constexpr std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace semaphore
