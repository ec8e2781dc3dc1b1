#pragma once
// The --db option: "sqlite:PATH" (PATH may be relative) or "postgresql://..." / "postgres://...".
#include <string>
#include <string_view>

#include "core/result.h"

namespace semaphore {

enum class DbKind { sqlite, postgresql };

struct DbUrl {
  DbKind kind = DbKind::sqlite;
  std::string location;  // the SQLite file path, or the PostgreSQL URL as given
  std::string original;
};

Result<DbUrl> parse_db_url(std::string_view text);

// The URL with any password replaced by "***", fit for logs and error messages.
std::string redact_db_url(std::string_view text);

}  // namespace semaphore
