// GET /api/v1/openapi.json: the OpenAPI 3.1 document of /api/v1 (src/web/api/openapi.json, embedded in the
// binary). A file rather than code: it reads and reviews as the document it is; tests/api walks it against
// the running server, and tests/unit/web checks that it names every /api/v1 route the router has.
#include <span>
#include <stdexcept>

#include "core/embedded_file.h"
#include "web/app_context.h"

namespace semaphore::embedded {
std::span<const EmbeddedFile> web_api();
}  // namespace semaphore::embedded

namespace semaphore::web {

std::string_view openapi_document() {
  for (const EmbeddedFile& file : embedded::web_api()) {
    if (file.path == "openapi.json") return file.bytes;
  }
  throw std::runtime_error("openapi.json is not embedded");
}

void add_api_openapi_routes(Routes& routes) {
  routes.add(Method::get, "/api/v1/openapi.json", Access::api, [](RequestContext&) {
    return text_response(200, std::string(openapi_document()), "application/json");
  });
}

}  // namespace semaphore::web
