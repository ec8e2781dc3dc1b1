// SociStore's alert channels (AlertStore) and outbox (NotificationStore), issue 14, and the outbox rows the
// result writer's transaction adds for the events it records (write_outbox, called by evaluate_chunk in
// soci_store_alerts.cpp). Every user-facing query is scoped by user_id; the dispatcher's are scoped by its
// claim (claimed_by) instead.
#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <type_traits>

#include "core/ascii.h"
#include "store/alert_rows.h"
#include "store/rows.h"
#include "store/soci_store.h"

namespace semaphore::store {
namespace {

constexpr EpochMs kFailingAfterMs = 24 * 3600 * 1000LL;  // channel_records.h ChannelStatus::failing
constexpr std::size_t kMaxErrorBytes = 1000;             // last_error is for people: a line, not a body

constexpr const char* kChannelColumns =
    "c.id, c.user_id, c.name, c.kind, c.url, c.secret, c.options, c.host_ids, c.providers, c.states, "
    "c.enabled, c.created_at, c.updated_at, c.last_attempt_at, c.last_success_at, c.last_error, "
    "c.failing_since";

// "a,b,c" <-> {"a", "b", "c"}: alert_channels.host_ids, providers and states ('' = everything).
template <class Items>
std::string join_list(const Items& items) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += ',';
    if constexpr (std::is_integral_v<std::decay_t<decltype(item)>>) {
      text += std::to_string(item);
    } else {
      text += item;
    }
  }
  return text;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

std::vector<Id> split_ids(const std::string& text) {
  std::vector<Id> ids;
  for (const std::string& word : split_words(text)) {
    long long id = 0;
    auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), id);
    if (error == std::errc() && end == word.data() + word.size()) ids.push_back(id);
  }
  return ids;
}

// The error text cut to kMaxErrorBytes, at a UTF-8 character boundary.
std::string bounded(const std::string& error) {
  if (error.size() <= kMaxErrorBytes) return error;
  std::size_t end = kMaxErrorBytes;
  while (end > 0 && (static_cast<unsigned char>(error[end]) & 0xC0) == 0x80) --end;
  return error.substr(0, end);
}

// The row buffers SOCI fills for kChannelColumns (and the channel's pending count when asked).
struct ChannelRow {
  long long id = 0, user_id = 0, created_at = 0, updated_at = 0;
  std::string name, kind, url, secret, options, host_ids, providers, states, last_error;
  int enabled = 1;
  Nullable<long long> last_attempt_at, last_success_at, failing_since;
  long long pending = 0;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(kind));
    st.exchange(soci::into(url));
    st.exchange(soci::into(secret));
    st.exchange(soci::into(options));
    st.exchange(soci::into(host_ids));
    st.exchange(soci::into(providers));
    st.exchange(soci::into(states));
    st.exchange(soci::into(enabled));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
    st.exchange(last_attempt_at.into());
    st.exchange(last_success_at.into());
    st.exchange(soci::into(last_error));
    st.exchange(failing_since.into());
  }
  ChannelRecord channel() const {
    ChannelRecord c;
    c.id = id;
    c.user_id = user_id;
    c.name = name;
    c.kind = kind;
    c.url = url;
    c.secret = secret;
    c.options = options;
    c.host_ids = split_ids(host_ids);
    c.providers = split_words(providers);
    c.states = split_words(states);
    c.enabled = enabled != 0;
    c.created_at = created_at;
    c.updated_at = updated_at;
    return c;
  }
  ChannelWithStatus with_status(EpochMs now) const {
    ChannelWithStatus out{channel(), {}};
    out.status.last_attempt_at = last_attempt_at.get();
    out.status.last_success_at = last_success_at.get();
    out.status.last_error = last_error;
    out.status.failing_since = failing_since.get();
    out.status.failing = out.status.failing_since && *out.status.failing_since <= now - kFailingAfterMs;
    out.status.pending = pending;
    return out;
  }
};

// The channel's pending count, after kChannelColumns (the partial index alert_outbox_pending answers it).
constexpr const char* kPendingColumn =
    ", (SELECT COUNT(*) FROM alert_outbox p WHERE p.channel_id = c.id AND p.status = 'pending')";

