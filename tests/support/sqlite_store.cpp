#include "support/sqlite_store.h"

#include <stdexcept>

#include "core/db_url.h"

namespace semaphore::testing {

std::unique_ptr<store::Store> open_migrated_sqlite(const TempDir& dir, const std::string& file_name) {
  auto url = parse_db_url("sqlite:" + dir.file(file_name));
  if (!url) throw std::runtime_error(url.error().message);
  auto opened = store::Store::open(*url);
  if (!opened) throw std::runtime_error("cannot open the test store: " + opened.error().message);
  if (auto migrated = (*opened)->migrate(); !migrated) {
    throw std::runtime_error("cannot migrate the test store: " + migrated.error().message);
  }
  return std::move(*opened);
}

}  // namespace semaphore::testing
