#pragma once
// The text format of a host list, shared by `semaphore host import FILE` and the web's import form:
// one host per line, optionally followed by ",provider,service" and then ",probe" (issue 15: "icmp",
// "tcp", "tcp:22", "both", "both:8443"; core/probe_method.h); blank lines and lines starting with '#' are
// skipped. The service is the rest of the line and may hold commas, so the last field is read as the probe
// only when it names a method (icmp, tcp or both, alone or with ":PORT"); lines written before probe
// methods read as they did. A field that names a method with a bad port rejects the line. Each bad line is
// reported with its number and the reason; the good ones are kept, and become HostInputs that HostService
// validates and adds like any other (so the service's length and the target policy are checked there, once
// for every way hosts come in).
#include <string>
#include <string_view>
#include <vector>

#include "core/probe_method.h"
#include "core/provider.h"
#include "core/target.h"
#include "domain/host_input.h"

namespace semaphore::domain {

struct HostListEntry {
  int line = 0;  // 1-based
  Target target;
  Provider provider = Provider::other;
  std::string service;
  ProbeSpec probe;  // icmp when the line names none
};

struct RejectedLine {
  int line = 0;
  std::string text;    // the line as written (trimmed)
  std::string reason;  // fit to show the user
};

struct ParsedHostList {
  std::vector<HostListEntry> entries;
  std::vector<RejectedLine> rejected;
};

// `default_provider` applies to lines that name none. A hostname repeated within the list is rejected
// on its second appearance ("listed twice, first on line N").
ParsedHostList parse_host_list(std::string_view text, Provider default_provider = Provider::other);

// The entry as the add form would have it (enabled, no label, its probe spec).
HostInput to_host_input(const HostListEntry& entry);

}  // namespace semaphore::domain
