#pragma once
// The row buffers SOCI fills (and binds) for hosts and ping_results rows, shared by the store's queries and
// the dialects' inserts. Internal to src/store.
#include <soci/soci.h>

#include <optional>
#include <string>

#include "store/records.h"
#include "store/result_error.h"
#include "store/result_location.h"

namespace semaphore::store {

// The columns HostRow reads, from `hosts h`.
constexpr const char* kHostColumns =
    "h.id, h.user_id, h.hostname, h.provider, h.service, h.label, h.enabled, h.created_at, h.probe_method, "
    "h.tcp_port";

// The condition that leaves out a host `h` switched off for the location bound as :l (issue 16,
// host_location_exclusions): every read that gives a location its hosts says it.
constexpr const char* kNotSwitchedOff =
    "NOT EXISTS (SELECT 1 FROM host_location_exclusions x WHERE x.host_id = h.id AND x.location_id = :l)";

// A host's probe spec from its hosts.probe_method and hosts.tcp_port columns (an unknown method, which the
// CHECK constraint rules out, reads as icmp).
inline ProbeSpec probe_spec_of(const std::string& method, int tcp_port) {
  ProbeSpec spec;
  spec.method = parse_probe_method(method).value_or(ProbeMethod::icmp);
  if (tcp_port >= 1 && tcp_port <= 65535) spec.tcp_port = static_cast<std::uint16_t>(tcp_port);
  return spec;
}

// The row buffers SOCI fills for kHostColumns.
struct HostRow {
  long long id = 0, user_id = 0, created_at = 0;
  std::string hostname, provider, service, label, probe_method;
  int enabled = 1, tcp_port = kDefaultTcpPort;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(hostname));
    st.exchange(soci::into(provider));
    st.exchange(soci::into(service));
    st.exchange(soci::into(label));
    st.exchange(soci::into(enabled));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(probe_method));
    st.exchange(soci::into(tcp_port));
  }
  Host take() const {
    return Host{id,
                user_id,
                hostname,
                parse_provider(provider).value_or(Provider::other),
                service,
                label,
                enabled != 0,
                created_at,
                probe_spec_of(probe_method, tcp_port)};
  }
};

// The row buffers for one ping_results row: ts, sent, received, the five RTT figures, method (which holds
// the row's location too: result_location.h) and refused (which holds the error word's code too:
// result_error.h).
struct ResultRow {
  long long host_id = 0, ts = 0;
  int sent = 0, received = 0, method = 0, refused = 0;
  double figures[5] = {};
  soci::indicator indicators[5] = {};
  // Every column is NULL when a LEFT JOIN found no result: SOCI needs an indicator for each.
  soci::indicator ts_indicator = soci::i_null, other_indicators[5] = {};

  void bind(soci::statement& st) {
    st.exchange(soci::into(host_id, other_indicators[0]));
    st.exchange(soci::into(ts, ts_indicator));
    st.exchange(soci::into(sent, other_indicators[1]));
    st.exchange(soci::into(received, other_indicators[2]));
    for (int i = 0; i < 5; ++i) st.exchange(soci::into(figures[i], indicators[i]));
    st.exchange(soci::into(method, other_indicators[3]));
    st.exchange(soci::into(refused, other_indicators[4]));
  }
  bool found() const { return ts_indicator == soci::i_ok; }
  std::optional<double> figure(int i) const {
    return indicators[i] == soci::i_ok ? std::optional<double>(figures[i]) : std::nullopt;
  }
  // The inverse of take(), for binding a row to insert.
  void put(const PingResult& result) {
    host_id = result.host_id;
    ts = result.ts;
    sent = result.sent;
    received = result.received;
    const std::optional<double>* values[5] = {&result.min_ms, &result.avg_ms, &result.max_ms,
                                              &result.median_ms, &result.stddev_ms};
    for (int i = 0; i < 5; ++i) {
      figures[i] = values[i]->value_or(0.0);
      indicators[i] = values[i]->has_value() ? soci::i_ok : soci::i_null;
    }
    method = pack_method(result.method, result.location_id);
    refused = pack_refused(result.refused, result.error);
  }
  PingResult take() const {
    PingResult result;
    result.host_id = host_id;
    result.ts = ts;
    result.sent = sent;
    result.received = received;
    result.min_ms = figure(0);
    result.avg_ms = figure(1);
    result.max_ms = figure(2);
    result.median_ms = figure(3);
    result.stddev_ms = figure(4);
    result.error = unpacked_error(refused);
    result.method = unpacked_kind(method);
    result.location_id = unpacked_location(method);
    result.refused = unpacked_refused(refused);
    return result;
  }
};

// The columns ResultRow reads, from `ping_results <alias>`.
inline std::string result_columns(const std::string& alias) {
  std::string columns;
  for (const char* name : {"host_id", "ts", "sent", "received", "min_ms", "avg_ms", "max_ms", "median_ms",
                           "stddev_ms", "method", "refused"}) {
    columns += (columns.empty() ? "" : ", ") + alias + "." + name;
  }
  return columns;
}

// The columns ResultRow reads, from `latest_results <alias>`: that table keeps the location in a column of
// its own (its foreign key), so its method is packed here the way ping_results stores it.
inline std::string latest_result_columns(const std::string& alias) {
  std::string columns;
  for (const char* name :
       {"host_id", "ts", "sent", "received", "min_ms", "avg_ms", "max_ms", "median_ms", "stddev_ms"}) {
    columns += (columns.empty() ? "" : ", ") + alias + "." + name;
  }
  return columns + ", " + sql_packed_method(alias + ".location_id", alias + ".method") + ", " + alias +
         ".refused";
}

// Prepares `query` with `row` bound for output plus `uses`, and calls `each` for every row fetched.
// `bind_uses(st)` binds the query's parameters.
template <class Row, class BindUses, class Each>
void for_each_row(soci::session& sql, Row& row, const std::string& query, BindUses bind_uses, Each each) {
  soci::statement st(sql);
  row.bind(st);
  bind_uses(st);
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  if (!st.execute(true)) return;
  do each();
  while (st.fetch());
}

}  // namespace semaphore::store