// The values a channel's INSERT and UPDATE bind.
struct ChannelValues {
  long long user_id = 0, created_at = 0, updated_at = 0;
  std::string host_ids, providers, states;
  int enabled = 1;

  explicit ChannelValues(const ChannelRecord& c)
      : user_id(c.user_id),
        created_at(c.created_at),
        updated_at(c.updated_at),
        host_ids(join_list(c.host_ids)),
        providers(join_list(c.providers)),
        states(join_list(c.states)),
        enabled(c.enabled ? 1 : 0) {}
};

bool channel_belongs_to(soci::session& sql, long long user_id, long long channel_id) {
  long long found = 0;
  sql << "SELECT COUNT(*) FROM alert_channels WHERE id = :c AND user_id = :u", soci::use(channel_id),
      soci::use(user_id), soci::into(found);
  return found > 0;
}

Error no_such_channel() {
  return make_error(Errc::not_found, "no such channel");
}

// The dispatcher no longer holds the delivery's channel (or the delivery is not pending).
Error not_claimed() {
  return make_error(Errc::not_found, "the delivery is not pending under this worker's claim");
}

Status done_or(const Result<bool>& done) {
  if (!done) return done.error();
  return {};
}

int clamp_limit(int limit) {
  return std::clamp(limit, 1, 1000);
}

}  // namespace

// --- channels ---

Result<ChannelRecord> SociStore::add_channel(const ChannelRecord& input, std::int64_t max_per_user) {
  return with_session<ChannelRecord>("add channel", [&](soci::session& sql) -> Result<ChannelRecord> {
    WriteTransaction transaction(sql, *dialect_);
    // As create_token: the user's row lock makes one user's concurrent additions take turns, so the count
    // stays true until COMMIT.
    const long long user = input.user_id;
    if (!dialect_->lock_user(sql, user)) return make_error(Errc::not_found, "no such user");
    long long count = 0;
    sql << "SELECT COUNT(*) FROM alert_channels WHERE user_id = :u", soci::use(user), soci::into(count);
    if (count >= max_per_user) {
      return make_error(Errc::limit_exceeded,
                        "the limit of " + std::to_string(max_per_user) + " channels is reached");
    }
    ChannelRecord channel = input;
    channel.created_at = channel.updated_at = now_epoch_ms();
    ChannelValues values(channel);
    long long id = 0;
    soci::indicator id_indicator = soci::i_null;
    // ON CONFLICT DO NOTHING rather than a failed INSERT, which would abort a PostgreSQL transaction.
    sql << "INSERT INTO alert_channels (user_id, name, kind, url, secret, options, host_ids, providers, "
           "states, "
           "enabled, created_at, updated_at) VALUES (:u, :n, :k, :url, :s, :o, :h, :p, :st, :e, :c, :up) "
           "ON CONFLICT DO NOTHING RETURNING id",
        soci::use(values.user_id), soci::use(channel.name), soci::use(channel.kind), soci::use(channel.url),
        soci::use(channel.secret), soci::use(channel.options), soci::use(values.host_ids),
        soci::use(values.providers), soci::use(values.states), soci::use(values.enabled),
        soci::use(values.created_at), soci::use(values.updated_at), soci::into(id, id_indicator);
    if (!sql.got_data() || id_indicator != soci::i_ok) {
      return make_error(Errc::duplicate, "a channel named " + channel.name + " exists already");
    }
    transaction.commit();
    channel.id = id;
    return channel;
  });
}

Status SociStore::update_channel(const ChannelRecord& input) {
  return done_or(with_session<bool>("update channel", [&](soci::session& sql) -> Result<bool> {
    WriteTransaction transaction(sql, *dialect_);
    ChannelRecord channel = input;
    channel.updated_at = now_epoch_ms();
    ChannelValues values(channel);
    const long long id = channel.id;
    if (!channel_belongs_to(sql, values.user_id, id)) return no_such_channel();
    long long clashes = 0;
    sql << "SELECT COUNT(*) FROM alert_channels WHERE user_id = :u AND name = :n AND id <> :i",
        soci::use(values.user_id), soci::use(channel.name), soci::use(id), soci::into(clashes);
    if (clashes > 0)
      return make_error(Errc::duplicate, "a channel named " + channel.name + " exists already");
    sql << "UPDATE alert_channels SET name = :n, kind = :k, url = :url, secret = :s, options = :o, host_ids "
           "= "
           ":h, providers = :p, states = :st, enabled = :e, updated_at = :up WHERE id = :i AND user_id = :u",
        soci::use(channel.name), soci::use(channel.kind), soci::use(channel.url), soci::use(channel.secret),
        soci::use(channel.options), soci::use(values.host_ids), soci::use(values.providers),
        soci::use(values.states), soci::use(values.enabled), soci::use(values.updated_at), soci::use(id),
        soci::use(values.user_id);
    transaction.commit();
    return true;
  }));
}

