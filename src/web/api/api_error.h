#pragma once
// The API's one error shape (issue 13): {"error": {"code": "...", "message": "...", "field": "..."}}.
// `code` is a stable machine word (bad_json, bad_field, unauthorized, forbidden, not_found, duplicate,
// too_large, unsupported_media_type, rate_limited, unavailable); `message` is for people and never holds
// internals; `field` names the request field at fault, and is left out when no one field is.
#include <string_view>

#include "core/result.h"
#include "web/http_types.h"

namespace semaphore::web {

Response api_error(int status, std::string_view code, std::string_view message, std::string_view field = {});

// A store failure as an API error: 404 not_found, 409 duplicate, else 503 unavailable (logged; the message
// says only that the database is unavailable).
Response api_store_error(const Error& error);

}  // namespace semaphore::web
