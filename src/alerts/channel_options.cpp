#include "alerts/channel_options.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

#include "core/ascii.h"
#include "core/email.h"
#include "core/text.h"

namespace semaphore::alerts {
namespace {

namespace json = boost::json;

Error invalid(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

bool is_http_kind(std::string_view kind) {
  return kind == "webhook" || kind == "slack" || kind == "discord" || kind == "ntfy";
}

int default_port(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  if (scheme == "smtps") return 465;
  return 25;  // smtp
}

Result<SmtpTls> parse_tls(std::string_view text) {
  if (text == "starttls") return SmtpTls::starttls;
  if (text == "tls") return SmtpTls::tls;
  if (text == "none") return SmtpTls::none;
  return invalid("tls: must be \"starttls\", \"tls\" or \"none\"");
}

Result<std::string> email_address(const json::value& value, std::string_view field) {
  if (!value.is_string()) return invalid(std::string(field) + ": must be an e-mail address (a string)");
  const json::string& text = value.get_string();
  auto normalized = normalize_email(std::string_view(text.data(), text.size()));
  if (!normalized) return invalid(std::string(field) + ": " + normalized.error().message);
  return std::move(normalized).value();
}

Result<EmailOptions> parse_email(const json::object& object, std::string_view url) {
  EmailOptions email;
  for (const auto& member : object) {
    const std::string_view key = member.key();
    if (key != "from" && key != "to" && key != "username" && key != "tls") {
      return invalid(std::string(key) + ": not a setting of e-mail channels (from, to, username, tls)");
    }
  }
  const json::value* from = object.if_contains("from");
  if (from == nullptr) return invalid("from: enter the sender's address");
  auto from_address = email_address(*from, "from");
  if (!from_address) return from_address.error();
  email.from = std::move(from_address).value();

  const json::value* to = object.if_contains("to");
  json::array recipients;
  if (to != nullptr && to->is_string()) {
    recipients.push_back(*to);
  } else if (to != nullptr && to->is_array()) {
    recipients = to->get_array();
  } else if (to != nullptr) {
    return invalid("to: must be a list of e-mail addresses");
  }
  if (recipients.empty() || recipients.size() > kMaxEmailRecipients) {
    return invalid("to: enter 1 to " + std::to_string(kMaxEmailRecipients) + " e-mail addresses");
  }
  for (const auto& recipient : recipients) {
    auto address = email_address(recipient, "to");
    if (!address) return address.error();
    if (std::find(email.to.begin(), email.to.end(), *address) == email.to.end()) {
      email.to.push_back(std::move(address).value());
    }
  }

  if (const json::value* username = object.if_contains("username"); username && !username->is_null()) {
    if (!username->is_string()) return invalid("username: must be a string");
    const std::string_view text(username->get_string().data(), username->get_string().size());
    if (text.size() > 256 || has_control_characters(text)) {
      return invalid("username: at most 256 characters, no control characters");
    }
    email.username = std::string(trim(text));
  }

  const bool implicit_tls = iequals_ascii(url.substr(0, 6), "smtps:");
  email.tls = implicit_tls ? SmtpTls::tls : SmtpTls::starttls;
  if (const json::value* tls = object.if_contains("tls"); tls && !tls->is_null()) {
    if (!tls->is_string()) return invalid("tls: must be \"starttls\", \"tls\" or \"none\"");
    auto mode = parse_tls(std::string_view(tls->get_string().data(), tls->get_string().size()));
    if (!mode) return mode.error();
    email.tls = *mode;
  }
  if (!url.empty()) {
    if (implicit_tls && email.tls != SmtpTls::tls) {
      return invalid(
          "tls: an smtps:// URL means implicit TLS (\"tls\"); use smtp:// for \"starttls\" or \"none\"");
    }
    if (!implicit_tls && email.tls == SmtpTls::tls) {
      return invalid("tls: implicit TLS (\"tls\") needs an smtps:// URL");
    }
  }
  if (email.tls == SmtpTls::none && !email.username.empty()) {
    return invalid(
        "username: a login needs TLS (\"starttls\" or \"tls\"): the password would cross the network "
        "in clear");
  }
  return email;
}

Result<NtfyOptions> parse_ntfy(const json::object& object) {
  NtfyOptions ntfy;
  for (const auto& member : object) {
    if (member.key() != "priority") {
      return invalid(std::string(member.key()) + ": not a setting of ntfy channels (priority)");
    }
  }
  if (const json::value* priority = object.if_contains("priority"); priority && !priority->is_null()) {
    const auto number = priority->if_int64();
    if (number == nullptr || *number < 1 || *number > 5) {
      return invalid("priority: must be a whole number from 1 (min) to 5 (urgent)");
    }
    ntfy.priority = static_cast<int>(*number);
  }
  return ntfy;
}

}  // namespace

const char* to_string(SmtpTls tls) {
  switch (tls) {
    case SmtpTls::starttls:
      return "starttls";
    case SmtpTls::tls:
      return "tls";
    case SmtpTls::none:
      return "none";
  }
  return "starttls";
}

bool is_channel_kind(std::string_view kind) {
  return is_http_kind(kind) || kind == "email";
}

Result<ChannelUrl> parse_channel_url(std::string_view kind, std::string_view input) {
  const std::string_view text = trim(input);
  if (text.empty()) return invalid("enter the channel's URL");
  if (text.size() > kMaxChannelUrlLength) {
    return invalid("the URL is longer than " + std::to_string(kMaxChannelUrlLength) + " characters");
  }
  if (has_control_characters(text) || text.find(' ') != std::string_view::npos) {
    return invalid("the URL may not contain spaces or control characters");
  }
  const bool email = kind == "email";
  const char* wanted = email ? "an smtp:// or smtps:// URL" : "an https:// or http:// URL";
  const auto parsed = boost::urls::parse_uri(boost::urls::string_view(text.data(), text.size()));
  if (!parsed) return invalid(std::string("enter ") + wanted);
  const boost::urls::url_view& url = *parsed;

  ChannelUrl out;
  out.scheme = lower_ascii(url.scheme());
  const bool scheme_ok = email ? (out.scheme == "smtp" || out.scheme == "smtps")
                               : (out.scheme == "http" || out.scheme == "https");
  if (!scheme_ok) return invalid(std::string("enter ") + wanted);
  if (url.has_userinfo()) {
    return invalid(email ? "the URL may not hold a user name or password: use the username setting and the "
                           "password field"
                         : "the URL may not hold a user name or password (user:password@)");
  }
  if (url.has_fragment()) return invalid("the URL may not have a #fragment");
  if (email && (url.has_query() || (!url.encoded_path().empty() && url.encoded_path() != "/"))) {
    return invalid("an e-mail URL names only the server: smtp://host[:port] or smtps://host[:port]");
  }

  switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
      out.host = url.host_ipv4_address().to_string();
      break;
    case boost::urls::host_type::ipv6:
      out.host = url.host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::name: {
      const std::string_view encoded(url.encoded_host().data(), url.encoded_host().size());
      if (encoded.empty()) return invalid("the URL has no host");
      if (encoded.find('%') != std::string_view::npos) return invalid("the URL's host may not be %-encoded");
      auto target = parse_target(encoded);
      if (!target) return invalid("the URL's host: " + target.error().message);
      out.host = target->text;
      break;
    }
    default:
      return invalid("the URL has no host");
  }
  if (auto address = IpAddress::parse(out.host)) {
    out.address = address->unmapped();
    out.host = out.address->to_string();
  }

