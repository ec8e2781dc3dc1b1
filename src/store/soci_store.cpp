// SociStore: connections, schema migrations, users, sessions and sign-in failure records.
// Hosts and results are in soci_store_hosts.cpp.
#include "store/soci_store.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string_view>

#include "store/lazy_libpq.h"
#include "store/migrations.h"

namespace semaphore::store {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

// Reads the columns of `users` selected by kUserColumns.
constexpr const char* kUserColumns = "id, email, password_hash, is_admin, created_at";

struct UserRow {
  User user;
  int is_admin = 0;
  long long id = 0, created_at = 0;
  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user.email));
    st.exchange(soci::into(user.password_hash));
    st.exchange(soci::into(is_admin));
    st.exchange(soci::into(created_at));
  }
  User take() {
    user.id = id;
    user.is_admin = is_admin != 0;
    user.created_at = created_at;
    return user;
  }
};

template <class Value>
Result<User> fetch_one_user(soci::session& sql, const std::string& where, const Value& value) {
  UserRow row;
  soci::statement st(sql);
  row.bind(st);
  st.exchange(soci::use(value));
  st.alloc();
  st.prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE " + where);
  st.define_and_bind();
  if (!st.execute(true)) return make_error(Errc::not_found, "no such user");
  return row.take();
}

// SOCI hands PostgreSQL connect strings to its own key=value parser, which mangles URLs: let libpq parse the
// URL (every form it accepts) and hand SOCI the equivalent keyword list.
std::string postgresql_conninfo(const std::string& url) {
  load_libpq();  // here, so that a missing libpq is one clear message before any connection is tried
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    std::string reason = parse_error ? parse_error : "invalid connection URL";
    PQfreemem(parse_error);
    throw std::runtime_error(reason);
  }
  std::string conninfo;
  bool has_connect_timeout = false;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    has_connect_timeout |= std::string_view(option->keyword) == "connect_timeout";
    std::string value;
    for (const char* c = option->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') value += '\\';
      value += *c;
    }
    conninfo += std::string(option->keyword) + "='" + value + "' ";
  }
  PQconninfoFree(options);
  // An unreachable server (not a refused connection) would otherwise hold a caller for the OS's TCP timeout,
  // minutes; the writer and the web pages would rather hear "unavailable" after a few seconds.
  if (!has_connect_timeout) conninfo += "connect_timeout='5'";
  return conninfo;
}

}  // namespace

SociStore::SociStore(const DbUrl& url, std::size_t pool_size)
    : url_(url), pool_(pool_size), pool_size_(pool_size) {
  for (std::size_t i = 0; i < pool_size_; ++i) {
    soci::session& sql = pool_.at(i);
    if (url_.kind == DbKind::sqlite) {
      sql.open(soci::sqlite3, "db=" + url_.location + " timeout=10");
      std::string mode;
      sql << "PRAGMA journal_mode=WAL", soci::into(mode);
      sql << "PRAGMA synchronous=NORMAL";
      sql << "PRAGMA foreign_keys=ON";
      sql << "PRAGMA busy_timeout=10000";
    } else {
      sql.open(soci::postgresql, postgresql_conninfo(url_.location));
      sql << "SET client_min_messages TO WARNING";
    }
  }
  if (url_.kind == DbKind::sqlite) {
    version_sql_ = std::make_unique<soci::session>(soci::sqlite3, "db=" + url_.location + " timeout=10");
    *version_sql_ << "PRAGMA busy_timeout=10000";
  }
}

SociStore::~SociStore() = default;

Error SociStore::translate(const soci::soci_error& error, const char* what) const {
  std::string message = error.get_error_message();
  if (message.empty()) message = error.what();
  const std::string text = lower(message);
  const std::string prefix = std::string(what) + ": ";
  switch (error.get_error_category()) {
    case soci::soci_error::constraint_violation:
      if (contains(text, "foreign key")) return make_error(Errc::not_found, prefix + message);
      return make_error(Errc::duplicate, prefix + message);
    case soci::soci_error::invalid_statement:
      if (!contains(text, "locked") && !contains(text, "readonly") && !contains(text, "read-only")) {
        return make_error(Errc::internal, prefix + message);
      }
      break;
    default:
      break;
  }
  if (contains(text, "unique constraint") || contains(text, "duplicate key")) {
    return make_error(Errc::duplicate, prefix + message);
  }
  // Connection lost, server down, database locked or read-only, disk full: the caller may retry later.
  return make_error(Errc::unavailable, prefix + message);
}

SociStore::WriteTransaction::WriteTransaction(soci::session& sql, DbKind kind) : sql_(sql) {
  sql_ << (kind == DbKind::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

SociStore::WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    sql_ << "ROLLBACK";
  } catch (const soci::soci_error&) {
    // The connection is gone, and the transaction with it.
  }
}

void SociStore::WriteTransaction::commit() {
  sql_ << "COMMIT";
  done_ = true;
}

