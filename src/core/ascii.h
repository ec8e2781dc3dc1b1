#pragma once
// ASCII letter case, whatever the C library's locale: what the program matches without regard to case —
// HTTP header names and media types, email addresses, provider, day and probe method names, database
// messages — is ASCII, and std::tolower follows the locale (in a Turkish ISO-8859-9 locale, 'I' does not
// become 'i'). Bytes outside A-Z, UTF-8 included, are left as they are.
#include <algorithm>
#include <string>
#include <string_view>

namespace semaphore {

constexpr char to_lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string lower_ascii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = to_lower_ascii(c);
  return lower;
}

// Whether `a` and `b` are the same but for the case of ASCII letters.
constexpr bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower_ascii(x) == to_lower_ascii(y);
         });
}

}  // namespace semaphore