Status SociStore::delete_channel(Id user_id, Id channel_id) {
  return done_or(with_session<bool>("delete channel", [&](soci::session& sql) -> Result<bool> {
    const long long user = user_id, id = channel_id;
    soci::statement st = (sql.prepare << "DELETE FROM alert_channels WHERE id = :i AND user_id = :u",
                          soci::use(id), soci::use(user));
    st.execute(true);
    if (st.get_affected_rows() == 0) return no_such_channel();
    return true;
  }));
}

Result<ChannelWithStatus> SociStore::find_channel(Id user_id, Id channel_id) {
  return with_session<ChannelWithStatus>(
      "find channel", [&](soci::session& sql) -> Result<ChannelWithStatus> {
        const long long user = user_id, id = channel_id;
        const EpochMs now = now_epoch_ms();
        ChannelRow row;
        std::optional<ChannelWithStatus> found;
        for_each_row(
            sql, row,
            std::string("SELECT ") + kChannelColumns + kPendingColumn +
                " FROM alert_channels c WHERE c.id = :i AND c.user_id = :u",
            [&](soci::statement& st) {
              st.exchange(soci::into(row.pending));
              st.exchange(soci::use(id));
              st.exchange(soci::use(user));
            },
            [&] { found = row.with_status(now); });
        if (!found) return no_such_channel();
        return *found;
      });
}

Result<std::vector<ChannelWithStatus>> SociStore::list_channels(Id user_id) {
  using Out = std::vector<ChannelWithStatus>;
  return with_session<Out>("list channels", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id;
    const EpochMs now = now_epoch_ms();
    ChannelRow row;
    Out channels;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kChannelColumns + kPendingColumn +
            " FROM alert_channels c WHERE c.user_id = :u ORDER BY c.id",
        [&](soci::statement& st) {
          st.exchange(soci::into(row.pending));
          st.exchange(soci::use(user));
        },
        [&] { channels.push_back(row.with_status(now)); });
    return channels;
  });
}

namespace {

// A channel's outbox row for /alerts: o.id, o.channel_id, o.status, o.attempts, o.created_at,
// o.next_attempt_at, o.finished_at, o.last_error, then the event's columns: kEventColumns (EventRow) for a
// host's event, kLocationEventColumns (LocationEventRow) for a location's.
template <class Event>
struct DeliveryRowOf {
  long long id = 0, channel_id = 0, created_at = 0, next_attempt_at = 0;
  std::string status, last_error;
  int attempts = 0;
  Nullable<long long> finished_at;
  Event event;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(channel_id));
    st.exchange(soci::into(status));
    st.exchange(soci::into(attempts));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(next_attempt_at));
    st.exchange(finished_at.into());
    st.exchange(soci::into(last_error));
    event.bind(st);
  }
  DeliveryRecord take() const {
    DeliveryRecord d;
    d.id = id;
    d.channel_id = channel_id;
    d.event = event.take();
    d.status = status;
    d.attempts = attempts;
    d.created_at = created_at;
    d.next_attempt_at = next_attempt_at;
    d.finished_at = finished_at.get();
    d.last_error = last_error;
    return d;
  }
};
using DeliveryRow = DeliveryRowOf<EventRow>;

