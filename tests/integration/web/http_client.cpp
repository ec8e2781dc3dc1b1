#include "integration/web/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

namespace semaphore::testing {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

HttpResponse parse_response(const std::string& data) {
  HttpResponse response;
  const auto end = data.find("\r\n\r\n");
  if (end == std::string::npos || data.compare(0, 5, "HTTP/") != 0) return response;
  response.status = std::atoi(data.c_str() + 9);
  std::size_t line_start = data.find("\r\n") + 2;
  while (line_start < end) {
    const auto line_end = data.find("\r\n", line_start);
    const std::string line = data.substr(line_start, line_end - line_start);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(value.begin());
      response.headers.emplace_back(lower(line.substr(0, colon)), value);
    }
    line_start = line_end + 2;
  }
  response.body = data.substr(end + 4);
  const std::string length = response.header("content-length");
  if (!length.empty()) response.body.resize(std::min<std::size_t>(response.body.size(), std::stoul(length)));
  return response;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::vector<std::string> HttpResponse::all(const std::string& name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (key == name) values.push_back(value);
  }
  return values;
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string csrf_in(const std::string& html) {
  const std::string marker = "name=\"csrf_token\" value=\"";
  const auto at = html.find(marker);
  if (at == std::string::npos) return "";
  const auto start = at + marker.size();
  return html.substr(start, html.find('"', start) - start);
}

HttpResponse HttpClient::raw(const std::string& request, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return {};
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string data;
  char buffer[16384];
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{fd, POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (::poll(&poll_fd, 1, static_cast<int>(std::max<long long>(1, left.count()))) <= 0) break;
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      closed = true;  // an orderly close (0) or a reset (-1): either way the server ended it
      break;
    }
    data.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  HttpResponse response = parse_response(data);
  response.closed_by_server = closed;
  return response;
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& body, const std::map<std::string, std::string>& headers) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  std::string cookie_header;
  for (const auto& [name, value] : cookies_) {
    cookie_header += (cookie_header.empty() ? "" : "; ") + name + "=" + value;
  }
  if (!cookie_header.empty() && headers.count("Cookie") == 0) text += "Cookie: " + cookie_header + "\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  text += "\r\n" + body;
  HttpResponse response = raw(text);
  for (const std::string& line : response.all("set-cookie")) {
    const auto equals = line.find('=');
    const auto semicolon = line.find(';');
    const std::string name = line.substr(0, equals);
    const std::string value = line.substr(equals + 1, semicolon - equals - 1);
    if (line.find("Max-Age=0") != std::string::npos) {
      cookies_.erase(name);
    } else {
      cookies_[name] = value;
    }
  }
  return response;
}

HttpResponse HttpClient::get(const std::string& target, const std::map<std::string, std::string>& headers) {
  return request("GET", target, "", headers);
}

HttpResponse HttpClient::head(const std::string& target) {
  return request("HEAD", target, "", {});
}

HttpResponse HttpClient::post(const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += (body.empty() ? "" : "&") + url_encode(name) + "=" + url_encode(value);
  }
  return request("POST", target, body, {{"Content-Type", "application/x-www-form-urlencoded"}});
}

std::string HttpClient::cookie(const std::string& name) const {
  const auto it = cookies_.find(name);
  return it == cookies_.end() ? "" : it->second;
}

std::string HttpClient::csrf_from(const std::string& page) {
  return csrf_in(get(page).body);
}

}  // namespace semaphore::testing
