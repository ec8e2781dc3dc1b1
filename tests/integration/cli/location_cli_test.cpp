// `semaphore location add|list|rename|set|remove` (issue 16) as an operator runs them: the real binary, on
// SQLite and on a real PostgreSQL; a location with results cannot be removed; `probe --location` refuses a
// name that is no location.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::testing {
namespace {

// The line of `location list`'s output that starts with `name`, or "".
std::string list_line(const std::string& out, const std::string& name) {
  std::size_t at = 0;
  while (at < out.size()) {
    const auto end = out.find('\n', at);
    std::string line = out.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.starts_with(name + " ")) return line;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

void check_location_commands(const std::string& db,
                             const std::function<std::string(const std::string&)>& query) {
  ASSERT_EQ(run_semaphore({"migrate", "--db", db}).exit_code, 0);

  auto added =
      run_semaphore({"location", "add", "FRA-Hetzner", "--label", "Frankfurt (Hetzner)", "--db", db});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  // stdout holds the token and nothing else, so TOKEN=$(semaphore location add ...) works; stderr says it is
  // shown only now.
  ASSERT_EQ(added.out.size(), 48u) << added.out;
  EXPECT_EQ(added.out.substr(0, 4), "sml_");
  const std::string token = added.out.substr(0, 47);
  EXPECT_NE(added.err.find("will not be shown again"), std::string::npos) << added.err;
  EXPECT_EQ(added.err.find(token), std::string::npos);
  // Only the token's SHA-256 is stored; the name is lower-cased.
  const std::string digest = run_command({"sha256sum"}, token).out.substr(0, 64);
  EXPECT_EQ(query("SELECT name, label, token_hash FROM locations WHERE id = 2"),
            "fra-hetzner|Frankfurt (Hetzner)|" + digest + "\n");

  auto list = run_semaphore({"location", "list", "--db", db});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const char* column : {"NAME", "LABEL", "KIND", "LAST SEEN", "VERSION", "STATUS"}) {
    EXPECT_NE(list.out.find(column), std::string::npos) << column << " in " << list.out;
  }
  const std::string local = list_line(list.out, "local");
  EXPECT_NE(local.find(" local "), std::string::npos) << local;  // its kind, after the name
  EXPECT_NE(local.find("never"), std::string::npos) << local;
  EXPECT_TRUE(local.ends_with("offline")) << local;
  const std::string agent = list_line(list.out, "fra-hetzner");
  EXPECT_NE(agent.find("Frankfurt (Hetzner)"), std::string::npos) << agent;
  EXPECT_NE(agent.find(" agent "), std::string::npos) << agent;
  EXPECT_TRUE(agent.ends_with("offline")) << agent;
  EXPECT_EQ(list.out.find(token), std::string::npos);

  // A location seen just now with a 60 s interval is online.
  query("UPDATE locations SET last_seen_at = " + std::to_string(now_epoch_ms()) +
        ", interval_ms = 60000, version = '9.9.9' WHERE id = 1");
  list = run_semaphore({"location", "list", "--db", db});
  EXPECT_TRUE(list_line(list.out, "local").ends_with("online")) << list.out;
  EXPECT_NE(list_line(list.out, "local").find("9.9.9"), std::string::npos) << list.out;

  // Refusals: nothing on stdout, the reason on stderr, exit 2 for a bad argument and 1 for the rest.
  auto duplicate = run_semaphore({"location", "add", "fra-hetzner", "--db", db});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_EQ(duplicate.out, "");
  EXPECT_NE(duplicate.err.find("already"), std::string::npos) << duplicate.err;
  auto bad_name = run_semaphore({"location", "add", "fra hetzner", "--db", db});
  EXPECT_EQ(bad_name.exit_code, 2);
  EXPECT_EQ(bad_name.out, "");
  EXPECT_NE(bad_name.err.find("a-z"), std::string::npos) << bad_name.err;
  auto long_name = run_semaphore({"location", "add", std::string(33, 'x'), "--db", db});
  EXPECT_EQ(long_name.exit_code, 2);
  auto unknown = run_semaphore({"location", "rename", "nowhere", "x", "--db", db});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no location named nowhere"), std::string::npos) << unknown.err;
  auto taken = run_semaphore({"location", "rename", "local", "fra-hetzner", "--db", db});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_NE(taken.err.find("already"), std::string::npos) << taken.err;

  // local can be renamed, and is still the one that cannot be removed.
  auto renamed = run_semaphore({"location", "rename", "local", "berlin", "--db", db});
  ASSERT_EQ(renamed.exit_code, 0) << renamed.err;
  EXPECT_EQ(query("SELECT name FROM locations WHERE id = 1"), "berlin\n");
  auto kept = run_semaphore({"location", "remove", "berlin", "--db", db});
  EXPECT_EQ(kept.exit_code, 1);
  EXPECT_NE(kept.err.find("cannot be removed"), std::string::npos) << kept.err;
  EXPECT_EQ(query("SELECT COUNT(*) FROM locations"), "2\n");

  auto labelled = run_semaphore({"location", "set", "fra-hetzner", "--label", "Falkenstein", "--db", db});
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  EXPECT_EQ(query("SELECT label FROM locations WHERE name = 'fra-hetzner'"), "Falkenstein\n");
  auto no_label = run_semaphore({"location", "set", "fra-hetzner", "--db", db});
  EXPECT_EQ(no_label.exit_code, 2);

  // A location with results is kept (issue 16): removing it would lose them. Its rows here: a host's round
  // from it (its stored method packs the location: (id - 1) * 2 + kind, store/result_location.h), whose copy
  // in latest_results refers to it; now, so that PostgreSQL has its day's partition. Once the host (and with
  // it every row) is deleted, it can go.
  auto ams = run_semaphore({"location", "add", "ams", "--db", db});
  ASSERT_EQ(ams.exit_code, 0) << ams.err;
  const std::string ams_id = query("SELECT id FROM locations WHERE name = 'ams'").substr(0, 1);
  ASSERT_GE(ams_id, "3");  // PostgreSQL's identity skips the number of a failed insert
  const std::string round = "(1, " + std::to_string(now_epoch_ms()) + ", (" + ams_id + " - 1) * 2, 5, 5, 0)";
  query(
      "INSERT INTO users (id, email, password_hash, is_admin, created_at) VALUES (1, 'a@example.com', 'h', "
      "1, "
      "0); INSERT INTO hosts (id, user_id, hostname, provider, created_at) VALUES (1, 1, 'h.example.com', "
      "'AWS', 0); INSERT INTO ping_results (host_id, ts, method, sent, received, refused) VALUES " +
      round);
  EXPECT_EQ(query("SELECT location_id, method FROM latest_results"), ams_id + "|0\n");
  auto refused = run_semaphore({"location", "remove", "ams", "--db", db});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("has stored results"), std::string::npos) << refused.err;
  EXPECT_EQ(query("SELECT COUNT(*) FROM locations WHERE name = 'ams'"), "1\n");
  // (sqlite3 enforces foreign keys, so cascades, only when asked.)
  query(std::string(db.starts_with("sqlite:") ? "PRAGMA foreign_keys = ON; " : "") +
        "DELETE FROM hosts WHERE id = 1");
  EXPECT_EQ(query("SELECT COUNT(*) FROM latest_results"), "0\n");
  auto gone = run_semaphore({"location", "remove", "ams", "--db", db});
  EXPECT_EQ(gone.exit_code, 0) << gone.err;

