// SociStore's AlertStore (issue 14) and the alerts' part of the result writer's transaction
// (MonitorStore::insert_results_evaluated): load the context of the hosts that got new rows, hand it to the
// RoundEvaluator, write back states and events before the commit. Every user-facing query is scoped by
// user_id.
#include <algorithm>
#include <charconv>
#include <map>

#include "store/alert_rows.h"
#include "store/result_location.h"
#include "store/rows.h"
#include "store/soci_store.h"

namespace semaphore::store {

std::string join_times(const std::vector<EpochMs>& times) {
  std::string text;
  for (EpochMs t : times) text += (text.empty() ? "" : ",") + std::to_string(t);
  return text;
}

std::vector<EpochMs> split_times(const std::string& text) {
  std::vector<EpochMs> times;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    long long value = 0;
    auto [next, error] = std::from_chars(p, end, value);
    if (error != std::errc()) break;
    times.push_back(value);
    p = next < end && *next == ',' ? next + 1 : end;
  }
  return times;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ",") + name;
  return text;
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    if (comma > begin) names.push_back(text.substr(begin, comma - begin));
    begin = comma + 1;
  }
  return names;
}

namespace {

constexpr std::size_t kHostsPerQuery = 500;  // ids per IN list
constexpr EpochMs kHourMs = 3600 * 1000;
constexpr EpochMs kBaselineSpanMs = 7 * 24 * kHourMs;

bool host_belongs_to(soci::session& sql, long long user_id, long long host_id) {
  long long found = 0;
  sql << "SELECT COUNT(*) FROM hosts WHERE id = :h AND user_id = :u", soci::use(host_id), soci::use(user_id),
      soci::into(found);
  return found > 0;
}

Error no_such_host() {
  return make_error(Errc::not_found, "no such host");
}

template <class Ids>
std::string in_list(const Ids& ids) {
  std::string list;
  for (auto id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  return list;
}

int clamp_limit(int limit) {
  return std::clamp(limit, 1, 1000);
}

// The median of each host's hourly medians over [from, to) from `location`: the same window-function median
// as the rollups, of the host's main kind (tcp rollups for a tcp host, icmp for the others: a both host
// whose ICMP is filtered has no icmp medians, so no baseline).
std::map<Id, double> load_baselines(soci::session& sql, const std::vector<Id>& hosts, Id location,
                                    EpochMs from, EpochMs to) {
  std::map<Id, double> baselines;
  long long host_id = 0;
  double median = 0;
  soci::indicator indicator = soci::i_null;
  const long long lo = from, hi = to, where = location;
  soci::statement st =
      (sql.prepare
           << "WITH m AS (SELECT host_id, median_ms, ROW_NUMBER() OVER (PARTITION BY host_id ORDER BY "
              "median_ms) AS rn, COUNT(*) OVER (PARTITION BY host_id) AS cnt FROM ping_rollups "
              "WHERE host_id IN (" +
                  in_list(hosts) +
                  ") AND period_s = 3600 AND bucket_start >= :lo AND bucket_start < :hi AND location_id = :l "
                  "AND median_ms IS NOT NULL AND method = (SELECT CASE WHEN h.probe_method = 'tcp' THEN 1 "
                  "ELSE 0 END FROM "
                  "hosts h WHERE h.id = ping_rollups.host_id)) SELECT host_id, AVG(median_ms) FROM m WHERE "
                  "rn = (cnt + 1) / 2 OR rn = "
                  "(cnt + 2) / 2 GROUP BY host_id",
       soci::use(lo), soci::use(hi), soci::use(where), soci::into(host_id), soci::into(median, indicator));
  if (st.execute(true)) {
    do {
      if (indicator == soci::i_ok) baselines[host_id] = median;
    } while (st.fetch());
  }
  return baselines;
}

// The one measurement the alerts judge per host per round (issue 15): an icmp host's icmp row, a tcp
// host's tcp row; for a both host, its tcp row when ICMP got nothing back and TCP got answers (ICMP is
// filtered, the host is up: no alert), else its icmp row. Rows of the other kind (a host whose method
// changed, replayed later) are not judged. A both host's round is judged once both its rows are stored: in
// the transaction that inserts the second of them (the other one read back from ping_results), so that a
// round whose two rows fall into two batches is still judged once, on both.
void keep_effective_rounds(soci::session& sql, Id location, const std::map<Id, ProbeMethod>& methods,
                           std::map<Id, std::vector<RoundToEvaluate>>& rounds) {
  std::vector<Id> both_hosts;
  EpochMs lo = 0, hi = 0;
  for (auto& [host, list] : rounds) {
    const auto method = methods.find(host);
    if (method == methods.end()) continue;  // deleted meanwhile: nothing is evaluated for it
    if (method->second == ProbeMethod::both) {
      both_hosts.push_back(host);
      for (const RoundToEvaluate& round : list) {
        lo = lo == 0 ? round.round.ts : std::min(lo, round.round.ts);
        hi = std::max(hi, round.round.ts);
      }
      continue;
    }
    const ProbeKind kind = method->second == ProbeMethod::tcp ? ProbeKind::tcp : ProbeKind::icmp;
    std::erase_if(list, [kind](const RoundToEvaluate& round) { return round.round.method != kind; });
  }
  if (both_hosts.empty()) return;
  // Every row of those hosts from this location in the rounds' span, this batch's included (same
  // transaction).
  std::map<Id, std::map<EpochMs, std::pair<std::optional<PingResult>, std::optional<PingResult>>>> stored;
  ResultRow row;
  const long long from = lo, to = hi;
  for_each_row(
      sql, row,
      "SELECT " + result_columns("r") + " FROM ping_results r WHERE r.host_id IN (" + in_list(both_hosts) +
          ") AND " + sql_method_of_location("r.method", location) + " AND r.ts >= :f AND r.ts <= :t",
      [&](soci::statement& st) {
        st.exchange(soci::use(from));
        st.exchange(soci::use(to));
      },
      [&] {
        PingResult result = row.take();
        auto& pair = stored[result.host_id][result.ts];
        (result.method == ProbeKind::tcp ? pair.second : pair.first) = std::move(result);
      });
  for (Id host : both_hosts) {
    std::vector<RoundToEvaluate>& list = rounds[host];
    std::vector<RoundToEvaluate> effective;
    for (const RoundToEvaluate& round : list) {
      if (!effective.empty() && effective.back().round.ts == round.round.ts) continue;  // the round's pair
      const auto& pair = stored[host][round.round.ts];
      if (!pair.first || !pair.second) continue;  // the other row is yet to come: judged with it
      const bool icmp_filtered = pair.first->received == 0 && pair.second->received > 0;
      effective.push_back(RoundToEvaluate{icmp_filtered ? *pair.second : *pair.first, std::nullopt});
    }
    list = std::move(effective);
  }
}

// Every location by id, as a vote's template (name, interval, last heartbeat; the host's fields empty).
std::map<Id, LocationVoteRecord> load_registry(soci::session& sql) {
  std::map<Id, LocationVoteRecord> registry;
  long long id = 0, interval = 0, seen = 0;
  std::string name;
  soci::indicator seen_indicator = soci::i_null;
  soci::statement st =
      (sql.prepare << "SELECT id, name, interval_ms, last_seen_at FROM locations", soci::into(id),
       soci::into(name), soci::into(interval), soci::into(seen, seen_indicator));
  if (st.execute(true)) {
    do {
      LocationVoteRecord& location = registry[id];
      location.location_id = id;
      location.name = name;
      location.interval_ms = interval;
      location.last_seen_at = seen_indicator == soci::i_ok ? seen : 0;
    } while (st.fetch());
  }
  return registry;
}

// The hosts' state across locations and the other locations' votes into `contexts`. Where writers of
// several locations can meet (PostgreSQL), each host's alert_quorum row is made if missing and locked first,
// in id order: a second location's writer of the same host waits here until the first commits, then reads
// its vote — so two locations that lose a host in the same minute never both count the other as still up.
// With one location reporting (most installations) there is no other writer of another location to wait
// for, and the lock (a write to every locked row on PostgreSQL) is skipped.
void load_quorum_context(soci::session& sql, const Dialect& dialect, Id location, const std::string& ids,
                         const std::map<Id, LocationVoteRecord>& registry,
                         std::map<Id, HostAlertContext>& contexts) {
  const EpochMs now = now_epoch_ms();
  const auto reporting = std::count_if(registry.begin(), registry.end(), [&](const auto& entry) {
    const LocationVoteRecord& each = entry.second;
    return each.interval_ms > 0 && each.last_seen_at >= now - 3 * each.interval_ms;
  });
  const std::string lock = reporting > 1 ? dialect.lock_rows_for_update() : "";
  if (!lock.empty()) {
    sql << "INSERT INTO alert_quorum (host_id, shown, last_change_at) SELECT id, 'unknown', 0 FROM hosts "
           "WHERE id IN (" +
               ids + ") ORDER BY id ON CONFLICT (host_id) DO NOTHING";
  }
  {
    QuorumRow row;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kQuorumColumns + " FROM alert_quorum WHERE host_id IN (" + ids +
            ") ORDER BY host_id" + lock,
        [](soci::statement&) {},
        [&] {
          if (auto it = contexts.find(row.host_id); it != contexts.end()) it->second.quorum = row.take();
        });
  }
  long long host_id = 0, other = 0, last_round = 0;
  std::string shown;
  // A location switched off for the host (migration 015) has no say from the moment it is switched off.
  soci::statement st = (sql.prepare << "SELECT host_id, location_id, shown, last_round_at FROM alert_state a "
                                       "WHERE host_id IN (" +
                                           ids + ") AND location_id <> " + std::to_string(location) +
                                           " AND NOT EXISTS (SELECT 1 FROM host_location_exclusions x WHERE "
                                           "x.host_id = a.host_id AND x.location_id = a.location_id)",
                        soci::into(host_id), soci::into(other), soci::into(shown), soci::into(last_round));
  if (st.execute(true)) {
    do {
      const auto context = contexts.find(host_id);
      const auto known = registry.find(other);
      if (context == contexts.end() || known == registry.end()) continue;
      LocationVoteRecord vote = known->second;
      vote.shown = shown;
      vote.last_round_at = last_round;
      context->second.other_locations.push_back(std::move(vote));
    } while (st.fetch());
  }
}

}  // namespace

