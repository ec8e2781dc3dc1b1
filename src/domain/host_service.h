#pragma once
// "Add these hosts for this user": the one way hosts enter Semaphore, for the web pages, the CLI
// (`semaphore host add`, `host import`) and the API to come. Each host is validated (host_input.h) under the
// operator's target policy; the valid ones are then inserted by one Store::add_hosts call, a single
// transaction that counts the user's hosts and inserts under a lock on the user, so two requests at once
// cannot take a user past the limit.
//
// The outcomes are codes, not sentences: each caller words "already there" and "limit reached" for its
// audience (the web speaks to the user, the CLI to the operator). Field errors are HostErrors' messages.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"
#include "core/target.h"
#include "domain/host_input.h"
#include "store/host_store.h"

namespace semaphore::domain {

// The operator's rules for hosts (`--targets`, `--max-hosts-per-user`): the same for every way in.
struct HostRules {
  TargetPolicy targets = TargetPolicy::allow_private;  // which IP literals may be monitored
  std::int64_t max_hosts_per_user = 1000;              // hosts one user may hold, unless an admin set theirs
};

// The hosts `user` may hold: their own limit when an admin set one (`semaphore user set --max-hosts`), else
// the server's --max-hosts-per-user. What the pages and messages show; HostService::add applies the same
// rule inside its transaction (store::HostStore::add_hosts).
inline std::int64_t host_limit(const store::User& user, const HostRules& rules) {
  return user.max_hosts.value_or(rules.max_hosts_per_user);
}

enum class HostOutcome {
  added,
  invalid,     // a field is wrong: see errors
  duplicate,   // the user has this hostname already (or it came earlier in the same call)
  over_limit,  // the user held their limit of hosts (host_limit) when this one's turn came
};

struct HostAddition {
  HostOutcome outcome = HostOutcome::invalid;
  store::Host host;   // added: as stored (id, created_at set); duplicate, over_limit: as cleaned
  HostErrors errors;  // invalid: what is wrong, field by field
};

class HostService {
 public:
  HostService(store::HostStore& store, HostRules rules) : store_(store), rules_(rules) {}

  const HostRules& rules() const { return rules_; }

  std::int64_t host_limit(const store::User& user) const { return domain::host_limit(user, rules_); }

  // Validates every input, then adds the valid ones for `user_id`, in order, in one transaction. One
  // HostAddition per input, in input order. An Error only when nothing was added: the store failed
  // (Errc::unavailable, ...) or there is no such user (Errc::not_found).
  Result<std::vector<HostAddition>> add(store::Id user_id, std::span<const HostInput> inputs) const;

  // `input` checked for an edit (the host keeps its id and owner; the limit does not apply).
  std::optional<store::Host> validate(const HostInput& input, HostErrors& errors) const {
    return validate_host(input, rules_.targets, errors);
  }

 private:
  store::HostStore& store_;
  HostRules rules_;
};

}  // namespace semaphore::domain
