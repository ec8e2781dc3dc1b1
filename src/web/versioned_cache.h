#pragma once
// Values read from the store, reused while Store::data_version() has not changed: then no write was
// committed since they were read (by this process or another), so reading again would give the same.
// The caller reads the version before the data it keeps under it.
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace semaphore::web {

template <class Value>
class VersionedCache {
 public:
  explicit VersionedCache(std::size_t max_entries = 10'000) : max_entries_(max_entries) {}

  std::optional<Value> find(const std::string& key, const std::string& version) {
    if (version.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.version != version) return std::nullopt;
    return it->second.value;
  }

  void put(const std::string& key, const std::string& version, Value value) {
    if (version.empty()) return;
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries_ && !entries_.contains(key)) entries_.clear();
    entries_.insert_or_assign(key, Entry{version, std::move(value)});
  }

 private:
  struct Entry {
    std::string version;
    Value value;
  };
  std::size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace semaphore::web
