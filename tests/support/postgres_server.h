#pragma once
// A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp dir, on a free port on 127.0.0.1,
// stopped and removed when the object dies (also when the test fails). Runs the server as the `postgres`
// OS user when the tests run as root, since PostgreSQL refuses to run as root.
#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace semaphore::testing {

class PostgresServer {
 public:
  // Throws std::runtime_error with initdb's or pg_ctl's output when the cluster cannot be started.
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgresql://semaphore@127.0.0.1:PORT/DBNAME; `create_database` makes a fresh, empty database.
  std::string url(const std::string& database = "postgres") const;
  std::string create_database(const std::string& name);

  // For outage tests: stop the server (fast shutdown) and start it again on the same port and data.
  void stop();
  void start();
  bool running() const { return running_; }
  int port() const { return port_; }

 private:
  std::string pg_bin(const std::string& tool) const;
  std::string as_server_user(const std::string& command) const;

  TempDir dir_;
  std::string bin_dir_;
  std::string data_dir_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace semaphore::testing