Status SociStore::execute(const char* what, const std::function<void(soci::session&)>& work) {
  auto done = with_session<bool>(what, [&](soci::session& sql) -> Result<bool> {
    work(sql);
    return true;
  });
  if (!done) return done.error();
  return {};
}

// --- data version ---

Result<std::string> SociStore::data_version() {
  if (url_.kind == DbKind::sqlite) {
    // PRAGMA data_version changes when another connection (of this pool or of another process) commits;
    // this connection never writes, so it changes with every commit.
    std::lock_guard lock(version_mutex_);
    try {
      long long version = 0;
      *version_sql_ << "PRAGMA data_version", soci::into(version);
      return std::to_string(version);
    } catch (const soci::soci_error& error) {
      return translate(error, "read data version");
    }
  }
  // PostgreSQL: the same snapshot (xmin:xmax:running xids) means no transaction that wrote committed since.
  return with_session<std::string>("read data version", [](soci::session& sql) -> Result<std::string> {
    std::string snapshot;
    sql << "SELECT CAST(txid_current_snapshot() AS TEXT)", soci::into(snapshot);
    return snapshot;
  });
}

// --- schema ---

Result<int> SociStore::schema_version() {
  return with_session<int>("read schema version", [&](soci::session& sql) -> Result<int> {
    sql << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)";
    int version = 0;
    soci::indicator indicator = soci::i_null;
    sql << "SELECT MAX(version) FROM schema_version", soci::into(version, indicator);
    return indicator == soci::i_ok ? version : 0;
  });
}

Status SociStore::check_schema() {
  auto version = schema_version();
  if (!version) return version.error();
  const int latest = latest_schema_version(url_.kind);
  if (*version > latest) {
    return make_error(Errc::schema_too_new, "the database has schema version " + std::to_string(*version) +
                                                " but this semaphore knows only up to " +
                                                std::to_string(latest) + ": upgrade semaphore");
  }
  if (*version < latest) {
    return make_error(Errc::invalid_argument, "the database has schema version " + std::to_string(*version) +
                                                  ", expected " + std::to_string(latest) +
                                                  ": run semaphore migrate");
  }
  return {};
}

Status SociStore::migrate() {
  auto applied = with_session<int>("migrate", [&](soci::session& sql) -> Result<int> {
    sql << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)";
    const auto all = migrations_for(url_.kind);
    const int latest = all.empty() ? 0 : all.back().version;
    for (const Migration& migration : all) {
      WriteTransaction transaction(sql, url_.kind);
      // Several processes may start at once: on PostgreSQL the advisory lock makes them take turns (SQLite's
      // BEGIN IMMEDIATE already does); each re-reads the version inside its transaction.
      if (url_.kind == DbKind::postgresql) sql << "SELECT pg_advisory_xact_lock(7468501)";
      int current = 0;
      soci::indicator indicator = soci::i_null;
      sql << "SELECT MAX(version) FROM schema_version", soci::into(current, indicator);
      if (indicator != soci::i_ok) current = 0;
      if (current > latest) {
        return make_error(Errc::schema_too_new, "the database has schema version " + std::to_string(current) +
                                                    " but this semaphore knows only up to " +
                                                    std::to_string(latest) + ": upgrade semaphore");
      }
      if (migration.version <= current) continue;
      for (const std::string& statement : split_sql_statements(migration.sql)) sql << statement;
      const long long now = now_epoch_ms();
      sql << "INSERT INTO schema_version (version, applied_at) VALUES (:v, :t)", soci::use(migration.version),
          soci::use(now);
      transaction.commit();
    }
    return latest;
  });
  if (!applied) return applied.error();
  return {};
}

// --- users ---

Result<User> SociStore::create_user(const std::string& email, const std::string& password_hash,
                                    bool first_user_is_admin) {
  const std::string normalized = lower(email);
  return with_session<User>("create user", [&](soci::session& sql) -> Result<User> {
    WriteTransaction transaction(sql, url_.kind);
    long long users = 0;
    sql << "SELECT COUNT(*) FROM users", soci::into(users);
    const int is_admin = first_user_is_admin && users == 0 ? 1 : 0;
    const long long now = now_epoch_ms();
    long long id = 0;
    soci::indicator id_indicator = soci::i_null;
    sql << "INSERT INTO users (email, password_hash, is_admin, created_at) VALUES (:e, :p, :a, :c) "
           "ON CONFLICT (email) DO NOTHING RETURNING id",
        soci::use(normalized), soci::use(password_hash), soci::use(is_admin), soci::use(now),
        soci::into(id, id_indicator);
    if (id_indicator != soci::i_ok || !sql.got_data()) {
      return make_error(Errc::duplicate, "a user with this email already exists");
    }
    transaction.commit();
    return User{id, normalized, password_hash, is_admin == 1, now};
  });
}

Result<User> SociStore::find_user_by_email(const std::string& email) {
  const std::string normalized = lower(email);
  return with_session<User>(
      "find user", [&](soci::session& sql) { return fetch_one_user(sql, "email = :e", normalized); });
}

Result<User> SociStore::find_user(Id user_id) {
  const long long id = user_id;
  return with_session<User>("find user",
                            [&](soci::session& sql) { return fetch_one_user(sql, "id = :i", id); });
}

