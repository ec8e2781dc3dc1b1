#pragma once
// How many connections the server holds open, in total and per client address (issue 12): a cap on each, so
// that one client (or a crowd) cannot take every file descriptor the process has. Admission hands out a
// ticket that gives its place back when the connection ends. No Asio here: it is tested on its own.
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace semaphore::web {

class ConnectionLimiter {
 public:
  enum class Verdict { admitted, server_full, address_full };

  // A place held by one connection; gives it back when destroyed. Empty (holds nothing) unless admitted.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

   private:
    friend class ConnectionLimiter;
    Ticket(ConnectionLimiter* limiter, std::string key) : limiter_(limiter), key_(std::move(key)) {}
    void release();
    ConnectionLimiter* limiter_ = nullptr;
    std::string key_;
  };

  struct Admission {
    Verdict verdict;
    Ticket ticket;
  };

  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // `address_key`: the client as connections are counted, e.g. its IPv4 address or its IPv6 /64 prefix.
  // `per_address_cap` false for a trusted proxy, whose connections carry many clients: only the total counts.
  Admission admit(const std::string& address_key, bool per_address_cap = true);

  std::size_t open() const;
  std::size_t max_total() const { return max_total_; }
  std::size_t max_per_address() const { return max_per_address_; }

 private:
  void release(const std::string& key);

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;  // only addresses with open connections
};

}  // namespace semaphore::web
