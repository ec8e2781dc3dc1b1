#include "probe/probe_cookie.h"

#include <sodium/crypto_shorthash.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace semaphore::probe {

static_assert(crypto_shorthash_KEYBYTES == 16 && crypto_shorthash_BYTES == 8);

ProbeCookies::ProbeCookies() {
  std::size_t filled = 0;
  while (filled < key_.size()) {
    const ssize_t n = ::getrandom(key_.data() + filled, key_.size() - filled, 0);
    if (n > 0) {
      filled += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {  // no getrandom (a very old kernel): the C++ library's source instead
      std::random_device device;
      for (std::size_t i = filled; i < key_.size(); ++i) key_[i] = static_cast<std::uint8_t>(device());
      return;
    }
  }
}

std::uint64_t ProbeCookies::of(std::uint32_t serial) const {
  unsigned char in[4];
  std::memcpy(in, &serial, sizeof in);
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, in, sizeof in, key_.data());
  std::uint64_t cookie = 0;
  std::memcpy(&cookie, out, sizeof cookie);
  return cookie;
}

}  // namespace semaphore::probe
