#include "core/db_url.h"

namespace semaphore {

Result<DbUrl> parse_db_url(std::string_view text) {
  const std::string original(text);
  if (text.starts_with("sqlite:")) {
    std::string_view path = text.substr(7);
    if (path.starts_with("//")) path.remove_prefix(2);  // tolerate sqlite://PATH
    if (path.empty())
      return make_error(Errc::invalid_argument, "--db sqlite: needs a file path, e.g. sqlite:semaphore.db");
    return DbUrl{DbKind::sqlite, std::string(path), original};
  }
  if (text.starts_with("postgresql://") || text.starts_with("postgres://")) {
    return DbUrl{DbKind::postgresql, original, original};
  }
  return make_error(Errc::invalid_argument,
                    "--db must be sqlite:PATH or postgresql://..., not '" + redact_db_url(text) + "'");
}

std::string redact_db_url(std::string_view text) {
  std::string url(text);
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto at = url.find('@', scheme_end + 3);
  if (at == std::string::npos) return url;
  const auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace semaphore
