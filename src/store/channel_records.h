#pragma once
// Alert channels and their deliveries (issue 14) as the store keeps them: plain values, in the database's
// terms. The store never interprets a channel's kind-specific settings (`options`: JSON that src/alerts
// writes and reads) nor sends anything: src/alerts formats and delivers, the store keeps the outbox.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/alert_records.h"
#include "store/records.h"

namespace semaphore::store {

// Where a user's notifications go (table alert_channels).
struct ChannelRecord {
  Id id = 0;  // assigned by the store
  Id user_id = 0;
  std::string name;  // 1-64 printable characters, unique per user
  std::string kind;  // webhook | slack | discord | ntfy | email
  std::string url;   // http(s) URL; email: smtp://host[:port] or smtps://host[:port]
  // webhook: the HMAC-SHA256 signing secret (shown once when created, kept to sign every delivery);
  // email: the SMTP password (empty: no login). Stored as given: it must be usable, not only checkable.
  std::string secret;
  std::string options;  // kind-specific settings as JSON (e-mail from/to, SMTP user and TLS mode, ...)
  // What the channel covers; empty = everything. A notification is written for an event when its host's id
  // is in host_ids (or host_ids is empty) and its provider is in providers (or ...) and its new state is in
  // states (or ...).
  std::vector<Id> host_ids;
  std::vector<std::string> providers;  // core/provider.h names (AWS, GCP, Azure, Other), in any case
  std::vector<std::string> states;     // alert state words: up, degraded, down, flapping, ...
  bool enabled = true;
  EpochMs created_at = 0;
  EpochMs updated_at = 0;
};

// A channel's delivery status, for /alerts and the API (kept on the channel's row by the dispatcher).
struct ChannelStatus {
  std::optional<EpochMs> last_attempt_at;
  std::optional<EpochMs> last_success_at;
  std::string last_error;                // of the latest failed attempt; empty after a success
  std::optional<EpochMs> failing_since;  // the first failure since the last success
  bool failing = false;                  // failing_since is 24 h or more ago: the owner is told on /alerts
  std::int64_t pending = 0;              // deliveries not yet made (being retried or waiting their turn)
};

struct ChannelWithStatus {
  ChannelRecord channel;
  ChannelStatus status;
};

// The host as a notification shows it.
struct NotifiedHost {
  Id id = 0;
  std::string hostname;
  std::string provider;  // core/provider.h name, as hosts store it: AWS, GCP, Azure, Other
  std::string service;
  std::string label;
};

// The location a location's event is about (issue 16): it went offline or came back.
struct NotifiedLocation {
  Id id = 0;
  std::string name;
  std::string label;
  std::optional<EpochMs> last_seen_at;  // when it was last heard from, as the event was recorded
};

// One notification of one event to one channel (table alert_outbox), with what sending it needs. Either a
// host's event (`host` set, `location` nullopt) or a location's (migration 016): then `location` is set,
// `host` is empty and `event` holds the location event's id and time, to_state "offline" or "online",
// from_state the other one, trigger "location", no figures.
struct Delivery {
  Id id = 0;  // the outbox row: ascending ids are the channel's order
  Id channel_id = 0;
  AlertEventRecord event;
  NotifiedHost host;
  std::optional<NotifiedLocation> location;
  int attempts = 0;  // failed attempts so far
  EpochMs created_at = 0;
  EpochMs next_attempt_at = 0;
};

// One row of a channel's outbox as /alerts and the API show it (AlertStore::channel_deliveries).
struct DeliveryRecord {
  Id id = 0;
  Id channel_id = 0;
  // What was (or is to be) sent. A location's event (migration 016): host_id 0, trigger "location",
  // to_state "offline" or "online", locations {its name}, reason what it means for the hosts.
  AlertEventRecord event;
  std::string status;  // pending | delivered | abandoned
  int attempts = 0;    // failed attempts so far
  EpochMs created_at = 0;
  EpochMs next_attempt_at = 0;         // pending: when the next attempt is due
  std::optional<EpochMs> finished_at;  // delivered or abandoned: when
  std::string last_error;              // of the latest failed attempt
};

// A channel claimed by one dispatcher, with its oldest undelivered notifications in order. While the claim
// holds (until `claimed_until`), no other dispatcher takes the channel: one delivery in flight per channel.
struct ChannelClaim {
  ChannelRecord channel;
  std::vector<Delivery> deliveries;  // oldest first; the first one is due
  EpochMs claimed_until = 0;
};

}  // namespace semaphore::store
