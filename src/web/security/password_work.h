#pragma once
// Password hashing as the pages do it (issue 12): the argon2id hasher behind a gate, so that at most
// `threads` hashes run at once, half as many more (at least one) wait, and the rest are told to come back
// (503, Retry-After) instead of tying up every handler thread — a burst of sign-ins must not stall the pages.
#include <algorithm>
#include <optional>

#include "domain/passwords.h"
#include "web/http_types.h"
#include "web/security/concurrency_gate.h"

namespace semaphore::web {

struct RequestContext;

struct PasswordWork {
  PasswordWork(domain::PasswordCost cost, int threads)
      : hasher(cost),
        gate(static_cast<std::size_t>(threads), static_cast<std::size_t>(std::max(1, threads / 2))) {}

  domain::PasswordHasher hasher;
  ConcurrencyGate gate;
};

// The page a request gets when the gate is full: 503 with Retry-After.
Response password_work_busy(RequestContext& ctx);

}  // namespace semaphore::web
