#pragma once
// The HTML templates (src/web/templates/*.mustache, embedded in the binary): kainjow mustache, whose {{name}}
// escapes & < > " ' — safe in text and in quoted attributes. {{{triple}}} is used only for `body`, the
// already-rendered page inside the layout.
#include <kainjow/mustache.hpp>

#include <map>
#include <string>
#include <string_view>

namespace semaphore::web {

using TemplateData = kainjow::mustache::data;

class Templates {
 public:
  // Parses every embedded template; throws std::runtime_error naming the first that does not parse
  // (a build defect, found at start-up and by the unit tests).
  Templates();

  // Renders template `name` ("signin") with `data`. Safe from many threads (each parses its own copy).
  std::string render(std::string_view name, const TemplateData& data) const;

 private:
  std::map<std::string, std::string, std::less<>> sources_;
};

// Sets `key` only when `value` is not empty: mustache treats "" as true in {{#key}} sections.
void set_if(TemplateData& data, const std::string& key, const std::string& value);

}  // namespace semaphore::web
