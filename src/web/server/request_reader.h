#pragma once
// What the server makes of a parsed HTTP message: the app's Request, or the protocol error to answer (and
// close after). Apart from the session so that the whole read path — Beast's parser, then this — can be fed
// raw bytes without a socket (fuzz/http_request_fuzz.cpp). Included only by the server's translation units
// and that fuzz target (it needs Beast).
#include <string>
#include <variant>

#include "web/http_types.h"
#include "web/server/beast_pch.h"

namespace semaphore::web {

// The limits the server's parser is given.
constexpr std::size_t kHeaderLimit = 16 * 1024;

struct ProtocolError {
  int status = 400;
  std::string message;  // the plain-text answer
};

// `message` as the app's Request from `client_address` (methods other than GET, HEAD, POST, PUT, PATCH and
// DELETE become Method::other), or a 400 for a framing the server cannot trust (a Transfer-Encoding not
// ending in chunked) or a target that is not origin-form.
std::variant<Request, ProtocolError> to_request(
    boost::beast::http::request<boost::beast::http::string_body>&& message,
    const std::string& client_address);

}  // namespace semaphore::web
