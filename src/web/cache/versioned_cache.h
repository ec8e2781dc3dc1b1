#pragma once
// Values read from the store, reused while Store::data_version() has not changed: then no write was
// committed since they were read (by this process or another), so reading again would give the same.
// The caller reads the version before the data it keeps under it.
//
// Bounded by a count of entries and, for values whose size varies (rendered pages), by bytes: the keys,
// versions and what `weigh` says of each value. Past either bound the cache is cleared, which costs one
// miss per entry still in use and needs no bookkeeping of ages.
#include <cstddef>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace semaphore::web {

template <class Value>
class VersionedCache {
 public:
  using Weigh = std::function<std::size_t(const Value&)>;

  explicit VersionedCache(std::size_t max_entries = 10'000,
                          std::size_t max_bytes = std::numeric_limits<std::size_t>::max(), Weigh weigh = {})
      : max_entries_(max_entries), max_bytes_(max_bytes), weigh_(std::move(weigh)) {}

  std::optional<Value> find(const std::string& key, const std::string& version) {
    if (version.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.version != version) return std::nullopt;
    return it->second.value;
  }

  // What is kept under `key`, whatever its version, with that version: for a reader that can bring an old
  // value up to date cheaper than reading it again (report_listing.cpp, report_statuses).
  std::optional<std::pair<std::string, Value>> latest(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return std::pair<std::string, Value>{it->second.version, it->second.value};
  }

  void put(const std::string& key, const std::string& version, Value value) {
    if (version.empty()) return;
    const std::size_t bytes = kEntryOverhead + key.size() + version.size() + (weigh_ ? weigh_(value) : 0);
    if (bytes > max_bytes_) return;  // could never fit
    std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end()) {
      bytes_ -= it->second.bytes;
      entries_.erase(it);
    }
    if (entries_.size() >= max_entries_ || bytes_ + bytes > max_bytes_) {
      entries_.clear();
      bytes_ = 0;
    }
    entries_.emplace(key, Entry{version, std::move(value), bytes});
    bytes_ += bytes;
  }

 private:
  // What the map's node and the strings' headers cost besides their characters, roughly.
  static constexpr std::size_t kEntryOverhead = 128;

  struct Entry {
    std::string version;
    Value value;
    std::size_t bytes = 0;
  };
  std::size_t max_entries_;
  std::size_t max_bytes_;
  Weigh weigh_;
  std::mutex mutex_;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace semaphore::web
