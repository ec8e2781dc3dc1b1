#include "web/security/sessions.h"

#include <sodium.h>

#include <algorithm>

#include "domain/secret_token.h"

namespace semaphore::web {

std::string random_token() {
  return domain::random_secret();
}

bool looks_like_token(std::string_view text) {
  return domain::looks_like_secret(text);
}

std::string hash_token(std::string_view token) {
  return domain::secret_hash(token);
}

bool tokens_equal(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty() || a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool SessionRules::expired(const store::Session& session, EpochMs now) const {
  const auto idle_ms = std::chrono::duration_cast<std::chrono::milliseconds>(idle).count();
  const auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(max).count();
  return now >= session.expires_at || now >= session.created_at + max_ms ||
         now >= session.last_seen_at + idle_ms;
}

bool SessionRules::needs_touch(const store::Session& session, EpochMs now) const {
  return now - session.last_seen_at >=
         std::chrono::duration_cast<std::chrono::milliseconds>(touch_every).count();
}

Result<SessionManager::Started> SessionManager::start(store::Id user_id, EpochMs now) {
  Started started;
  started.token = random_token();
  started.session.token_hash = hash_token(started.token);
  started.session.user_id = user_id;
  started.session.csrf_token = random_token();
  started.session.created_at = now;
  started.session.last_seen_at = now;
  started.session.expires_at =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(rules_.max).count();
  if (auto created = store_.create_session(started.session); !created) return created.error();
  return started;
}

Result<std::optional<store::Session>> SessionManager::resume(std::string_view token, EpochMs now,
                                                             const std::string& data_version) {
  if (!looks_like_token(token)) return std::optional<store::Session>();
  const std::string key = hash_token(token);
  // A touch asked for by an earlier request may not be written yet: the session was seen then all the same.
  // Asked before the row is read: a touch written between the two is then in one or the other (asked after,
  // a write finishing in between was in neither, and an active session read as idle was ended).
  const EpochMs unwritten_touch = touches_.unwritten(key);
  Result<store::Session> found = make_error(Errc::not_found, "no such session");
  if (auto kept = rows_.find(key, data_version)) {
    found = std::move(*kept);
  } else {
    found = store_.find_session(key);
    if (!found) {
      if (found.error().code == Errc::not_found) return std::optional<store::Session>();
      return found.error();
    }
    rows_.put(key, data_version, *found);
  }
  found->last_seen_at = std::max(found->last_seen_at, unwritten_touch);
  if (rules_.expired(*found, now)) {
    (void)store_.delete_session(key);
    return std::optional<store::Session>();
  }
  if (rules_.needs_touch(*found, now)) {
    touches_.touch(key, now);
    found->last_seen_at = now;
  }
  return std::optional<store::Session>(std::move(*found));
}

Status SessionManager::end(std::string_view token) {
  if (!looks_like_token(token)) return {};
  return store_.delete_session(hash_token(token));
}

}  // namespace semaphore::web
