#include "domain/host_list.h"

#include <map>
#include <optional>

#include "core/ascii.h"
#include "core/text.h"

namespace semaphore::domain {
namespace {

// Whether a field names a probe method: icmp, tcp or both (any case), alone or followed by ':'.
bool names_probe_method(std::string_view field) {
  field = trim(field);
  const auto colon = field.find(':');
  const std::string name = lower_ascii(field.substr(0, colon));
  return name == "icmp" || name == "tcp" || name == "both";
}

}  // namespace

ParsedHostList parse_host_list(std::string_view text, Provider default_provider) {
  ParsedHostList parsed;
  std::map<std::string, int> first_line_of;
  int number = 0;
  while (!text.empty() || number == 0) {
    ++number;
    const auto end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty() || line.front() == '#') {
      if (text.empty()) break;
      continue;
    }

    // hostname[,provider[,service[,probe]]]: the service is the rest of the line, so it may itself hold
    // commas; the last field is the probe only when it names a method.
    const auto first_comma = line.find(',');
    const std::string_view host_text = trim(line.substr(0, first_comma));
    std::string_view provider_text, service_text, probe_text;
    if (first_comma != std::string_view::npos) {
      const std::string_view rest = line.substr(first_comma + 1);
      const auto second_comma = rest.find(',');
      provider_text = trim(rest.substr(0, second_comma));
      if (second_comma != std::string_view::npos) service_text = trim(rest.substr(second_comma + 1));
      if (const auto last_comma = service_text.rfind(',');
          last_comma != std::string_view::npos && names_probe_method(service_text.substr(last_comma + 1))) {
        probe_text = trim(service_text.substr(last_comma + 1));
        service_text = trim(service_text.substr(0, last_comma));
      }
    }
    std::string probe_error;
    const auto probe = probe_text.empty() ? std::optional<ProbeSpec>(ProbeSpec{})
                                          : parse_probe_spec(probe_text, probe_error);

    const auto reject = [&](std::string reason) {
      parsed.rejected.push_back(RejectedLine{number, std::string(line), std::move(reason)});
    };
    auto target = parse_target(host_text);
    if (!target) {
      reject(target.error().message);
    } else if (!provider_text.empty() && !parse_provider(provider_text)) {
      reject("unknown provider '" + std::string(provider_text) + "': use AWS, GCP, Azure or Other");
    } else if (!probe) {
      reject("bad probe '" + std::string(probe_text) + "': " + probe_error);
    } else if (auto [it, inserted] = first_line_of.emplace(target->text, number); !inserted) {
      reject(target->text + " is listed twice, first on line " + std::to_string(it->second));
    } else {
      const Provider provider = provider_text.empty() ? default_provider : *parse_provider(provider_text);
      parsed.entries.push_back(
          HostListEntry{number, std::move(target).value(), provider, std::string(service_text), *probe});
    }
    if (text.empty()) break;
  }
  return parsed;
}

HostInput to_host_input(const HostListEntry& entry) {
  return HostInput{entry.target.text,
                   std::string(to_string(entry.provider)),
                   entry.service,
                   "",
                   true,
                   format_probe_spec(entry.probe)};
}

}  // namespace semaphore::domain
