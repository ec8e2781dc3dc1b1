#pragma once
// SchemaStore: the database's schema version and its migrations
// (src/store/<backend>/migrations/NNN_name.sql). Used by whoever opens the database before handing its parts
// on: the CLI (`semaphore migrate`, and cli/store_access.h before every command), tests and benchmarks. No
// page and no probe worker migrates.
//
// Rules: methods never throw; database failures are Errc::unavailable (retrying may help). Safe to call from
// many threads at once, and from several processes: concurrent migrations take turns.
#include "core/result.h"

namespace semaphore::store {

class SchemaStore {
 public:
  virtual ~SchemaStore() = default;

  // Applies the migrations the database lacks, each in its own transaction; applying twice is a no-op.
  // Errc::schema_too_new when the database has a version this binary does not know.
  virtual Status migrate() = 0;
  // The schema version the database has (0 for a new database).
  virtual Result<int> schema_version() = 0;
  // Errc::schema_too_new / Errc::invalid_argument ("run semaphore migrate") unless the schema is current.
  virtual Status check_schema() = 0;
};

}  // namespace semaphore::store
