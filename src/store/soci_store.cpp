// SociStore: connections, schema migrations, the data version, users, sessions and sign-in failure records.
// Hosts and results are in soci_store_hosts.cpp, the ping service's part in soci_store_monitor.cpp.
#include "store/soci_store.h"

#include <algorithm>

#include "core/ascii.h"
#include "store/migrations.h"

namespace semaphore::store {
namespace {

// Reads the columns of `users` selected by kUserColumns.
constexpr const char* kUserColumns = "id, email, password_hash, is_admin, created_at, max_hosts";

struct UserRow {
  User user;
  int is_admin = 0;
  long long id = 0, created_at = 0, max_hosts = 0;
  soci::indicator max_hosts_indicator = soci::i_null;
  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user.email));
    st.exchange(soci::into(user.password_hash));
    st.exchange(soci::into(is_admin));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(max_hosts, max_hosts_indicator));
  }
  User take() {
    user.id = id;
    user.is_admin = is_admin != 0;
    user.created_at = created_at;
    // Every field is set from this row: the reader is reused across the rows of a list.
    user.max_hosts =
        max_hosts_indicator == soci::i_ok ? std::optional<std::int64_t>(max_hosts) : std::nullopt;
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

Error schema_too_new(int current, int latest) {
  return make_error(Errc::schema_too_new, "the database has schema version " + std::to_string(current) +
                                              " but this semaphore knows only up to " +
                                              std::to_string(latest) + ": upgrade semaphore");
}

}  // namespace

SociStore::SociStore(std::unique_ptr<Dialect> dialect)
    : dialect_(std::move(dialect)), connections_(dialect_->pool_size()) {
  dialect_->open(connections_);
}

SociStore::~SociStore() = default;

// --- data version ---

Result<std::string> SociStore::data_version() {
  return dialect_->data_version(connections_);
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
  const int latest = latest_version(dialect_->migrations());
  if (*version > latest) return schema_too_new(*version, latest);
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
    const auto all = dialect_->migrations();
    const int latest = latest_version(all);
    for (const Migration& migration : all) {
      WriteTransaction transaction(sql, *dialect_);
      // Several processes may start at once: the dialect makes them take turns; each re-reads the version
      // inside its transaction.
      dialect_->lock_schema(sql);
      int current = 0;
      soci::indicator indicator = soci::i_null;
      sql << "SELECT MAX(version) FROM schema_version", soci::into(current, indicator);
      if (indicator != soci::i_ok) current = 0;
      if (current > latest) return schema_too_new(current, latest);
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
  const std::string normalized = lower_ascii(email);
  return with_session<User>("create user", [&](soci::session& sql) -> Result<User> {
    WriteTransaction transaction(sql, *dialect_);
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
    return User{id, normalized, password_hash, is_admin == 1, now, std::nullopt};
  });
}

Result<User> SociStore::find_user_by_email(const std::string& email) {
  const std::string normalized = lower_ascii(email);
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

Status SociStore::set_user_max_hosts(Id user_id, std::optional<std::int64_t> max_hosts) {
  const long long id = user_id;
  long long limit = max_hosts.value_or(0);
  soci::indicator limit_indicator = max_hosts ? soci::i_ok : soci::i_null;
  auto updated = with_session<bool>("set host limit", [&](soci::session& sql) -> Result<bool> {
    soci::statement st = (sql.prepare << "UPDATE users SET max_hosts = :m WHERE id = :i",
                          soci::use(limit, limit_indicator), soci::use(id));
    st.execute(true);
    if (st.get_affected_rows() == 0) return make_error(Errc::not_found, "no such user");
    return true;
  });
  if (!updated) return updated.error();
  return {};
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

Result<std::int64_t> SociStore::delete_expired_sessions(EpochMs now, EpochMs idle_cutoff,
                                                        EpochMs created_cutoff, std::int64_t limit) {
  const long long now_ms = now, idle = idle_cutoff, created = created_cutoff, most = limit;
  return with_session<std::int64_t>("expire sessions", [&](soci::session& sql) -> Result<std::int64_t> {
    // DELETE ... LIMIT is not standard SQL (nor in SQLite's default build): the keys of one batch, then
    // those.
    soci::statement st =
        (sql.prepare << "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions "
                        "WHERE expires_at <= :n OR last_seen_at < :i OR created_at < :c LIMIT :l)",
         soci::use(now_ms), soci::use(idle), soci::use(created), soci::use(most));
    st.execute(true);
    return static_cast<std::int64_t>(st.get_affected_rows());
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

Result<std::int64_t> SociStore::delete_signin_failures_before(EpochMs before, std::int64_t limit) {
  const long long before_ms = before, most = limit;
  return with_session<std::int64_t>(
      "purge sign-in failures", [&](soci::session& sql) -> Result<std::int64_t> {
        // The table has no key: a batch is named by (key, at). Equal pairs go together, all older than
        // `before`.
        soci::statement st =
            (sql.prepare
                 << "DELETE FROM signin_failures WHERE (key, at) IN (SELECT key, at FROM signin_failures "
                    "WHERE at < :b LIMIT :l)",
             soci::use(before_ms), soci::use(most));
        st.execute(true);
        return static_cast<std::int64_t>(st.get_affected_rows());
      });
}

}  // namespace semaphore::store
