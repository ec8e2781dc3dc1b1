#include "cli/store_access.h"

namespace semaphore::cli {

std::unique_ptr<store::Store> open_store(const GlobalOptions& global, SchemaAction action) {
  auto url = parse_db_url(global.db);
  if (!url) throw CommandExit{2, url.error().message};
  auto opened = store::Store::open(*url);
  if (!opened) throw CommandExit{1, opened.error().message};
  std::unique_ptr<store::Store> store = std::move(opened).value();
  const Status schema = action == SchemaAction::migrate ? store->migrate() : store->check_schema();
  if (!schema) throw CommandExit{1, redact_db_url(global.db) + ": " + schema.error().message};
  return store;
}

}  // namespace semaphore::cli
