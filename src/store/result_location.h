#pragma once
// A result row's location (issue 16, migration 013), stored in the row's `method` column. The one module
// that knows the arithmetic: the store's reads and writes go through the functions below (rows.h, the
// dialects' inserts, the rollups, retention, the alerts), the SQL that needs it is made by the sql_*
// helpers, and migration 013's SQL and the latest_results triggers hold the same formula.
//
//   stored method = (location id - 1) * 2 + kind     (kind: 0 icmp, 1 tcp; core/probe_method.h)
//
// Why packed, not a column of its own: on PostgreSQL a ping_results row is 64 bytes of tuple (a 24-byte
// header, 40 bytes of data, no padding); a SMALLINT column makes it 66, padded to 72: +8 bytes a row,
// 104.8 B/row measured where the goal is 100 (bench/pg_store/README.md). `method` is a SMALLINT holding 0 or
// 1, so the location costs no byte there, and the primary key (host_id, method, ts) orders a host's rows by
// location, then kind, then time: a location's rows of one kind are still one key range. Location 1
// (`local`) keeps 0 and 1, so the rows written before 013 are already right and the migration rewrites
// none. The largest id that fits a SMALLINT is 16,384 ((16,384 - 1) * 2 + 1 = 32,767).
//
// ping_results has no foreign key to locations (there is no column to hang it on); every row's location is
// held by latest_results' (which has a real location_id column): its trigger copies each new row there, so a
// row of a location that does not exist fails its insert, and a location that has rows has a latest row and
// cannot be removed (LocationStore::remove_location).
#include <string>

#include "core/probe_method.h"
#include "store/records.h"

namespace semaphore::store {

inline constexpr Id kMaxResultLocationId = 16384;

// The stored `method` of a row of `kind` from `location_id` (1..kMaxResultLocationId).
constexpr int pack_method(ProbeKind kind, Id location_id) {
  return static_cast<int>((location_id - 1) * 2) + static_cast<int>(kind);
}
// The kind and the location of a stored `method`.
constexpr ProbeKind unpacked_kind(int stored) {
  return stored % 2 == 1 ? ProbeKind::tcp : ProbeKind::icmp;
}
constexpr Id unpacked_location(int stored) {
  return static_cast<Id>(stored / 2) + 1;
}
constexpr bool valid_result_location(Id location_id) {
  return location_id >= 1 && location_id <= kMaxResultLocationId;
}

// The same as SQL over integer expressions (both back ends divide integers to an integer).
inline std::string sql_packed_method(const std::string& location_expr, const std::string& kind_expr) {
  return "((" + location_expr + " - 1) * 2 + " + kind_expr + ")";
}
inline std::string sql_location_of(const std::string& stored_method) {
  return "(" + stored_method + " / 2 + 1)";
}
inline std::string sql_kind_of(const std::string& stored_method) {
  return "(" + stored_method + " % 2)";
}
// A condition on a stored `method` column: the rows of `location_id`, both kinds (one key range).
inline std::string sql_method_of_location(const std::string& stored_method, Id location_id) {
  return stored_method + " BETWEEN " + std::to_string(pack_method(ProbeKind::icmp, location_id)) + " AND " +
         std::to_string(pack_method(ProbeKind::tcp, location_id));
}

}  // namespace semaphore::store