// A delivery for the dispatcher: o.id, o.channel_id, o.attempts, o.created_at, o.next_attempt_at, then
// what it is about (`About`: HostEventRow or LocationEventRow), which fills in its part of the Delivery.
template <class About>
struct ClaimedRowOf {
  long long id = 0, channel_id = 0, created_at = 0, next_attempt_at = 0;
  int attempts = 0;
  About about;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(channel_id));
    st.exchange(soci::into(attempts));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(next_attempt_at));
    about.bind(st);
  }
  Delivery take() const {
    Delivery d;
    d.id = id;
    d.channel_id = channel_id;
    about.fill(d);
    d.attempts = attempts;
    d.created_at = created_at;
    d.next_attempt_at = next_attempt_at;
    return d;
  }
};

// A host's event: kEventColumns, then the host's h.id, h.hostname, h.provider, h.service, h.label.
struct HostEventRow {
  EventRow event;
  long long host_id = 0;
  std::string hostname, provider, service, label;

  void bind(soci::statement& st) {
    event.bind(st);
    st.exchange(soci::into(host_id));
    st.exchange(soci::into(hostname));
    st.exchange(soci::into(provider));
    st.exchange(soci::into(service));
    st.exchange(soci::into(label));
  }
  void fill(Delivery& d) const {
    d.event = event.take();
    d.host = NotifiedHost{host_id, hostname, provider, service, label};
  }
};
using ClaimedRow = ClaimedRowOf<HostEventRow>;

// A location's event (migration 016) as a notification carries it: the event's id and time, its kind as
// the new state and the other kind as the old, trigger "location", no figures.
AlertEventRecord location_event_record(long long id, long long at, const std::string& kind,
                                       const std::string& location_name) {
  AlertEventRecord event;
  event.id = id;
  event.at = at;
  event.to_state = kind;
  event.from_state = kind == "offline" ? "online" : "offline";
  event.trigger = "location";
  // What it means for the hosts: a silent location's votes no longer count (alerts/quorum.h).
  event.reason = kind == "offline" ? "no round from location " + location_name +
                                         " for 3 of its intervals; its hosts are judged by the other "
                                         "locations until it is back"
                                   : "location " + location_name + " reports again";
  event.quiet = "no";
  event.locations = {location_name};
  return event;
}

// A location event's columns (after the outbox row's) and the joins that bring them.
constexpr const char* kLocationEventColumns = "le.id, le.at, le.kind, l.id, l.name, l.label, le.last_seen_at";
constexpr const char* kLocationEventJoin =
    " JOIN location_events le ON le.id = o.location_event_id JOIN locations l ON l.id = le.location_id";

struct LocationEventRow {
  long long id = 0, at = 0, location_id = 0;
  std::string kind, name, label;
  Nullable<long long> last_seen_at;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(at));
    st.exchange(soci::into(kind));
    st.exchange(soci::into(location_id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(label));
    st.exchange(last_seen_at.into());
  }
  AlertEventRecord take() const { return location_event_record(id, at, kind, name); }
  void fill(Delivery& d) const {
    d.event = take();
    d.location = NotifiedLocation{location_id, name, label, last_seen_at.get()};
  }
};

using LocationDeliveryRow = DeliveryRowOf<LocationEventRow>;
using ClaimedLocationRow = ClaimedRowOf<LocationEventRow>;

}  // namespace

Result<std::vector<DeliveryRecord>> SociStore::channel_deliveries(Id user_id, Id channel_id, int limit) {
  using Out = std::vector<DeliveryRecord>;
  return with_session<Out>("list deliveries", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id, id = channel_id, most = clamp_limit(limit);
    if (!channel_belongs_to(sql, user, id)) return no_such_channel();
    // The hosts' events and the locations' (migration 016), each the newest `most`, then merged.
    constexpr const char* kOutboxColumns =
        "SELECT o.id, o.channel_id, o.status, o.attempts, o.created_at, o.next_attempt_at, o.finished_at, "
        "o.last_error, ";
    const auto bind_uses = [&](soci::statement& st) {
      st.exchange(soci::use(id));
      st.exchange(soci::use(most));
    };
    DeliveryRow row;
    Out deliveries;
    for_each_row(sql, row,
                 std::string(kOutboxColumns) + kEventColumns +
                     " FROM alert_outbox o JOIN alert_events e ON e.id = o.event_id WHERE o.channel_id = :c "
                     "ORDER BY o.id DESC LIMIT :l",
                 bind_uses, [&] { deliveries.push_back(row.take()); });
    LocationDeliveryRow location_row;
    for_each_row(sql, location_row,
                 std::string(kOutboxColumns) + kLocationEventColumns + " FROM alert_outbox o" +
                     kLocationEventJoin + " WHERE o.channel_id = :c ORDER BY o.id DESC LIMIT :l",
                 bind_uses, [&] { deliveries.push_back(location_row.take()); });
    std::sort(deliveries.begin(), deliveries.end(),
              [](const DeliveryRecord& a, const DeliveryRecord& b) { return a.id > b.id; });
    if (deliveries.size() > static_cast<std::size_t>(most)) deliveries.resize(static_cast<std::size_t>(most));
    return deliveries;
  });
}

