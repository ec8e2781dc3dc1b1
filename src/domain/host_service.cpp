#include "domain/host_service.h"

namespace semaphore::domain {

Result<std::vector<HostAddition>> HostService::add(store::Id user_id,
                                                   std::span<const HostInput> inputs) const {
  std::vector<HostAddition> additions(inputs.size());
  std::vector<store::Host> valid;
  std::vector<std::size_t> valid_index;  // valid[i] is inputs[valid_index[i]]
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (auto host = validate_host(inputs[i], rules_.targets, additions[i].errors)) {
      host->user_id = user_id;
      valid.push_back(std::move(*host));
      valid_index.push_back(i);
    }
  }
  if (valid.empty()) return additions;  // every input is invalid: no transaction needed

  auto stored = store_.add_hosts(user_id, valid, rules_.max_hosts_per_user);
  if (!stored) return stored.error();
  for (std::size_t i = 0; i < valid.size(); ++i) {
    HostAddition& addition = additions[valid_index[i]];
    Result<store::Host>& outcome = (*stored)[i];
    if (outcome) {
      addition.outcome = HostOutcome::added;
      addition.host = std::move(*outcome);
    } else if (outcome.error().code == Errc::duplicate) {
      addition.outcome = HostOutcome::duplicate;
      addition.host = std::move(valid[i]);
    } else if (outcome.error().code == Errc::limit_exceeded) {
      addition.outcome = HostOutcome::over_limit;
      addition.host = std::move(valid[i]);
    } else {
      // Store::add_hosts promises no other per-host code; should one appear, say so rather than guess.
      return make_error(Errc::internal, "add hosts: unexpected outcome: " + outcome.error().message);
    }
  }
  return additions;
}

}  // namespace semaphore::domain
