#include "domain/target_choice.h"

namespace semaphore::domain {
namespace {

const char* name_of(TargetPolicy policy) {
  return policy == TargetPolicy::public_only ? "public" : "private";
}

}  // namespace

TargetChoice choose_target_policy(std::optional<TargetPolicy> chosen, bool signup_open) {
  if (chosen) {
    return {*chosen, std::string("targets: ") + name_of(*chosen) + " (--targets " + name_of(*chosen) + ")"};
  }
  if (signup_open) {
    return {
        TargetPolicy::public_only,
        "targets: public, because sign-up is open: a stranger must not be able to watch loopback, private "
        "or metadata addresses of this server's network (--targets private to allow them, or --signup "
        "closed)"};
  }
  return {TargetPolicy::allow_private,
          "targets: private, because sign-up is closed: only users an admin added may add hosts "
          "(--targets public to refuse private addresses)"};
}

TargetChoice choose_target_policy_without_signup(std::optional<TargetPolicy> chosen) {
  if (chosen) {
    return {*chosen, std::string("targets: ") + name_of(*chosen) + " (--targets " + name_of(*chosen) + ")"};
  }
  return {TargetPolicy::allow_private,
          "targets: private (the default here); if the web UI's sign-up is open, pass --targets public so "
          "that hosts added by strangers cannot reach this network's private addresses"};
}

}  // namespace semaphore::domain