// --- rules ---

Result<std::optional<UserAlertRules>> SociStore::user_alert_rules(Id user_id) {
  using Out = std::optional<UserAlertRules>;
  return with_session<Out>("read alert rules", [&](soci::session& sql) -> Result<Out> {
    UserRulesRow row;
    const long long user = user_id;
    Out rules;
    for_each_row(
        sql, row, std::string("SELECT ") + kUserRulesColumns + " FROM alert_rules WHERE user_id = :u",
        [&](soci::statement& st) { st.exchange(soci::use(user)); }, [&] { rules = row.take(); });
    return rules;
  });
}

Status SociStore::set_user_alert_rules(Id user_id, const UserAlertRules& rules) {
  const long long user = user_id, window = rules.flap_window_s, now = now_epoch_ms();
  Nullable<double> median, baseline;
  median.set(rules.median_ms);
  baseline.set(rules.baseline_factor);
  Nullable<int> quorum;
  quorum.set(rules.quorum);
  auto done = with_session<bool>("store alert rules", [&](soci::session& sql) -> Result<bool> {
    WriteTransaction transaction(sql, *dialect_);
    long long found = 0;
    sql << "SELECT COUNT(*) FROM users WHERE id = :u", soci::use(user), soci::into(found);
    if (found == 0) return make_error(Errc::not_found, "no such user");
    sql << "INSERT INTO alert_rules (user_id, down_after, up_after, degraded_after, loss_percent, median_ms, "
           "baseline_factor, flap_changes, flap_window_s, quorum, updated_at) VALUES (:u, :d, :up, :dg, :l, "
           ":m, "
           ":b, :f, :w, :q, :t) ON CONFLICT (user_id) DO UPDATE SET down_after = excluded.down_after, "
           "up_after = "
           "excluded.up_after, degraded_after = excluded.degraded_after, loss_percent = "
           "excluded.loss_percent, "
           "median_ms = excluded.median_ms, baseline_factor = excluded.baseline_factor, flap_changes = "
           "excluded.flap_changes, flap_window_s = excluded.flap_window_s, quorum = excluded.quorum, "
           "updated_at = "
           "excluded.updated_at",
        soci::use(user), soci::use(rules.down_after), soci::use(rules.up_after),
        soci::use(rules.degraded_after), soci::use(rules.loss_percent),
        soci::use(median.value, median.indicator), soci::use(baseline.value, baseline.indicator),
        soci::use(rules.flap_changes), soci::use(window), soci::use(quorum.value, quorum.indicator),
        soci::use(now);
    transaction.commit();
    return true;
  });
  if (!done) return done.error();
  return {};
}

