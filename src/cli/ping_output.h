#pragma once
// How `semaphore ping` prints results (built and written host by host from the engine's compact results,
// so 100,000 hosts need neither a big buffer nor a vector<HostResult>): fping's
// `-C` formats (byte for byte, so that SmokePing's FPing probe can use us in fping's place), a readable
// native form, and JSON.
#include <cstdio>
#include <string>

#include "probe/pinger.h"

namespace semaphore::cli {

// fping's rendering of a time in milliseconds (its sprint_tm): 3 significant decimals below 1 ms, then 2, 1,
// 0.
std::string fping_time(double ms);

// What `fping -C N -q` prints on stderr at the end: one "HOST : t1 t2 -" line per host that resolved,
// names left-aligned to the longest such name.
void fping_summary(std::FILE* out, const probe::CompactResults& results);

// What fping prints on stdout per reply without -q ("HOST : [i], N bytes, t ms (avg ms avg, L% loss)").
// We print them when the run is over, in host order.
void fping_replies(std::FILE* out, const probe::CompactResults& results, int packet_bytes);

// fping's exit code: 2 when a name did not resolve, else 1 when a host never answered, else 0.
int fping_exit_code(const probe::CompactResults& results);

// One line per host, then a summary line. `all_rtts` adds every probe's RTT ("-" for a lost one).
void native_report(std::FILE* out, const probe::CompactResults& results, bool all_rtts, double seconds);

// {"hosts":[...],"summary":{...},"engine":{...}}; lost probes are null in rtts_ms.
void json_report(std::FILE* out, const probe::CompactResults& results, const probe::EngineCounters& counters,
                 double seconds);

}  // namespace semaphore::cli
