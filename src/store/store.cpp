#include "store/store.h"

#include <soci/soci.h>

#include "store/dialect.h"
#include "store/migrations.h"
#include "store/soci_store.h"

namespace semaphore::store {

Result<std::unique_ptr<Store>> Store::open(const DbUrl& url) {
  std::unique_ptr<Dialect> dialect = make_dialect(url);
  const std::string name = dialect->display_name();
  try {
    return std::unique_ptr<Store>(std::make_unique<SociStore>(std::move(dialect)));
  } catch (const soci::soci_error& error) {
    std::string reason = error.get_error_message();
    if (reason.empty()) reason = error.what();
    return make_error(Errc::unavailable, "cannot open database " + name + ": " + reason);
  } catch (const std::exception& error) {
    return make_error(Errc::unavailable, "cannot open database " + name + ": " + error.what());
  }
}

int Store::latest_schema_version(DbKind kind) {
  return latest_version(migrations_for(kind));
}

}  // namespace semaphore::store
