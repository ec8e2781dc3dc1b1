#include "web/security/validation.h"

#include "core/text.h"

namespace semaphore::web {

std::string safe_next_path(std::string_view next) {
  if (next.empty() || next.size() > 2000 || next.front() != '/') return "/";
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/";
  if (next.find('\\') != std::string_view::npos || has_control_characters(next)) return "/";
  return std::string(next);
}

}  // namespace semaphore::web
