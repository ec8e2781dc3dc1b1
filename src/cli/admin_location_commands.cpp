#include "cli/admin_location_commands.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/admin_output.h"
#include "cli/store_access.h"
#include "domain/locations.h"

namespace semaphore::cli {
namespace {

struct LocationCommandOptions {
  std::string name;
  std::string new_name;
  std::optional<std::string> label;
};

// A refusal from domain/locations.h as the exit it means: bad input 2, unknown or taken 1.
[[noreturn]] void refuse(const Error& error, int invalid_code) {
  switch (error.code) {
    case Errc::invalid_argument:
      throw CommandExit{invalid_code, error.message};
    case Errc::not_found:
      throw CommandExit{1, error.message + " (see semaphore location list)"};
    default:
      throw CommandExit{1, error.message};
  }
}

void add_location(const GlobalOptions& global, const LocationCommandOptions& options) {
  auto store = open_store(global);
  auto made = domain::create_location(*store, options.name, options.label.value_or(""), now_epoch_ms());
  if (!made) refuse(made.error(), 2);
  std::fprintf(stderr,
               "created location %s; its agent token follows, shown only now: it will not be shown again\n",
               made->location.name.c_str());
  std::printf("%s\n", made->token.c_str());
}

void list_locations(const GlobalOptions& global) {
  auto store = open_store(global);
  auto locations = store->list_locations();
  if (!locations) throw CommandExit{1, locations.error().message};
  const EpochMs now = now_epoch_ms();
  std::printf("%-32s %-24s %-5s %-21s %-10s %s\n", "NAME", "LABEL", "KIND", "LAST SEEN", "VERSION", "STATUS");
  for (const auto& location : *locations) {
    std::printf("%-32s %-24s %-5s %-21s %-10s %s\n", location.name.c_str(),
                location.label.empty() ? "-" : location.label.c_str(), domain::location_kind(location),
                utc_minute_or(location.last_seen_at, "never").c_str(),
                location.version.empty() ? "-" : location.version.c_str(),
                domain::to_string(domain::location_status(location, now)));
  }
}

void rename_location(const GlobalOptions& global, const LocationCommandOptions& options) {
  auto store = open_store(global);
  if (auto renamed = domain::rename_location(*store, options.name, options.new_name); !renamed) {
    refuse(renamed.error(), 2);
  }
  std::printf("renamed location %s to %s\n", options.name.c_str(),
              domain::normalize_location_name(options.new_name).value().c_str());
}

void set_location(const GlobalOptions& global, const LocationCommandOptions& options) {
  if (!options.label) throw CommandExit{2, "nothing to set: give --label TEXT"};
  auto store = open_store(global);
  if (auto set = domain::set_location_label(*store, options.name, *options.label); !set) {
    refuse(set.error(), 2);
  }
  std::printf("set the label of location %s\n", options.name.c_str());
}

void rotate_token(const GlobalOptions& global, const LocationCommandOptions& options) {
  auto store = open_store(global);
  auto token = domain::rotate_location_token(*store, options.name);
  if (!token) refuse(token.error(), 1);
  std::fprintf(stderr,
               "the old agent token of location %s no longer works; the new one follows, shown only now\n",
               options.name.c_str());
  std::printf("%s\n", token->c_str());
}

void remove_location(const GlobalOptions& global, const LocationCommandOptions& options) {
  auto store = open_store(global);
  if (auto removed = domain::remove_location(*store, options.name); !removed) refuse(removed.error(), 1);
  std::printf("removed location %s (its agent token no longer works)\n", options.name.c_str());
}

}  // namespace

void add_location_commands(CLI::App& app, const GlobalOptions& global) {
  auto* location = app.add_subcommand(
      "location",
      "manage the locations hosts are pinged from (issue 16; `local` is this server's ping service)");
  location->require_subcommand(1);
  auto options = std::make_shared<LocationCommandOptions>();

  auto* add = location->add_subcommand(
      "add", "make an agent location and print its agent token (only it) on stdout; it is shown only once");
  add->add_option("name", options->name, "the location's name: 1-32 of a-z, 0-9 and - (lower-cased)")
      ->required();
  add->add_option("--label", options->label, "free text shown beside the name, e.g. \"Frankfurt (Hetzner)\"");
  add->callback([&global, options] { add_location(global, *options); });

  auto* list = location->add_subcommand(
      "list",
      "list the locations: kind (local or agent), last seen, version, online or offline (silent for "
      "3 of its intervals, or never seen)");
  list->callback([&global] { list_locations(global); });

  auto* rename = location->add_subcommand("rename", "rename a location (local too)");
  rename->add_option("old", options->name, "its name now")->required();
  rename->add_option("new", options->new_name, "its new name")->required();
  rename->callback([&global, options] { rename_location(global, *options); });

  auto* set = location->add_subcommand("set", "change a location's label");
  set->add_option("name", options->name, "the location's name")->required();
  set->add_option("--label", options->label, "the new label (\"\" clears it)")->required();
  set->callback([&global, options] { set_location(global, *options); });

  auto* rotate = location->add_subcommand(
      "rotate-token",
      "give an agent location a new token, printed (only it) on stdout once; the old one stops working at "
      "once");
  rotate->add_option("name", options->name, "the location's name")->required();
  rotate->callback([&global, options] { rotate_token(global, *options); });

  auto* remove = location->add_subcommand(
      "remove",
      "remove a location; an agent's token stops working at once. The local ping service's location "
      "cannot be removed");
  remove->add_option("name", options->name, "the location's name")->required();
  remove->callback([&global, options] { remove_location(global, *options); });
}

}  // namespace semaphore::cli
