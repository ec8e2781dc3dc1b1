#pragma once
// The Store: everything Semaphore keeps, with a SQLite and a PostgreSQL back end (src/store/soci_store*.cpp,
// both through SOCI; what differs between them is in src/store/sqlite/ and src/store/postgresql/).
//
// One object implements every interface, but each consumer is handed only the one it needs:
//  - SchemaStore (schema_store.h): migrations; the CLI, before anything else uses the database.
//  - DataVersionSource (data_version.h): the write token the web UI's caches are kept under.
//  - AccountStore (account_store.h): users, sessions, sign-in failures; the web UI and the CLI.
//  - HostStore (host_store.h): a user's hosts, results and rollups; the web UI and the CLI.
//  - TokenStore (token_store.h): users' API tokens; the web UI (bearer authentication, /account), the CLI.
//  - MonitorStore (monitor_store.h): hosts to ping, leases, result writes, maintenance; the ping service.
//  - OperatorStore (operator_store.h): every user's hosts and a database check, for /metrics and /readyz.
//  - AlertStore (alert_store.h): alert rules, events, maintenance windows, channels; the alerts' pages, API
//    and CLI.
//  - NotificationStore (notification_store.h): the alert outbox; the alerts' dispatcher.
//  - PathStore (path_store.h): hosts' measured network paths; the ping service writes, the web reads.
//  - LocationStore (location_store.h): where hosts are pinged from; the CLI, /locations, the heartbeat.
// Whoever opens the database (cli/store_access.h, tests, benchmarks) holds the Store and hands the parts on.
// The rules each interface keeps (user scoping, no exceptions, Errc codes, thread safety) are in its header.
#include <memory>

#include "core/db_url.h"
#include "core/result.h"
#include "store/account_store.h"
#include "store/alert_store.h"
#include "store/data_version.h"
#include "store/host_store.h"
#include "store/location_store.h"
#include "store/monitor_store.h"
#include "store/notification_store.h"
#include "store/operator_store.h"
#include "store/path_store.h"
#include "store/schema_store.h"
#include "store/token_store.h"

namespace semaphore::store {

class Store : public SchemaStore,
              public DataVersionSource,
              public AccountStore,
              public HostStore,
              public TokenStore,
              public MonitorStore,
              public OperatorStore,
              public AlertStore,
              public NotificationStore,
              public PathStore,
              public LocationStore {
 public:
  ~Store() override = default;

  // Opens the database named by `url` (creating a SQLite file if needed). Does not migrate.
  // Errc::unavailable with a message that names the database (password redacted) and the reason.
  static Result<std::unique_ptr<Store>> open(const DbUrl& url);

  // The newest schema version this binary knows for a back end.
  static int latest_schema_version(DbKind kind);
};

}  // namespace semaphore::store
