// SociStore's TokenStore: users' API tokens. Everything a user names is scoped by user_id; the token's text
// is never here, only its hash.
#include <optional>

#include "store/rows.h"
#include "store/soci_store.h"

namespace semaphore::store {
namespace {

constexpr const char* kTokenColumns =
    "id, user_id, name, token_hash, scope, created_at, expires_at, last_used_at";

// The row buffers SOCI fills for kTokenColumns.
struct TokenRow {
  long long id = 0, user_id = 0, created_at = 0, expires_at = 0, last_used_at = 0;
  std::string name, token_hash, scope;
  soci::indicator expires_indicator = soci::i_null, used_indicator = soci::i_null;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(token_hash));
    st.exchange(soci::into(scope));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(expires_at, expires_indicator));
    st.exchange(soci::into(last_used_at, used_indicator));
  }
  ApiToken take() const {
    ApiToken token;
    token.id = id;
    token.user_id = user_id;
    token.name = name;
    token.token_hash = token_hash;
    token.scope = parse_token_scope(scope).value_or(TokenScope::read);  // the CHECK allows nothing else
    token.created_at = created_at;
    if (expires_indicator == soci::i_ok) token.expires_at = expires_at;
    if (used_indicator == soci::i_ok) token.last_used_at = last_used_at;
    return token;
  }
};

// Runs `query` (selecting kTokenColumns) with `uses` bound and returns every row.
template <class BindUses>
std::vector<ApiToken> fetch_tokens(soci::session& sql, const std::string& query, BindUses bind_uses) {
  TokenRow row;
  std::vector<ApiToken> tokens;
  for_each_row(sql, row, query, bind_uses, [&] { tokens.push_back(row.take()); });
  return tokens;
}

Status affected_one(const Result<bool>& deleted) {
  if (!deleted) return deleted.error();
  if (!*deleted) return make_error(Errc::not_found, "no such token");
  return {};
}

}  // namespace

Result<ApiToken> SociStore::create_token(const ApiToken& input, std::int64_t max_per_user) {
  return with_session<ApiToken>("create token", [&](soci::session& sql) -> Result<ApiToken> {
    WriteTransaction transaction(sql, *dialect_);
    // As add_hosts: the user's row lock makes concurrent creations of one user take turns, so the count
    // stays true until COMMIT.
    const long long user = input.user_id;
    if (!dialect_->lock_user(sql, user)) return make_error(Errc::not_found, "no such user");
    long long count = 0;
    sql << "SELECT COUNT(*) FROM api_tokens WHERE user_id = :u", soci::use(user), soci::into(count);
    if (count >= max_per_user) {
      return make_error(Errc::limit_exceeded,
                        "the limit of " + std::to_string(max_per_user) + " tokens is reached");
    }
    ApiToken token = input;
    if (token.created_at == 0) token.created_at = now_epoch_ms();
    const std::string scope = to_string(token.scope);
    const long long created = token.created_at;
    long long expires = token.expires_at.value_or(0), used = token.last_used_at.value_or(0);
    soci::indicator expires_indicator = token.expires_at ? soci::i_ok : soci::i_null;
    soci::indicator used_indicator = token.last_used_at ? soci::i_ok : soci::i_null;
    long long id = 0;
    soci::indicator id_indicator = soci::i_null;
    // ON CONFLICT DO NOTHING rather than a failed INSERT, which would abort a PostgreSQL transaction. The
    // clash is the name: token hashes are SHA-256 of 256 random bits.
    sql << "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, expires_at, last_used_at) "
           "VALUES (:u, :n, :h, :s, :c, :e, :l) ON CONFLICT DO NOTHING RETURNING id",
        soci::use(user), soci::use(token.name), soci::use(token.token_hash), soci::use(scope),
        soci::use(created), soci::use(expires, expires_indicator), soci::use(used, used_indicator),
        soci::into(id, id_indicator);
    if (!sql.got_data() || id_indicator != soci::i_ok) {
      return make_error(Errc::duplicate, "a token named " + token.name + " exists already");
    }
    transaction.commit();
    token.id = id;
    return token;
  });
}

Result<std::vector<ApiToken>> SociStore::list_tokens(Id user_id) {
  const long long user = user_id;
  return with_session<std::vector<ApiToken>>("list tokens", [&](soci::session& sql) {
    return Result<std::vector<ApiToken>>(fetch_tokens(
        sql, std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE user_id = :u ORDER BY id",
        [&](soci::statement& st) { st.exchange(soci::use(user)); }));
  });
}

Result<ApiToken> SociStore::find_token(const std::string& token_hash) {
  return with_session<ApiToken>("find token", [&](soci::session& sql) -> Result<ApiToken> {
    auto found =
        fetch_tokens(sql, std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE token_hash = :h",
                     [&](soci::statement& st) { st.exchange(soci::use(token_hash)); });
    if (found.empty()) return make_error(Errc::not_found, "no such token");
    return std::move(found.front());
  });
}

Status SociStore::revoke_token(Id user_id, const std::string& name) {
  const long long user = user_id;
  return affected_one(with_session<bool>("revoke token", [&](soci::session& sql) -> Result<bool> {
    soci::statement st = (sql.prepare << "DELETE FROM api_tokens WHERE user_id = :u AND name = :n",
                          soci::use(user), soci::use(name));
    st.execute(true);
    return st.get_affected_rows() > 0;
  }));
}

Status SociStore::revoke_token_by_id(Id user_id, Id token_id) {
  const long long user = user_id, id = token_id;
  return affected_one(with_session<bool>("revoke token", [&](soci::session& sql) -> Result<bool> {
    soci::statement st = (sql.prepare << "DELETE FROM api_tokens WHERE user_id = :u AND id = :i",
                          soci::use(user), soci::use(id));
    st.execute(true);
    return st.get_affected_rows() > 0;
  }));
}

Status SociStore::touch_token(Id token_id, EpochMs last_used_at) {
  const long long id = token_id, used = last_used_at;
  return execute("touch token", [&](soci::session& sql) {
    sql << "UPDATE api_tokens SET last_used_at = :l WHERE id = :i", soci::use(used), soci::use(id);
  });
}

Result<std::int64_t> SociStore::delete_tokens_expired_before(EpochMs before, std::int64_t limit) {
  const long long before_ms = before, most = limit;
  return with_session<std::int64_t>("purge expired tokens", [&](soci::session& sql) -> Result<std::int64_t> {
    // As delete_expired_sessions: the ids of one batch, then those (no DELETE ... LIMIT). NULL expires_at
    // (never) is not < anything. The table holds at most 50 tokens per user, so no index on expires_at.
    soci::statement st = (sql.prepare << "DELETE FROM api_tokens WHERE id IN (SELECT id FROM api_tokens "
                                         "WHERE expires_at < :b LIMIT :l)",
                          soci::use(before_ms), soci::use(most));
    st.execute(true);
    return static_cast<std::int64_t>(st.get_affected_rows());
  });
}

}  // namespace semaphore::store
