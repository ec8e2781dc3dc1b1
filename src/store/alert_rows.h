#pragma once
// The row buffers SOCI fills (and binds) for the alerts' tables (004_alerts.sql). Internal to src/store.
#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

#include "store/alert_records.h"

namespace semaphore::store {

// A nullable column: the value and SOCI's indicator.
template <class T>
struct Nullable {
  T value{};
  soci::indicator indicator = soci::i_null;

  std::optional<T> get() const { return indicator == soci::i_ok ? std::optional<T>(value) : std::nullopt; }
  void set(const std::optional<T>& v) {
    value = v.value_or(T{});
    indicator = v ? soci::i_ok : soci::i_null;
  }
  auto into() { return soci::into(value, indicator); }
  // (No use(): soci::use keeps a reference to its name argument, which must outlive the statement.)
};

// "1700000000000,1700000060000": alert_state.recent_changes.
std::string join_times(const std::vector<EpochMs>& times);
std::vector<EpochMs> split_times(const std::string& text);
// "paris,frankfurt": alert_events.locations (location names hold no comma).
std::string join_names(const std::vector<std::string>& names);
std::vector<std::string> split_names(const std::string& text);

constexpr const char* kUserRulesColumns =
    "down_after, up_after, degraded_after, loss_percent, median_ms, baseline_factor, flap_changes, "
    "flap_window_s, quorum";

struct UserRulesRow {
  long long user_id = 0;
  int down_after = 0, up_after = 0, degraded_after = 0, flap_changes = 0;
  double loss_percent = 0;
  Nullable<double> median_ms, baseline_factor;
  long long flap_window_s = 0;
  Nullable<int> quorum;

  // Binds kUserRulesColumns.
  void bind(soci::statement& st) {
    st.exchange(soci::into(down_after));
    st.exchange(soci::into(up_after));
    st.exchange(soci::into(degraded_after));
    st.exchange(soci::into(loss_percent));
    st.exchange(median_ms.into());
    st.exchange(baseline_factor.into());
    st.exchange(soci::into(flap_changes));
    st.exchange(soci::into(flap_window_s));
    st.exchange(quorum.into());
  }
  UserAlertRules take() const {
    return UserAlertRules{down_after,   up_after,        degraded_after,
                          loss_percent, median_ms.get(), baseline_factor.get(),
                          flap_changes, flap_window_s,   quorum.get()};
  }
};

constexpr const char* kOverrideColumns =
    "down_after, up_after, degraded_after, loss_percent, median_ms, baseline_factor, flap_changes, "
    "flap_window_s, quorum";

struct OverridesRow {
  Nullable<int> down_after, up_after, degraded_after, flap_changes, quorum;
  Nullable<double> loss_percent, median_ms, baseline_factor;
  Nullable<long long> flap_window_s;

  // Binds kOverrideColumns for reading (into) or writing (use).
  void bind(soci::statement& st) {
    st.exchange(down_after.into());
    st.exchange(up_after.into());
    st.exchange(degraded_after.into());
    st.exchange(loss_percent.into());
    st.exchange(median_ms.into());
    st.exchange(baseline_factor.into());
    st.exchange(flap_changes.into());
    st.exchange(flap_window_s.into());
    st.exchange(quorum.into());
  }
  HostAlertOverrides take() const {
    HostAlertOverrides o;
    o.down_after = down_after.get();
    o.up_after = up_after.get();
    o.degraded_after = degraded_after.get();
    o.loss_percent = loss_percent.get();
    o.median_ms = median_ms.get();
    o.baseline_factor = baseline_factor.get();
    o.flap_changes = flap_changes.get();
    if (auto w = flap_window_s.get()) o.flap_window_s = *w;
    o.quorum = quorum.get();
    return o;
  }
  void put(const HostAlertOverrides& o) {
    down_after.set(o.down_after);
    up_after.set(o.up_after);
    degraded_after.set(o.degraded_after);
    loss_percent.set(o.loss_percent);
    median_ms.set(o.median_ms);
    baseline_factor.set(o.baseline_factor);
    flap_changes.set(o.flap_changes);
    quorum.set(o.quorum);
    flap_window_s.set(o.flap_window_s ? std::optional<long long>(*o.flap_window_s) : std::nullopt);
  }
};

constexpr const char* kStateColumns =
    "host_id, measured, shown, lost_streak, poor_streak, good_streak, recent_changes, last_change_at, "
    "last_round_at, window_start_state";

struct StateRow {
  long long host_id = 0, last_change_at = 0, last_round_at = 0;
  std::string measured, shown, recent_changes;
  int lost_streak = 0, poor_streak = 0, good_streak = 0;
  Nullable<std::string> window_start_state;

