#pragma once
// A file compiled into the binary by cmake/EmbedFiles.cmake (migrations, templates, static assets).
#include <span>
#include <string_view>

namespace semaphore {

struct EmbeddedFile {
  std::string_view path;  // relative to the embedding's base directory, with '/' separators
  std::string_view bytes;
};

}  // namespace semaphore
