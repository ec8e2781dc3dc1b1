#pragma once
// Managing a user's channels (issue 14): the rules every entry point shares — /alerts, /api/v1/channels and
// `semaphore channel` — on top of channel_options.h's checks: the name, what a channel covers, the webhook's
// signing secret (made here, shown once by the caller, never again), the per-user limit, where the channel
// points as people may see it (the URL's host only: Slack's and Discord's URLs hold their secret in the
// path) and the "Send test" notification.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "alerts/channel_options.h"
#include "alerts/notification_sender.h"
#include "core/result.h"
#include "core/target.h"
#include "store/alert_store.h"

namespace semaphore::alerts {

inline constexpr std::int64_t kMaxChannelsPerUser = 20;
inline constexpr std::size_t kMaxChannelNameLength = 64;
inline constexpr std::size_t kMaxCoveredHosts = 1000;

// What a channel may cover: the providers (core/provider.h's names, as hosts have them) and the states a
// notification can carry.
inline constexpr std::string_view kCoverableProviders[] = {"AWS", "GCP", "Azure", "Other"};
inline constexpr std::string_view kCoverableStates[] = {"up", "degraded", "down", "flapping", "paused"};

// Checks and normalizes a channel a person typed, in place: the name (trimmed, 1-64 printable characters;
// empty: "<kind> <host>"), what it covers (providers by their names in any case, stored as core/provider.h
// names them; states from the list above in lower case; no duplicates; host ids among `own_hosts` when given
// — the caller's hosts), then check_channel (kind, URL under `policy`, secret, options). A webhook's secret
// is not checked here: create_channel makes it. nullopt: fine.
std::optional<ChannelIssue> check_channel_input(store::ChannelRecord& channel,
                                                std::optional<TargetPolicy> policy,
                                                const std::set<store::Id>* own_hosts = nullptr);

// Checks the channel (check_channel_input), gives a webhook a new signing secret (make_webhook_secret) and
// stores it with the per-user limit. On success the record holds the secret: the caller shows it once.
// Errors: Errc::invalid_argument with the issue (issue.field says which input), Errc::duplicate (the name),
// Errc::limit_exceeded, Errc::unavailable.
struct CreateOutcome {
  std::optional<store::ChannelRecord> channel;  // set when stored
  std::optional<ChannelIssue> issue;            // set when the input was refused
  std::optional<Error> error;                   // set when the store refused (duplicate, limit, unavailable)
};
CreateOutcome create_channel(store::AlertStore& alerts, store::ChannelRecord channel,
                             std::optional<TargetPolicy> policy,
                             const std::set<store::Id>* own_hosts = nullptr);

// Where the channel points, for people: the URL's host, with ":port" when the URL names one that is not
// the scheme's default. Never the path, the query or the secret. "" for a URL that does not parse.
std::string channel_target(const store::ChannelRecord& channel);

// The channel's name when none was given: "<kind> <host>", cut to the name's length.
std::string default_channel_name(const store::ChannelRecord& channel);

// Sends the "Send test" notification (channel_payloads.h test_delivery) to `channel` through `sender`, at
// `now`, on the caller's thread (bounded by the sender's timeouts). Nothing is written to the outbox.
SendOutcome send_test_notification(NotificationSender& sender, const store::ChannelRecord& channel,
                                   EpochMs now);

}  // namespace semaphore::alerts