  void bind(soci::statement& st) {
    st.exchange(soci::into(host_id));
    st.exchange(soci::into(measured));
    st.exchange(soci::into(shown));
    st.exchange(soci::into(lost_streak));
    st.exchange(soci::into(poor_streak));
    st.exchange(soci::into(good_streak));
    st.exchange(soci::into(recent_changes));
    st.exchange(soci::into(last_change_at));
    st.exchange(soci::into(last_round_at));
    st.exchange(window_start_state.into());
  }
  AlertStateRecord take() const {
    AlertStateRecord r;
    r.host_id = host_id;
    r.measured = measured;
    r.shown = shown;
    r.lost_streak = lost_streak;
    r.poor_streak = poor_streak;
    r.good_streak = good_streak;
    r.recent_changes = split_times(recent_changes);
    r.last_change_at = last_change_at;
    r.last_round_at = last_round_at;
    r.window_start_state = window_start_state.get();
    return r;
  }
  void put(const AlertStateRecord& r) {
    host_id = r.host_id;
    measured = r.measured;
    shown = r.shown;
    lost_streak = r.lost_streak;
    poor_streak = r.poor_streak;
    good_streak = r.good_streak;
    recent_changes = join_times(r.recent_changes);
    last_change_at = r.last_change_at;
    last_round_at = r.last_round_at;
    window_start_state.set(r.window_start_state);
  }
};

constexpr const char* kQuorumColumns = "host_id, shown, last_change_at, window_start_state";

// The row buffers of kQuorumColumns (table alert_quorum).
struct QuorumRow {
  long long host_id = 0, last_change_at = 0;
  std::string shown;
  Nullable<std::string> window_start_state;

  void bind(soci::statement& st) {
    st.exchange(soci::into(host_id));
    st.exchange(soci::into(shown));
    st.exchange(soci::into(last_change_at));
    st.exchange(window_start_state.into());
  }
  QuorumStateRecord take() const {
    return QuorumStateRecord{host_id, shown, last_change_at, window_start_state.get()};
  }
};

constexpr const char* kEventColumns =
    "e.id, e.host_id, e.user_id, e.at, e.from_state, e.to_state, e.trigger, e.reason, e.quiet, e.sent, "
    "e.received, e.min_ms, e.median_ms, e.max_ms, e.path_id, (SELECT p.verdict FROM host_paths p WHERE p.id "
    "= e.path_id), e.locations";

struct EventRow {
  long long id = 0, host_id = 0, user_id = 0, at = 0;
  std::string from_state, to_state, trigger, reason, quiet;
  int sent = 0, received = 0;
  Nullable<double> min_ms, median_ms, max_ms;
  Nullable<long long> path_id;
  Nullable<std::string> path_verdict;
  std::string locations;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(host_id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(at));
    st.exchange(soci::into(from_state));
    st.exchange(soci::into(to_state));
    st.exchange(soci::into(trigger));
    st.exchange(soci::into(reason));
    st.exchange(soci::into(quiet));
    st.exchange(soci::into(sent));
    st.exchange(soci::into(received));
    st.exchange(min_ms.into());
    st.exchange(median_ms.into());
    st.exchange(max_ms.into());
    st.exchange(path_id.into());
    st.exchange(path_verdict.into());
    st.exchange(soci::into(locations));
  }
  AlertEventRecord take() const {
    AlertEventRecord e;
    e.id = id;
    e.host_id = host_id;
    e.user_id = user_id;
    e.at = at;
    e.from_state = from_state;
    e.to_state = to_state;
    e.trigger = trigger;
    e.reason = reason;
    e.quiet = quiet;
    e.sent = sent;
    e.received = received;
    e.min_ms = min_ms.get();
    e.median_ms = median_ms.get();
    e.max_ms = max_ms.get();
    if (auto path = path_id.get()) e.path_id = *path;
    e.path_verdict = path_verdict.get().value_or("");
    e.locations = split_names(locations);
    return e;
  }
};

constexpr const char* kWindowColumns =
    "id, user_id, host_id, kind, starts_at, ends_at, days, start_minute, end_minute, time_zone, note, "
    "created_at";

struct WindowRow {
  long long id = 0, user_id = 0, created_at = 0;
  Nullable<long long> host_id, starts_at, ends_at;
  Nullable<int> days, start_minute, end_minute;
  Nullable<std::string> time_zone;
  std::string kind, note;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(host_id.into());
    st.exchange(soci::into(kind));
    st.exchange(starts_at.into());
    st.exchange(ends_at.into());
    st.exchange(days.into());
    st.exchange(start_minute.into());
    st.exchange(end_minute.into());
    st.exchange(time_zone.into());
    st.exchange(soci::into(note));
    st.exchange(soci::into(created_at));
  }
  MaintenanceWindowRecord take() const {
    MaintenanceWindowRecord w;
    w.id = id;
    w.user_id = user_id;
    if (auto h = host_id.get()) w.host_id = *h;
    w.kind = kind;
    w.starts_at = starts_at.get().value_or(0);
    w.ends_at = ends_at.get().value_or(0);
    w.days = days.get().value_or(0);
    w.start_minute = start_minute.get().value_or(0);
    w.end_minute = end_minute.get().value_or(0);
    w.time_zone = time_zone.get().value_or("UTC");
    w.note = note;
    w.created_at = created_at;
    return w;
  }
  // The columns a kind does not use are NULL.
  void put(const MaintenanceWindowRecord& w) {
    id = w.id;
    user_id = w.user_id;
    host_id.set(w.host_id ? std::optional<long long>(*w.host_id) : std::nullopt);
    kind = w.kind;
    const bool once = w.kind == "once";
    starts_at.set(once ? std::optional<long long>(w.starts_at) : std::nullopt);
    ends_at.set(once ? std::optional<long long>(w.ends_at) : std::nullopt);
    days.set(once ? std::nullopt : std::optional<int>(w.days));
    start_minute.set(once ? std::nullopt : std::optional<int>(w.start_minute));
    end_minute.set(once ? std::nullopt : std::optional<int>(w.end_minute));
    time_zone.set(once ? std::nullopt : std::optional<std::string>(w.time_zone));
    note = w.note;
    created_at = w.created_at;
  }
};

}  // namespace semaphore::store