  out.port = default_port(out.scheme);
  if (url.has_port()) {
    const auto port = url.port_number();
    if (url.port().empty() || port == 0) return invalid("the URL's port must be a number from 1 to 65535");
    out.port = port;
  }
  return out;
}

Result<std::string> check_channel_url(std::string_view kind, std::string_view url,
                                      std::optional<TargetPolicy> policy) {
  auto parsed = parse_channel_url(kind, url);
  if (!parsed) return parsed.error();
  if (policy && parsed->address) {
    if (auto allowed = check_target_address(*parsed->address, *policy); !allowed) {
      return invalid(parsed->host + " is not an allowed destination on this server");
    }
  }
  return std::string(trim(url));
}

Result<ChannelOptions> parse_channel_options(std::string_view kind, std::string_view text,
                                             std::string_view url) {
  const std::string_view trimmed = trim(text);
  json::object object;
  if (!trimmed.empty()) {
    if (trimmed.size() > 16 * 1024) return invalid("options: too long");
    boost::system::error_code ec;
    json::value value = json::parse(json::string_view(trimmed.data(), trimmed.size()), ec);
    if (ec || !value.is_object()) return invalid("options: must be a JSON object");
    object = std::move(value.get_object());
  }
  ChannelOptions options;
  if (kind == "email") {
    auto email = parse_email(object, trim(url));
    if (!email) return email.error();
    options.email = std::move(email).value();
  } else if (kind == "ntfy") {
    auto ntfy = parse_ntfy(object);
    if (!ntfy) return ntfy.error();
    options.ntfy = *ntfy;
  } else if (is_http_kind(kind)) {
    if (!object.empty()) {
      return invalid(std::string(object.begin()->key()) + ": " + std::string(kind) +
                     " channels have no settings");
    }
  } else {
    return invalid("kind: must be webhook, slack, discord, ntfy or email");
  }
  return options;
}

std::string channel_options_json(std::string_view kind, const ChannelOptions& options) {
  json::object object;
  if (kind == "email") {
    object["from"] = options.email.from;
    json::array to;
    for (const auto& address : options.email.to) to.emplace_back(address);
    object["to"] = std::move(to);
    if (!options.email.username.empty()) object["username"] = options.email.username;
    object["tls"] = to_string(options.email.tls);
  } else if (kind == "ntfy" && options.ntfy.priority) {
    object["priority"] = *options.ntfy.priority;
  }
  return json::serialize(object);
}

std::optional<ChannelIssue> check_channel(store::ChannelRecord& channel, std::optional<TargetPolicy> policy) {
  if (!is_channel_kind(channel.kind)) {
    return ChannelIssue{"kind", "must be webhook, slack, discord, ntfy or email"};
  }
  auto url = check_channel_url(channel.kind, channel.url, policy);
  if (!url) return ChannelIssue{"url", url.error().message};
  if (channel.secret.size() > kMaxChannelSecretLength || has_control_characters(channel.secret)) {
    return ChannelIssue{"secret", "at most " + std::to_string(kMaxChannelSecretLength) +
                                      " characters, no control characters"};
  }
  if (channel.kind == "webhook" && channel.secret.size() < 16) {
    return ChannelIssue{"secret", "a webhook's signing secret has at least 16 characters"};
  }
  auto options = parse_channel_options(channel.kind, channel.options, *url);
  if (!options) {
    const std::string& message = options.error().message;
    const auto colon = message.find(": ");
    if (colon == std::string::npos) return ChannelIssue{"options", message};
    const std::string field = message.substr(0, colon);
    return ChannelIssue{field == "options" ? field : "options." + field, message.substr(colon + 2)};
  }
  channel.url = std::move(url).value();
  channel.options = channel_options_json(channel.kind, *options);
  return std::nullopt;
}

std::string make_webhook_secret() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> text{};
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string("whsec_") + text.data();
}

}  // namespace semaphore::alerts
