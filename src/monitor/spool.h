#pragma once
// The spool: where results go while the database cannot take them (DESIGN.md §5), so that an outage of any
// length loses nothing that reached this process.
//
// Files `<dir>/<prefix>-<created ms>-<pid>-<n>.spool`, text, one record per batch:
//     batch <rows> <fnv1a-64 hex of the rows' text>\n
//     <host_id> <ts> <sent> <received> <min> <avg> <max> <median> <stddev> <error> <method> <refused>
//     <location>\n
// (x rows, each on one line; method is ProbeKind's stored number, location the locations row's id. Rows of
// files written before issue 15 end at <error> and replay as icmp rows with nothing refused; rows of files
// written before issue 16 end at <refused> and replay as the `local` location's, id 1.) Doubles are written
// in the shortest form that reads back exactly, "-" for none; the error is percent-encoded. Each append is
// one write() and one fdatasync(): a batch is spooled once append() returns. A crash in the middle of an
// append leaves a torn last record, which the checksum detects and replay skips (that batch was never
// acknowledged).
//
// Files are guarded with flock(): the file being appended to is locked by its writer, and a replayer takes
// the lock before reading, so several processes sharing a spool directory never replay a file twice at once
// or read one that is still growing. Replaying twice would be harmless anyway: inserts are idempotent.
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace semaphore::monitor {

// One spool file taken for replay: its batches, and the lock that keeps other replayers away.
// The checksum each spool record carries (FNV-1a, 64 bits, of its body): a torn or damaged record fails it.
std::uint64_t spool_checksum(std::string_view body);

class SpoolFile {
 public:
  SpoolFile() = default;
  SpoolFile(SpoolFile&& other) noexcept;
  SpoolFile& operator=(SpoolFile&& other) noexcept;
  ~SpoolFile();

  const std::string& path() const { return path_; }
  const std::vector<std::vector<store::PingResult>>& batches() const { return batches_; }
  bool torn() const { return torn_; }  // a damaged tail was skipped
  std::int64_t size_bytes() const { return size_; }

 private:
  friend class Spool;
  std::string path_;
  int fd_ = -1;
  std::int64_t size_ = 0;
  bool torn_ = false;
  std::vector<std::vector<store::PingResult>> batches_;
};

class Spool {
 public:
  // Creates `dir` if needed. `max_bytes` bounds the directory's spool files in all.
  Spool(std::string dir, std::string prefix, std::int64_t max_bytes);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends one batch as one record and syncs it to disk. Errc::limit_exceeded when the spool would grow past
  // max_bytes; Errc::unavailable when the directory or file cannot be written. Thread-safe.
  Status append(std::span<const store::PingResult> batch);

  // Closes the file being appended to, so that it becomes replayable. The next append starts a new file.
  void seal();

  // True when no spool file (sealed or not, of any process) is in the directory.
  bool empty() const;

  // Takes the oldest sealed spool file that no other process holds, parsed. Errc::not_found when there is
  // none. A file that cannot be parsed at all is renamed to *.bad (kept for the operator) and skipped.
  Result<SpoolFile> take_oldest();

  // Deletes a replayed file (and releases its lock).
  Status remove(SpoolFile& file);

  std::int64_t bytes() const;
  const std::string& dir() const { return dir_; }

  // The record for one batch, as appended (exposed for tests).
  static std::string encode(std::span<const store::PingResult> batch);

 private:
  Status open_current_locked();
  std::vector<std::string> list_files() const;

  std::string dir_;
  std::string prefix_;
  std::int64_t max_bytes_;
  mutable std::mutex mutex_;
  int current_fd_ = -1;
  std::string current_path_;
  int sequence_ = 0;
  std::int64_t current_size_ = 0;  // of the file being appended to: rotated past kMaxFileBytes
  static constexpr std::int64_t kMaxFileBytes = 8 << 20;
  std::int64_t bytes_ = 0;  // of every spool file in the directory, as last scanned plus appended
};

}  // namespace semaphore::monitor
