// PageCache, Fingerprint and VersionedCache: what may be served without rendering or reading again.
#include "web/cache/page_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "web/cache/versioned_cache.h"

namespace semaphore::web {
namespace {

std::shared_ptr<const std::string> body(std::size_t size, char fill = 'x') {
  return std::make_shared<const std::string>(size, fill);
}

TEST(PageCache, ServesABodyOnlyForTheFingerprintItWasRenderedFrom) {
  PageCache cache;
  EXPECT_EQ(cache.find("/report u1", "f1"), nullptr) << "empty";
  const auto page = body(10);
  cache.put("/report u1", "f1", page);
  EXPECT_EQ(cache.find("/report u1", "f1"), page);
  EXPECT_EQ(cache.find("/report u1", "f2"), nullptr) << "the data changed";
  EXPECT_EQ(cache.find("/report u2", "f1"), nullptr) << "another user's page";
}

TEST(PageCache, APutReplacesTheKeysEntry) {
  PageCache cache;
  const auto old_page = body(10, 'o'), new_page = body(10, 'n');
  cache.put("k", "f1", old_page);
  cache.put("k", "f2", new_page);
  EXPECT_EQ(cache.find("k", "f1"), nullptr);
  EXPECT_EQ(cache.find("k", "f2"), new_page);
}

TEST(PageCache, AnEntryOverAQuarterOfTheLimitIsNotKept) {
  PageCache cache(1000);
  cache.put("k", "f", body(250 - 2));  // key + fingerprint + body = 250: kept
  EXPECT_NE(cache.find("k", "f"), nullptr);
  cache.put("big", "f", body(250 - 3));  // 251
  EXPECT_EQ(cache.find("big", "f"), nullptr);
  EXPECT_NE(cache.find("k", "f"), nullptr) << "refusing one entry drops nothing else";
}

TEST(PageCache, StartsAgainWhenFull) {
  PageCache cache(1000);
  for (const char* key : {"a", "b", "c", "d", "e"}) cache.put(key, "f", body(200 - 2));  // 200 each: 1000
  for (const char* key : {"a", "b", "c", "d", "e"}) EXPECT_NE(cache.find(key, "f"), nullptr) << key;
  cache.put("g", "f", body(200 - 2));  // 1200 > 1000
  for (const char* key : {"a", "b", "c", "d", "e"}) EXPECT_EQ(cache.find(key, "f"), nullptr) << key;
  EXPECT_NE(cache.find("g", "f"), nullptr);
}

TEST(PageCache, ReplacingAnEntryGivesBackItsBytes) {
  PageCache cache(1000);
  cache.put("b", "f", body(200 - 2));
  // 50 puts of 200 bytes under one key: were the replaced entries still counted, the cache would fill up
  // and start again, dropping "b".
  for (int i = 0; i < 50; ++i) cache.put("a", "f" + std::to_string(i % 10), body(200 - 3));
  EXPECT_NE(cache.find("b", "f"), nullptr);
  EXPECT_NE(cache.find("a", "f9"), nullptr);
}

TEST(Fingerprint, TellsApartWhatPlainConcatenationWouldNot) {
  const auto bytes = [](auto build) {
    Fingerprint f;
    build(f);
    return f.bytes();
  };
  EXPECT_EQ(bytes([](Fingerprint& f) { f.add("ab").add(1); }),
            bytes([](Fingerprint& f) { f.add("ab").add(1); }));
  EXPECT_NE(bytes([](Fingerprint& f) { f.add("ab").add("c"); }),
            bytes([](Fingerprint& f) { f.add("a").add("bc"); }));
  EXPECT_NE(bytes([](Fingerprint& f) { f.add(std::optional<int>{}); }),
            bytes([](Fingerprint& f) { f.add(std::optional<int>{0}); }))
      << "no value is not 0";
  EXPECT_NE(bytes([](Fingerprint& f) { f.add(1.5); }), bytes([](Fingerprint& f) { f.add(2.5); }));
  EXPECT_NE(bytes([](Fingerprint& f) { f.add(1); }), bytes([](Fingerprint& f) { f.add(256); }));
}

TEST(VersionedCache, KeepsValuesOnlyUnderTheDataVersionTheyWereReadAt) {
  VersionedCache<int> cache;
  cache.put("k", "v1", 42);
  EXPECT_EQ(cache.find("k", "v1"), 42);
  EXPECT_EQ(cache.find("k", "v2"), std::nullopt) << "a write was committed since";
  EXPECT_EQ(cache.find("other", "v1"), std::nullopt);
  cache.put("k", "v2", 43);
  EXPECT_EQ(cache.find("k", "v1"), std::nullopt);
  EXPECT_EQ(cache.find("k", "v2"), 43);
}

TEST(VersionedCache, NoVersionMeansNoCaching) {
  VersionedCache<int> cache;
  cache.put("k", "", 1);
  EXPECT_EQ(cache.find("k", ""), std::nullopt);
  cache.put("k", "v", 2);
  EXPECT_EQ(cache.find("k", ""), std::nullopt) << "a reader without a version always reads again";
}

TEST(VersionedCache, StartsAgainPastItsSize) {
  VersionedCache<int> cache(3);
  cache.put("a", "v", 1);
  cache.put("b", "v", 2);
  cache.put("c", "v", 3);
  cache.put("c", "v", 4);  // an existing key: no room needed
  EXPECT_EQ(cache.find("a", "v"), 1);
  cache.put("d", "v", 5);
  EXPECT_EQ(cache.find("a", "v"), std::nullopt);
  EXPECT_EQ(cache.find("c", "v"), std::nullopt);
  EXPECT_EQ(cache.find("d", "v"), 5);
}

TEST(VersionedCache, StartsAgainPastItsBytes) {
  // Values weigh what `weigh` says; 3 values of 3,000 bytes fit in 10,000, a fourth does not.
  VersionedCache<std::string> cache(1000, 10'000, [](const std::string& value) { return value.size(); });
  cache.put("a", "v", std::string(3000, 'a'));
  cache.put("b", "v", std::string(3000, 'b'));
  for (int i = 0; i < 50; ++i) cache.put("c", "v", std::string(3000, 'c'));  // replacing: no more room taken
  EXPECT_TRUE(cache.find("a", "v"));
  EXPECT_TRUE(cache.find("b", "v"));
  EXPECT_TRUE(cache.find("c", "v"));
  cache.put("d", "v", std::string(3000, 'd'));
  EXPECT_FALSE(cache.find("a", "v")) << "past the byte bound the cache starts again";
  EXPECT_EQ(cache.find("d", "v"), std::string(3000, 'd'));
  cache.put("huge", "v", std::string(20'000, 'h'));
  EXPECT_FALSE(cache.find("huge", "v")) << "a value larger than the whole bound is not kept";
  EXPECT_TRUE(cache.find("d", "v")) << "and does not push the others out";
}

KeptPage page_of(std::size_t size, const std::string& title = "host.example") {
  return KeptPage{1000, title, body(size)};
}

TEST(HostPageCache, IsKeyedByUserHostAndRange) {
  HostPageCache cache;
  cache.put(/*user_id=*/1, /*host_id=*/2, "24h", "v", page_of(100));
  EXPECT_TRUE(cache.find(1, 2, "24h", "v"));
  EXPECT_FALSE(cache.find(1, 2, "7d", "v")) << "another range";
  EXPECT_FALSE(cache.find(1, 3, "24h", "v")) << "another host";
  EXPECT_FALSE(cache.find(7, 2, "24h", "v")) << "another user";
  EXPECT_FALSE(cache.find(1, 2, "24h", "v2")) << "a write since";
}

TEST(HostPageCache, IsBoundedByTheBytesOfItsPages) {
  // 1 MiB of room and 100 KiB pages: the last pages put are kept, never more than fit.
  HostPageCache cache(1u << 20);
  for (long long host = 1; host <= 100; ++host) cache.put(1, host, "24h", "v", page_of(100 << 10));
  int kept = 0;
  for (long long host = 1; host <= 100; ++host) kept += cache.find(1, host, "24h", "v") ? 1 : 0;
  EXPECT_GE(kept, 1);
  EXPECT_LE(kept, 10);
  EXPECT_TRUE(cache.find(1, 100, "24h", "v"));
}

}  // namespace
}  // namespace semaphore::web
