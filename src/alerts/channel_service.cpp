#include "alerts/channel_service.h"

#include <algorithm>

#include "alerts/channel_payloads.h"
#include "core/ascii.h"
#include "core/provider.h"
#include "core/text.h"

namespace semaphore::alerts {
namespace {

template <std::size_t N>
bool one_of(const std::string& word, const std::string_view (&words)[N]) {
  return std::find(std::begin(words), std::end(words), word) != std::end(words);
}

// Dedupes `words` (trimmed; lower-cased with `to_lower`), keeping their order; the first word not in
// `allowed`, if any.
template <std::size_t N>
std::optional<std::string> normalize_words(std::vector<std::string>& words,
                                           const std::string_view (&allowed)[N], bool to_lower) {
  std::vector<std::string> out;
  for (const auto& word : words) {
    std::string normalized = to_lower ? lower_ascii(trim(word)) : std::string(trim(word));
    if (!one_of(normalized, allowed)) return word;
    if (std::find(out.begin(), out.end(), normalized) == out.end()) out.push_back(std::move(normalized));
  }
  words = std::move(out);
  return std::nullopt;
}

std::string join(const std::string_view* begin, const std::string_view* end) {
  std::string out;
  for (const auto* word = begin; word != end; ++word) out += (out.empty() ? "" : ", ") + std::string(*word);
  return out;
}

}  // namespace

std::string channel_target(const store::ChannelRecord& channel) {
  auto url = parse_channel_url(channel.kind, channel.url);
  if (!url) return {};
  std::string target = url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  const int default_port = url->scheme == "http"    ? 80
                           : url->scheme == "https" ? 443
                           : url->scheme == "smtps" ? 465
                                                    : 25;
  if (url->port != default_port) target += ":" + std::to_string(url->port);
  return target;
}

std::string default_channel_name(const store::ChannelRecord& channel) {
  std::string name = channel.kind;
  if (const std::string target = channel_target(channel); !target.empty()) name += " " + target;
  if (name.size() > kMaxChannelNameLength) name.resize(kMaxChannelNameLength);
  return name;
}

std::optional<ChannelIssue> check_channel_input(store::ChannelRecord& channel,
                                                std::optional<TargetPolicy> policy,
                                                const std::set<store::Id>* own_hosts) {
  channel.kind = lower_ascii(trim(channel.kind));
  if (!is_channel_kind(channel.kind)) {
    return ChannelIssue{"kind", "Choose webhook, slack, discord, ntfy or email."};
  }
  channel.name = std::string(trim(channel.name));
  if (channel.name.empty()) channel.name = default_channel_name(channel);
  if (channel.name.size() > kMaxChannelNameLength || has_control_characters(channel.name)) {
    return ChannelIssue{"name", "At most 64 characters, no control characters."};
  }
  for (auto& provider : channel.providers) {
    if (const auto parsed = parse_provider(trim(provider))) provider = std::string(to_string(*parsed));
  }
  if (auto wrong = normalize_words(channel.providers, kCoverableProviders, false)) {
    return ChannelIssue{"providers",
                        "Not a provider: choose among " +
                            join(std::begin(kCoverableProviders), std::end(kCoverableProviders)) + "."};
  }
  if (auto wrong = normalize_words(channel.states, kCoverableStates, true)) {
    return ChannelIssue{"states", "Not a state a notification carries: choose among " +
                                      join(std::begin(kCoverableStates), std::end(kCoverableStates)) + "."};
  }
  std::sort(channel.host_ids.begin(), channel.host_ids.end());
  channel.host_ids.erase(std::unique(channel.host_ids.begin(), channel.host_ids.end()),
                         channel.host_ids.end());
  if (channel.host_ids.size() > kMaxCoveredHosts) {
    return ChannelIssue{"host_ids", "At most 1000 hosts; leave the list empty to cover them all."};
  }
  for (const store::Id id : channel.host_ids) {
    if (id <= 0 || (own_hosts != nullptr && !own_hosts->contains(id))) {
      return ChannelIssue{"host_ids", "Host " + std::to_string(id) + " is not one of yours."};
    }
  }
  return check_channel(channel, policy);
}

CreateOutcome create_channel(store::AlertStore& alerts, store::ChannelRecord channel,
                             std::optional<TargetPolicy> policy, const std::set<store::Id>* own_hosts) {
  CreateOutcome outcome;
  if (lower_ascii(trim(channel.kind)) == "webhook") channel.secret = make_webhook_secret();
  if (auto issue = check_channel_input(channel, policy, own_hosts)) {
    outcome.issue = std::move(issue);
    return outcome;
  }
  auto added = alerts.add_channel(channel, kMaxChannelsPerUser);
  if (!added) {
    outcome.error = added.error();
    return outcome;
  }
  outcome.channel = std::move(added).value();
  outcome.channel->secret = channel.secret;  // whatever the store returns, the caller shows this one once
  return outcome;
}

SendOutcome send_test_notification(NotificationSender& sender, const store::ChannelRecord& channel,
                                   EpochMs now) {
  const store::Delivery delivery = test_delivery(channel, now);
  NotificationContext context;
  context.sent_at = now;
  return sender.send(channel, delivery, context);
}

}  // namespace semaphore::alerts
