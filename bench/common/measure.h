#pragma once
// Figures every benchmark computes the same way: a percentile of a sample, and what /proc says about a
// process (its CPU time, with its reaped children's; a process tree's; its peak resident set).
#include <sys/types.h>

#include <vector>

namespace semaphore::bench {

// The p-quantile (p in [0, 1]) of `values` by rank: the element at floor(p * n), the last for p = 1. NaN
// when empty.
double percentile(std::vector<double> values, double p);

// User + system CPU seconds of process `pid` so far, all its threads, plus those of its children it has
// waited for (cutime, cstime); -1 when it is gone.
double cpu_seconds_with_reaped(pid_t pid);

// CPU seconds of `root` and of its live children (each with its reaped children): a server that forks a
// process per connection, as PostgreSQL does, counted whole — children that ended are in the root's
// reaped time. -1 when `root` is gone.
double process_tree_cpu_seconds(pid_t root);

// Peak resident set (VmHWM) of process `pid` in KiB; 0 when unknown.
long peak_rss_kb(pid_t pid);

}  // namespace semaphore::bench
