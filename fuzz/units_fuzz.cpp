// Fuzzes the duration and size parsers (src/core/units.h) that read every option and SEMAPHORE_* variable.
// Beyond not crashing: a refusal quotes its reason; an accepted value is never negative; a duration written
// back in whole milliseconds ("<n>ms") parses to the same value, and a size written back in bytes likewise,
// so what the parsers accept is a number, not an accident of the text around it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/units.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto duration = semaphore::parse_duration(text)) {
    FUZZ_CHECK(duration->count() >= 0);
    const auto again = semaphore::parse_duration(std::to_string(duration->count()) + "ms");
    FUZZ_CHECK(again && *again == *duration);
  } else {
    FUZZ_CHECK(!duration.error().message.empty());
  }
  if (const auto bytes = semaphore::parse_size(text)) {
    const auto again = semaphore::parse_size(std::to_string(*bytes) + "B");
    FUZZ_CHECK(again && *again == *bytes);
  } else {
    FUZZ_CHECK(!bytes.error().message.empty());
  }
  return 0;
}
