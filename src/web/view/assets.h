#pragma once
// Static assets served under /static/: the project's CSS and JavaScript (src/web/static) and uPlot's built
// files (web/node_modules/uplot/dist), all embedded in the binary at build time.
#include <string>
#include <string_view>
#include <unordered_map>

namespace semaphore::web {

struct Asset {
  std::string_view bytes;
  std::string_view content_type;
  std::string etag;  // a quoted hash of the bytes
};

class Assets {
 public:
  Assets();
  // The asset at `path` ("/static/app.css"), or nullptr.
  const Asset* find(std::string_view path) const;

 private:
  std::unordered_map<std::string, Asset> assets_;
};

}  // namespace semaphore::web
