#include "alerts/time_zone.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace semaphore::alerts {
namespace {

std::int64_t read_be(const unsigned char* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | p[i];
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
  return static_cast<std::int64_t>(value);
}

struct Counts {
  std::int64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
  // The size of a data block with `time_bytes`-byte times.
  std::int64_t block(int time_bytes) const {
    return timecnt * time_bytes + timecnt + typecnt * 6 + charcnt + leapcnt * (time_bytes + 4) + isstdcnt +
           isutcnt;
  }
};

std::optional<Counts> read_header(const std::string& data, std::size_t at) {
  if (data.size() < at + 44 || data.compare(at, 4, "TZif") != 0) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at + 20);
  Counts c{read_be(p, 4),      read_be(p + 4, 4),  read_be(p + 8, 4),
           read_be(p + 12, 4), read_be(p + 16, 4), read_be(p + 20, 4)};
  if (c.isutcnt < 0 || c.isstdcnt < 0 || c.leapcnt < 0 || c.timecnt < 0 || c.typecnt <= 0 || c.charcnt < 0 ||
      c.timecnt > 100000 || c.typecnt > 256) {
    return std::nullopt;
  }
  return c;
}

// The file's bytes when it is a regular file of at most 1 MiB (never throws: a directory, a missing file or
// a read error is nullopt).
std::optional<std::string> read_small_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  std::optional<std::string> data;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size <= (1 << 20)) {
    std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got == bytes.size()) data = std::move(bytes);
  }
  ::close(fd);
  return data;
}

}  // namespace

bool plausible_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '+' || c == '-';
  });
}

TimeZone TimeZone::utc() {
  TimeZone zone;
  zone.name_ = "UTC";
  return zone;
}

std::optional<TimeZone> TimeZone::load(std::string_view name) {
  if (!plausible_zone_name(name)) return std::nullopt;
  if (name == "UTC") return utc();
  const char* dir = std::getenv("TZDIR");
  const std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  auto data = read_small_file(path);
  if (!data) return std::nullopt;
  return parse(name, *data);
}

std::optional<TimeZone> TimeZone::parse(std::string_view name, const std::string& data) {
  const auto v1 = read_header(data, 0);
  if (!v1 || data[4] < '2') return std::nullopt;  // version 2+: the 64-bit block follows the 32-bit one
  const std::size_t second = 44 + static_cast<std::size_t>(v1->block(4));
  const auto c = read_header(data, second);
  if (!c || data.size() < second + 44 + static_cast<std::size_t>(c->block(8))) return std::nullopt;

  const auto* p = reinterpret_cast<const unsigned char*>(data.data() + second + 44);
  const auto* indexes = p + c->timecnt * 8;
  const auto* types = indexes + c->timecnt;
  const auto type_offset = [&](std::int64_t type) -> std::optional<std::int32_t> {
    if (type < 0 || type >= c->typecnt) return std::nullopt;
    return static_cast<std::int32_t>(read_be(types + type * 6, 4));
  };

  TimeZone zone;
  zone.name_ = std::string(name);
  // Before the first transition: the first standard-time type (RFC 8536 3.2), else type 0.
  std::int64_t first = 0;
  for (std::int64_t t = 0; t < c->typecnt; ++t) {
    if (types[t * 6 + 4] == 0) {
      first = t;
      break;
    }
  }
  zone.initial_offset_ = *type_offset(first);
  for (std::int64_t i = 0; i < c->timecnt; ++i) {
    const auto offset = type_offset(indexes[i]);
    if (!offset) return std::nullopt;
    zone.transitions_.push_back(read_be(p + i * 8, 8));
    zone.offsets_.push_back(*offset);
  }
  if (!std::is_sorted(zone.transitions_.begin(), zone.transitions_.end())) return std::nullopt;
  return zone;
}

std::int32_t TimeZone::offset_at(EpochMs at) const {
  const std::int64_t seconds = at >= 0 ? at / 1000 : (at - 999) / 1000;
  const auto after = std::upper_bound(transitions_.begin(), transitions_.end(), seconds);
  if (after == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<std::size_t>(after - transitions_.begin() - 1)];
}

const TimeZone* TimeZones::find(const std::string& name) {
  auto found = zones_.find(name);
  if (found == zones_.end()) {
    if (zones_.size() >= 1000) zones_.clear();  // bound: the names come from users' windows
    found = zones_.emplace(name, TimeZone::load(name)).first;
  }
  return found->second ? &*found->second : nullptr;
}

}  // namespace semaphore::alerts