Result<HostAlertOverrides> SociStore::host_alert_overrides(Id user_id, Id host_id) {
  return with_session<HostAlertOverrides>(
      "read host alert rules", [&](soci::session& sql) -> Result<HostAlertOverrides> {
        const long long user = user_id, host = host_id;
        if (!host_belongs_to(sql, user, host)) return no_such_host();
        OverridesRow row;
        HostAlertOverrides overrides;
        for_each_row(
            sql, row, std::string("SELECT ") + kOverrideColumns + " FROM host_alert_rules WHERE host_id = :h",
            [&](soci::statement& st) { st.exchange(soci::use(host)); }, [&] { overrides = row.take(); });
        return overrides;
      });
}

Status SociStore::set_host_alert_overrides(Id user_id, Id host_id, const HostAlertOverrides& overrides) {
  auto done = with_session<bool>("store host alert rules", [&](soci::session& sql) -> Result<bool> {
    const long long user = user_id, host = host_id, now = now_epoch_ms();
    WriteTransaction transaction(sql, *dialect_);
    if (!host_belongs_to(sql, user, host)) return no_such_host();
    if (overrides.empty()) {
      sql << "DELETE FROM host_alert_rules WHERE host_id = :h", soci::use(host);
    } else {
      OverridesRow row;
      row.put(overrides);
      sql << "INSERT INTO host_alert_rules (host_id, down_after, up_after, degraded_after, loss_percent, "
             "median_ms, baseline_factor, flap_changes, flap_window_s, quorum, updated_at) VALUES (:h, :d, "
             ":up, "
             ":dg, :l, :m, :b, :f, :w, :q, :t) ON CONFLICT (host_id) DO UPDATE SET down_after = "
             "excluded.down_after, "
             "up_after = excluded.up_after, degraded_after = excluded.degraded_after, loss_percent = "
             "excluded.loss_percent, median_ms = excluded.median_ms, baseline_factor = "
             "excluded.baseline_factor, flap_changes = excluded.flap_changes, flap_window_s = "
             "excluded.flap_window_s, quorum = excluded.quorum, updated_at = excluded.updated_at",
          soci::use(host), soci::use(row.down_after.value, row.down_after.indicator),
          soci::use(row.up_after.value, row.up_after.indicator),
          soci::use(row.degraded_after.value, row.degraded_after.indicator),
          soci::use(row.loss_percent.value, row.loss_percent.indicator),
          soci::use(row.median_ms.value, row.median_ms.indicator),
          soci::use(row.baseline_factor.value, row.baseline_factor.indicator),
          soci::use(row.flap_changes.value, row.flap_changes.indicator),
          soci::use(row.flap_window_s.value, row.flap_window_s.indicator),
          soci::use(row.quorum.value, row.quorum.indicator), soci::use(now);
    }
    transaction.commit();
    return true;
  });
  if (!done) return done.error();
  return {};
}

