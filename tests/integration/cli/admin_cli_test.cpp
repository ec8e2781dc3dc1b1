// `semaphore migrate | user | host` as an operator runs them: the real binary, real databases.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

std::string sqlite_tables(const std::string& path) {
  return run_command({"sqlite3", path, ".tables"}).out;
}

TEST(AdminCli, MigrateCreatesTheTablesOnSqliteAndIsRepeatable) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  auto first = run_semaphore({"migrate", "--db", db});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // It reports the version the database now has: the newest migration's.
  const auto stored = run_command({"sqlite3", dir.file("x.db"), "SELECT MAX(version) FROM schema_version"});
  EXPECT_NE(first.out.find("schema version " + stored.out.substr(0, stored.out.find('\n'))),
            std::string::npos)
      << first.out;
  EXPECT_GE(std::atoi(stored.out.c_str()), 1);
  const std::string tables = sqlite_tables(dir.file("x.db"));
  for (const char* table : {"users", "sessions", "hosts", "ping_results"}) {
    EXPECT_NE(tables.find(table), std::string::npos) << table << " in " << tables;
  }
  EXPECT_EQ(run_semaphore({"migrate", "--db", db}).exit_code, 0);
}

TEST(AdminCli, MigrateCreatesTheTablesOnPostgresql) {
  PostgresServer server;
  const std::string url = server.create_database("cli");
  auto migrated = run_semaphore({"migrate", "--db", url});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  const std::string list_tables =
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1";
  auto tables = run_command({"psql", "-At", url, "-c", list_tables});
  ASSERT_EQ(tables.exit_code, 0) << tables.err;
  for (const char* table : {"users", "sessions", "hosts", "ping_results"}) {
    EXPECT_NE(tables.out.find(std::string(table) + "\n"), std::string::npos) << table << " in " << tables.out;
  }
  EXPECT_EQ(run_semaphore({"migrate", "--db", url}).exit_code, 0);
}

