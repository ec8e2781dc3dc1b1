#include "store/store.h"

#include <soci/soci.h>

#include <algorithm>

#include "store/migrations.h"
#include "store/soci_store.h"

namespace semaphore::store {

Result<std::unique_ptr<Store>> Store::open(const DbUrl& url) {
  // SQLite: a few connections so that readers (WAL) do not wait for the writer. PostgreSQL: a small pool.
  const std::size_t pool_size = url.kind == DbKind::sqlite ? 4 : 8;
  const std::string name = (url.kind == DbKind::sqlite ? "sqlite:" : "") + redact_db_url(url.location);
  try {
    return std::unique_ptr<Store>(std::make_unique<SociStore>(url, pool_size));
  } catch (const soci::soci_error& error) {
    std::string reason = error.get_error_message();
    if (reason.empty()) reason = error.what();
    return make_error(Errc::unavailable, "cannot open database " + name + ": " + reason);
  } catch (const std::exception& error) {
    return make_error(Errc::unavailable, "cannot open database " + name + ": " + error.what());
  }
}

int Store::latest_schema_version(DbKind kind) {
  const auto all = migrations_for(kind);
  return all.empty() ? 0 : all.back().version;
}

}  // namespace semaphore::store
