#pragma once
// Helpers shared by the fuzz targets.
#include <cstdio>
#include <cstdlib>

// A property the code under test must keep whatever the input. A failure aborts, which libFuzzer reports
// as a crash and saves the input: the same treatment as a sanitizer report, so that a wrong answer is found
// as surely as a wrong memory access. (assert() would vanish under NDEBUG, which RelWithDebInfo sets.)
#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