// --- state and events ---

Result<std::optional<AlertStateRecord>> SociStore::host_alert_state(Id user_id, Id host_id, Id location_id) {
  using Out = std::optional<AlertStateRecord>;
  return with_session<Out>("read alert state", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id, host = host_id, location = location_id;
    if (!host_belongs_to(sql, user, host)) return no_such_host();
    StateRow row;
    Out state;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kStateColumns + " FROM alert_state WHERE host_id = :h AND location_id = :l",
        [&](soci::statement& st) {
          st.exchange(soci::use(host));
          st.exchange(soci::use(location));
        },
        [&] { state = row.take(); });
    return state;
  });
}

Result<std::vector<AlertEventRecord>> SociStore::user_events(Id user_id, const EventQuery& query) {
  using Out = std::vector<AlertEventRecord>;
  return with_session<Out>("list events", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id, before = query.before_id > 0 ? query.before_id : (1LL << 62),
                    most = clamp_limit(query.limit), host = query.host_id.value_or(0),
                    since = query.since.value_or(0);
    if (query.host_id && !host_belongs_to(sql, user, host)) return no_such_host();
    EventRow row;
    Out events;
    std::string text =
        std::string("SELECT ") + kEventColumns + " FROM alert_events e WHERE e.user_id = :u AND e.id < :b";
    if (query.host_id) text += " AND e.host_id = :h";
    if (query.since) text += " AND e.at >= :s";
    text += " ORDER BY e.id DESC LIMIT :l";
    for_each_row(
        sql, row, text,
        [&](soci::statement& st) {
          st.exchange(soci::use(user));
          st.exchange(soci::use(before));
          if (query.host_id) st.exchange(soci::use(host));
          if (query.since) st.exchange(soci::use(since));
          st.exchange(soci::use(most));
        },
        [&] { events.push_back(row.take()); });
    return events;
  });
}

Result<std::vector<AlertEventRecord>> SociStore::host_events(Id user_id, Id host_id, EpochMs from, EpochMs to,
                                                             int limit) {
  using Out = std::vector<AlertEventRecord>;
  return with_session<Out>("list host events", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id, host = host_id, lo = from, hi = to, most = clamp_limit(limit);
    if (!host_belongs_to(sql, user, host)) return no_such_host();
    EventRow row;
    Out events;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kEventColumns +
            " FROM alert_events e WHERE e.host_id = :h AND e.at >= :f AND e.at < :t ORDER BY e.at, e.id "
            "LIMIT :l",
        [&](soci::statement& st) {
          st.exchange(soci::use(host));
          st.exchange(soci::use(lo));
          st.exchange(soci::use(hi));
          st.exchange(soci::use(most));
        },
        [&] { events.push_back(row.take()); });
    return events;
  });
}

// --- maintenance windows ---

