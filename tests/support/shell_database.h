#pragma once
// A database that benchmarks drive from outside the process under test, through the back end's own shell
// (sqlite3, psql): seeding hosts, counting rows, measuring size. For PostgreSQL it also owns the throwaway
// cluster (postgres_server.h), which stops when this goes.
#include <cstdio>
#include <memory>
#include <string>

#include "support/postgres_server.h"
#include "support/process.h"

namespace semaphore::testing {

struct ShellDatabase {
  std::string url;
  std::string sqlite_path;  // empty for PostgreSQL
  std::unique_ptr<PostgresServer> server;

  // Runs `statements` through the back end's shell and returns its output; a failure is printed, not thrown
  // (a benchmark reports what it can). psql stops at the first error and says so (without ON_ERROR_STOP it
  // goes on and exits 0, and a failed bulk load looked like an empty one).
  std::string sql(const std::string& statements) const {
    const auto result = sqlite_path.empty()
                            ? run_command({"psql", "-qtA", "-v", "ON_ERROR_STOP=1", url}, statements)
                            : run_command({"sqlite3", sqlite_path}, statements);
    if (result.exit_code != 0) std::fprintf(stderr, "sql failed: %s\n", result.err.c_str());
    return result.out;
  }
};

}  // namespace semaphore::testing
