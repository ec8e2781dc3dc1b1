#include "web/validation.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace semaphore::web {
namespace {

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::size_t utf8_chars(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

Result<std::string> clean_text_field(std::string_view input, std::size_t max_chars, std::string_view what) {
  const std::string_view text = trim(input);
  if (has_control(text)) {
    return make_error(Errc::invalid_argument, std::string(what) + " cannot contain control characters.");
  }
  if (utf8_chars(text) > max_chars) {
    return make_error(Errc::invalid_argument, std::string(what) + " can be at most " +
                                                  std::to_string(max_chars) + " characters long.");
  }
  return std::string(text);
}

std::string safe_next_path(std::string_view next) {
  if (next.empty() || next.size() > 2000 || next.front() != '/') return "/";
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/";
  if (next.find('\\') != std::string_view::npos || has_control(next)) return "/";
  return std::string(next);
}

}  // namespace semaphore::web
