#pragma once
// Which addresses a deployment may monitor when the operator has not said (issue 12). With sign-up open,
// anyone who reaches the sign-up page could otherwise add 127.0.0.1, 10.x addresses or internal names and
// learn from their state (and the error words) what this server's own network holds. So an open sign-up
// defaults to public targets; a closed one (only users an admin made) to private ones. An explicit
// --targets always wins. The reason is logged at start-up, so an operator sees which policy is in force.
#include <optional>
#include <string>

#include "core/target.h"

namespace semaphore::domain {

struct TargetChoice {
  TargetPolicy policy = TargetPolicy::public_only;
  std::string reason;  // one sentence for the start-up log: what was chosen, why, how to change it
};

// `chosen`: --targets as the operator gave it, if they did. `signup_open`: whether strangers may sign up.
TargetChoice choose_target_policy(std::optional<TargetPolicy> chosen, bool signup_open);

// The same for a process that cannot know the sign-up setting (`semaphore probe`, a ping service apart from
// the web UI): private unless told, with a reason that says when to pass --targets public.
TargetChoice choose_target_policy_without_signup(std::optional<TargetPolicy> chosen);

}  // namespace semaphore::domain
