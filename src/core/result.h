#pragma once
// Result<T>: a value or an Error, for I/O paths where exceptions are not used (DESIGN.md §8).
// C++20 has no std::expected; this is the small subset the project needs.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace semaphore {

enum class Errc {
  invalid_argument,   // the caller's input is wrong: say why, change nothing
  not_found,          // no such row, or not visible to this user (the two are never told apart)
  duplicate,          // a unique key already holds this value
  unavailable,        // the database or network is down or timed out: retrying may succeed
  schema_too_new,     // the database was migrated by a newer binary
  permission_denied,  // missing OS privilege (raw sockets, files)
  limit_exceeded,     // a configured maximum was reached
  internal,           // a bug or an unexpected state
};

const char* to_string(Errc code);

struct Error {
  Errc code = Errc::internal;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace semaphore
