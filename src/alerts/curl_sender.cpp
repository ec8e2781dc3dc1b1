#include "alerts/curl_sender.h"

#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <vector>

#include "alerts/channel_options.h"
#include "alerts/channel_payloads.h"
#include "core/curl_library.h"
#include "core/text.h"
#include "core/version.h"

namespace semaphore::alerts {
namespace {

constexpr std::size_t kMaxResponse = 4096;  // of a response body, kept; the rest is read and dropped
constexpr std::size_t kMaxAddresses = 16;   // of one name's resolution

SendOutcome failed(bool retryable, std::string error, std::optional<int> status = std::nullopt) {
  SendOutcome outcome;
  outcome.delivered = false;
  outcome.retryable = retryable;
  outcome.error = std::move(error);
  outcome.status = status;
  return outcome;
}

// The addresses `url`'s host stands for: the literal itself, or every address getaddrinfo gives (at most
// 16, without repeats). Errc::unavailable when the name does not resolve (now).
Result<std::vector<IpAddress>> resolve(const ChannelUrl& url) {
  if (url.address) return std::vector<IpAddress>{*url.address};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(url.host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    return make_error(Errc::unavailable, url.host + " does not resolve" +
                                             (rc == EAI_AGAIN ? std::string(" (DNS did not answer)") : ""));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, &freeaddrinfo);
  std::vector<IpAddress> addresses;
  for (const addrinfo* entry = found; entry != nullptr && addresses.size() < kMaxAddresses;
       entry = entry->ai_next) {
    auto found_address = IpAddress::from_sockaddr(entry->ai_addr);
    if (!found_address) continue;
    const IpAddress address = found_address->unmapped();
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
      addresses.push_back(address);
    }
  }
  if (addresses.empty()) return make_error(Errc::unavailable, url.host + " has no IP address");
  return addresses;
}

// What check_target_address said, as "a loopback address" (its message is "<address> is <what> and cannot
// be monitored"), or a general phrase when it says it differently.
std::string refusal_reason(const IpAddress& address, const std::string& message) {
  const std::string prefix = address.to_string() + " is ";
  const std::string suffix = " and cannot be monitored";
  if (message.rfind(prefix, 0) == 0 && message.size() > prefix.size() + suffix.size() &&
      message.compare(message.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return message.substr(prefix.size(), message.size() - prefix.size() - suffix.size());
  }
  return "a private, loopback, link-local or metadata address";
}

size_t keep_response(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<std::string*>(user);
  const size_t bytes = size * count;
  if (response->size() < kMaxResponse)
    response->append(data, std::min(bytes, kMaxResponse - response->size()));
  return bytes;
}

// Every socket libcurl opens goes through here: a connection to any address but the checked ones is refused.
// CURLOPT_RESOLVE already makes libcurl use only those; this holds even if a lookup of its own slipped past
// the pinned entry (a spelling of the host that the entry does not match, say).
struct SocketGuard {
  const std::vector<IpAddress>* allowed = nullptr;
  std::optional<IpAddress> refused;
};

curl_socket_t open_checked_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* guard = static_cast<SocketGuard*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  const auto target = IpAddress::from_sockaddr(&address->addr);
  if (!target) return CURL_SOCKET_BAD;
  if (std::find(guard->allowed->begin(), guard->allowed->end(), target->unmapped()) ==
      guard->allowed->end()) {
    guard->refused = *target;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t bytes = std::min(size * count, upload->data.size() - upload->offset);
  std::copy_n(upload->data.data() + upload->offset, bytes, buffer);
  upload->offset += bytes;
  return bytes;
}

std::string seconds_text(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

SendOutcome http_outcome(long status, const std::string& host) {
  const int code = static_cast<int>(status);
  if (code >= 200 && code < 300) {
    SendOutcome outcome;
    outcome.delivered = true;
    outcome.status = code;
    return outcome;
  }
  std::string error = "HTTP " + std::to_string(code) + " from " + host;
  if (code >= 300 && code < 400) error += " (redirects are not followed: use the URL it points to)";
  const bool retryable = code == 408 || code == 429 || code >= 500;
  return failed(retryable, std::move(error), code);
}

SendOutcome curl_failure(CURLcode code, long reply, bool smtp, const std::string& host,
                         const CurlSenderOptions& options, const char* detail, const CurlLibrary& curl) {
  const std::optional<int> status = reply > 0 ? std::optional<int>(static_cast<int>(reply)) : std::nullopt;
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return failed(true, "could not connect to " + host + " (connection refused or unreachable)");
    case CURLE_OPERATION_TIMEDOUT:
      return failed(true, host + " did not answer within " + seconds_text(options.total_timeout));
    case CURLE_COULDNT_RESOLVE_HOST:
      return failed(true, host + " does not resolve");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return failed(true, "TLS with " + host + " failed" +
                              (detail[0] != '\0' ? ": " + log_safe(detail) : std::string()));
    case CURLE_LOGIN_DENIED:
      return failed(false, host + " refused the SMTP login", status);
    case CURLE_USE_SSL_FAILED:
      return failed(false, host +
                               " does not offer STARTTLS (set tls to \"tls\" with an smtps:// URL, or "
                               "\"none\")");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return failed(false, "the channel's URL cannot be used: " + std::string(curl.easy_strerror(code)));
    default:
      break;
  }
  if (smtp && status && *status >= 400) {
    // A reply the server gave to MAIL FROM, RCPT TO or DATA: 4xx says "later", 5xx "never".
    return failed(*status < 500, host + " refused the message (SMTP " + std::to_string(*status) + ")",
                  status);
  }
  return failed(true, "sending to " + host + " failed: " + curl.easy_strerror(code), status);
}

}  // namespace

CurlSender::CurlSender(CurlSenderOptions options) : options_(std::move(options)) {}

SendOutcome CurlSender::send(const store::ChannelRecord& channel, const store::Delivery& delivery,
                             const NotificationContext& context) {
  try {
    auto url = parse_channel_url(channel.kind, channel.url);
    if (!url) return failed(false, "the channel's URL is not valid: " + url.error().message);
    auto options = parse_channel_options(channel.kind, channel.options, channel.url);
    if (!options) return failed(false, "the channel's settings are not valid: " + options.error().message);

    auto addresses = resolve(*url);
    if (!addresses) return failed(true, addresses.error().message);
    for (const auto& address : *addresses) {
      if (auto allowed = check_target_address(address, options_.policy); !allowed) {
        const std::string what =
            url->address ? url->host + " is " : url->host + " resolves to " + address.to_string() + ", ";
        return failed(false, what + refusal_reason(address, allowed.error().message) +
                                 ", which this server may not send to");
      }
    }

    const CurlLibrary* library = nullptr;
    try {
      library = &curl_library();
    } catch (const std::exception& e) {
      spdlog::error("alerts: {}", e.what());
      return failed(true, "this server cannot send notifications yet (libcurl is missing: see its log)");
    }
    const CurlLibrary& curl = *library;
    std::unique_ptr<CURL, decltype(curl.easy_cleanup)> handle(curl.easy_init(), curl.easy_cleanup);
    if (!handle) return failed(true, "could not start a transfer (out of memory?)");
    CURL* easy = handle.get();

    const bool smtp = channel.kind == "email";
    const char* protocols = smtp ? "smtp,smtps" : "http,https";
    char error_buffer[CURL_ERROR_SIZE] = {};
    curl.easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl.easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    const std::string target(trim(channel.url));
    curl.easy_setopt(easy, CURLOPT_URL, target.c_str());
    if (curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK) {
      return failed(true, "this server's libcurl cannot send over " + url->scheme);
    }
    curl.easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
    curl.easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(easy, CURLOPT_PROXY, "");  // no proxy from the environment: it would pick the address
    curl.easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl.easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
    curl.easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl.easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) curl.easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    const std::string user_agent = std::string("Semaphore/") + kVersion;
    curl.easy_setopt(easy, CURLOPT_USERAGENT, user_agent.c_str());

    // The connection goes to the addresses checked above and nowhere else.
    CurlStringList pinned(curl);
    if (!url->address) {
      std::string entry = url->host + ":" + std::to_string(url->port) + ":";
      for (std::size_t i = 0; i < addresses->size(); ++i) {
        const IpAddress& address = (*addresses)[i];
        if (i > 0) entry += ",";
        entry += address.family == AddressFamily::v6 ? "[" + address.to_string() + "]" : address.to_string();
      }
      pinned.add(entry);
      curl.easy_setopt(easy, CURLOPT_RESOLVE, pinned.get());
    }

    SocketGuard guard{&*addresses, std::nullopt};
    curl.easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &open_checked_socket);
    curl.easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &guard);

    std::string response;
    curl.easy_setopt(easy, CURLOPT_WRITEFUNCTION, &keep_response);
    curl.easy_setopt(easy, CURLOPT_WRITEDATA, &response);

    CurlStringList headers(curl);
    CurlStringList recipients(curl);
    HttpPayload http;
    EmailPayload email;
    Upload upload;
    if (smtp) {
      email = email_payload(channel, delivery, context, options->email);
      upload.data = email.message;
      curl.easy_setopt(easy, CURLOPT_MAIL_FROM, ("<" + email.from + ">").c_str());
      for (const auto& to : email.to) recipients.add("<" + to + ">");
      curl.easy_setopt(easy, CURLOPT_MAIL_RCPT, recipients.get());
      curl.easy_setopt(easy, CURLOPT_UPLOAD, 1L);
      curl.easy_setopt(easy, CURLOPT_READFUNCTION, &read_upload);
      curl.easy_setopt(easy, CURLOPT_READDATA, &upload);
      curl.easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(email.message.size()));
      curl.easy_setopt(
          easy, CURLOPT_USE_SSL,
          static_cast<long>(options->email.tls == SmtpTls::none ? CURLUSESSL_NONE : CURLUSESSL_ALL));
      if (!options->email.username.empty()) {
        curl.easy_setopt(easy, CURLOPT_USERNAME, options->email.username.c_str());
        curl.easy_setopt(easy, CURLOPT_PASSWORD, channel.secret.c_str());
      }
    } else {
      if (channel.kind == "webhook") {
        http = webhook_payload(channel, delivery, context);
      } else if (channel.kind == "slack") {
        http = slack_payload(delivery, context);
      } else if (channel.kind == "discord") {
        http = discord_payload(delivery, context);
      } else {
        http = ntfy_payload(channel, delivery, context, options->ntfy);
      }
      for (const auto& [name, value] : http.headers) headers.add(name + ": " + header_safe(value));
      headers.add("Expect:");  // no 100-continue round trip
      curl.easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
      curl.easy_setopt(easy, CURLOPT_POST, 1L);
      curl.easy_setopt(easy, CURLOPT_POSTFIELDS, http.body.data());
      curl.easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(http.body.size()));
    }

    // The MAIL FROM argument above is a temporary: libcurl copies string options when they are set.
    const CURLcode code = curl.easy_perform(easy);
    long reply = 0;
    curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply);
    if (guard.refused) {
      return failed(
          false, url->host + " led to " + guard.refused->to_string() + ", which was not checked: not sent");
    }
    if (code != CURLE_OK) return curl_failure(code, reply, smtp, url->host, options_, error_buffer, curl);
    if (smtp) {
      SendOutcome outcome;
      outcome.delivered = true;
      if (reply > 0) outcome.status = static_cast<int>(reply);
      return outcome;
    }
    return http_outcome(reply, url->host);
  } catch (const std::exception& e) {
    spdlog::error("alerts: sending to channel {} failed: {}", channel.id, e.what());
    return failed(true, "an internal error stopped the notification; it will be tried again");
  }
}

}  // namespace semaphore::alerts
