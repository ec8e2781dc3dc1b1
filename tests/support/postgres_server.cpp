#include "support/postgres_server.h"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "support/process.h"

namespace semaphore::testing {
namespace {

std::string find_pg_bin_dir() {
  // Debian installs server binaries under /usr/lib/postgresql/<major>/bin; take the newest.
  std::string best;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ignored)) {
    const auto candidate = entry.path() / "bin";
    if (std::filesystem::exists(candidate / "initdb") && candidate.string() > best) best = candidate.string();
  }
  if (best.empty())
    throw std::runtime_error("PostgreSQL server binaries not found: run scripts/bootstrap --test");
  return best;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

PostgresServer::PostgresServer() : dir_("semaphore-pg") {
  bin_dir_ = find_pg_bin_dir();
  data_dir_ = dir_.file("data");
  port_ = free_tcp_port();
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr)
      throw std::runtime_error("running as root and there is no 'postgres' user to run the server");
    if (::chown(dir_.path().c_str(), user->pw_uid, user->pw_gid) != 0) {
      throw std::runtime_error("cannot chown the PostgreSQL temp dir");
    }
  }
  const auto init =
      run_command({"sh", "-c",
                   as_server_user(pg_bin("initdb") + " -D " + shell_quote(data_dir_) +
                                  " -U semaphore -A trust -E UTF8 --no-sync --no-instructions")});
  if (init.exit_code != 0) throw std::runtime_error("initdb failed: " + init.out + init.err);
  start();
}

PostgresServer::~PostgresServer() {
  try {
    stop();
  } catch (...) {
    // A destructor must not throw; the temp dir is removed regardless.
  }
}

std::string PostgresServer::pg_bin(const std::string& tool) const {
  return shell_quote(bin_dir_ + "/" + tool);
}

std::string PostgresServer::as_server_user(const std::string& command) const {
  if (::geteuid() != 0) return command;
  return "runuser -u postgres -- sh -c " + shell_quote(command);
}

void PostgresServer::start() {
  if (running_) return;
  // fsync off: a test cluster trades durability for speed. Unix socket in the temp dir, TCP on loopback only.
  const std::string options = "-p " + std::to_string(port_) + " -k " + dir_.path().string() +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                              " -c full_page_writes=off -c max_connections=200";
  const auto result = run_command({"sh", "-c",
                                   as_server_user(pg_bin("pg_ctl") + " -D " + shell_quote(data_dir_) +
                                                  " -l " + shell_quote(dir_.file("server.log")) + " -o " +
                                                  shell_quote(options) + " -w -t 60 start")});
  if (result.exit_code != 0) throw std::runtime_error("pg_ctl start failed: " + result.out + result.err);
  running_ = true;
}

void PostgresServer::stop() {
  if (!running_) return;
  run_command(
      {"sh", "-c",
       as_server_user(pg_bin("pg_ctl") + " -D " + shell_quote(data_dir_) + " -m fast -w -t 60 stop")});
  running_ = false;
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://semaphore@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::create_database(const std::string& name) {
  const auto result = run_command({"sh", "-c",
                                   pg_bin("createdb") + " -h 127.0.0.1 -p " + std::to_string(port_) +
                                       " -U semaphore " + shell_quote(name)});
  if (result.exit_code != 0) throw std::runtime_error("createdb " + name + " failed: " + result.err);
  return url(name);
}

}  // namespace semaphore::testing
