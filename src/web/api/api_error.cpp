#include "web/api/api_error.h"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>

#include "core/text.h"

namespace semaphore::web {

Response api_error(int status, std::string_view code, std::string_view message, std::string_view field) {
  boost::json::object error{{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  return json_response(status, boost::json::object{{"error", std::move(error)}});
}

Response api_store_error(const Error& error) {
  switch (error.code) {
    case Errc::not_found:
      return api_error(404, "not_found", "No such resource, or it is not yours.");
    case Errc::duplicate:
      return api_error(409, "duplicate", "It exists already.");
    case Errc::invalid_argument:
      return api_error(400, "bad_field", error.message);
    case Errc::limit_exceeded:
      return api_error(422, "limit_exceeded", error.message);
    default:
      spdlog::error("store: {}", log_safe(error.message));
      return api_error(503, "unavailable", "The database is unavailable; try again shortly.");
  }
}

}  // namespace semaphore::web
