#include "cli/admin_channel_commands.h"

#include <boost/json.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/channel_service.h"
#include "cli/option_types.h"
#include "cli/password_input.h"
#include "cli/store_access.h"
#include "core/email.h"

namespace semaphore::cli {
namespace {

struct ChannelCommandOptions {
  std::string user;
  std::string kind;
  std::string url;
  std::string name;
  std::string email_from;
  std::vector<std::string> email_to;
  std::string email_user;
  std::string email_tls;
  bool password_stdin = false;
  std::optional<TargetPolicy> targets;  // private unless given (an admin adds channels it trusts)
  std::string channel;                  // remove: a name or an id
};

// The command-line option an issue's field came from.
std::string option_of(const std::string& field) {
  if (field == "options.from") return "--email-from";
  if (field == "options.to") return "--email-to";
  if (field == "options.username") return "--email-user";
  if (field == "options.tls") return "--email-tls";
  if (field == "secret") return "--password-stdin";
  if (field == "url" || field == "kind" || field == "name") return "--" + field;
  return field;
}

void add_channel(const GlobalOptions& global, const ChannelCommandOptions& options) {
  store::ChannelRecord channel;
  channel.kind = options.kind;
  channel.url = options.url;
  channel.name = options.name;
  boost::json::object settings;
  if (options.kind == "email") {
    settings["from"] = options.email_from;
    boost::json::array to;
    for (const auto& address : options.email_to) to.emplace_back(address);
    settings["to"] = std::move(to);
    if (!options.email_user.empty()) settings["username"] = options.email_user;
    if (!options.email_tls.empty()) settings["tls"] = options.email_tls;
  } else if (!options.email_from.empty() || !options.email_to.empty() || !options.email_user.empty() ||
             !options.email_tls.empty()) {
    throw CommandExit{2, "--email-*: only for --kind email"};
  }
  channel.options = boost::json::serialize(settings);
  if (options.password_stdin) {
    if (options.kind == "webhook")
      throw CommandExit{2, "--password-stdin: a webhook's secret is made for it"};
    channel.secret = read_password_line(options.kind == "email" ? "SMTP password: " : "Access token: ");
  }
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  channel.user_id = user.id;
  auto created =
      alerts::create_channel(*store, channel, options.targets.value_or(TargetPolicy::allow_private));
  if (created.issue) throw CommandExit{2, option_of(created.issue->field) + ": " + created.issue->message};
  if (created.error) {
    switch (created.error->code) {
      case Errc::duplicate:
        throw CommandExit{1, user.email + " has a channel named " + channel.name + " already"};
      case Errc::limit_exceeded:
        throw CommandExit{1, user.email + " has " + std::to_string(alerts::kMaxChannelsPerUser) +
                                 " channels, the most there may be: remove one first"};
      default:
        throw CommandExit{1, created.error->message};
    }
  }
  const store::ChannelRecord& added = *created.channel;
  std::fprintf(stderr, "added %s channel \"%s\" for %s%s\n", added.kind.c_str(), added.name.c_str(),
               user.email.c_str(), added.kind == "webhook" ? "; its signing secret is shown only now" : "");
  std::printf("id=%lld\n", static_cast<long long>(added.id));
  if (added.kind == "webhook") std::printf("secret=%s\n", added.secret.c_str());
}

std::string status_word(const store::ChannelWithStatus& channel) {
  if (!channel.channel.enabled) return "disabled";
  if (channel.status.failing) return "failing";
  if (!channel.status.last_error.empty()) return "retrying";
  if (channel.status.last_success_at) return "ok";
  return "new";
}

void list_channels(const GlobalOptions& global, const ChannelCommandOptions& options) {
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  auto channels = store->list_channels(user.id);
  if (!channels) throw CommandExit{1, channels.error().message};
  for (const auto& channel : *channels) {
    std::printf("%lld\t%s\t%s\t%s\t%s\t%lld\n", static_cast<long long>(channel.channel.id),
                channel.channel.name.c_str(), channel.channel.kind.c_str(),
                alerts::channel_target(channel.channel).c_str(), status_word(channel).c_str(),
                static_cast<long long>(channel.status.pending));
  }
}

void remove_channel(const GlobalOptions& global, const ChannelCommandOptions& options) {
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  auto channels = store->list_channels(user.id);
  if (!channels) throw CommandExit{1, channels.error().message};
  const store::ChannelRecord* chosen = nullptr;
  for (const auto& channel : *channels) {  // a name first: a channel may be named "12"
    if (channel.channel.name == options.channel) chosen = &channel.channel;
  }
  for (const auto& channel : *channels) {
    if (chosen == nullptr && std::to_string(channel.channel.id) == options.channel) chosen = &channel.channel;
  }
  if (chosen == nullptr) {
    throw CommandExit{1, user.email + " has no channel " + options.channel + " (see semaphore channel list)"};
  }
  if (auto deleted = store->delete_channel(user.id, chosen->id); !deleted) {
    throw CommandExit{1, deleted.error().message};
  }
  std::printf("removed channel %s (id %lld) of %s\n", chosen->name.c_str(),
              static_cast<long long>(chosen->id), user.email.c_str());
}

}  // namespace

void add_channel_commands(CLI::App& app, const GlobalOptions& global) {
  auto* channel = app.add_subcommand("channel", "manage users' alert channels");
  channel->require_subcommand(1);
  auto options = std::make_shared<ChannelCommandOptions>();

  auto* add = channel->add_subcommand(
      "add", "add an alert channel; prints id=... and, for a webhook, secret=... (only they) on stdout");
  add->add_option("--user", options->user, "the owner's email")->required();
  add->add_option("--kind", options->kind, "webhook, slack, discord, ntfy or email")
      ->required()
      ->check(CLI::IsMember({"webhook", "slack", "discord", "ntfy", "email"}));
  add->add_option("--url", options->url, "https://... (email: smtp://host[:port] or smtps://host[:port])")
      ->required();
  add->add_option("--name", options->name, "unique per user, 1-64 characters (default: kind and host)");
  add->add_option("--email-from", options->email_from, "email: the sender's address");
  add->add_option("--email-to", options->email_to, "email: a recipient (repeat for up to 10)")
      ->delimiter(',');
  add->add_option("--email-user", options->email_user, "email: the SMTP login");
  add->add_option("--email-tls", options->email_tls, "email: starttls, tls or none (default: by the URL)")
      ->check(CLI::IsMember({"starttls", "tls", "none"}));
  add->add_flag("--password-stdin", options->password_stdin,
                "email: read the SMTP password (ntfy: an access token) from stdin");
  add_targets_option(*add, options->targets, TargetsHelp::host_admin);
  add->callback([&global, options] { add_channel(global, *options); });

  auto* list =
      channel->add_subcommand("list", "list a user's channels: id, name, kind, host, status, pending");
  list->add_option("--user", options->user, "the owner's email")->required();
  list->callback([&global, options] { list_channels(global, *options); });

  auto* remove = channel->add_subcommand("remove", "remove a user's channel and its pending notifications");
  remove->add_option("--user", options->user, "the owner's email")->required();
  remove->add_option("channel", options->channel, "the channel's name or id")->required();
  remove->callback([&global, options] { remove_channel(global, *options); });
}

}  // namespace semaphore::cli