Result<MaintenanceWindowRecord> SociStore::add_maintenance_window(const MaintenanceWindowRecord& input) {
  return with_session<MaintenanceWindowRecord>(
      "add maintenance window", [&](soci::session& sql) -> Result<MaintenanceWindowRecord> {
        MaintenanceWindowRecord window = input;
        window.created_at = now_epoch_ms();
        WriteTransaction transaction(sql, *dialect_);
        if (window.host_id && !host_belongs_to(sql, window.user_id, *window.host_id)) return no_such_host();
        long long found = 0;
        const long long user = window.user_id;
        sql << "SELECT COUNT(*) FROM users WHERE id = :u", soci::use(user), soci::into(found);
        if (found == 0) return make_error(Errc::not_found, "no such user");
        WindowRow row;
        row.put(window);
        long long id = 0;
        sql << "INSERT INTO maintenance_windows (user_id, host_id, kind, starts_at, ends_at, days, "
               "start_minute, "
               "end_minute, time_zone, note, created_at) VALUES (:u, :h, :k, :s, :e, :d, :sm, :em, :z, :n, "
               ":c) "
               "RETURNING id",
            soci::use(row.user_id), soci::use(row.host_id.value, row.host_id.indicator), soci::use(row.kind),
            soci::use(row.starts_at.value, row.starts_at.indicator),
            soci::use(row.ends_at.value, row.ends_at.indicator),
            soci::use(row.days.value, row.days.indicator),
            soci::use(row.start_minute.value, row.start_minute.indicator),
            soci::use(row.end_minute.value, row.end_minute.indicator),
            soci::use(row.time_zone.value, row.time_zone.indicator), soci::use(row.note),
            soci::use(row.created_at), soci::into(id);
        transaction.commit();
        window.id = id;
        return window;
      });
}

Status SociStore::update_maintenance_window(const MaintenanceWindowRecord& window) {
  auto done = with_session<bool>("update maintenance window", [&](soci::session& sql) -> Result<bool> {
    WriteTransaction transaction(sql, *dialect_);
    if (window.host_id && !host_belongs_to(sql, window.user_id, *window.host_id)) return no_such_host();
    WindowRow row;
    row.put(window);
    soci::statement st =
        (sql.prepare
             << "UPDATE maintenance_windows SET host_id = :h, kind = :k, starts_at = :s, ends_at = :e, "
                "days = :d, start_minute = :sm, end_minute = :em, time_zone = :z, note = :n "
                "WHERE id = :i AND user_id = :u",
         soci::use(row.host_id.value, row.host_id.indicator), soci::use(row.kind),
         soci::use(row.starts_at.value, row.starts_at.indicator),
         soci::use(row.ends_at.value, row.ends_at.indicator), soci::use(row.days.value, row.days.indicator),
         soci::use(row.start_minute.value, row.start_minute.indicator),
         soci::use(row.end_minute.value, row.end_minute.indicator),
         soci::use(row.time_zone.value, row.time_zone.indicator), soci::use(row.note), soci::use(row.id),
         soci::use(row.user_id));
    st.execute(true);
    if (st.get_affected_rows() == 0) return make_error(Errc::not_found, "no such maintenance window");
    transaction.commit();
    return true;
  });
  if (!done) return done.error();
  return {};
}

Status SociStore::delete_maintenance_window(Id user_id, Id window_id) {
  auto done = with_session<bool>("delete maintenance window", [&](soci::session& sql) -> Result<bool> {
    const long long user = user_id, id = window_id;
    soci::statement st = (sql.prepare << "DELETE FROM maintenance_windows WHERE id = :i AND user_id = :u",
                          soci::use(id), soci::use(user));
    st.execute(true);
    if (st.get_affected_rows() == 0) return make_error(Errc::not_found, "no such maintenance window");
    return true;
  });
  if (!done) return done.error();
  return {};
}

Result<std::vector<MaintenanceWindowRecord>> SociStore::list_maintenance_windows(Id user_id) {
  using Out = std::vector<MaintenanceWindowRecord>;
  return with_session<Out>("list maintenance windows", [&](soci::session& sql) -> Result<Out> {
    const long long user = user_id;
    WindowRow row;
    Out windows;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kWindowColumns + " FROM maintenance_windows WHERE user_id = :u ORDER BY id",
        [&](soci::statement& st) { st.exchange(soci::use(user)); }, [&] { windows.push_back(row.take()); });
    return windows;
  });
}

// --- evaluation inside the result writer's transaction ---

Result<std::int64_t> SociStore::insert_results_evaluated(std::span<const PingResult> results,
                                                         RoundEvaluator& evaluator) {
  if (results.empty()) return std::int64_t{0};
  if (auto checked = check_result_locations(results); !checked) return checked.error();
  return with_session<std::int64_t>("insert results", [&](soci::session& sql) -> Result<std::int64_t> {
    dialect_->prepare_results(sql, results);
    WriteTransaction transaction(sql, *dialect_);
    std::vector<std::size_t> inserted;
    const std::int64_t count = dialect_->insert_results(sql, results, &inserted);
    if (!inserted.empty()) {
      if (auto evaluated = evaluate_inserted(sql, results, inserted, evaluator); !evaluated) {
        return evaluated.error();  // rolled back: the rows go in again, evaluated, on the writer's retry
      }
    }
    transaction.commit();
    return count;
  });
}