  // `probe --location` with a name that is no location stops at once and says how to make one.
  auto no_such = run_semaphore({"probe", "--db", db, "--location", "nowhere"});
  EXPECT_EQ(no_such.exit_code, 2) << no_such.err;
  EXPECT_NE(no_such.err.find("no location named nowhere"), std::string::npos) << no_such.err;
  EXPECT_NE(no_such.err.find("semaphore location add nowhere"), std::string::npos) << no_such.err;

  // Removing an agent location revokes its token with its row.
  auto removed = run_semaphore({"location", "remove", "fra-hetzner", "--db", db});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(query("SELECT COUNT(*) FROM locations WHERE token_hash = '" + digest + "'"), "0\n");
  auto again = run_semaphore({"location", "remove", "fra-hetzner", "--db", db});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("no location named fra-hetzner"), std::string::npos) << again.err;

  auto help = run_semaphore({"location", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"add", "list", "rename", "set", "remove"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command << " in " << help.out;
  }
}

TEST(LocationCli, LocationsAreAddedListedRenamedAndRemovedOnSqlite) {
  TempDir dir;
  const std::string path = dir.file("x.db");
  check_location_commands("sqlite:" + path, [&](const std::string& sql) {
    return run_command({"sqlite3", path, sql}).out;
  });
}

TEST(LocationCli, LocationsAreAddedListedRenamedAndRemovedOnPostgresql) {
  PostgresServer server;
  const std::string url = server.create_database("locations");
  check_location_commands(url, [&](const std::string& sql) {
    return run_command({"psql", "-At", "-F", "|", url, "-c", sql}).out;
  });
}

}  // namespace
}  // namespace semaphore::testing
