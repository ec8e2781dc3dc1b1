#pragma once
// OperatorStore: what the operator's views read: /readyz (is the database answering?) and, with
// --metrics-hosts, /metrics' per-host gauges. Unlike HostStore it is NOT scoped by user: it reads every
// user's hosts, so only endpoints meant for the operator use it (/metrics is behind --metrics-token or
// loopback), never a page or the API.
//
// Rules: methods never throw (database failures are Errc::unavailable); safe to call from many threads.
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace semaphore::store {

class OperatorStore {
 public:
  virtual ~OperatorStore() = default;

  // A cheap round trip that reads the database (the schema version): is the database answering?
  virtual Status check_connection() = 0;
  // Every host of every user with its latest result from `location_id`, ordered by host id. One query.
  virtual Result<std::vector<HostStatus>> all_host_statuses(Id location_id) = 0;
};

}  // namespace semaphore::store