Status SociStore::evaluate_inserted(soci::session& sql, std::span<const PingResult> results,
                                    const std::vector<std::size_t>& inserted, RoundEvaluator& evaluator) {
  // The new rows by location (issue 16: each location's rounds are judged on their own, against that
  // location's alert state; quorum over the locations is a later phase), then by host (ascending ids:
  // concurrent writers lock state rows in one order), oldest first.
  std::map<Id, std::map<Id, std::vector<RoundToEvaluate>>> rounds_by_location;
  const std::map<Id, LocationVoteRecord> registry = load_registry(sql);
  for (std::size_t i : inserted) {
    rounds_by_location[results[i].location_id][results[i].host_id].push_back(
        RoundToEvaluate{results[i], std::nullopt});
  }
  for (auto& [location, rounds] : rounds_by_location) {
    for (auto& [host, list] : rounds) {
      std::sort(list.begin(), list.end(),
                [](const RoundToEvaluate& a, const RoundToEvaluate& b) { return a.round.ts < b.round.ts; });
    }
    std::vector<Id> host_ids;
    host_ids.reserve(rounds.size());
    for (const auto& entry : rounds) host_ids.push_back(entry.first);
    for (std::size_t begin = 0; begin < host_ids.size(); begin += kHostsPerQuery) {
      const std::vector<Id> chunk(
          host_ids.begin() + static_cast<std::ptrdiff_t>(begin),
          host_ids.begin() + static_cast<std::ptrdiff_t>(std::min(host_ids.size(), begin + kHostsPerQuery)));
      if (auto status = evaluate_chunk(sql, location, chunk, rounds, evaluator, registry); !status) {
        return status;
      }
    }
  }
  return {};
}

