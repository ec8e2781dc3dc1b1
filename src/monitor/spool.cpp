#include "monitor/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/url/encode.hpp>
#include <boost/url/grammar/alnum_chars.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/grammar/string_token.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include "store/result_location.h"

namespace semaphore::monitor {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kSuffix = ".spool";

void put_double(std::string& out, const std::optional<double>& value) {
  if (!value) {
    out += '-';
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *value);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

// What an error text keeps unescaped in a spool line: no space (the field separator), no newline, no '-'
// (the empty error) and no '%'; everything else is percent-encoded (upper-case hex, as files written by
// earlier versions have it).
constexpr boost::urls::grammar::lut_chars kErrorChars =
    boost::urls::grammar::lut_chars(boost::urls::grammar::alnum_chars) + "_.:";

void put_error(std::string& out, const std::string& error) {
  if (error.empty()) {
    out += '-';
    return;
  }
  boost::urls::encode(error, kErrorChars, {}, boost::urls::string_token::append_to(out));
}

bool take_field(std::string_view& line, std::string_view& field) {
  if (line.empty()) return false;
  const auto space = line.find(' ');
  field = line.substr(0, space);
  line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  return true;
}

template <class T>
bool parse_int(std::string_view text, T& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parse_double(std::string_view text, std::optional<double>& value) {
  if (text == "-") {
    value.reset();
    return true;
  }
  double parsed = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  value = parsed;
  return true;
}

bool parse_error(std::string_view text, std::string& error) {
  error.clear();
  if (text == "-") return true;
  // Fails on a '%' without two hex digits after it (a damaged line).
  const auto encoded = boost::urls::make_pct_string_view(boost::urls::string_view(text.data(), text.size()));
  if (!encoded) return false;
  encoded->decode({}, boost::urls::string_token::assign_to(error));
  return true;
}

bool parse_kind(std::string_view text, ProbeKind& kind) {
  int stored = 0;
  if (!parse_int(text, stored)) return false;
  const auto parsed = probe_kind_from_int(stored);
  if (parsed) kind = *parsed;
  return parsed.has_value();
}

// A row has ten fields, twelve since issue 15 (method, refused), thirteen since issue 16 (the location): a
// file spooled by an earlier version replays as icmp rows (before 15) of the `local` location (before 16).
bool parse_row(std::string_view line, store::PingResult& row) {
  std::string_view f[13];
  for (std::size_t i = 0; i < 10; ++i) {
    if (!take_field(line, f[i])) return false;
  }
  row.method = ProbeKind::icmp;
  row.refused = 0;
  row.location_id = store::kLocalLocationId;
  if (!line.empty() &&
      !(take_field(line, f[10]) && take_field(line, f[11]) && parse_kind(f[10], row.method) &&
        parse_int(f[11], row.refused) && row.refused >= 0)) {
    return false;
  }
  // A location id no row can hold (store/result_location.h) is damage: the store would refuse the batch
  // for ever.
  if (!line.empty() && !(take_field(line, f[12]) && parse_int(f[12], row.location_id) &&
                         store::valid_result_location(row.location_id))) {
    return false;
  }
  return line.empty() && parse_int(f[0], row.host_id) && parse_int(f[1], row.ts) &&
         parse_int(f[2], row.sent) && parse_int(f[3], row.received) && parse_double(f[4], row.min_ms) &&
         parse_double(f[5], row.avg_ms) && parse_double(f[6], row.max_ms) &&
         parse_double(f[7], row.median_ms) && parse_double(f[8], row.stddev_ms) &&
         parse_error(f[9], row.error);
}

// Parses records until the end or the first damaged one. Returns false when not even one record parsed and
// the text is not empty (not a spool file at all).
bool parse_records(std::string_view text, std::vector<std::vector<store::PingResult>>& batches, bool& torn) {
  torn = false;
  while (!text.empty()) {
    const auto header_end = text.find('\n');
    if (header_end == std::string_view::npos) break;
    std::string_view header = text.substr(0, header_end), word, count_text, hash_text;
    std::size_t count = 0;
    std::uint64_t hash = 0;
    if (!take_field(header, word) || word != "batch" || !take_field(header, count_text) ||
        !take_field(header, hash_text) || !parse_int(count_text, count)) {
      break;
    }
    auto [hend, hec] = std::from_chars(hash_text.data(), hash_text.data() + hash_text.size(), hash, 16);
    if (hec != std::errc() || hend != hash_text.data() + hash_text.size()) break;
    std::string_view rest = text.substr(header_end + 1);
    std::size_t body_len = 0;
    bool complete = true;
    for (std::size_t i = 0; i < count; ++i) {
      const auto nl = rest.find('\n', body_len);
      if (nl == std::string_view::npos) {
        complete = false;
        break;
      }
      body_len = nl + 1;
    }
    if (!complete || spool_checksum(rest.substr(0, body_len)) != hash) break;
    std::vector<store::PingResult> batch(count);
    std::string_view body = rest.substr(0, body_len);
    bool good = true;
    for (auto& row : batch) {
      const auto nl = body.find('\n');
      good = good && parse_row(body.substr(0, nl), row);
      body = body.substr(nl + 1);
    }
    if (!good) break;
    batches.push_back(std::move(batch));
    text = rest.substr(body_len);
  }
  if (!text.empty()) torn = true;
  return !(torn && batches.empty());
}

Status io_error(const std::string& what, const std::string& path) {
  return make_error(Errc::unavailable, what + " " + path + ": " + std::strerror(errno));
}

// Spooled rows are the users' data: the directory is made 0700 when this creates it (its parents get the
// usual mode), whatever the umask. A directory that exists keeps the mode its operator gave it.
void create_private_directory(const std::string& dir) {
  fs::path path = fs::path(dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "spool/": the directory is "spool"
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (::mkdir(path.c_str(), 0700) == 0) ::chmod(path.c_str(), 0700);
}

}  // namespace

std::uint64_t spool_checksum(std::string_view body) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bits
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

SpoolFile::SpoolFile(SpoolFile&& other) noexcept {
  *this = std::move(other);
}

SpoolFile& SpoolFile::operator=(SpoolFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    torn_ = other.torn_;
    batches_ = std::move(other.batches_);
  }
  return *this;
}

SpoolFile::~SpoolFile() {
  if (fd_ >= 0) ::close(fd_);
}

Spool::Spool(std::string dir, std::string prefix, std::int64_t max_bytes)
    : dir_(std::move(dir)), prefix_(std::move(prefix)), max_bytes_(max_bytes) {
  create_private_directory(dir_);
  std::error_code ec;
  for (const auto& path : list_files()) bytes_ += static_cast<std::int64_t>(fs::file_size(path, ec));
}

Spool::~Spool() {
  seal();
}

std::string Spool::encode(std::span<const store::PingResult> batch) {
  std::string body;
  body.reserve(batch.size() * 64);
  for (const auto& row : batch) {
    body += std::to_string(row.host_id);
    body += ' ';
    body += std::to_string(row.ts);
    body += ' ';
    body += std::to_string(row.sent);
    body += ' ';
    body += std::to_string(row.received);
    for (const auto* value : {&row.min_ms, &row.avg_ms, &row.max_ms, &row.median_ms, &row.stddev_ms}) {
      body += ' ';
      put_double(body, *value);
    }
    body += ' ';
    put_error(body, row.error);
    body += ' ';
    body += std::to_string(to_int(row.method));
    body += ' ';
    body += std::to_string(row.refused);
    body += ' ';
    body += std::to_string(row.location_id);
    body += '\n';
  }
  char header[64];
  std::snprintf(header, sizeof header, "batch %zu %016llx\n", batch.size(),
                static_cast<unsigned long long>(spool_checksum(body)));
  return header + body;
}

Status Spool::open_current_locked() {
  create_private_directory(dir_);
  // A new file every time (O_EXCL), so that the fchmod below only ever applies to a file made here: 0600
  // whatever the umask.
  for (int attempt = 0; attempt < 100; ++attempt) {
    current_path_ = dir_ + "/" + prefix_ + "-" + std::to_string(now_epoch_ms()) + "-" +
                    std::to_string(::getpid()) + "-" + std::to_string(sequence_++) + std::string(kSuffix);
    current_fd_ = ::open(current_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (current_fd_ >= 0 || errno != EEXIST) break;
  }
  if (current_fd_ < 0) return io_error("cannot create spool file", current_path_);
  ::fchmod(current_fd_, 0600);
  if (::flock(current_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(current_fd_);
    current_fd_ = -1;
    return io_error("cannot lock spool file", current_path_);
  }
  // The new name must survive a crash too: sync the directory entry once.
  const int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

Status Spool::append(std::span<const store::PingResult> batch) {
  if (batch.empty()) return {};
  const std::string record = encode(batch);
  std::lock_guard lock(mutex_);
  if (bytes_ + static_cast<std::int64_t>(record.size()) > max_bytes_) {
    return make_error(Errc::limit_exceeded,
                      "spool " + dir_ + " is full (" + std::to_string(bytes_) + " bytes)");
  }
  if (current_fd_ >= 0 && current_size_ >= kMaxFileBytes) {
    // Small files: a replay is one file at a time, so a long outage does not become one huge replay.
    ::close(current_fd_);
    current_fd_ = -1;
  }
  if (current_fd_ < 0) {
    current_size_ = 0;
    if (auto opened = open_current_locked(); !opened) return opened;
  }
  std::size_t done = 0;
  while (done < record.size()) {
    const ssize_t n = ::write(current_fd_, record.data() + done, record.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Whatever part went out is a torn record that replay will skip; start a fresh file next time.
      Status failed = io_error("cannot write spool file", current_path_);
      ::close(current_fd_);
      current_fd_ = -1;
      return failed;
    }
    done += static_cast<std::size_t>(n);
  }
  bytes_ += static_cast<std::int64_t>(record.size());
  current_size_ += static_cast<std::int64_t>(record.size());
  if (::fdatasync(current_fd_) != 0) return io_error("cannot sync spool file", current_path_);
  return {};
}

void Spool::seal() {
  std::lock_guard lock(mutex_);
  if (current_fd_ >= 0) {
    ::close(current_fd_);
    current_fd_ = -1;
  }
}

std::vector<std::string> Spool::list_files() const {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) files.push_back(it->path().string());
  }
  // Names carry the creation time in ms: sort by it so the oldest replays first.
  auto created = [](const std::string& path) {
    const std::string name = fs::path(path).filename().string();
    const auto first = name.rfind('-', name.rfind('-', name.rfind('-') - 1) - 1);
    return std::strtoll(name.c_str() + first + 1, nullptr, 10);
  };
  std::sort(files.begin(), files.end(), [&](const auto& a, const auto& b) {
    const auto ca = created(a), cb = created(b);
    return ca != cb ? ca < cb : a < b;
  });
  return files;
}

bool Spool::empty() const {
  return list_files().empty();
}

std::int64_t Spool::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

Result<SpoolFile> Spool::take_oldest() {
  std::string current;
  {
    std::lock_guard lock(mutex_);
    if (current_fd_ >= 0) current = current_path_;
  }
  for (const auto& path : list_files()) {
    if (path == current) continue;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // gone meanwhile: replayed by another process
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    SpoolFile file;
    file.path_ = path;
    file.fd_ = fd;
    std::string text;
    char buffer[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return make_error(Errc::unavailable, "cannot read spool file " + path);
      if (n == 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
    file.size_ = static_cast<std::int64_t>(text.size());
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_nlink == 0) continue;  // unlinked after we listed it
    if (!parse_records(text, file.batches_, file.torn_)) {
      spdlog::error("spool file {} is not a spool file; kept as {}.bad", path, path);
      std::error_code ec;
      fs::rename(path, path + ".bad", ec);
      continue;
    }
    return file;
  }
  return make_error(Errc::not_found, "no spool file to replay");
}

Status Spool::remove(SpoolFile& file) {
  if (::unlink(file.path_.c_str()) != 0 && errno != ENOENT)
    return io_error("cannot delete spool file", file.path_);
  {
    std::lock_guard lock(mutex_);
    bytes_ = std::max<std::int64_t>(0, bytes_ - file.size_);
  }
  if (file.fd_ >= 0) ::close(file.fd_);
  file.fd_ = -1;
  return {};
}

}  // namespace semaphore::monitor
