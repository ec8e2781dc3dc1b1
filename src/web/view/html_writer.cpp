#include "web/view/html_writer.h"

#include <charconv>

namespace semaphore::web {

void append_escaped(std::string& out, std::string_view value) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    std::string_view entity;
    switch (value[i]) {
      case '&':
        entity = "&amp;";
        break;
      case '<':
        entity = "&lt;";
        break;
      case '>':
        entity = "&gt;";
        break;
      case '"':
        entity = "&quot;";
        break;
      case '\'':
        entity = "&apos;";
        break;
      default:
        continue;
    }
    out.append(value.substr(start, i - start));
    out.append(entity);
    start = i + 1;
  }
  out.append(value.substr(start));
}

HtmlWriter& HtmlWriter::text(std::string_view value) {
  append_escaped(out_, value);
  return *this;
}

HtmlWriter& HtmlWriter::number(long long value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out_.append(digits, static_cast<std::size_t>(end - digits));
  return *this;
}

}  // namespace semaphore::web
