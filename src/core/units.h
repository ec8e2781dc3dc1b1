#pragma once
// Durations and sizes as operators write them in options and environment variables ("1.5s", "64KiB"). One
// grammar for every option, so that a value accepted by one command is accepted by all; the command line
// (src/cli/) decides which range each option allows.
#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace semaphore {

// NUMBER[UNIT]: a decimal number (digits with at most one '.': "2", "1.5", ".5") and a unit of ms, s, m (or
// min), h or d; a bare number counts seconds. Rounded to the nearest millisecond. Errc::invalid_argument,
// with a message that quotes the text, when it is empty, negative, malformed, of an unknown unit or too long
// for 64-bit milliseconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// NUMBER[UNIT] in bytes: a decimal number as above and a unit of B (bytes, the default), k, K or KiB (1024),
// M, m or MiB (1024^2), kB or KB (1000), MB (1000^2). Rounded to the nearest byte. Errc::invalid_argument
// as for parse_duration.
Result<std::uint64_t> parse_size(std::string_view text);

}  // namespace semaphore