Result<std::vector<User>> SociStore::list_users() {
  return with_session<std::vector<User>>("list users", [&](soci::session& sql) -> Result<std::vector<User>> {
    UserRow row;
    soci::statement st(sql);
    row.bind(st);
    st.alloc();
    st.prepare(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY id");
    st.define_and_bind();
    std::vector<User> users;
    if (st.execute(true)) {
      do users.push_back(row.take());
      while (st.fetch());
    }
    return users;
  });
}

Status SociStore::set_password_hash(Id user_id, const std::string& password_hash) {
  const long long id = user_id;
  auto updated = with_session<bool>("set password", [&](soci::session& sql) -> Result<bool> {
    soci::statement st = (sql.prepare << "UPDATE users SET password_hash = :p WHERE id = :i",
                          soci::use(password_hash), soci::use(id));
    st.execute(true);
    if (st.get_affected_rows() == 0) return make_error(Errc::not_found, "no such user");
    return true;
  });
  if (!updated) return updated.error();
  return {};
}

// --- sessions ---

Status SociStore::create_session(const Session& session) {
  const long long user_id = session.user_id, created = session.created_at, seen = session.last_seen_at,
                  expires = session.expires_at;
  return execute("create session", [&](soci::session& sql) {
    sql << "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) "
           "VALUES (:h, :u, :c, :cr, :s, :e)",
        soci::use(session.token_hash), soci::use(user_id), soci::use(session.csrf_token), soci::use(created),
        soci::use(seen), soci::use(expires);
  });
}

Result<Session> SociStore::find_session(const std::string& token_hash) {
  return with_session<Session>("find session", [&](soci::session& sql) -> Result<Session> {
    Session session;
    long long user_id = 0, created = 0, seen = 0, expires = 0;
    sql << "SELECT token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions "
           "WHERE token_hash = :h",
        soci::use(token_hash), soci::into(session.token_hash), soci::into(user_id),
        soci::into(session.csrf_token), soci::into(created), soci::into(seen), soci::into(expires);
    if (!sql.got_data()) return make_error(Errc::not_found, "no such session");
    session.user_id = user_id;
    session.created_at = created;
    session.last_seen_at = seen;
    session.expires_at = expires;
    return session;
  });
}

Status SociStore::touch_session(const std::string& token_hash, EpochMs last_seen_at) {
  const long long seen = last_seen_at;
  return execute("touch session", [&](soci::session& sql) {
    sql << "UPDATE sessions SET last_seen_at = :s WHERE token_hash = :h", soci::use(seen),
        soci::use(token_hash);
  });
}

Status SociStore::delete_session(const std::string& token_hash) {
  return execute("delete session", [&](soci::session& sql) {
    sql << "DELETE FROM sessions WHERE token_hash = :h", soci::use(token_hash);
  });
}

Status SociStore::delete_user_sessions(Id user_id, const std::string& keep_token_hash) {
  const long long id = user_id;
  return execute("delete sessions", [&](soci::session& sql) {
    sql << "DELETE FROM sessions WHERE user_id = :u AND token_hash <> :k", soci::use(id),
        soci::use(keep_token_hash);
  });
}

Status SociStore::delete_expired_sessions(EpochMs now, EpochMs idle_cutoff) {
  const long long now_ms = now, cutoff = idle_cutoff;
  return execute("expire sessions", [&](soci::session& sql) {
    sql << "DELETE FROM sessions WHERE expires_at <= :n OR last_seen_at < :c", soci::use(now_ms),
        soci::use(cutoff);
  });
}

// --- sign-in failures ---

Status SociStore::record_signin_failure(const std::string& key, EpochMs at) {
  const long long at_ms = at;
  return execute("record sign-in failure", [&](soci::session& sql) {
    sql << "INSERT INTO signin_failures (key, at) VALUES (:k, :a)", soci::use(key), soci::use(at_ms);
  });
}

Result<std::vector<EpochMs>> SociStore::signin_failures_since(const std::string& key, EpochMs since) {
  const long long since_ms = since;
  return with_session<std::vector<EpochMs>>("read sign-in failures", [&](soci::session& sql) {
    // Old records of this key are of no further use: drop them while we are here.
    sql << "DELETE FROM signin_failures WHERE key = :k AND at < :s", soci::use(key), soci::use(since_ms);
    long long at = 0;
    soci::statement st = (sql.prepare << "SELECT at FROM signin_failures WHERE key = :k ORDER BY at",
                          soci::use(key), soci::into(at));
    std::vector<EpochMs> times;
    if (st.execute(true)) {
      do times.push_back(at);
      while (st.fetch());
    }
    return Result<std::vector<EpochMs>>(std::move(times));
  });
}

Status SociStore::clear_signin_failures(const std::string& key) {
  return execute("clear sign-in failures", [&](soci::session& sql) {
    sql << "DELETE FROM signin_failures WHERE key = :k", soci::use(key);
  });
}

}  // namespace semaphore::store
