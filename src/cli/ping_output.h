#pragma once
// How `semaphore ping` prints results (built host by host from the engine's compact results, so 100,000 hosts
// need no vector<HostResult>): fping's `-C` formats (byte for byte, so that SmokePing's FPing probe can use
// us in fping's place), a readable native form, and JSON.
//
// Each report goes over the hosts once, prints numbers without printf (whose float formatting cost more than
// the rest of a run's user-space work; the text is the same to the byte) and writes through one 64 KiB
// buffer, so a report of 10,000 hosts is a handful of write(2) calls even on unbuffered stderr. Every report
// returns the HostTally that the exit code needs, so no second pass over the results is made for it.
#include <cstdio>
#include <string>

#include "probe/pinger.h"

namespace semaphore::cli {

// What fping's exit code depends on, noted host by host while a report is printed.
struct HostTally {
  bool unresolved = false;  // a name did not resolve
  bool unanswered = false;  // a host got no reply

  void note(const probe::HostResult& result);
  // fping's exit code: 2 when a name did not resolve, else 1 when a host never answered, else 0.
  int fping_exit_code() const;
};

// fping's rendering of a time in milliseconds (its sprint_tm): 3 significant decimals below 1 ms, then 2, 1,
// 0.
std::string fping_time(double ms);

// What fping prints on stderr for each name that did not resolve ("HOST: reason"), before its replies.
HostTally fping_resolve_errors(std::FILE* out, const probe::CompactResults& results);

// What `fping -C N -q` prints on stderr at the end: one "HOST : t1 t2 -" line per host that resolved,
// names left-aligned to the longest such name. `hosts` is the list `results` was made from.
HostTally fping_summary(std::FILE* out, const probe::HostList& hosts, const probe::CompactResults& results);

// What fping prints on stdout per reply without -q ("HOST : [i], N bytes, t ms (avg ms avg, L% loss)").
// We print them when the run is over, in host order.
HostTally fping_replies(std::FILE* out, const probe::HostList& hosts, const probe::CompactResults& results,
                        int packet_bytes);

// One line per host, then a summary line. `all_rtts` adds every probe's RTT ("-" for a lost one). TCP
// results (`ping --tcp`) add "N refused" to a host whose port answered with RSTs, and an "r" after each
// such RTT.
HostTally native_report(std::FILE* out, const probe::CompactResults& results, bool all_rtts, double seconds);

// {"hosts":[...],"summary":{...},"engine":{...}}; lost probes are null in rtts_ms. `tcp`: each host also
// has "refused" (RST answers, counted in received) and "refused_probes" (per probe), and the engine its
// TCP counters.
HostTally json_report(std::FILE* out, const probe::CompactResults& results,
                      const probe::EngineCounters& counters, double seconds, bool tcp = false);

}  // namespace semaphore::cli
