// Fuzzes the HTTP request path as the server runs it, minus the socket: raw bytes through Beast's request
// parser (with the server's header limit and a body limit), to_request (src/web/server/request_reader.h),
// then WebApp::handle over a real SQLite store (routing, cookies, forms, CSRF, sessions, every page). Beyond
// not crashing and no sanitizer report:
//  - the app answers whatever parses: never a 500 (its answer to an exception nobody expected), a status in
//    range, and the security headers on every answer;
//  - what the server refuses before the app (framing, target) is a 4xx with a message.
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>

#include "core/db_url.h"
#include "domain/passwords.h"
#include "fuzz_check.h"
#include "store/store.h"
#include "web/app.h"
#include "web/server/request_reader.h"

namespace {

namespace http = boost::beast::http;
namespace fs = std::filesystem;
using namespace semaphore;

std::string g_dir;
std::unique_ptr<store::Store> g_store;
std::unique_ptr<web::WebApp> g_app;

bool has_header(const web::Response& response, std::string_view name) {
  return std::any_of(response.headers.begin(), response.headers.end(),
                     [&](const auto& header) { return header.first == name; });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // the app logs every request; once per input would drown libFuzzer
  std::string dir = (fs::temp_directory_path() / "semaphore-http-fuzz-XXXXXX").string();  // $TMPDIR
  if (::mkdtemp(dir.data()) == nullptr) std::abort();
  g_dir = dir;
  auto url = parse_db_url("sqlite:" + g_dir + "/fuzz.db");
  if (!url) std::abort();
  auto opened = store::Store::open(*url);
  if (!opened || !(*opened)->migrate()) std::abort();
  g_store = std::move(*opened);
  // The cheapest argon2id parameters: a sign-up that gets through must not cost 64 MiB per input.
  g_app = std::make_unique<web::WebApp>(
      web::WebStores{*g_store, *g_store, *g_store, *g_store, *g_store, *g_store, *g_store, *g_store},
      web::WebOptions{}, domain::PasswordCost::minimum());
  std::atexit([] {
    g_app.reset();
    g_store.reset();
    std::error_code ec;
    fs::remove_all(g_dir, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(web::kHeaderLimit);
  parser.body_limit(64 * 1024);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  while (!parser.is_done() && offset < size) {
    const std::size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    offset += used;
    if (ec == http::error::need_more) {
      ec = {};
      if (used == 0) break;  // it wants bytes that are not there
    } else if (ec) {
      break;
    }
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  // What does not parse the server answers itself (400, 413, 431) without the app.
  if (ec || !parser.is_done()) return 0;

  auto converted = web::to_request(parser.release(), "192.0.2.1");
  if (const auto* refused = std::get_if<web::ProtocolError>(&converted)) {
    FUZZ_CHECK(refused->status >= 400 && refused->status < 500);
    FUZZ_CHECK(!refused->message.empty());
    return 0;
  }
  const web::Response response = g_app->handle(std::get<web::Request>(converted));
  FUZZ_CHECK(response.status >= 200 && response.status < 600);
  FUZZ_CHECK(response.status != 500);
  FUZZ_CHECK(has_header(response, "Content-Security-Policy"));
  FUZZ_CHECK(has_header(response, "X-Content-Type-Options"));
  return 0;
}
