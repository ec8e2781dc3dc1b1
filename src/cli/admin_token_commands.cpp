#include "cli/admin_token_commands.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/admin_output.h"
#include "cli/store_access.h"
#include "core/email.h"
#include "core/units.h"
#include "domain/api_tokens.h"

namespace semaphore::cli {
namespace {

struct TokenCommandOptions {
  std::string user;
  std::string name;
  std::string scope = "read";
  std::string expires;  // a duration (core/units.h); empty: never
};

void create_token(const GlobalOptions& global, const TokenCommandOptions& options) {
  const auto scope = store::parse_token_scope(options.scope);
  if (!scope) throw CommandExit{2, "--scope: read or write"};
  std::optional<std::chrono::milliseconds> lifetime;
  if (!options.expires.empty()) {
    auto parsed = parse_duration(options.expires);
    if (!parsed) throw CommandExit{2, "--expires: " + parsed.error().message};
    if (parsed->count() <= 0) throw CommandExit{2, "--expires: must be longer than zero"};
    lifetime = *parsed;
  }
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  auto made = domain::create_api_token(*store, user.id, options.name, *scope, lifetime, now_epoch_ms());
  if (!made) {
    switch (made.error().code) {
      case Errc::invalid_argument:
        throw CommandExit{2, "--name: " + made.error().message};
      case Errc::duplicate:
        throw CommandExit{1, user.email + " has a token named " + options.name + " already"};
      case Errc::limit_exceeded:
        throw CommandExit{1, user.email + " has " + std::to_string(domain::kMaxTokensPerUser) +
                                 " tokens, the most there may be: revoke one first"};
      default:
        throw CommandExit{1, made.error().message};
    }
  }
  std::fprintf(stderr, "created %s token %s for %s, expires %s; it is shown only now\n",
               store::to_string(made->record.scope), made->record.name.c_str(), user.email.c_str(),
               utc_minute_or(made->record.expires_at, "never").c_str());
  std::printf("%s\n", made->token.c_str());
}

void list_tokens(const GlobalOptions& global, const TokenCommandOptions& options) {
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  auto tokens = store->list_tokens(user.id);
  if (!tokens) throw CommandExit{1, tokens.error().message};
  const EpochMs now = now_epoch_ms();
  std::printf("%-6s %-32s %-6s %-21s %-21s %s\n", "ID", "NAME", "SCOPE", "CREATED", "LAST USED", "EXPIRES");
  for (const auto& token : *tokens) {
    const std::string expires =
        utc_minute_or(token.expires_at, "never") + (token.expired(now) ? " (expired)" : "");
    std::printf("%-6lld %-32s %-6s %-21s %-21s %s\n", static_cast<long long>(token.id), token.name.c_str(),
                store::to_string(token.scope), utc_minute_or(token.created_at, "").c_str(),
                utc_minute_or(token.last_used_at, "never").c_str(), expires.c_str());
  }
}

void revoke_token(const GlobalOptions& global, const TokenCommandOptions& options) {
  auto store = open_store(global);
  const store::User user = find_user(*store, options.user);
  if (auto revoked = store->revoke_token(user.id, options.name); !revoked) {
    if (revoked.error().code == Errc::not_found) {
      throw CommandExit{1,
                        user.email + " has no token named " + options.name + " (see semaphore token list)"};
    }
    throw CommandExit{1, revoked.error().message};
  }
  std::printf("revoked token %s of %s\n", options.name.c_str(), user.email.c_str());
}

}  // namespace

void add_token_commands(CLI::App& app, const GlobalOptions& global) {
  auto* token = app.add_subcommand("token", "manage users' API tokens");
  token->require_subcommand(1);
  auto options = std::make_shared<TokenCommandOptions>();

  auto* create = token->add_subcommand("create", "make an API token and print it (only it) on stdout");
  create->add_option("--user", options->user, "the owner's email")->required();
  create->add_option("--name", options->name, "the token's name, unique per user (1-64 characters)")
      ->required();
  create->add_option("--scope", options->scope, "read (GET only) or write")
      ->check(CLI::IsMember({"read", "write"}))
      ->capture_default_str();
  create->add_option("--expires", options->expires, "lifetime, e.g. 90d or 12h (default: never expires)");
  create->callback([&global, options] { create_token(global, *options); });

  auto* list = token->add_subcommand("list", "list a user's tokens");
  list->add_option("--user", options->user, "the owner's email")->required();
  list->callback([&global, options] { list_tokens(global, *options); });

  auto* revoke = token->add_subcommand("revoke", "revoke a user's token: it stops working at once");
  revoke->add_option("--user", options->user, "the owner's email")->required();
  revoke->add_option("name", options->name, "the token's name")->required();
  revoke->callback([&global, options] { revoke_token(global, *options); });
}

}  // namespace semaphore::cli