Status SociStore::evaluate_chunk(soci::session& sql, Id location, const std::vector<Id>& hosts,
                                 std::map<Id, std::vector<RoundToEvaluate>>& rounds,
                                 RoundEvaluator& evaluator,
                                 const std::map<Id, LocationVoteRecord>& registry) {
  const std::string ids = in_list(hosts);
  std::map<Id, HostAlertContext> contexts;
  std::map<Id, std::string> provider_of_host;  // for the channels' provider filters
  std::map<Id, ProbeMethod> method_of_host;
  {
    long long host_id = 0, user_id = 0;
    std::string provider, method;
    soci::statement st =
        (sql.prepare << "SELECT id, user_id, provider, probe_method FROM hosts WHERE id IN (" + ids + ")",
         soci::into(host_id), soci::into(user_id), soci::into(provider), soci::into(method));
    if (st.execute(true)) {
      do {
        HostAlertContext& context = contexts[host_id];
        context.host_id = host_id;
        context.user_id = user_id;
        provider_of_host[host_id] = provider;
        method_of_host[host_id] = parse_probe_method(method).value_or(ProbeMethod::icmp);
      } while (st.fetch());
    }
  }
  if (contexts.empty()) return {};
  keep_effective_rounds(sql, location, method_of_host, rounds);
  std::erase_if(contexts, [&](const auto& entry) { return rounds[entry.first].empty(); });
  if (contexts.empty()) return {};
  const std::string judged_ids = in_list([&] {
    std::vector<Id> judged;
    judged.reserve(contexts.size());
    for (const auto& entry : contexts) judged.push_back(entry.first);
    return judged;
  }());
  // First of the reads below: on PostgreSQL it locks the hosts' quorum rows (see load_quorum_context).
  load_quorum_context(sql, *dialect_, location, judged_ids, registry, contexts);
  const auto here = registry.find(location);
  const std::string location_name = here != registry.end() ? here->second.name : std::to_string(location);
  const EpochMs now = now_epoch_ms();
  for (auto& [host, context] : contexts) {
    context.location_id = location;
    context.location_name = location_name;
    context.now = now;
  }
  std::vector<Id> users;
  users.reserve(contexts.size());
  for (const auto& [host, context] : contexts) users.push_back(context.user_id);
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  const std::string user_ids = in_list(users);

  std::map<Id, UserAlertRules> user_rules;
  {
    UserRulesRow row;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kUserRulesColumns + ", user_id FROM alert_rules WHERE user_id IN (" +
            user_ids + ")",
        [&](soci::statement& st) { st.exchange(soci::into(row.user_id)); },
        [&] { user_rules[row.user_id] = row.take(); });
  }
  {
    OverridesRow row;
    long long host_id = 0;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kOverrideColumns + ", host_id FROM host_alert_rules WHERE host_id IN (" +
            ids + ")",
        [&](soci::statement& st) { st.exchange(soci::into(host_id)); },
        [&] {
          if (auto it = contexts.find(host_id); it != contexts.end()) it->second.overrides = row.take();
        });
  }
  {
    StateRow row;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kStateColumns + " FROM alert_state WHERE host_id IN (" + ids +
            ") AND location_id = " + std::to_string(location),
        [](soci::statement&) {},
        [&] {
          if (auto it = contexts.find(row.host_id); it != contexts.end()) it->second.state = row.take();
        });
  }
  std::map<Id, std::vector<MaintenanceWindowRecord>> windows_by_user;
  {
    WindowRow row;
    for_each_row(
        sql, row,
        std::string("SELECT ") + kWindowColumns + " FROM maintenance_windows WHERE user_id IN (" + user_ids +
            ") ORDER BY id",
        [](soci::statement&) {}, [&] { windows_by_user[row.user_id].push_back(row.take()); });
  }
  for (auto& [host, context] : contexts) {
    if (auto it = user_rules.find(context.user_id); it != user_rules.end()) context.user_rules = it->second;
    for (const MaintenanceWindowRecord& window : windows_by_user[context.user_id]) {
      if (!window.host_id || *window.host_id == host) context.windows.push_back(window);
    }
  }

  fill_baselines(sql, location, contexts, rounds, evaluator);

  std::vector<AlertEventRecord> to_send;  // the events of the chunk that are to be sent (quiet = "no")
  const long long unseen = -1;  // the expected last_round_at of a state row this transaction did not see
  // Both statements are prepared once per chunk and re-executed with the values of each host and event
  // (re-preparing them per host was most of the alerts' cost in the writer: bench/alerts).
  StateRow row;
  long long expected = unseen, state_location = location;
  // Written only over the state this evaluation started from: if another writer changed it meanwhile (two
  // workers briefly sharing a host during a lease takeover), nothing is written and the batch is rolled back
  // and retried on the state as it is now.
  soci::statement upsert_state =
      (sql.prepare
           << "INSERT INTO alert_state (" + std::string(kStateColumns) +
                  ", location_id) VALUES (:h, :m, :s, :l, :p, :g, :r, :c, :a, :w, :loc) ON CONFLICT "
                  "(host_id, location_id) DO UPDATE "
                  "SET measured = excluded.measured, shown = excluded.shown, lost_streak = "
                  "excluded.lost_streak, poor_streak = excluded.poor_streak, good_streak = "
                  "excluded.good_streak, recent_changes = excluded.recent_changes, last_change_at = "
                  "excluded.last_change_at, last_round_at = excluded.last_round_at, "
                  "window_start_state = excluded.window_start_state WHERE alert_state.last_round_at = "
                  ":x",
       soci::use(row.host_id), soci::use(row.measured), soci::use(row.shown), soci::use(row.lost_streak),
       soci::use(row.poor_streak), soci::use(row.good_streak), soci::use(row.recent_changes),
       soci::use(row.last_change_at), soci::use(row.last_round_at),
       soci::use(row.window_start_state.value, row.window_start_state.indicator), soci::use(state_location),
       soci::use(expected));
  long long quorum_host = 0, quorum_changed = 0;
  std::string quorum_shown;
  Nullable<std::string> quorum_window;
  soci::statement upsert_quorum(sql);
  bool quorum_prepared = false;  // only when a host's state across locations changed (or is new)
  auto prepare_upsert_quorum = [&] {
    upsert_quorum.exchange(soci::use(quorum_host));
    upsert_quorum.exchange(soci::use(quorum_shown));
    upsert_quorum.exchange(soci::use(quorum_changed));
    upsert_quorum.exchange(soci::use(quorum_window.value, quorum_window.indicator));
    upsert_quorum.alloc();
    upsert_quorum.prepare(
        "INSERT INTO alert_quorum (host_id, shown, last_change_at, window_start_state) VALUES (:h, :s, :c, "
        ":w) "
        "ON CONFLICT (host_id) DO UPDATE SET shown = excluded.shown, last_change_at = "
        "excluded.last_change_at, "
        "window_start_state = excluded.window_start_state");
    upsert_quorum.define_and_bind();
    quorum_prepared = true;
  };
  struct EventValues {
    long long host_id = 0, user_id = 0, at = 0, id = 0;
    std::string from_state, to_state, trigger, reason, quiet, locations;
    int sent = 0, received = 0;
    Nullable<double> min_ms, median_ms, max_ms;
  } values;
  soci::statement insert_event(sql);
  bool insert_prepared = false;  // only when the chunk has an event: most rounds have none
  auto prepare_insert_event = [&] {
    insert_event.exchange(soci::use(values.host_id));
    insert_event.exchange(soci::use(values.user_id));
    insert_event.exchange(soci::use(values.at));
    for (std::string* text :
         {&values.from_state, &values.to_state, &values.trigger, &values.reason, &values.quiet}) {
      insert_event.exchange(soci::use(*text));
    }
    insert_event.exchange(soci::use(values.sent));
    insert_event.exchange(soci::use(values.received));
    insert_event.exchange(soci::use(values.min_ms.value, values.min_ms.indicator));
    insert_event.exchange(soci::use(values.median_ms.value, values.median_ms.indicator));
    insert_event.exchange(soci::use(values.max_ms.value, values.max_ms.indicator));
    insert_event.exchange(soci::use(values.locations));
    insert_event.exchange(soci::into(values.id));
    insert_event.alloc();
    insert_event.prepare(
        "INSERT INTO alert_events (host_id, user_id, at, from_state, to_state, trigger, reason, quiet, sent, "
        "received, min_ms, median_ms, max_ms, locations) VALUES (:h, :u, :a, :f, :t, :g, :r, :q, :s, :v, "
        ":mn, "
        ":md, :mx, :lo) RETURNING id");
    insert_event.define_and_bind();
    insert_prepared = true;
  };
  for (auto& [host, context] : contexts) {
    std::vector<RoundToEvaluate>& list = rounds[host];
    HostAlertOutcome outcome = evaluator.evaluate(context, list);
    outcome.state.host_id = host;
    row.put(outcome.state);
    expected = context.state ? context.state->last_round_at : unseen;
    upsert_state.execute(true);
    if (upsert_state.get_affected_rows() != 1) {
      return make_error(Errc::unavailable, "the alert state of host " + std::to_string(host) +
                                               " changed during the write; the batch is retried");
    }
    if (outcome.quorum) {
      if (!quorum_prepared) prepare_upsert_quorum();
      quorum_host = host;
      quorum_shown = outcome.quorum->shown;
      quorum_changed = outcome.quorum->last_change_at;
      quorum_window.set(outcome.quorum->window_start_state);
      upsert_quorum.execute(true);
    }
    for (AlertEventRecord& event : outcome.events) {
      event.host_id = host;
      event.user_id = context.user_id;
      if (!insert_prepared) prepare_insert_event();
      values.host_id = host;
      values.user_id = context.user_id;
      values.at = event.at;
      values.from_state = event.from_state;
      values.to_state = event.to_state;
      values.trigger = event.trigger;
      values.reason = event.reason;
      values.quiet = event.quiet;
      values.sent = event.sent;
      values.received = event.received;
      values.min_ms.set(event.min_ms);
      values.median_ms.set(event.median_ms);
      values.max_ms.set(event.max_ms);
      values.locations = join_names(event.locations);
      insert_event.execute(true);
      event.id = values.id;
      if (event.quiet == "no") to_send.push_back(event);
    }
  }
  // The events' notifications, in the same transaction: one outbox row per enabled channel of the event's
  // user that covers it. The channels are loaded only when the chunk has something to send, once.
  if (!to_send.empty()) write_outbox(sql, load_enabled_channels(sql, user_ids), provider_of_host, to_send);
  return {};
}

