#include "agent/agent_client.h"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <exception>
#include <utility>

#include "core/ascii.h"
#include "core/curl_library.h"
#include "core/ip_address.h"
#include "core/text.h"
#include "core/version.h"

namespace semaphore::agent {
namespace {

Error invalid(std::string message) {
  return make_error(Errc::invalid_argument, std::move(message));
}

bool loopback_host(std::string host) {
  host = lower_ascii(host);
  if (host == "localhost") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto parsed = IpAddress::parse(host);
  if (!parsed) return false;
  const IpAddress address = parsed->unmapped();
  if (address.family == AddressFamily::v4) return address.bytes[0] == 127;
  static const IpAddress kIpv6Loopback = *IpAddress::parse("::1");
  return address == kIpv6Loopback;
}

struct Collected {
  std::string* body = nullptr;
  std::size_t limit = 0;
  bool overflowed = false;
};

size_t collect_body(char* data, size_t size, size_t count, void* user) {
  auto* collected = static_cast<Collected*>(user);
  const size_t bytes = size * count;
  if (collected->body->size() + bytes > collected->limit) {
    collected->overflowed = true;
    return 0;  // ends the transfer (CURLE_WRITE_ERROR)
  }
  collected->body->append(data, bytes);
  return bytes;
}

// "Name: value\r\n" lines: keeps ETag and Retry-After.
size_t collect_header(char* data, size_t size, size_t count, void* user) {
  auto* reply = static_cast<Reply*>(user);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    const std::string name = lower_ascii(line.substr(0, colon));
    const std::string value(trim(line.substr(colon + 1)));
    if (name == "etag") reply->etag = value;
    if (name == "retry-after") reply->retry_after = value;
  }
  return bytes;
}

}  // namespace

Status check_server_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(boost::urls::string_view(text.data(), text.size()));
  if (!parsed) return invalid("--server must be a URL such as https://semaphore.example.com");
  const auto& url = *parsed;
  const std::string scheme(url.scheme());
  if (scheme != "https" && scheme != "http") return invalid("--server must be an https:// URL");
  if (url.has_userinfo()) return invalid("--server must not hold a user or password");
  if (url.has_query() || url.has_fragment() || (!url.path().empty() && url.path() != "/")) {
    return invalid("--server is the server's base URL, with no path or query (https://host[:port])");
  }
  if (url.host().empty()) return invalid("--server must name a host");
  if (scheme == "http" && !loopback_host(std::string(url.host()))) {
    return invalid(
        "--server must be https:// (plain http would send the agent token in the clear); http is only for "
        "a server on this machine's loopback");
  }
  return {};
}

AgentClient::AgentClient(ClientOptions options) : options_(std::move(options)) {
  while (!options_.server.empty() && options_.server.back() == '/') options_.server.pop_back();
}

AgentClient::~AgentClient() {
  if (handle_ != nullptr) curl_library().easy_cleanup(static_cast<CURL*>(handle_));
}

Result<Reply> AgentClient::get(std::string_view path, const std::string& etag) {
  return perform(path, nullptr, etag);
}

Result<Reply> AgentClient::post_json(std::string_view path, const std::string& body) {
  return perform(path, &body, {});
}

Result<Reply> AgentClient::perform(std::string_view path, const std::string* body, const std::string& etag) {
  const CurlLibrary* library = nullptr;
  try {
    library = &curl_library();
  } catch (const std::exception& e) {
    return make_error(Errc::internal, e.what());
  }
  const CurlLibrary& curl = *library;
  if (handle_ == nullptr) {
    handle_ = curl.easy_init();
    if (handle_ == nullptr) return make_error(Errc::internal, "could not start a transfer (out of memory?)");
  }
  CURL* easy = static_cast<CURL*>(handle_);
  // Every option is set on every request (a GET after a POST must not keep the POST's body).
  const std::string url = options_.server + std::string(path);
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl.easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl.easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl.easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl.easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl.easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  curl.easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl.easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  // Only when given: NULL would not mean "the default" but "no CA file at all" (CURLOPT_CAINFO(3)), and the
  // file cannot change between requests, so the handle keeps what it was given first.
  if (!options_.ca_file.empty()) curl.easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
  const std::string user_agent = std::string("Semaphore-agent/") + kVersion;
  curl.easy_setopt(easy, CURLOPT_USERAGENT, user_agent.c_str());

  CurlStringList headers(curl);
  headers.add("Authorization: Bearer " + options_.token);
  headers.add("Accept: application/json");
  if (!etag.empty()) headers.add("If-None-Match: " + etag);
  if (body != nullptr) {
    headers.add("Content-Type: application/json");
    curl.easy_setopt(easy, CURLOPT_POST, 1L);
    curl.easy_setopt(easy, CURLOPT_POSTFIELDS, body->data());
    curl.easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else {
    curl.easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  }
  curl.easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());

  Reply reply;
  Collected collected{&reply.body, options_.max_response_bytes, false};
  curl.easy_setopt(easy, CURLOPT_WRITEFUNCTION, &collect_body);
  curl.easy_setopt(easy, CURLOPT_WRITEDATA, &collected);
  curl.easy_setopt(easy, CURLOPT_HEADERFUNCTION, &collect_header);
  curl.easy_setopt(easy, CURLOPT_HEADERDATA, &reply);

  const CURLcode code = curl.easy_perform(easy);
  // The list dies with this call: libcurl must not keep a pointer to it.
  curl.easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
  if (collected.overflowed) {
    return make_error(Errc::unavailable, "the server's answer to " + std::string(path) + " exceeded " +
                                             std::to_string(options_.max_response_bytes >> 20) + " MiB");
  }
  if (code != CURLE_OK) {
    std::string why = error_buffer[0] != '\0' ? std::string(error_buffer) : curl.easy_strerror(code);
    return make_error(Errc::unavailable, options_.server + " did not answer: " + log_safe(why));
  }
  curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace semaphore::agent
