// Fuzzes the host-list parser (src/domain/host_list.h) that reads import files and the web's import form.
// Beyond not crashing: every non-blank, non-comment line is accounted for exactly once — an entry or a
// rejection, in line order, with a reason — an entry's target is one parse_target accepts again unchanged,
// and no hostname is kept twice.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/target.h"
#include "domain/host_list.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const semaphore::domain::ParsedHostList parsed = semaphore::domain::parse_host_list(text);
  std::set<int> lines;
  std::set<std::string> hostnames;
  for (const auto& entry : parsed.entries) {
    FUZZ_CHECK(entry.line >= 1);
    FUZZ_CHECK(lines.insert(entry.line).second);
    FUZZ_CHECK(hostnames.insert(entry.target.text).second);
    const auto again = semaphore::parse_target(entry.target.text);
    FUZZ_CHECK(again && again->text == entry.target.text && again->kind == entry.target.kind);
  }
  for (const auto& rejected : parsed.rejected) {
    FUZZ_CHECK(rejected.line >= 1);
    FUZZ_CHECK(lines.insert(rejected.line).second);
    FUZZ_CHECK(!rejected.reason.empty());
  }
  // No line past the last one: a line number names a line of the input.
  std::size_t line_count = 1;
  for (char c : text) line_count += c == '\n' ? 1 : 0;
  FUZZ_CHECK(lines.empty() || static_cast<std::size_t>(*lines.rbegin()) <= line_count);
  return 0;
}
