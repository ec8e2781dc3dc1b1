#include "core/result.h"

namespace semaphore {

const char* to_string(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
      return "invalid argument";
    case Errc::not_found:
      return "not found";
    case Errc::duplicate:
      return "duplicate";
    case Errc::unavailable:
      return "unavailable";
    case Errc::schema_too_new:
      return "schema too new";
    case Errc::permission_denied:
      return "permission denied";
    case Errc::limit_exceeded:
      return "limit exceeded";
    case Errc::internal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace semaphore
