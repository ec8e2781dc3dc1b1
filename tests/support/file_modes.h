#pragma once
// Checking the modes files are created with: a umask that would leave them open to everyone, and a file's
// permission bits.
#include <sys/stat.h>
#include <sys/types.h>

#include <string>

namespace semaphore::testing {

// Sets the umask to 0 for its lifetime: what must be private has to be made so explicitly.
class OpenUmask {
 public:
  OpenUmask() : saved_(::umask(0)) {}
  ~OpenUmask() { ::umask(saved_); }
  OpenUmask(const OpenUmask&) = delete;
  OpenUmask& operator=(const OpenUmask&) = delete;

 private:
  mode_t saved_;
};

// The permission bits of `path` (07777), or 0 when it cannot be read.
inline mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace semaphore::testing