TEST(AdminCli, BadDatabaseUrlsAndOptionsExitWithOneLine) {
  auto scheme = run_semaphore({"migrate", "--db", "mysql://root:pw@x/y"});
  EXPECT_EQ(scheme.exit_code, 2);
  EXPECT_NE(scheme.err.find("--db must be"), std::string::npos);
  EXPECT_EQ(scheme.err.find("pw@"), std::string::npos);

  auto unopenable = run_semaphore({"migrate", "--db", "sqlite:/nonexistent-dir/x.db"});
  EXPECT_EQ(unopenable.exit_code, 1);
  EXPECT_NE(unopenable.err.find("cannot open database sqlite:/nonexistent-dir/x.db"), std::string::npos);

  auto unknown = run_semaphore({"migrate", "--no-such-option"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;

  auto bad_level = run_semaphore({"--log-level", "loud", "migrate"});
  EXPECT_EQ(bad_level.exit_code, 2);
}

TEST(AdminCli, EnvironmentVariablesSetOptions) {
  TempDir dir;
  auto migrated =
      run_command({semaphore_binary(), "migrate"}, "", {{"SEMAPHORE_DB", "sqlite:" + dir.file("env.db")}});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_NE(sqlite_tables(dir.file("env.db")).find("hosts"), std::string::npos);
}

TEST(AdminCli, AConfigurationFileSetsOptionsAndTheCommandLineWins) {
  TempDir dir;
  const std::string config = dir.file("semaphore.conf");
  std::ofstream(config) << "# global options at the top, a command's under its name\n"
                        << "db = \"sqlite:" << dir.file("from-file.db") << "\"\n"
                        << "[run]\ninterval = \"30s\"\n";
  auto from_file = run_semaphore({"--config", config, "migrate"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_NE(sqlite_tables(dir.file("from-file.db")).find("hosts"), std::string::npos);

  auto overridden =
      run_semaphore({"--config", config, "migrate", "--db", "sqlite:" + dir.file("from-args.db")});
  ASSERT_EQ(overridden.exit_code, 0) << overridden.err;
  EXPECT_NE(sqlite_tables(dir.file("from-args.db")).find("hosts"), std::string::npos);
}

TEST(AdminCli, AMisspeltOrMissingConfigurationFileIsAnErrorNotADefault) {
  TempDir dir;
  const std::string config = dir.file("typo.conf");
  // A key of a command that is not the one run is checked too: the file is wrong, whatever runs.
  std::ofstream(config) << "db = \"sqlite:" << dir.file("x.db") << "\"\n[run]\nintervall = \"5s\"\n";
  auto typo = run_semaphore({"--config", config, "migrate"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("run.intervall"), std::string::npos) << typo.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.db")));

  auto missing = run_semaphore({"--config", dir.file("nope.conf"), "migrate"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.conf"), std::string::npos) << missing.err;
}

TEST(AdminCli, UsersAreAddedWithAPasswordFromStdinOrAFile) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  auto first = run_semaphore({"user", "add", "Admin@Example.com", "--db", db}, "correct horse battery\n");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("added user admin@example.com (admin)"), std::string::npos);
  EXPECT_EQ(first.err.find("Password"), std::string::npos) << "no prompt when stdin is a pipe: " << first.err;

  { std::ofstream(dir.file("pw")) << "another long password\n"; }
  auto second =
      run_semaphore({"user", "add", "bob@example.com", "--password-file", dir.file("pw"), "--db", db});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out.find("(admin)"), std::string::npos);

  auto short_password = run_semaphore({"user", "add", "carol@example.com", "--db", db}, "short\n");
  EXPECT_EQ(short_password.exit_code, 2);
  EXPECT_NE(short_password.err.find("at least 10 characters"), std::string::npos);

  auto duplicate = run_semaphore({"user", "add", "ADMIN@example.com", "--db", db}, "correct horse battery\n");
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_NE(duplicate.err.find("already exists"), std::string::npos);

  auto list = run_semaphore({"user", "list", "--db", db});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("admin@example.com"), std::string::npos);
  EXPECT_NE(list.out.find("bob@example.com"), std::string::npos);
  EXPECT_EQ(list.out.find("carol@example.com"), std::string::npos);

  // Only an argon2id hash is stored, never the password.
  auto stored = run_command({"sqlite3", dir.file("x.db"), "SELECT password_hash FROM users"});
  EXPECT_NE(stored.out.find("$argon2id$"), std::string::npos);
  EXPECT_EQ(stored.out.find("correct horse"), std::string::npos);
}

TEST(AdminCli, UserSetMaxHostsGivesOneUserTheirOwnHostLimit) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  ASSERT_EQ(run_semaphore({"user", "add", "a@example.com", "--db", db}, "correct horse battery\n").exit_code,
            0);
  ASSERT_EQ(run_semaphore({"user", "add", "b@example.com", "--db", db}, "correct horse battery\n").exit_code,
            0);

  auto raised = run_semaphore({"user", "set", "A@example.com", "--max-hosts", "3", "--db", db});
  ASSERT_EQ(raised.exit_code, 0) << raised.err;
  EXPECT_NE(raised.out.find("a@example.com may now hold 3 hosts"), std::string::npos) << raised.out;
  auto list = run_semaphore({"user", "list", "--db", db});
  EXPECT_NE(list.out.find("MAX-HOSTS"), std::string::npos) << list.out;
  const auto row_of = [&](const std::string& email) {
    const auto at = list.out.find(email);
    return at == std::string::npos ? std::string() : list.out.substr(at, list.out.find('\n', at) - at);
  };
  EXPECT_NE(row_of("a@example.com").find(" 3 "), std::string::npos) << list.out;
  EXPECT_NE(row_of("b@example.com").find(" default "), std::string::npos) << list.out;

  // The server's default is 1; a@ holds 3, b@ 1.
  auto added = run_semaphore({"host", "add", "--user", "a@example.com", "--max-hosts-per-user", "1",
                              "one.example", "two.example", "three.example", "four.example", "--db", db});
  EXPECT_EQ(added.exit_code, 1);
  EXPECT_NE(added.out.find("added three.example"), std::string::npos) << added.out;
  EXPECT_NE(added.err.find("four.example: the user has reached the limit of 3 hosts"), std::string::npos)
      << added.err;
  auto other = run_semaphore({"host", "add", "--user", "b@example.com", "--max-hosts-per-user", "1",
                              "one.example", "two.example", "--db", db});
  EXPECT_NE(other.err.find("two.example: the user has reached the limit of 1 hosts (--max-hosts-per-user)"),
            std::string::npos)
      << other.err;

  // "default" gives the server's limit back; the hosts already held stay.
  ASSERT_EQ(run_semaphore({"user", "set", "a@example.com", "--max-hosts", "default", "--db", db}).exit_code,
            0);
  auto after = run_semaphore({"host", "add", "--user", "a@example.com", "--max-hosts-per-user", "4",
                              "five.example", "six.example", "--db", db});
  EXPECT_NE(after.out.find("added five.example"), std::string::npos) << after.out;
  EXPECT_NE(after.err.find("six.example: the user has reached the limit of 4 hosts"), std::string::npos)
      << after.err;

  for (const std::string bad : {"-1", "ten", "", "1000001", "3x"}) {
    auto refused = run_semaphore({"user", "set", "a@example.com", "--max-hosts", bad, "--db", db});
    EXPECT_EQ(refused.exit_code, 2) << bad;
    EXPECT_NE(refused.err.find("--max-hosts must be a number of hosts"), std::string::npos) << refused.err;
  }
  auto nobody = run_semaphore({"user", "set", "c@example.com", "--max-hosts", "5", "--db", db});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.err.find("no user c@example.com"), std::string::npos) << nobody.err;
}

// `semaphore token create|list|revoke` on `db` (a user a@example.com is made first); `query` runs SQL on the
// database with its own client and returns its output.
void check_token_commands(const std::string& db,
                          const std::function<std::string(const std::string&)>& query) {
  ASSERT_EQ(run_semaphore({"user", "add", "a@example.com", "--db", db}, "correct horse battery\n").exit_code,
            0);
  auto created = run_semaphore({"token", "create", "--user", "A@example.com", "--name", "ci", "--scope",
                                "write", "--expires", "90d", "--db", db});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  // stdout holds the token and nothing else, so TOKEN=$(semaphore token create ...) works.
  ASSERT_EQ(created.out.size(), 48u) << created.out;
  EXPECT_EQ(created.out.substr(0, 4), "smp_");
  EXPECT_EQ(created.out.back(), '\n');
  const std::string token = created.out.substr(0, 47);
  EXPECT_NE(created.err.find("ci"), std::string::npos) << created.err;
  EXPECT_EQ(created.err.find(token), std::string::npos);

  // Only the token's SHA-256 is stored, with its scope and a 90-day expiry.
  const std::string digest = run_command({"sha256sum"}, token).out.substr(0, 64);
  EXPECT_EQ(query("SELECT token_hash, scope, expires_at - created_at FROM api_tokens"),
            digest + "|write|" + std::to_string(90LL * 86'400'000) + "\n");

  auto defaults =
      run_semaphore({"token", "create", "--user", "a@example.com", "--name", "reader", "--db", db});
  ASSERT_EQ(defaults.exit_code, 0) << defaults.err;
  EXPECT_EQ(query("SELECT scope, COALESCE(expires_at, -1) FROM api_tokens WHERE name = 'reader'"),
            "read|-1\n");

  auto list = run_semaphore({"token", "list", "--user", "a@example.com", "--db", db});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("NAME"), std::string::npos);
  EXPECT_NE(list.out.find("ci "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("reader"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("never"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(token), std::string::npos);

  // Refusals print nothing on stdout and say why on stderr.
  auto duplicate = run_semaphore({"token", "create", "--user", "a@example.com", "--name", "ci", "--db", db});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_EQ(duplicate.out, "");
  EXPECT_NE(duplicate.err.find("already"), std::string::npos) << duplicate.err;
  auto bad_expiry = run_semaphore(
      {"token", "create", "--user", "a@example.com", "--name", "x", "--expires", "soon", "--db", db});
  EXPECT_EQ(bad_expiry.exit_code, 2);
  EXPECT_EQ(bad_expiry.out, "");
  auto bad_scope = run_semaphore(
      {"token", "create", "--user", "a@example.com", "--name", "x", "--scope", "admin", "--db", db});
  EXPECT_EQ(bad_scope.exit_code, 2);
  auto bad_name = run_semaphore({"token", "create", "--user", "a@example.com", "--name", "", "--db", db});
  EXPECT_EQ(bad_name.exit_code, 2);
  auto nobody = run_semaphore({"token", "create", "--user", "nobody@example.com", "--name", "x", "--db", db});
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_EQ(nobody.out, "");
  EXPECT_NE(nobody.err.find("no user nobody@example.com"), std::string::npos) << nobody.err;

  auto revoked = run_semaphore({"token", "revoke", "--user", "a@example.com", "ci", "--db", db});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(query("SELECT name FROM api_tokens"), "reader\n");
  auto again = run_semaphore({"token", "revoke", "--user", "a@example.com", "ci", "--db", db});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("no token named ci"), std::string::npos) << again.err;
}

TEST(AdminCli, TokensAreCreatedListedAndRevokedOnSqlite) {
  TempDir dir;
  const std::string path = dir.file("x.db");
  check_token_commands("sqlite:" + path, [&](const std::string& sql) {
    return run_command({"sqlite3", path, sql}).out;
  });
}

TEST(AdminCli, TokensAreCreatedListedAndRevokedOnPostgresql) {
  PostgresServer server;
  const std::string url = server.create_database("tokens");
  check_token_commands(url, [&](const std::string& sql) {
    return run_command({"psql", "-At", "-F", "|", url, "-c", sql}).out;
  });
}

// What a terminal showed while `semaphore args...` ran on it, and how the command ended.
struct TerminalRun {
  std::string screen;
  int exit_code = -1;
};

// Runs the binary on a pseudo-terminal (its stdin, stdout and stderr), waits until the screen shows
// `prompt`, types `typed`, and collects the screen until the command exits. The timeouts only bound a wait
// for something broken.
TerminalRun run_on_terminal(const std::vector<std::string>& args, const std::string& prompt,
                            const std::string& typed) {
  std::vector<std::string> argv_text = {semaphore_binary()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int master = -1;
  const pid_t child = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (child < 0) return {};
  if (child == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  TerminalRun run;
  bool typed_yet = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    pollfd ready{master, POLLIN, 0};
    const int polled = ::poll(&ready, 1, 100);
    if (polled > 0) {
      char buffer[512];
      const ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n <= 0) break;  // EIO: the command has exited and closed the terminal
      run.screen.append(buffer, static_cast<std::size_t>(n));
    }
    if (!typed_yet && run.screen.find(prompt) != std::string::npos) {
      typed_yet = ::write(master, typed.data(), typed.size()) == static_cast<ssize_t>(typed.size());
    }
  }
  ::close(master);
  int status = 0;
  if (::waitpid(child, &status, 0) == child && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

TEST(AdminCli, UserAddDoesNotEchoThePasswordOnATerminal) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  const auto run = run_on_terminal({"user", "add", "tty@example.com", "--db", db},
                                   "Password for tty@example.com: ", "secret horse battery\n");
  EXPECT_EQ(run.exit_code, 0) << run.screen;
  EXPECT_NE(run.screen.find("added user tty@example.com"), std::string::npos) << run.screen;
  EXPECT_EQ(run.screen.find("secret horse"), std::string::npos) << run.screen;

  // What was typed is what is checked: a short password typed unseen is refused for its length.
  const auto short_one = run_on_terminal({"user", "add", "tty2@example.com", "--db", db},
                                         "Password for tty2@example.com: ", "short\n");
  EXPECT_EQ(short_one.exit_code, 2) << short_one.screen;
  EXPECT_NE(short_one.screen.find("at least 10 characters"), std::string::npos) << short_one.screen;
  EXPECT_EQ(short_one.screen.find("short\r"), std::string::npos) << short_one.screen;
}

TEST(AdminCli, HostImportAddsTheGoodLinesAndNamesEachBadOne) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  ASSERT_EQ(run_semaphore({"user", "add", "a@example.com", "--db", db}, "correct horse battery\n").exit_code,
            0);
  {
    std::ofstream(dir.file("hosts.txt")) << "# my fleet\n"
                                            "db.example.com,AWS,EC2\n"
                                            "bad_host!\n"
                                            "\n"
                                            "10.0.0.1,Azure,Virtual Machines\n"
                                            "169.254.169.254\n"
                                            "web.example.com,Oracle\n"
                                            "app.example.com,GCP,App Engine\n";
  }
  auto imported =
      run_semaphore({"host", "import", "--user", "a@example.com", dir.file("hosts.txt"), "--db", db});
  EXPECT_EQ(imported.exit_code, 1);  // some lines were refused
  EXPECT_NE(imported.out.find("imported 3 hosts, 3 lines refused"), std::string::npos) << imported.out;
  for (const char* line : {":3:", ":6:", ":7:"}) {
    EXPECT_NE(imported.err.find(line), std::string::npos) << line << " in " << imported.err;
  }
  EXPECT_NE(imported.err.find("metadata"), std::string::npos);

  auto list = run_semaphore({"host", "list", "--user", "a@example.com", "--db", db});
  ASSERT_EQ(list.exit_code, 0);
  for (const char* host : {"db.example.com", "10.0.0.1", "app.example.com"}) {
    EXPECT_NE(list.out.find(host), std::string::npos) << host;
  }
  EXPECT_NE(list.out.find("App Engine"), std::string::npos);
  EXPECT_EQ(list.out.find("web.example.com"), std::string::npos);

  // Importing again adds nothing and says why for each line.
  auto again =
      run_semaphore({"host", "import", "--user", "a@example.com", dir.file("hosts.txt"), "--db", db});
  EXPECT_NE(again.out.find("imported 0 hosts"), std::string::npos);
  EXPECT_NE(again.err.find("db.example.com is already in the user's hosts"), std::string::npos);

  // stdin works too.
  auto from_stdin =
      run_semaphore({"host", "import", "--user", "a@example.com", "-", "--db", db}, "new.example.com\n");
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
}

TEST(AdminCli, HostAddValidatesEachHostAndKeepsTheGoodOnes) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  ASSERT_EQ(run_semaphore({"user", "add", "a@example.com", "--db", db}, "correct horse battery\n").exit_code,
            0);
  auto added = run_semaphore({"host", "add", "--user", "a@example.com", "--provider", "gcp", "--service",
                              "GKE", "127.0.0.1", "::1", "1.2.3", "BÜCHER.example", "--db", db});
  EXPECT_EQ(added.exit_code, 1);
  EXPECT_NE(added.err.find("1.2.3"), std::string::npos);
  auto list = run_semaphore({"host", "list", "--db", db});
  EXPECT_NE(list.out.find("127.0.0.1"), std::string::npos);
  EXPECT_NE(list.out.find("::1"), std::string::npos);
  EXPECT_NE(list.out.find("xn--bcher-kva.example"), std::string::npos);
  EXPECT_NE(list.out.find("GCP"), std::string::npos);

  auto duplicate = run_semaphore({"host", "add", "--user", "a@example.com", "127.0.0.1", "--db", db});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_NE(duplicate.err.find("already"), std::string::npos);

  auto no_user = run_semaphore({"host", "add", "--user", "nobody@example.com", "x.example.com", "--db", db});
  EXPECT_EQ(no_user.exit_code, 1);
  EXPECT_NE(no_user.err.find("no user nobody@example.com"), std::string::npos);

  auto bad_provider =
      run_semaphore({"host", "add", "--user", "a@example.com", "--provider", "IBM", "y.com", "--db", db});
  EXPECT_EQ(bad_provider.exit_code, 2);
}

TEST(AdminCli, HostsCarryTheirProbeMethodThroughAddImportAndList) {
  TempDir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  ASSERT_EQ(run_semaphore({"user", "add", "a@example.com", "--db", db}, "correct horse battery\n").exit_code,
            0);
  auto added = run_semaphore(
      {"host", "add", "--user", "a@example.com", "--probe", "tcp:22", "ssh.example.com", "--db", db});
  EXPECT_EQ(added.exit_code, 0) << added.err;
  EXPECT_NE(added.out.find("probe tcp:22"), std::string::npos) << added.out;
  auto bad = run_semaphore(
      {"host", "add", "--user", "a@example.com", "--probe", "tcp:0", "x.example.com", "--db", db});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("from 1 to 65535"), std::string::npos) << bad.err;
  {
    std::ofstream(dir.file("hosts.txt")) << "lb.example.com,Azure,Load Balancer,both:8443\n"
                                            "db.example.com,AWS,EC2\n"
                                            "bad.example.com,AWS,EC2,tcp:99999\n";
  }
  auto imported =
      run_semaphore({"host", "import", "--user", "a@example.com", dir.file("hosts.txt"), "--db", db});
  EXPECT_EQ(imported.exit_code, 1);
  EXPECT_NE(imported.out.find("imported 2 hosts, 1 lines refused"), std::string::npos) << imported.out;
  EXPECT_NE(imported.err.find(":3: bad probe 'tcp:99999'"), std::string::npos) << imported.err;

  auto list = run_semaphore({"host", "list", "--user", "a@example.com", "--db", db});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("PROBE"), std::string::npos);
  auto line_of = [&](const std::string& host) {
    const auto at = list.out.find(host);
    return at == std::string::npos ? std::string() : list.out.substr(at, list.out.find('\n', at) - at);
  };
  EXPECT_NE(line_of("ssh.example.com").find(" tcp:22 "), std::string::npos) << list.out;
  EXPECT_NE(line_of("lb.example.com").find(" both:8443 "), std::string::npos) << list.out;
  EXPECT_NE(line_of("db.example.com").find(" icmp "), std::string::npos) << list.out;
}

