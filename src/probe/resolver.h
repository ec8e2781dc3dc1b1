#pragma once
// Resolver: asynchronous name resolution through c-ares for the engine's event loop, with a cache that
// honours the records' TTLs. It never blocks: the loop polls its sockets (pollfds) and calls process().
// A name that does not resolve is an Answer with an error, never an exception.
#include <poll.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ip_address.h"
#include "core/result.h"

struct ares_addrinfo;
struct hostent;

namespace semaphore::probe {

enum class FamilyPreference;

class Resolver {
 public:
  // `servers`: empty for the system's resolv.conf, else c-ares CSV ("127.0.0.1:5353,[::1]:53").
  static Result<std::unique_ptr<Resolver>> create(const std::string& servers);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  struct Answer {
    std::uint32_t tag = 0;
    std::optional<IpAddress> address;  // the first address of the wanted family
    std::string error;                 // when address is empty: c-ares' reason
  };

  // Starts resolving `name`. The answer (tagged `tag`) shows up in answers() after a later process() call,
  // or at once when the cache holds an unexpired answer.
  void resolve(const std::string& name, FamilyPreference family, std::uint32_t tag);
  int in_flight() const { return in_flight_; }

  // Starts a reverse lookup (PTR) of `address`; the answer (tagged `tag`, the name empty when there is none)
  // shows up in names() after a later process() call, or at once from the cache. Counted in in_flight().
  void reverse(const IpAddress& address, std::uint32_t tag);
  struct NameAnswer {
    std::uint32_t tag = 0;
    std::string name;  // empty: no PTR record (or the lookup failed)
  };
  std::vector<NameAnswer>& names() { return names_; }

  // Event-loop hooks: the sockets to poll (at most `max`), the longest the loop may sleep, and the work to
  // do after polling (reads, retries, timeouts) which may complete queries.
  int fill_pollfds(pollfd* out, int max);
  std::int64_t timeout_ns(std::int64_t upper_bound_ns);
  void process(const pollfd* fds, int n);

  // Completed answers; the caller consumes and clears them.
  std::vector<Answer>& answers() { return answers_; }

  // Abandons every query in flight (their answers are discarded).
  void cancel_all();

  std::uint64_t cache_hits() const { return cache_hits_; }

 private:
  struct CacheEntry {
    IpAddress address;
    std::int64_t expires_ns = 0;  // steady clock
  };
  struct Query;
  explicit Resolver(void* channel);
  static void on_answer(void* arg, int status, int timeouts, ares_addrinfo* result);
  static void on_name(void* arg, int status, int timeouts, hostent* host);

  void* channel_;  // ares_channel, kept opaque so that users of this header need no c-ares include
  int in_flight_ = 0;
  std::uint64_t cache_hits_ = 0;
  bool cancelling_ = false;
  std::vector<Answer> answers_;
  std::vector<NameAnswer> names_;
  // Reverse names by address text, kept for the resolver's life (a few per path hop; they rarely change).
  std::unordered_map<std::string, std::string> name_cache_;
  std::unordered_map<std::string, CacheEntry> cache_;
};

}  // namespace semaphore::probe
