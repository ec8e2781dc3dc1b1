#include "store/connections.h"

#include <algorithm>

#include "core/ascii.h"
#include "store/dialect.h"

namespace semaphore::store {
namespace {

bool contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

thread_local Lane this_threads_lane = Lane::background;

}  // namespace

Lane current_lane() {
  return this_threads_lane;
}

InteractiveLane::InteractiveLane() : previous_(this_threads_lane) {
  this_threads_lane = Lane::interactive;
}

InteractiveLane::~InteractiveLane() {
  this_threads_lane = previous_;
}

BackgroundLane::BackgroundLane() : previous_(this_threads_lane) {
  this_threads_lane = Lane::background;
}

BackgroundLane::~BackgroundLane() {
  this_threads_lane = previous_;
}

Error translate(const soci::soci_error& error, const char* what) {
  std::string message = error.get_error_message();
  if (message.empty()) message = error.what();
  const std::string text = lower_ascii(message);  // for matching
  const std::string prefix = std::string(what) + ": ";
  switch (error.get_error_category()) {
    case soci::soci_error::constraint_violation:
      if (contains(text, "foreign key")) return make_error(Errc::not_found, prefix + message);
      return make_error(Errc::duplicate, prefix + message);
    case soci::soci_error::invalid_statement:
      if (!contains(text, "locked") && !contains(text, "readonly") && !contains(text, "read-only")) {
        return make_error(Errc::internal, prefix + message);
      }
      break;
    default:
      break;
  }
  if (contains(text, "unique constraint") || contains(text, "duplicate key")) {
    return make_error(Errc::duplicate, prefix + message);
  }
  // Connection lost, server down, database locked or read-only, disk full: the caller may retry later.
  return make_error(Errc::unavailable, prefix + message);
}

Status Connections::execute(const char* what, const std::function<void(soci::session&)>& work) {
  auto done = with_session<bool>(what, [&](soci::session& sql) -> Result<bool> {
    work(sql);
    return true;
  });
  if (!done) return done.error();
  return {};
}

WriteTransaction::WriteTransaction(soci::session& sql, const Dialect& dialect) : sql_(sql) {
  sql_ << dialect.begin_write();
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    sql_ << "ROLLBACK";
  } catch (const soci::soci_error&) {
    // The connection is gone, and the transaction with it.
  }
}

void WriteTransaction::commit() {
  sql_ << "COMMIT";
  done_ = true;
}

}  // namespace semaphore::store
