#include "domain/host_input.h"

#include <cctype>

#include "core/ip_address.h"
#include "core/probe_method.h"
#include "core/provider.h"
#include "core/text.h"

namespace semaphore::domain {

std::string HostErrors::first() const {
  for (const std::string* message : {&hostname, &provider, &service, &label, &probe}) {
    if (!message->empty()) return *message;
  }
  return {};
}

std::optional<store::Host> validate_host(const HostInput& input, TargetPolicy policy, HostErrors& errors) {
  store::Host host;
  if (auto target = parse_target(input.hostname)) {
    host.hostname = target->text;
    if (target->kind != TargetKind::hostname) {
      const auto address = IpAddress::parse(target->text);
      if (!address) {
        errors.hostname = "That is not a valid IP address.";
      } else if (auto allowed = check_target_address(*address, policy); !allowed) {
        errors.hostname = "This address cannot be monitored: " + allowed.error().message + ".";
      }
    }
  } else {
    std::string message = target.error().message;
    if (!message.empty())
      message[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(message[0])));
    errors.hostname = message + (message.ends_with(".") ? "" : ".");
  }
  if (input.provider.empty()) {
    host.provider = Provider::other;
  } else if (auto provider = parse_provider(input.provider)) {
    host.provider = *provider;
  } else {
    errors.provider = "Choose AWS, GCP, Azure or Other.";
  }
  if (auto service = clean_text_field(input.service, kMaxServiceChars, "The service")) {
    host.service = std::move(*service);
  } else {
    errors.service = service.error().message;
  }
  if (auto label = clean_text_field(input.label, kMaxLabelChars, "The label")) {
    host.label = std::move(*label);
  } else {
    errors.label = label.error().message;
  }
  if (trim(input.probe).empty()) {
    host.probe = ProbeSpec{};
  } else {
    std::string why;
    if (auto probe = parse_probe_spec(input.probe, why)) {
      host.probe = *probe;
    } else {
      errors.probe = why;
    }
  }
  host.enabled = input.enabled;
  if (errors.any()) return std::nullopt;
  return host;
}

Result<std::string> clean_text_field(std::string_view input, std::size_t max_chars, std::string_view what) {
  const std::string_view text = trim(input);
  if (has_control_characters(text)) {
    return make_error(Errc::invalid_argument, std::string(what) + " cannot contain control characters.");
  }
  if (utf8_length(text) > max_chars) {
    return make_error(Errc::invalid_argument, std::string(what) + " can be at most " +
                                                  std::to_string(max_chars) + " characters long.");
  }
  return std::string(text);
}

}  // namespace semaphore::domain
