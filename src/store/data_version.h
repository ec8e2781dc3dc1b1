#pragma once
// DataVersionSource: one token for "has anything been written?". Used by the web UI, whose caches (session
// rows, users, host statuses, report pages) keep what they read under it.
//
// Rules: never throws (database failures are Errc::unavailable); safe to call from many threads at once.
#include <string>

#include "core/result.h"

namespace semaphore::store {

class DataVersionSource {
 public:
  virtual ~DataVersionSource() = default;

  // An opaque token that changes whenever a write was committed to the database, by this process or any
  // other, since it was last read (it may change without one, too). Readers that keep what they read check
  // it first and read again when it differs: read it before the data it guards. Cheap (no table is read).
  virtual Result<std::string> data_version() = 0;
};

}  // namespace semaphore::store
