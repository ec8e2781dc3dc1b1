#include "web/server/request_reader.h"

#include <boost/url/parse.hpp>

#include <algorithm>

#include "core/ascii.h"

namespace semaphore::web {
namespace {

namespace http = boost::beast::http;

Method method_of(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return Method::get;
    case http::verb::head:
      return Method::head;
    case http::verb::post:
      return Method::post;
    case http::verb::put:
      return Method::put;
    case http::verb::patch:
      return Method::patch;
    case http::verb::delete_:
      return Method::delete_;
    default:
      return Method::other;
  }
}

}  // namespace

std::variant<Request, ProtocolError> to_request(http::request<http::string_body>&& message,
                                                const std::string& client_address) {
  // A body whose length the parser could not know (a Transfer-Encoding not ending in chunked) was read as
  // empty: RFC 9112 says answer 400 and close, since what follows on the connection is not a request.
  if (const auto coding = message[http::field::transfer_encoding]; !coding.empty()) {
    const auto comma = coding.rfind(',');
    std::string last(comma == std::string_view::npos ? coding : coding.substr(comma + 1));
    std::erase_if(last, [](char c) { return c == ' ' || c == '\t'; });
    if (!iequals_ascii(last, "chunked")) {
      return ProtocolError{400, "The request's Transfer-Encoding is not supported."};
    }
  }
  Request request;
  request.method = method_of(message.method());
  request.target = std::string(message.target());
  const auto url = boost::urls::parse_origin_form(message.target());
  if (!url) return ProtocolError{400, "The request target is not valid."};
  request.path = url->path();
  request.query = std::string(url->encoded_query());
  request.headers.reserve(8);
  for (const auto& field : message) {
    request.headers.emplace_back(lower_ascii(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.client_address = client_address;
  return request;
}

}  // namespace semaphore::web
