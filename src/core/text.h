#pragma once
// Small text helpers shared by the parsers of user input (targets, host lists, form fields, headers).
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

}  // namespace semaphore
