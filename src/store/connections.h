#pragma once
// The pool of SOCI connections behind a store, and the one way to use it: with_session() runs work on a
// pooled connection and turns a soci_error into an Error, so that no store method throws. Shared by
// SociStore and the dialects (dialect.h). Internal to src/store.
#include <soci/soci.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "store/lane.h"

namespace semaphore::store {

class Dialect;

// The Error for a soci_error raised while doing `what`: constraint clashes are Errc::duplicate (or
// Errc::not_found for a foreign key), malformed SQL Errc::internal, everything else (connection lost, server
// down, database locked or read-only, disk full) Errc::unavailable: the caller may retry later.
Error translate(const soci::soci_error& error, const char* what);

// Two pools, one per lane (lane.h): each call takes a connection of its thread's lane.
class Connections {
 public:
  // `per_lane` connections in each lane.
  explicit Connections(std::size_t per_lane)
      : background_(per_lane), interactive_(per_lane), per_lane_(per_lane) {}

  // Connections in both lanes.
  std::size_t size() const { return 2 * per_lane_; }
  // Connection `i` of both lanes (the background lane's first), for setting it up before first use
  // (Dialect::open).
  soci::session& at(std::size_t i) {
    return i < per_lane_ ? background_.at(i) : interactive_.at(i - per_lane_);
  }

  // Runs `work` on a pooled connection; a soci_error becomes an Error. A connection found broken is
  // reopened, and the work run once more on it when it reopens. Every store method goes through here.
  template <class T>
  Result<T> with_session(const char* what, const std::function<Result<T>(soci::session&)>& work);

  // with_session for work that returns nothing but success or an Error.
  Status execute(const char* what, const std::function<void(soci::session&)>& work);

  // A pooled connection held until the session is destroyed (a lock that lives as long as a connection).
  std::unique_ptr<soci::session> hold() { return std::make_unique<soci::session>(pool()); }

 private:
  soci::connection_pool& pool() { return current_lane() == Lane::interactive ? interactive_ : background_; }

  soci::connection_pool background_;
  soci::connection_pool interactive_;
  std::size_t per_lane_;
};

// A write transaction, begun the way the dialect begins one (BEGIN IMMEDIATE on SQLite, BEGIN on
// PostgreSQL); rolled back when destroyed uncommitted.
class WriteTransaction {
 public:
  WriteTransaction(soci::session& sql, const Dialect& dialect);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  soci::session& sql_;
  bool done_ = false;
};

template <class T>
Result<T> Connections::with_session(const char* what, const std::function<Result<T>(soci::session&)>& work) {
  soci::session sql(pool());
  // A pooled connection can break while it sits idle (the server restarted or dropped it): its first
  // statement fails. It is reopened at once, and when that works the call is made once more on it, so an
  // outage fails only the calls made during it, not the first call on each pooled connection afterwards.
  // Running the work again is safe: the failed attempt's transaction died with its connection, and a call
  // that failed is retried by its caller anyway.
  for (bool retried = false;; retried = true) {
    try {
      return work(sql);
    } catch (const soci::soci_error& error) {
      Error translated = translate(error, what);
      if (translated.code != Errc::unavailable) return translated;
      bool reopened = false;
      try {
        if (!sql.is_connected()) {
          sql.reconnect();
          reopened = true;
        }
      } catch (const soci::soci_error&) {
        // Still down: the next call tries again.
      }
      if (!reopened || retried) return translated;
    } catch (const std::exception& error) {
      return make_error(Errc::internal, std::string(what) + ": " + error.what());
    }
  }
}

}  // namespace semaphore::store
