#pragma once
// A small HTML writer for the hot tables (report rows, rounds): kainjow's data model costs a deep copy per
// value. Every value goes through text(), which escapes & < > " ' exactly as the templates' {{name}} does,
// so it is safe in text and in quoted attributes; raw() is for the markup written in this code only.
#include <string>
#include <string_view>

namespace semaphore::web {

class HtmlWriter {
 public:
  explicit HtmlWriter(std::string& out) : out_(out) {}

  HtmlWriter& raw(std::string_view markup) {
    out_.append(markup);
    return *this;
  }
  HtmlWriter& text(std::string_view value);
  HtmlWriter& number(long long value);

 private:
  std::string& out_;
};

// Appends `value` escaped for HTML text and quoted attributes (as kainjow::mustache::html_escape).
void append_escaped(std::string& out, std::string_view value);

}  // namespace semaphore::web