void SociStore::fill_baselines(soci::session& sql, Id location,
                               const std::map<Id, HostAlertContext>& contexts,
                               std::map<Id, std::vector<RoundToEvaluate>>& rounds,
                               RoundEvaluator& evaluator) {
  // (hour -> hosts) still to load; what is cached is used as it is.
  std::map<EpochMs, std::vector<Id>> wanted;
  {
    std::lock_guard lock(baseline_mutex_);
    auto& baselines = baselines_[location];
    for (const auto& [host, context] : contexts) {
      if (!evaluator.needs_baseline(context)) continue;
      for (RoundToEvaluate& round : rounds[host]) {
        const EpochMs hour = round.round.ts - ((round.round.ts % kHourMs) + kHourMs) % kHourMs;
        auto cached = baselines.find(host);
        if (cached != baselines.end() && cached->second.hour == hour) {
          round.baseline_median_ms = cached->second.median_ms;
        } else if (wanted[hour].empty() || wanted[hour].back() != host) {
          wanted[hour].push_back(host);
        }
      }
    }
  }
  if (wanted.empty()) return;
  std::map<std::pair<Id, EpochMs>, std::optional<double>> loaded;
  for (const auto& [hour, hosts] : wanted) {
    for (std::size_t begin = 0; begin < hosts.size(); begin += kHostsPerQuery) {
      const std::vector<Id> chunk(
          hosts.begin() + static_cast<std::ptrdiff_t>(begin),
          hosts.begin() + static_cast<std::ptrdiff_t>(std::min(hosts.size(), begin + kHostsPerQuery)));
      const auto medians = load_baselines(sql, chunk, location, hour - kBaselineSpanMs, hour);
      for (Id host : chunk) {
        auto it = medians.find(host);
        loaded[{host, hour}] = it == medians.end() ? std::nullopt : std::optional<double>(it->second);
      }
    }
  }
  std::lock_guard lock(baseline_mutex_);
  auto& baselines = baselines_[location];
  if (baselines.size() > 200000) baselines.clear();  // bound: hosts come and go
  for (const auto& [key, median] : loaded) {
    auto& cached = baselines[key.first];
    if (key.second >= cached.hour) cached = CachedBaseline{key.second, median};
  }
  for (const auto& [host, context] : contexts) {
    for (RoundToEvaluate& round : rounds[host]) {
      const EpochMs hour = round.round.ts - ((round.round.ts % kHourMs) + kHourMs) % kHourMs;
      if (auto it = loaded.find({host, hour}); it != loaded.end()) round.baseline_median_ms = it->second;
    }
  }
}

}  // namespace semaphore::store
