#pragma once
// A real, migrated SQLite store in a file of the test's temporary directory: what the unit tests of the web
// and domain modules run against (sessions, throttle, the app, HostService), instead of a fake.
#include <memory>
#include <string>

#include "store/store.h"
#include "support/temp_dir.h"

namespace semaphore::testing {

// Opens `dir`/`file_name` and applies every migration. Throws std::runtime_error with the store's message
// when either fails (GoogleTest reports it as the test's failure).
std::unique_ptr<store::Store> open_migrated_sqlite(const TempDir& dir, const std::string& file_name);

}  // namespace semaphore::testing
