#pragma once
// The schema migrations compiled into the binary: src/store/migrations/<backend>/NNN_name.sql, in order.
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

// Sorted by version. Versions are 1, 2, 3, ... without gaps (checked by the unit tests).
std::vector<Migration> migrations_for(DbKind kind);

// Splits a migration into statements at semicolons that end a line, dropping "--" comment lines.
// (SQLite prepares one statement at a time; keeping semicolons out of mid-line text keeps this simple.)
std::vector<std::string> split_sql_statements(std::string_view sql);

}  // namespace semaphore::store
