#pragma once
// Each probe's cookie: a keyed hash (SipHash-2-4, libsodium's crypto_shorthash) of the probe's serial
// under a key drawn afresh for every run. An echo reply or an ICMP error counts only when it carries the
// cookie of the probe it claims to answer.
//
// Why not one random cookie per run (as before): whoever controls one of the pinged hosts sees the probes
// sent to it, and with a run-wide cookie learned the cookie of every other probe of the run, enough to
// forge ICMP errors that mark other users' hosts unreachable. With a keyed hash, a probe's cookie says
// nothing about any other probe's: forging one means guessing 64 bits.
#include <array>
#include <cstdint>

namespace semaphore::probe {

class ProbeCookies {
 public:
  // A fresh random key (getrandom).
  ProbeCookies();
  // A given key, for tests.
  explicit ProbeCookies(const std::array<std::uint8_t, 16>& key) : key_(key) {}

  std::uint64_t of(std::uint32_t serial) const;

 private:
  std::array<std::uint8_t, 16> key_{};
};

}  // namespace semaphore::probe