// --- the outbox, in the result writer's transaction ---

std::map<Id, std::vector<ChannelRecord>> SociStore::load_enabled_channels(soci::session& sql,
                                                                          const std::string& user_ids) {
  std::map<Id, std::vector<ChannelRecord>> channels;
  ChannelRow row;
  for_each_row(
      sql, row,
      std::string("SELECT ") + kChannelColumns + " FROM alert_channels c WHERE c.user_id IN (" + user_ids +
          ") AND c.enabled = 1 ORDER BY c.id",
      [](soci::statement&) {}, [&] { channels[row.user_id].push_back(row.channel()); });
  return channels;
}

namespace {

template <class T>
bool covers(const std::vector<T>& list, const T& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

// Provider names as hosts store them (core/provider.h: AWS, GCP, Azure, Other), in any case.
bool covers_provider(const std::vector<std::string>& list, const std::string& provider) {
  const auto same = [&](const std::string& word) { return iequals_ascii(word, provider); };
  return list.empty() || std::any_of(list.begin(), list.end(), same);
}

}  // namespace

void SociStore::write_outbox(soci::session& sql,
                             const std::map<Id, std::vector<ChannelRecord>>& channels_by_user,
                             const std::map<Id, std::string>& provider_of_host,
                             const std::vector<AlertEventRecord>& events) {
  long long channel_id = 0, event_id = 0, user_id = 0, next_attempt_at = 0;
  const long long created_at = now_epoch_ms();
  std::optional<soci::statement> insert;  // prepared at the first row, then reused
  for (const AlertEventRecord& event : events) {
    auto channels = channels_by_user.find(event.user_id);
    if (channels == channels_by_user.end()) continue;
    auto provider = provider_of_host.find(event.host_id);
    const std::string& provider_word = provider == provider_of_host.end() ? std::string() : provider->second;
    for (const ChannelRecord& channel : channels->second) {
      if (!covers(channel.host_ids, event.host_id) || !covers_provider(channel.providers, provider_word) ||
          !covers(channel.states, event.to_state)) {
        continue;
      }
      if (!insert) {
        insert.emplace(
            (sql.prepare << "INSERT INTO alert_outbox (channel_id, event_id, user_id, status, attempts, "
                            "next_attempt_at, created_at) VALUES (:c, :e, :u, 'pending', 0, :n, :t) "
                            "ON CONFLICT (event_id, channel_id) DO NOTHING",
             soci::use(channel_id), soci::use(event_id), soci::use(user_id), soci::use(next_attempt_at),
             soci::use(created_at)));
      }
      channel_id = channel.id;
      event_id = event.id;
      user_id = event.user_id;
      // An event waiting for its path is due once the path is attached (insert_path) or after the wait.
      next_attempt_at =
          event.awaits_path ? std::max<long long>(event.at, created_at + kNotificationPathWaitMs) : event.at;
      insert->execute(true);
    }
  }
}

// --- the dispatcher's side ---

Result<std::vector<ChannelClaim>> SociStore::claim_channels(const ClaimRequest& request) {
  using Out = std::vector<ChannelClaim>;
  if (request.worker_id.empty()) return make_error(Errc::invalid_argument, "a claim needs a worker id");
  return with_session<Out>("claim channels", [&](soci::session& sql) -> Result<Out> {
    WriteTransaction transaction(sql, *dialect_);
    const long long now = request.now, until = request.claim_until,
                    most = std::clamp(request.max_channels, 1, 1000),
                    per_channel = std::clamp(request.per_channel, 1, 1000);
    // The channels whose oldest pending row is due and that no live claim holds, the longest-waiting first.
    // On PostgreSQL the channel rows are locked as they are read, skipping those another claimer is taking
    // right now; the UPDATE's own check is then the one SQLite relies on (its transaction is the only
    // writer).
    std::vector<long long> candidates;
    {
      long long id = 0;
      soci::statement st =
          (sql.prepare
               << "SELECT c.id FROM (SELECT channel_id, MIN(id) AS first_id FROM alert_outbox WHERE "
                  "status = 'pending' GROUP BY channel_id) f JOIN alert_outbox o ON o.id = f.first_id "
                  "JOIN alert_channels c ON c.id = f.channel_id WHERE c.enabled = 1 AND "
                  "c.claimed_until <= :n AND o.next_attempt_at <= :n2 ORDER BY f.first_id LIMIT :k" +
                      dialect_->lock_rows_skip_locked("c"),
           soci::use(now), soci::use(now), soci::use(most), soci::into(id));
      if (st.execute(true)) {
        do candidates.push_back(id);
        while (st.fetch());
      }
    }
    std::vector<long long> claimed;
    {
      long long id = 0;
      soci::statement st =
          (sql.prepare << "UPDATE alert_channels SET claimed_by = :w, claimed_until = :u WHERE id = :i AND "
                          "claimed_until <= :n",
           soci::use(request.worker_id), soci::use(until), soci::use(id), soci::use(now));
      for (long long candidate : candidates) {
        id = candidate;
        st.execute(true);
        if (st.get_affected_rows() == 1) claimed.push_back(candidate);
      }
    }
    Out claims;
    if (claimed.empty()) {
      transaction.commit();
      return claims;
    }
    std::string ids;
    for (long long id : claimed) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    std::map<Id, ChannelRecord> channels;
    {
      ChannelRow row;
      for_each_row(
          sql, row,
          std::string("SELECT ") + kChannelColumns + " FROM alert_channels c WHERE c.id IN (" + ids + ")",
          [](soci::statement&) {}, [&] { channels[row.id] = row.channel(); });
    }
    // Each channel's oldest `per_channel` pending rows: the hosts' events, then the locations' (migration
    // 016), merged back into the channel's order.
    std::map<Id, std::vector<Delivery>> deliveries;
    {
      const std::string oldest_pending =
          "SELECT o.id, o.channel_id, o.attempts, o.created_at, o.next_attempt_at, {} FROM (SELECT id, "
          "ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY id) AS rn FROM alert_outbox WHERE status = "
          "'pending' AND channel_id IN (" +
          ids + ")) r JOIN alert_outbox o ON o.id = r.id";
      const auto with_columns = [&](const std::string& columns) {
        std::string query = oldest_pending;
        query.replace(query.find("{}"), 2, columns);
        return query;
      };
      const auto bind_uses = [&](soci::statement& st) { st.exchange(soci::use(per_channel)); };
      ClaimedRow row;
      for_each_row(
          sql, row,
          with_columns(std::string(kEventColumns) + ", h.id, h.hostname, h.provider, h.service, h.label") +
              " JOIN alert_events e ON e.id = o.event_id JOIN hosts h ON h.id = e.host_id WHERE r.rn "
              "<= :p",
          bind_uses, [&] { deliveries[row.channel_id].push_back(row.take()); });
      ClaimedLocationRow location_row;
      for_each_row(sql, location_row,
                   with_columns(kLocationEventColumns) + kLocationEventJoin + " WHERE r.rn <= :p", bind_uses,
                   [&] { deliveries[location_row.channel_id].push_back(location_row.take()); });
      for (auto& [channel, list] : deliveries) {
        std::sort(list.begin(), list.end(), [](const Delivery& a, const Delivery& b) { return a.id < b.id; });
      }
    }
    transaction.commit();
    for (long long id : claimed) {
      auto channel = channels.find(id);
      if (channel == channels.end()) continue;
      claims.push_back(
          ChannelClaim{std::move(channel->second), std::move(deliveries[id]), request.claim_until});
    }
    return claims;
  });
}

Status SociStore::delivery_succeeded(const std::string& worker_id, Id delivery_id, EpochMs at) {
  if (worker_id.empty()) return not_claimed();
  return done_or(with_session<bool>("record delivery", [&](soci::session& sql) -> Result<bool> {
    WriteTransaction transaction(sql, *dialect_);
    const long long id = delivery_id, when = at;
    // The channel's row first: its UPDATE locks the row (a claimer skips it meanwhile) and checks that the
    // claim is still this worker's on the row's latest version.
    soci::statement channel =
        (sql.prepare
             << "UPDATE alert_channels SET last_attempt_at = :a, last_success_at = :a2, last_error = '', "
                "failing_since = NULL WHERE claimed_by = :w AND id = (SELECT channel_id FROM "
                "alert_outbox WHERE id = :d AND status = 'pending')",
         soci::use(when), soci::use(when), soci::use(worker_id), soci::use(id));
    channel.execute(true);
    if (channel.get_affected_rows() != 1) return not_claimed();
    sql << "UPDATE alert_outbox SET status = 'delivered', finished_at = :a WHERE id = :d AND status = "
           "'pending'",
        soci::use(when), soci::use(id);
    transaction.commit();
    return true;
  }));
}

Status SociStore::delivery_failed(const std::string& worker_id, Id delivery_id, EpochMs at,
                                  const std::string& error, std::optional<EpochMs> retry_at) {
  if (worker_id.empty()) return not_claimed();
  return done_or(with_session<bool>("record delivery failure", [&](soci::session& sql) -> Result<bool> {
    WriteTransaction transaction(sql, *dialect_);
    const long long id = delivery_id, when = at;
    const std::string text = bounded(error);
    soci::statement channel =
        (sql.prepare << "UPDATE alert_channels SET last_attempt_at = :a, last_error = :e, failing_since = "
                        "COALESCE(failing_since, :a2) WHERE claimed_by = :w AND id = (SELECT channel_id FROM "
                        "alert_outbox WHERE id = :d AND status = 'pending')",
         soci::use(when), soci::use(text), soci::use(when), soci::use(worker_id), soci::use(id));
    channel.execute(true);
    if (channel.get_affected_rows() != 1) return not_claimed();
    if (retry_at) {
      const long long next = *retry_at;
      sql << "UPDATE alert_outbox SET attempts = attempts + 1, last_error = :e, next_attempt_at = :n WHERE "
             "id "
             "= :d AND status = 'pending'",
          soci::use(text), soci::use(next), soci::use(id);
    } else {
      sql << "UPDATE alert_outbox SET status = 'abandoned', attempts = attempts + 1, last_error = :e, "
             "finished_at = :a WHERE id = :d AND status = 'pending'",
          soci::use(text), soci::use(when), soci::use(id);
    }
    transaction.commit();
    return true;
  }));
}

Status SociStore::release_channel(const std::string& worker_id, Id channel_id) {
  if (worker_id.empty()) return no_such_channel();
  return done_or(with_session<bool>("release channel", [&](soci::session& sql) -> Result<bool> {
    const long long id = channel_id;
    soci::statement st =
        (sql.prepare << "UPDATE alert_channels SET claimed_by = '', claimed_until = 0 WHERE id "
                        "= :i AND claimed_by = :w",
         soci::use(id), soci::use(worker_id));
    st.execute(true);
    if (st.get_affected_rows() == 0) return no_such_channel();
    return true;
  }));
}

Result<std::int64_t> SociStore::delete_finished_deliveries_before(EpochMs before, std::int64_t limit) {
  return with_session<std::int64_t>(
      "delete finished deliveries", [&](soci::session& sql) -> Result<std::int64_t> {
        const long long cutoff = before, most = std::max<std::int64_t>(0, limit);
        soci::statement st =
            (sql.prepare
                 << "DELETE FROM alert_outbox WHERE id IN (SELECT id FROM alert_outbox WHERE status <> "
                    "'pending' AND finished_at < :b ORDER BY finished_at LIMIT :l)",
             soci::use(cutoff), soci::use(most));
        st.execute(true);
        return static_cast<std::int64_t>(st.get_affected_rows());
      });
}

}  // namespace semaphore::store
