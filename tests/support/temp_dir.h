#pragma once
// A directory under $TMPDIR (or /tmp) that is removed with everything in it when the object dies.
#include <filesystem>
#include <string>

namespace semaphore::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "semaphore-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
int free_tcp_port();

}  // namespace semaphore::testing
