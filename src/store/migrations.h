#pragma once
// The schema migrations compiled into the binary: src/store/<backend>/migrations/NNN_name.sql, in order.
#include <string>
#include <string_view>
#include <vector>

#include "core/db_url.h"

namespace semaphore::store {

struct Migration {
  int version = 0;       // NNN of the file name
  std::string name;      // the file name
  std::string_view sql;  // the whole file
};

// The embedded migrations under `folder` ("sqlite/migrations/"), sorted by version.
std::vector<Migration> migrations_in(std::string_view folder);

// A back end's migrations (its dialect names the folder: dialect.cpp). Sorted by version; versions are
// 1, 2, 3, ... without gaps (checked by the unit tests).
std::vector<Migration> migrations_for(DbKind kind);

// The newest version of `migrations` (sorted by version); 0 for none.
int latest_version(const std::vector<Migration>& migrations);

// Splits a migration into statements at semicolons that end a line, dropping "--" comment lines; a line
// inside a $$-quoted body (a PostgreSQL function's) or between an SQLite trigger's "BEGIN" and "END;" lines
// never ends a statement, and its comment lines are dropped too. (SQLite prepares one statement at a time;
// keeping semicolons out of mid-line text keeps this simple.)
std::vector<std::string> split_sql_statements(std::string_view sql);

}  // namespace semaphore::store
