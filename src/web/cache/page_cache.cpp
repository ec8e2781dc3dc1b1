#include "web/cache/page_cache.h"

namespace semaphore::web {

std::shared_ptr<const std::string> PageCache::find(const std::string& key, const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.fingerprint != fingerprint) return nullptr;
  return it->second.body;
}

void PageCache::put(const std::string& key, std::string fingerprint,
                    std::shared_ptr<const std::string> body) {
  const std::size_t size = key.size() + fingerprint.size() + (body ? body->size() : 0);
  if (size > max_bytes_ / 4) return;
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -=
        it->first.size() + it->second.fingerprint.size() + (it->second.body ? it->second.body->size() : 0);
    entries_.erase(it);
  }
  if (bytes_ + size > max_bytes_) {  // rare (many users or hosts viewed at once): start again
    entries_.clear();
    bytes_ = 0;
  }
  bytes_ += size;
  entries_.emplace(key, Entry{std::move(fingerprint), std::move(body)});
}

}  // namespace semaphore::web
