// Fuzzes the spool reader (Spool::take_oldest in src/monitor/spool.h) with damaged, torn and made-up spool
// files, written to a temporary directory and read back the way the service replays them.
//
// Input: a control byte, two bytes that pick a position, then the file's text. Control bit 0: first give
// every "batch <n> <hash>" header the right checksum for the n lines after it (an FNV-1a the fuzzer cannot
// find by itself), so that the row parser is reached and not only the checksum test. Bits 1-3: a bit to
// flip at the chosen position in the damage test below.
//
// Checks, beyond not crashing:
//  - what the reader accepts, the writer writes back in a form the reader accepts unchanged (Spool::encode
//    is the writer's record format);
//  - a torn file (cut at any byte, as a crash mid-append leaves it) replays a prefix of its batches: every
//    record before the cut, nothing after, and says it was torn;
//  - a flipped bit loses the record it hits and the ones after, never an earlier record, and never
//    changes a value that is replayed.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "monitor/spool.h"

namespace {

namespace fs = std::filesystem;
using semaphore::monitor::Spool;
using semaphore::store::PingResult;
using Batches = std::vector<std::vector<PingResult>>;

std::string g_dir;  // a fresh temporary directory per process, emptied before each input

// Gives each "batch <n> <hash>" header the checksum of the n lines after it, up to the first line that is
// not such a header.
std::string fix_checksums(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const auto header_end = text.find('\n');
    const std::string_view header = text.substr(0, header_end);
    unsigned long count = 0;
    char tail = 0;
    const std::string header_text(header);
    if (header_end == std::string_view::npos ||
        std::sscanf(header_text.c_str(), "batch %lu %*s%c", &count, &tail) != 1) {
      break;
    }
    std::string_view rest = text.substr(header_end + 1);
    std::size_t body = 0;
    for (unsigned long i = 0; i < count && body < rest.size(); ++i) {
      const auto nl = rest.find('\n', body);
      body = nl == std::string_view::npos ? rest.size() : nl + 1;
    }
    char fixed[64];
    std::snprintf(fixed, sizeof fixed, "batch %lu %016llx\n", count,
                  static_cast<unsigned long long>(semaphore::monitor::spool_checksum(rest.substr(0, body))));
    out += fixed;
    out.append(rest.substr(0, body));
    text = rest.substr(body);
  }
  out.append(text);
  return out;
}

bool same_double(const std::optional<double>& a, const std::optional<double>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  if (std::isnan(*a) || std::isnan(*b)) return std::isnan(*a) && std::isnan(*b);
  return *a == *b;
}

bool same(const PingResult& a, const PingResult& b) {
  return a.host_id == b.host_id && a.ts == b.ts && a.sent == b.sent && a.received == b.received &&
         same_double(a.min_ms, b.min_ms) && same_double(a.avg_ms, b.avg_ms) &&
         same_double(a.max_ms, b.max_ms) && same_double(a.median_ms, b.median_ms) &&
         same_double(a.stddev_ms, b.stddev_ms) && a.error == b.error;
}

bool same_batches(const Batches& a, std::size_t a_count, const Batches& b) {
  if (a_count != b.size()) return false;
  for (std::size_t i = 0; i < a_count; ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (std::size_t j = 0; j < a[i].size(); ++j) {
      if (!same(a[i][j], b[i][j])) return false;
    }
  }
  return true;
}

void empty_dir() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(g_dir, ec)) fs::remove(entry.path(), ec);
}

struct Replayed {
  bool taken = false;  // false: the reader found no good record and kept the file aside as *.bad
  bool torn = false;
  Batches batches;
};

// Writes `text` as the only spool file in the directory and replays it as the service does.
Replayed replay(std::string_view text) {
  empty_dir();
  const std::string path = g_dir + "/fuzz-1700000000000-1-0.spool";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);

  Spool spool(g_dir, "fuzz", std::int64_t{1} << 40);
  auto file = spool.take_oldest();
  Replayed replayed;
  if (!file) {
    FUZZ_CHECK(file.error().code == semaphore::Errc::not_found);
    FUZZ_CHECK(!text.empty());  // an empty file is an empty spool file, not a bad one
    FUZZ_CHECK(fs::exists(path + ".bad"));
    return replayed;
  }
  FUZZ_CHECK(file->size_bytes() == static_cast<std::int64_t>(text.size()));
  replayed.taken = true;
  replayed.torn = file->torn();
  replayed.batches = file->batches();
  FUZZ_CHECK(spool.remove(*file).ok());
  FUZZ_CHECK(spool.empty());
  return replayed;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The reader logs every file it puts aside: once per input would drown libFuzzer's own output.
  spdlog::set_level(spdlog::level::off);
  std::string dir = (fs::temp_directory_path() / "semaphore-spool-fuzz-XXXXXX").string();  // $TMPDIR
  if (::mkdtemp(dir.data()) == nullptr) std::abort();
  g_dir = dir;
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(g_dir, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t control = data[0];
  const std::size_t where = static_cast<std::size_t>(data[1]) << 8 | data[2];
  std::string text(reinterpret_cast<const char*>(data + 3), size - 3);
  if ((control & 1) != 0) text = fix_checksums(text);

  const Replayed first = replay(text);
  if (!first.taken) return 0;

  // Written back by the writer's own encoder: read back unchanged, whole.
  std::string written;
  std::vector<std::size_t> ends;  // where each record ends in `written`
  for (const auto& batch : first.batches) {
    written += Spool::encode(batch);
    ends.push_back(written.size());
  }
  const Replayed again = replay(written);
  FUZZ_CHECK(written.empty() || again.taken);
  FUZZ_CHECK(!again.torn);
  FUZZ_CHECK(same_batches(first.batches, first.batches.size(), again.batches));
  if (written.empty()) return 0;

  // Torn at `cut`: the records that end at or before it, and torn unless it falls between two records.
  const std::size_t cut = where % written.size();
  std::size_t whole = 0;
  while (whole < ends.size() && ends[whole] <= cut) ++whole;
  const Replayed torn = replay(std::string_view(written).substr(0, cut));
  if (torn.taken) {
    FUZZ_CHECK(same_batches(first.batches, whole, torn.batches));
    FUZZ_CHECK(torn.torn == (cut != 0 && cut != ends[whole == 0 ? 0 : whole - 1]));
  } else {
    FUZZ_CHECK(whole == 0);  // put aside only when not one record was whole
  }

  // One flipped bit at `cut`: the records before it replay; the rest, where they replay at all (a flip
  // that does not change the record's meaning, such as a hex digit's case), replay unchanged.
  std::string damaged = written;
  damaged[cut] = static_cast<char>(damaged[cut] ^ (1 << ((control >> 1) & 7)));
  const Replayed flipped = replay(damaged);
  if (flipped.taken) {
    FUZZ_CHECK(flipped.batches.size() >= whole && flipped.batches.size() <= first.batches.size());
    FUZZ_CHECK(same_batches(first.batches, flipped.batches.size(), flipped.batches));
  } else {
    FUZZ_CHECK(whole == 0);
  }
  return 0;
}
