#include "web/view/assets.h"

#include <sodium.h>

#include <span>

#include "core/embedded_file.h"

namespace semaphore::embedded {
std::span<const EmbeddedFile> web_static();
std::span<const EmbeddedFile> web_vendor();
}  // namespace semaphore::embedded

namespace semaphore::web {
namespace {

std::string_view content_type_of(std::string_view path) {
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".svg")) return "image/svg+xml";
  if (path.ends_with(".png")) return "image/png";
  if (path.ends_with(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

std::string etag_of(std::string_view bytes) {
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return "\"" + std::string(hex) + "\"";
}

}  // namespace

Assets::Assets() {
  for (auto files : {embedded::web_static(), embedded::web_vendor()}) {
    for (const EmbeddedFile& file : files) {
      const std::string path = "/static/" + std::string(file.path);
      assets_[path] = Asset{file.bytes, content_type_of(file.path), etag_of(file.bytes)};
    }
  }
}

const Asset* Assets::find(std::string_view path) const {
  const auto it = assets_.find(std::string(path));
  return it == assets_.end() ? nullptr : &it->second;
}

}  // namespace semaphore::web
