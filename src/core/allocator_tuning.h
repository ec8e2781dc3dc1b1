#pragma once
// How the web server asks glibc's malloc to treat memory it frees (semaphore serve and run).

namespace semaphore {

// Keeps freed memory in malloc's arenas for the next request instead of handing it back to the kernel at
// once. A /report miss at 10,000 hosts builds and frees a few MB of vectors (the latest rounds, the host
// statuses); with glibc's defaults each such block above the dynamic mmap threshold, and each arena top past
// the trim threshold, went back to the kernel and the next miss faulted every page in again: a fifth of the
// miss's CPU was page faults (bench/web/README.md). Blocks up to 32 MiB (the most mallopt takes) come from
// the arenas, and an arena keeps up to 64 MiB free at its top; the cost is that the resident size stays near
// its peak instead of falling back between peaks. Call once, before the threads start.
void keep_freed_memory_for_reuse();

}  // namespace semaphore
