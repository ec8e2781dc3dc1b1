#include "core/allocator_tuning.h"

#include <malloc.h>

namespace semaphore {

void keep_freed_memory_for_reuse() {
  // Setting either turns glibc's dynamic thresholds off, so both are set: the trim threshold alone would
  // leave the mmap threshold at its 128 KiB start, and every block above it mmapped and unmapped each time.
  constexpr int kMmapThreshold = 32 << 20;
  constexpr int kTrimThreshold = 64 << 20;
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

}  // namespace semaphore
