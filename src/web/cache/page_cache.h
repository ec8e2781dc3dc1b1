#pragma once
// Rendered page bodies (the part inside the layout, which holds no CSRF token nor anything of the session),
// kept by route and user, each with the fingerprint of the data it was rendered from: the exact bytes the
// page's data serialize to (hosts, rounds, states, the texts that depend on the time). A page whose data
// read now has the same fingerprint is byte for byte the page a fresh rendering would give, so the database
// is still read on every request (other processes write rounds and hosts) but rendering is skipped.
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "web/cache/versioned_cache.h"

namespace semaphore::web {

class PageCache {
 public:
  explicit PageCache(std::size_t max_bytes = 64u << 20) : max_bytes_(max_bytes) {}

  // The body kept under `key` if it was rendered from `fingerprint`, else nullptr.
  std::shared_ptr<const std::string> find(const std::string& key, const std::string& fingerprint);
  void put(const std::string& key, std::string fingerprint, std::shared_ptr<const std::string> body);

 private:
  struct Entry {
    std::string fingerprint;
    std::shared_ptr<const std::string> body;
  };
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

// A page body kept under Store::data_version() (versioned_cache.h), good while now < same_until.
struct KeptPage {
  long long same_until = 0;  // EpochMs
  std::string title;
  std::shared_ptr<const std::string> body;
};

// The host report pages (/report/{id}?range=...), kept by the values the page was made from — user id, host
// id, range — never by the request's text: /report/2, /report/02 and /report/002 are one page and one entry,
// so a client cannot fill the cache with spellings of one page. Bounded by the bytes of the kept bodies.
class HostPageCache {
 public:
  explicit HostPageCache(std::size_t max_bytes = 32u << 20, std::size_t max_entries = 10'000)
      : pages_(max_entries, max_bytes,
               [](const KeptPage& page) { return page.title.size() + (page.body ? page.body->size() : 0); }) {
  }

  std::optional<KeptPage> find(long long user_id, long long host_id, std::string_view range,
                               const std::string& version) {
    return pages_.find(key(user_id, host_id, range), version);
  }
  void put(long long user_id, long long host_id, std::string_view range, const std::string& version,
           KeptPage page) {
    pages_.put(key(user_id, host_id, range), version, std::move(page));
  }

 private:
  static std::string key(long long user_id, long long host_id, std::string_view range) {
    return std::to_string(user_id) + "/" + std::to_string(host_id) + "/" + std::string(range);
  }
  VersionedCache<KeptPage> pages_;
};

// Appends the bytes of plain values to a fingerprint.
class Fingerprint {
 public:
  Fingerprint& add(std::string_view text) {
    add(static_cast<long long>(text.size()));
    bytes_.append(text);
    return *this;
  }
  template <class T>
  requires std::is_arithmetic_v<T> Fingerprint& add(T value) {
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
    return *this;
  }
  template <class T>
  Fingerprint& add(const std::optional<T>& value) {
    add(value.has_value());
    if (value) add(*value);
    return *this;
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

}  // namespace semaphore::web