TEST(AdminCli, HostCommandsApplyTheWebsTargetPolicyLimitAndFieldRules) {
  // The CLI adds hosts through the same domain::HostService as the web: the same --targets, the same
  // --max-hosts-per-user (and environment variables), the same cleaning of service and label.
  TempDir dir;
  const std::string db = "sqlite:" + dir.file("x.db");
  ASSERT_EQ(run_semaphore({"user", "add", "a@example.com", "--db", db}, "correct horse battery\n").exit_code,
            0);
  const auto stored = [&](const std::string& column, const std::string& hostname) {
    return run_command({"sqlite3", dir.file("x.db"),
                        "SELECT " + column + " FROM hosts WHERE hostname = '" + hostname + "'"})
        .out;
  };

  auto strict = run_semaphore(
      {"host", "add", "--user", "a@example.com", "--targets", "public", "10.0.0.1", "--db", db});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.err.find("10.0.0.1: This address cannot be monitored"), std::string::npos) << strict.err;
  auto from_env =
      run_command({semaphore_binary(), "host", "add", "--user", "a@example.com", "127.0.0.1", "--db", db}, "",
                  {{"SEMAPHORE_TARGETS", "public"}});
  EXPECT_EQ(from_env.exit_code, 1);
  EXPECT_EQ(stored("COUNT(*)", "127.0.0.1"), "0\n");

  auto cleaned = run_semaphore({"host", "add", "--user", "a@example.com", "--service", "  EC2  ", "--label",
                                " front ", "db.example.com", "--db", db});
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.err;
  EXPECT_EQ(stored("service || '|' || label", "db.example.com"), "EC2|front\n");
  const std::string control_label = std::string("a") + '\x01' + "b";
  auto control = run_semaphore(
      {"host", "add", "--user", "a@example.com", "--label", control_label, "x.example.com", "--db", db});
  EXPECT_EQ(control.exit_code, 1);
  EXPECT_NE(control.err.find("control characters"), std::string::npos) << control.err;
  auto long_service = run_semaphore({"host", "add", "--user", "a@example.com", "--service",
                                     std::string(101, 's'), "y.example.com", "--db", db});
  EXPECT_EQ(long_service.exit_code, 1);
  EXPECT_NE(long_service.err.find("at most 100 characters"), std::string::npos) << long_service.err;

  // One host held; a limit of 3 leaves room for two of these three.
  auto limited = run_semaphore({"host", "add", "--user", "a@example.com", "--max-hosts-per-user", "3",
                                "two.example", "three.example", "four.example", "--db", db});
  EXPECT_EQ(limited.exit_code, 1);
  EXPECT_NE(limited.out.find("added three.example"), std::string::npos) << limited.out;
  EXPECT_NE(limited.err.find("four.example: the user has reached the limit of 3 hosts"), std::string::npos)
      << limited.err;
  EXPECT_NE(limited.err.find("1 of 3 hosts not added"), std::string::npos) << limited.err;
  auto imported =
      run_command({semaphore_binary(), "host", "import", "--user", "a@example.com", "-", "--db", db},
                  "five.example\n", {{"SEMAPHORE_MAX_HOSTS_PER_USER", "3"}});
  EXPECT_EQ(imported.exit_code, 1);
  EXPECT_NE(imported.out.find("imported 0 hosts, 1 lines refused"), std::string::npos) << imported.out;
  EXPECT_NE(imported.err.find("-:1: the user has reached the limit of 3 hosts"), std::string::npos)
      << imported.err;
  EXPECT_EQ(stored("COUNT(*)", "five.example"), "0\n");
}

}  // namespace
}  // namespace semaphore::testing
