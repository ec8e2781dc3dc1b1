#include "web/view/templates.h"

#include <memory>
#include <span>
#include <stdexcept>

#include "core/embedded_file.h"

namespace semaphore::embedded {
std::span<const EmbeddedFile> web_templates();
}

namespace semaphore::web {

Templates::Templates() {
  for (const EmbeddedFile& file : embedded::web_templates()) {
    std::string name(file.path);
    if (name.ends_with(".mustache")) name.resize(name.size() - 9);
    kainjow::mustache::mustache parsed{std::string(file.bytes)};
    if (!parsed.is_valid()) throw std::runtime_error("template " + name + ": " + parsed.error_message());
    sources_.emplace(std::move(name), std::string(file.bytes));
  }
}

std::string Templates::render(std::string_view name, const TemplateData& data) const {
  // kainjow's render() is not const: each thread keeps its own parsed copies.
  thread_local std::map<const Templates*,
                        std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>, std::less<>>>
      parsed_by_owner;
  auto& parsed = parsed_by_owner[this];
  auto it = parsed.find(name);
  if (it == parsed.end()) {
    const auto source = sources_.find(name);
    if (source == sources_.end()) return "template not found: " + std::string(name);
    it = parsed.emplace(std::string(name), std::make_unique<kainjow::mustache::mustache>(source->second))
             .first;
  }
  return it->second->render(data);
}

void set_if(TemplateData& data, const std::string& key, const std::string& value) {
  if (!value.empty()) data.set(key, value);
}

}  // namespace semaphore::web
