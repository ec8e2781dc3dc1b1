#include "store/migrations.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "store/store.h"
#include "support/temp_dir.h"

namespace semaphore::store {
namespace {

TEST(Migrations, BothBackEndsHaveTheSameGaplessVersions) {
  const auto sqlite = migrations_for(DbKind::sqlite);
  const auto postgresql = migrations_for(DbKind::postgresql);
  ASSERT_FALSE(sqlite.empty());
  ASSERT_EQ(sqlite.size(), postgresql.size());
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, static_cast<int>(i) + 1) << sqlite[i].name;
    EXPECT_EQ(postgresql[i].version, static_cast<int>(i) + 1) << postgresql[i].name;
    EXPECT_EQ(sqlite[i].name, postgresql[i].name);
  }
}

// --- the schema a real migration leaves in a SQLite database, read back through SQLite's own catalog ---

using Rows = std::vector<std::vector<std::string>>;

// A second, plain connection to the database the Store migrated: the catalog as SQLite itself reports it.
class Catalog {
 public:
  explicit Catalog(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~Catalog() { sqlite3_close(db_); }
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  Rows query(const std::string& sql) const {
    Rows rows;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return rows;
    }
    while (sqlite3_step(statement) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const auto* text = sqlite3_column_text(statement, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(statement);
    return rows;
  }

  std::set<std::string> tables() const {
    std::set<std::string> names;
    for (const auto& row :
         query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
      names.insert(row[0]);
    return names;
  }

  // name -> (declared type, NOT NULL)
  std::map<std::string, std::pair<std::string, bool>> columns(const std::string& table) const {
    std::map<std::string, std::pair<std::string, bool>> columns;
    for (const auto& row : query("PRAGMA table_info(" + table + ")"))
      columns[row[1]] = {row[2], row[3] == "1"};
    return columns;
  }

  // The primary key's columns in key order.
  std::vector<std::string> primary_key(const std::string& table) const {
    std::vector<std::pair<int, std::string>> key;
    for (const auto& row : query("PRAGMA table_info(" + table + ")")) {
      if (row[5] != "0") key.emplace_back(std::stoi(row[5]), row[1]);
    }
    std::sort(key.begin(), key.end());
    std::vector<std::string> names;
    for (auto& [position, name] : key) names.push_back(name);
    return names;
  }

  std::vector<std::string> index_columns(const std::string& index) const {
    std::vector<std::string> names;
    for (const auto& row : query("PRAGMA index_info(" + index + ")")) names.push_back(row[2]);
    return names;
  }

  // Every column list the table holds unique: its primary key and its unique indexes.
  std::set<std::vector<std::string>> unique_keys(const std::string& table) const {
    std::set<std::vector<std::string>> keys;
    if (auto key = primary_key(table); !key.empty()) keys.insert(key);
    for (const auto& row : query("PRAGMA index_list(" + table + ")")) {
      if (row[2] == "1") keys.insert(index_columns(row[1]));
    }
    return keys;
  }

  // (column, referenced table, referenced column, ON DELETE action)
  std::set<std::tuple<std::string, std::string, std::string, std::string>> foreign_keys(
      const std::string& table) const {
    std::set<std::tuple<std::string, std::string, std::string, std::string>> keys;
    for (const auto& row : query("PRAGMA foreign_key_list(" + table + ")"))
      keys.emplace(row[3], row[2], row[4], row[6]);
    return keys;
  }

 private:
  sqlite3* db_ = nullptr;
};

class MigratedSqlite : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(parse_db_url("sqlite:" + path_).value());
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    auto migrated = store_->migrate();
    ASSERT_TRUE(migrated) << migrated.error().message;
  }

  semaphore::testing::TempDir dir_{"semaphore-migrations"};
  std::string path_ = dir_.file("schema.db");
  std::unique_ptr<Store> store_;
};

TEST_F(MigratedSqlite, CreatesEveryTableTheStoreUsesAndNoOther) {
  const Catalog catalog(path_);
  const std::set<std::string> expected = {
      "users",        "sessions",       "signin_failures",     "hosts",
      "ping_results", "latest_results", "ping_rollups",        "probe_workers",
      "host_leases",  "schema_version", "alert_rules",         "host_alert_rules",
      "alert_state",  "alert_events",   "maintenance_windows", "alert_channels",
      "alert_outbox", "api_tokens",     "host_paths",          "host_list_versions",
      "locations",    "alert_quorum",   "location_events",     "host_location_exclusions"};
  EXPECT_EQ(catalog.tables(), expected);
}

TEST_F(MigratedSqlite, TablesHaveTheColumnsTheQueriesName) {
  const Catalog catalog(path_);
  using Columns = std::map<std::string, std::pair<std::string, bool>>;
  const std::pair<std::string, Columns> expected[] = {
      {"users",
       {{"id", {"INTEGER", false}},
        {"email", {"TEXT", true}},
        {"password_hash", {"TEXT", true}},
        {"is_admin", {"INTEGER", true}},
        {"created_at", {"INTEGER", true}},
        {"max_hosts", {"INTEGER", false}}}},
      {"sessions",
       {{"token_hash", {"TEXT", false}},
        {"user_id", {"INTEGER", true}},
        {"csrf_token", {"TEXT", true}},
        {"created_at", {"INTEGER", true}},
        {"last_seen_at", {"INTEGER", true}},
        {"expires_at", {"INTEGER", true}}}},
      {"signin_failures", {{"key", {"TEXT", true}}, {"at", {"INTEGER", true}}}},
      {"hosts",
       {{"id", {"INTEGER", false}},
        {"user_id", {"INTEGER", true}},
        {"hostname", {"TEXT", true}},
        {"provider", {"TEXT", true}},
        {"service", {"TEXT", true}},
        {"label", {"TEXT", true}},
        {"enabled", {"INTEGER", true}},
        {"created_at", {"INTEGER", true}},
        {"probe_method", {"TEXT", true}},
        {"tcp_port", {"INTEGER", true}}}},
      {"ping_results",
       {{"host_id", {"INTEGER", true}},
        {"ts", {"INTEGER", true}},
        {"sent", {"INTEGER", true}},
        {"received", {"INTEGER", true}},
        {"min_ms", {"REAL", false}},
        {"avg_ms", {"REAL", false}},
        {"max_ms", {"REAL", false}},
        {"median_ms", {"REAL", false}},
        {"stddev_ms", {"REAL", false}},
        {"method", {"INTEGER", true}},
        {"refused", {"INTEGER", true}}}},
      {"latest_results",
       {{"user_id", {"INTEGER", true}},
        {"host_id", {"INTEGER", true}},
        {"location_id", {"INTEGER", true}},
        {"method", {"INTEGER", true}},
        {"ts", {"INTEGER", true}},
        {"sent", {"INTEGER", true}},
        {"received", {"INTEGER", true}},
        {"min_ms", {"REAL", false}},
        {"avg_ms", {"REAL", false}},
        {"max_ms", {"REAL", false}},
        {"median_ms", {"REAL", false}},
        {"stddev_ms", {"REAL", false}},
        {"refused", {"INTEGER", true}}}},
      {"host_list_versions", {{"user_id", {"INTEGER", false}}, {"version", {"INTEGER", true}}}},
      {"ping_rollups",
       {{"host_id", {"INTEGER", true}},
        {"period_s", {"INTEGER", true}},
        {"bucket_start", {"INTEGER", true}},
        {"rounds", {"INTEGER", true}},
        {"sent", {"INTEGER", true}},
        {"received", {"INTEGER", true}},
        {"min_ms", {"REAL", false}},
        {"max_ms", {"REAL", false}},
        {"avg_ms", {"REAL", false}},
        {"median_ms", {"REAL", false}},
        {"method", {"INTEGER", true}},
        {"location_id", {"INTEGER", true}}}},
      {"probe_workers",
       {{"worker_id", {"TEXT", false}},
        {"location_id", {"INTEGER", true}},
        {"last_seen", {"INTEGER", true}}}},
      {"host_leases",
       {{"host_id", {"INTEGER", true}},
        {"location_id", {"INTEGER", true}},
        {"worker_id", {"TEXT", true}},
        {"expires_at", {"INTEGER", true}}}},
      {"schema_version", {{"version", {"INTEGER", true}}, {"applied_at", {"BIGINT", true}}}},
      {"api_tokens",
       {{"id", {"INTEGER", false}},
        {"user_id", {"INTEGER", true}},
        {"name", {"TEXT", true}},
        {"token_hash", {"TEXT", true}},
        {"scope", {"TEXT", true}},
        {"created_at", {"INTEGER", true}},
        {"expires_at", {"INTEGER", false}},
        {"last_used_at", {"INTEGER", false}}}},
      {"alert_rules",
       {{"user_id", {"INTEGER", false}},
        {"down_after", {"INTEGER", true}},
        {"up_after", {"INTEGER", true}},
        {"degraded_after", {"INTEGER", true}},
        {"loss_percent", {"REAL", true}},
        {"median_ms", {"REAL", false}},
        {"baseline_factor", {"REAL", false}},
        {"flap_changes", {"INTEGER", true}},
        {"flap_window_s", {"INTEGER", true}},
        {"updated_at", {"INTEGER", true}},
        {"quorum", {"INTEGER", false}}}},
      {"host_alert_rules",
       {{"host_id", {"INTEGER", false}},
        {"down_after", {"INTEGER", false}},
        {"up_after", {"INTEGER", false}},
        {"degraded_after", {"INTEGER", false}},
        {"loss_percent", {"REAL", false}},
        {"median_ms", {"REAL", false}},
        {"baseline_factor", {"REAL", false}},
        {"flap_changes", {"INTEGER", false}},
        {"flap_window_s", {"INTEGER", false}},
        {"updated_at", {"INTEGER", true}},
        {"quorum", {"INTEGER", false}}}},
      {"alert_state",
       {{"host_id", {"INTEGER", true}},
        {"location_id", {"INTEGER", true}},
        {"measured", {"TEXT", true}},
        {"shown", {"TEXT", true}},
        {"lost_streak", {"INTEGER", true}},
        {"poor_streak", {"INTEGER", true}},
        {"good_streak", {"INTEGER", true}},
        {"recent_changes", {"TEXT", true}},
        {"last_change_at", {"INTEGER", true}},
        {"last_round_at", {"INTEGER", true}},
        {"window_start_state", {"TEXT", false}}}},
      {"alert_events",
       {{"id", {"INTEGER", false}},
        {"host_id", {"INTEGER", true}},
        {"user_id", {"INTEGER", true}},
        {"at", {"INTEGER", true}},
        {"from_state", {"TEXT", true}},
        {"to_state", {"TEXT", true}},
        {"trigger", {"TEXT", true}},
        {"reason", {"TEXT", true}},
        {"quiet", {"TEXT", true}},
        {"sent", {"INTEGER", true}},
        {"received", {"INTEGER", true}},
        {"min_ms", {"REAL", false}},
        {"median_ms", {"REAL", false}},
        {"max_ms", {"REAL", false}},
        {"path_id", {"INTEGER", false}},
        {"locations", {"TEXT", true}}}},
      {"alert_quorum",
       {{"host_id", {"INTEGER", false}},
        {"shown", {"TEXT", true}},
        {"last_change_at", {"INTEGER", true}},
        {"window_start_state", {"TEXT", false}}}},
      {"host_paths",
       {{"id", {"INTEGER", false}},
        {"host_id", {"INTEGER", true}},
        {"measured_at", {"INTEGER", true}},
        {"trigger", {"TEXT", true}},
        {"reached", {"INTEGER", true}},
        {"good", {"INTEGER", true}},
        {"hops", {"TEXT", true}},
        {"changed", {"INTEGER", true}},
        {"previous_id", {"INTEGER", false}},
        {"verdict", {"TEXT", true}},
        {"verdict_kind", {"TEXT", true}},
        {"verdict_hop", {"INTEGER", false}}}},
      {"maintenance_windows",
       {{"id", {"INTEGER", false}},
        {"user_id", {"INTEGER", true}},
        {"host_id", {"INTEGER", false}},
        {"kind", {"TEXT", true}},
        {"starts_at", {"INTEGER", false}},
        {"ends_at", {"INTEGER", false}},
        {"days", {"INTEGER", false}},
        {"start_minute", {"INTEGER", false}},
        {"end_minute", {"INTEGER", false}},
        {"time_zone", {"TEXT", false}},
        {"note", {"TEXT", true}},
        {"created_at", {"INTEGER", true}}}},
      {"alert_channels",
       {{"id", {"INTEGER", false}},
        {"user_id", {"INTEGER", true}},
        {"name", {"TEXT", true}},
        {"kind", {"TEXT", true}},
        {"url", {"TEXT", true}},
        {"secret", {"TEXT", true}},
        {"options", {"TEXT", true}},
        {"host_ids", {"TEXT", true}},
        {"providers", {"TEXT", true}},
        {"states", {"TEXT", true}},
        {"enabled", {"INTEGER", true}},
        {"created_at", {"INTEGER", true}},
        {"updated_at", {"INTEGER", true}},
        {"claimed_by", {"TEXT", true}},
        {"claimed_until", {"INTEGER", true}},
        {"last_attempt_at", {"INTEGER", false}},
        {"last_success_at", {"INTEGER", false}},
        {"last_error", {"TEXT", true}},
        {"failing_since", {"INTEGER", false}}}},
      {"alert_outbox",
       {{"id", {"INTEGER", false}},
        {"channel_id", {"INTEGER", true}},
        {"event_id", {"INTEGER", false}},           // a host's event, or
        {"location_event_id", {"INTEGER", false}},  // a location's (migration 016)
        {"user_id", {"INTEGER", true}},
        {"status", {"TEXT", true}},
        {"attempts", {"INTEGER", true}},
        {"next_attempt_at", {"INTEGER", true}},
        {"created_at", {"INTEGER", true}},
        {"finished_at", {"INTEGER", false}},
        {"last_error", {"TEXT", true}}}},
      {"locations",
       {{"id", {"INTEGER", false}},
        {"name", {"TEXT", true}},
        {"label", {"TEXT", true}},
        {"token_hash", {"TEXT", false}},
        {"created_at", {"INTEGER", true}},
        {"last_seen_at", {"INTEGER", false}},
        {"version", {"TEXT", true}},
        {"rounds_on_time", {"INTEGER", true}},
        {"rounds_late", {"INTEGER", true}},
        {"spool_backlog", {"INTEGER", true}},
        {"interval_ms", {"INTEGER", true}},
        {"offline_since", {"INTEGER", false}}}},
      {"location_events",
       {{"id", {"INTEGER", false}},
        {"location_id", {"INTEGER", true}},
        {"at", {"INTEGER", true}},
        {"kind", {"TEXT", true}},
        {"last_seen_at", {"INTEGER", false}}}},
      {"host_location_exclusions", {{"host_id", {"INTEGER", true}}, {"location_id", {"INTEGER", true}}}},
  };
  for (const auto& [table, columns] : expected) EXPECT_EQ(catalog.columns(table), columns) << table;
}

TEST_F(MigratedSqlite, EveryOnConflictTargetIsAUniqueKey) {
  // The inserts' ON CONFLICT (...) clauses (idempotent result inserts and replays, upserts of rollups,
  // workers and leases, duplicate users and hosts) fail at run time unless these are unique keys.
  const Catalog catalog(path_);
  const std::pair<std::string, std::vector<std::string>> needed[] = {
      {"users", {"id"}},
      {"users", {"email"}},
      {"sessions", {"token_hash"}},
      {"hosts", {"id"}},
      {"hosts", {"user_id", "hostname"}},
      {"ping_results", {"host_id", "ts", "method"}},
      // The trigger's upsert of a host's latest round, per location (issue 16).
      {"latest_results", {"user_id", "host_id", "location_id", "method"}},
      {"host_list_versions", {"user_id"}},  // the hosts triggers' upsert
      {"ping_rollups", {"host_id", "period_s", "bucket_start", "location_id", "method"}},
      {"probe_workers", {"worker_id"}},
      {"host_leases", {"host_id", "location_id"}},
      {"host_location_exclusions", {"host_id", "location_id"}},  // a location off for a host once
      // Not ON CONFLICT targets (token inserts say ON CONFLICT DO NOTHING, with no target), but what
      // makes a name clash a duplicate and a token hash one token's.
      {"api_tokens", {"token_hash"}},
      {"api_tokens", {"user_id", "name"}},
      // Likewise: a location's name and an agent token's hash are one location's (issue 16).
      {"locations", {"name"}},
      {"locations", {"token_hash"}},
      {"alert_rules", {"user_id"}},
      {"host_alert_rules", {"host_id"}},
      {"alert_state", {"host_id", "location_id"}},
      {"alert_quorum", {"host_id"}},
      {"alert_channels", {"user_id", "name"}},
      {"alert_outbox", {"event_id", "channel_id"}},           // one notification per event per channel
      {"alert_outbox", {"location_event_id", "channel_id"}},  // and per location event (migration 016)
  };
  for (const auto& [table, key] : needed) {
    EXPECT_TRUE(catalog.unique_keys(table).contains(key))
        << table << " (" << ::testing::PrintToString(key) << ")";
  }
  // A both host has an icmp and a tcp row per round (issue 15); a host's rows stay one key range by time.
  EXPECT_EQ(catalog.primary_key("ping_results"), (std::vector<std::string>{"host_id", "ts", "method"}));
  // Since migration 013 `method` holds the location too (store/result_location.h): the key is (host, time,
  // location and kind); rollups key the location in a column of its own.
  EXPECT_EQ(catalog.primary_key("ping_rollups"),
            (std::vector<std::string>{"host_id", "period_s", "bucket_start", "location_id", "method"}));
  EXPECT_EQ(catalog.query("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('ping_results', 'ping_rollups') "
                          "AND sql LIKE '%WITHOUT ROWID%'"),
            (Rows{{"2"}}));
}

TEST_F(MigratedSqlite, DeletingAUserOrHostCascadesToWhatHangsOffIt) {
  const Catalog catalog(path_);
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  EXPECT_EQ(catalog.foreign_keys("sessions"), (std::set<Key>{{"user_id", "users", "id", "CASCADE"}}));
  EXPECT_EQ(catalog.foreign_keys("hosts"), (std::set<Key>{{"user_id", "users", "id", "CASCADE"}}));
  EXPECT_EQ(catalog.foreign_keys("ping_results"), (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"}}));
  // Results, rollups and alert state refer to their location without a cascade (issue 16: a location with
  // results is not removed); leases and workers go with it.
  EXPECT_EQ(catalog.foreign_keys("latest_results"),
            (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"},
                           {"location_id", "locations", "id", "NO ACTION"}}));
  EXPECT_EQ(catalog.foreign_keys("ping_rollups"),
            (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"},
                           {"location_id", "locations", "id", "NO ACTION"}}));
  EXPECT_EQ(
      catalog.foreign_keys("host_leases"),
      (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"}, {"location_id", "locations", "id", "CASCADE"}}));
  EXPECT_EQ(catalog.foreign_keys("probe_workers"),
            (std::set<Key>{{"location_id", "locations", "id", "CASCADE"}}));
  // A location switched off for a host (migration 015) goes with the host and with the location.
  EXPECT_EQ(
      catalog.foreign_keys("host_location_exclusions"),
      (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"}, {"location_id", "locations", "id", "CASCADE"}}));
  EXPECT_EQ(catalog.foreign_keys("api_tokens"), (std::set<Key>{{"user_id", "users", "id", "CASCADE"}}));
  // Alerts: a user's rules and windows go with the user; a host's overrides, state, events and windows with
  // the host.
  EXPECT_EQ(catalog.foreign_keys("alert_rules"), (std::set<Key>{{"user_id", "users", "id", "CASCADE"}}));
  EXPECT_EQ(catalog.foreign_keys("host_alert_rules"), (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"}}));
  EXPECT_EQ(catalog.foreign_keys("alert_state"),
            (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"},
                           {"location_id", "locations", "id", "NO ACTION"}}));
  // An event's path is cleared when retention deletes the path (issue 15).
  EXPECT_EQ(catalog.foreign_keys("alert_events"), (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"},
                                                                 {"path_id", "host_paths", "id", "SET NULL"},
                                                                 {"user_id", "users", "id", "CASCADE"}}));
  // Paths go with their host; a change's reference to the path before it is cleared by retention.
  EXPECT_EQ(catalog.foreign_keys("host_paths"),
            (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"},
                           {"previous_id", "host_paths", "id", "SET NULL"}}));
  EXPECT_EQ(catalog.foreign_keys("maintenance_windows"),
            (std::set<Key>{{"host_id", "hosts", "id", "CASCADE"}, {"user_id", "users", "id", "CASCADE"}}));
  // Channels go with their user, deliveries with their channel and with their event (so with its host).
  EXPECT_EQ(catalog.foreign_keys("alert_channels"), (std::set<Key>{{"user_id", "users", "id", "CASCADE"}}));
  // A location's notifications (migration 016) go with its events, so with the location.
  EXPECT_EQ(catalog.foreign_keys("alert_outbox"),
            (std::set<Key>{{"channel_id", "alert_channels", "id", "CASCADE"},
                           {"event_id", "alert_events", "id", "CASCADE"},
                           {"location_event_id", "location_events", "id", "CASCADE"}}));
}

TEST_F(MigratedSqlite, IndexesForTheFrequentLookups) {
  const Catalog catalog(path_);
  // Sessions by user (sign out everywhere), failures by key since a time (the throttle), leases by worker.
  EXPECT_EQ(catalog.index_columns("sessions_by_user"), (std::vector<std::string>{"user_id"}));
  EXPECT_EQ(catalog.index_columns("signin_failures_by_key"), (std::vector<std::string>{"key", "at"}));
  EXPECT_EQ(catalog.index_columns("host_leases_by_worker"),
            (std::vector<std::string>{"worker_id", "host_id"}));
  const Rows on_table = catalog.query(
      "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name IN "
      "('sessions_by_user', 'signin_failures_by_key', 'host_leases_by_worker') "
      "ORDER BY name");
  EXPECT_EQ(on_table, (Rows{{"host_leases"}, {"sessions"}, {"signin_failures"}}));
  // Alerts: a host's events by time, a user's latest events by id (a cursor), a user's windows.
  EXPECT_EQ(catalog.index_columns("alert_events_by_host"), (std::vector<std::string>{"host_id", "at"}));
  EXPECT_EQ(catalog.index_columns("alert_events_by_user"), (std::vector<std::string>{"user_id", "id"}));
  EXPECT_EQ(catalog.index_columns("maintenance_windows_by_user"),
            (std::vector<std::string>{"user_id", "host_id"}));
  // The outbox: a channel's pending rows in order (partial: the dispatcher's claim and the pending counts),
  // a channel's latest rows, an event's rows (the foreign key), finished rows by age (housekeeping).
  EXPECT_EQ(catalog.index_columns("alert_outbox_pending"), (std::vector<std::string>{"channel_id", "id"}));
  EXPECT_EQ(catalog.query("SELECT instr(sql, 'WHERE status = ') > 0 FROM sqlite_master WHERE name = "
                          "'alert_outbox_pending'"),
            (Rows{{"1"}}));
  EXPECT_EQ(catalog.index_columns("alert_outbox_by_channel"), (std::vector<std::string>{"channel_id", "id"}));
  EXPECT_EQ(catalog.index_columns("alert_outbox_by_event"),
            (std::vector<std::string>{"event_id", "channel_id"}));
  EXPECT_EQ(catalog.index_columns("alert_outbox_by_location_event"),
            (std::vector<std::string>{"location_event_id", "channel_id"}));
  EXPECT_EQ(catalog.index_columns("alert_outbox_finished"), (std::vector<std::string>{"finished_at"}));
  EXPECT_EQ(catalog.index_columns("host_paths_by_host"), (std::vector<std::string>{"host_id", "id"}));
  EXPECT_EQ(catalog.index_columns("host_paths_by_time"), (std::vector<std::string>{"measured_at"}));
  EXPECT_EQ(catalog.index_columns("host_paths_by_previous"), (std::vector<std::string>{"previous_id"}));
  EXPECT_EQ(catalog.index_columns("alert_events_by_path"), (std::vector<std::string>{"path_id"}));
  // A location's switched-off hosts (the claims' and lists' lookups go by the key; this one is for the
  // location's foreign key).
  EXPECT_EQ(catalog.index_columns("host_location_exclusions_location"),
            (std::vector<std::string>{"location_id"}));
}

TEST_F(MigratedSqlite, RecordsTheLatestVersionOnceAndAgainIsANoOp) {
  const int latest = Store::latest_schema_version(DbKind::sqlite);
  ASSERT_GT(latest, 0);
  EXPECT_EQ(store_->schema_version().value(), latest);
  EXPECT_TRUE(store_->check_schema());
  const std::string before = Catalog(path_).query("SELECT group_concat(sql, ';') FROM sqlite_master")[0][0];
  ASSERT_TRUE(store_->migrate());
  const Catalog catalog(path_);
  EXPECT_EQ(catalog.query("SELECT group_concat(sql, ';') FROM sqlite_master")[0][0], before);
  Rows versions;
  for (int v = 1; v <= latest; ++v) versions.push_back({std::to_string(v)});
  EXPECT_EQ(catalog.query("SELECT version FROM schema_version ORDER BY version"), versions);
}

TEST(SplitSqlStatements, SplitsAtLineEndingSemicolonsAndDropsComments) {
  const auto statements = split_sql_statements(
      "-- a comment; with a semicolon\n"
      "CREATE TABLE a (\n  x INTEGER -- trailing\n);\n\n"
      "CREATE INDEX i ON a(x);\n"
      "INSERT INTO a VALUES (1)");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0], "CREATE TABLE a (\n  x INTEGER -- trailing\n)");
  EXPECT_EQ(statements[1], "CREATE INDEX i ON a(x)");
  EXPECT_EQ(statements[2], "INSERT INTO a VALUES (1)\n");
}

TEST(SplitSqlStatements, KeepsADollarQuotedFunctionBodyInOneStatement) {
  const auto statements = split_sql_statements(
      "CREATE FUNCTION f() RETURNS INTEGER LANGUAGE plpgsql AS $$\n"
      "BEGIN\n  PERFORM 1;\n  RETURN 2;\nEND\n$$;\n"
      "SELECT f();\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0],
            "CREATE FUNCTION f() RETURNS INTEGER LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1;\n  RETURN 2;\n"
            "END\n$$");
  EXPECT_EQ(statements[1], "SELECT f()");
}

TEST(SplitSqlStatements, KeepsAnSqliteTriggerBodyInOneStatement) {
  const auto statements = split_sql_statements(
      "CREATE TRIGGER t AFTER INSERT ON a\n"
      "BEGIN\n  -- a comment\n  INSERT INTO b VALUES (NEW.x);\n  DELETE FROM c;\nEND;\n"
      "SELECT 1;\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(
      statements[0],
      "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  INSERT INTO b VALUES (NEW.x);\n  DELETE FROM c;\nEND");
  EXPECT_EQ(statements[1], "SELECT 1");
}

}  // namespace
}  // namespace semaphore::store
