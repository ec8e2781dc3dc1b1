#include "store/dialect.h"

#include "store/postgresql/postgresql_dialect.h"
#include "store/sqlite/sqlite_dialect.h"

namespace semaphore::store {

std::unique_ptr<Dialect> make_dialect(const DbUrl& url) {
  if (url.kind == DbKind::sqlite) return std::make_unique<SqliteDialect>(url.location);
  return std::make_unique<PostgresqlDialect>(url.location);
}

std::vector<Migration> migrations_for(DbKind kind) {
  return make_dialect(DbUrl{kind, "", ""})->migrations();
}

}  // namespace semaphore::store
