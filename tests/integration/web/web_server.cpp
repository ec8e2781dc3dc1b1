#include "integration/web/web_server.h"

#include <chrono>
#include <csignal>
#include <stdexcept>

namespace semaphore::testing {

WebServer::WebServer(const std::vector<std::string>& extra, const std::string& command)
    : dir_("semaphore-web") {
  port_ = free_tcp_port();
  std::vector<std::string> argv = {semaphore_binary(),    command,    "--db",
                                   "sqlite:" + db_path(), "--listen", "127.0.0.1:" + std::to_string(port_)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<ChildProcess>(argv, dir_.file("server.log"));
  if (!wait_for_tcp_port(port_, std::chrono::seconds(20))) {
    throw std::runtime_error("the server did not start:\n" + process_->log());
  }
}

WebServer::~WebServer() {
  if (process_ && process_->running()) process_->stop(SIGTERM);
}

HttpResponse sign_up(HttpClient& client, const std::string& email, const std::string& password) {
  const std::string token = client.csrf_from("/signup");
  return client.post("/signup", {{"csrf_token", token}, {"email", email}, {"password", password}});
}

HttpResponse sign_in(HttpClient& client, const std::string& email, const std::string& password,
                     const std::string& next) {
  const std::string token = client.csrf_from("/signin");
  std::vector<std::pair<std::string, std::string>> fields = {
      {"csrf_token", token}, {"email", email}, {"password", password}};
  if (!next.empty()) fields.emplace_back("next", next);
  return client.post("/signin", fields);
}

HttpResponse add_host(HttpClient& client, const std::string& hostname, const std::string& provider,
                      const std::string& service, const std::string& label) {
  const std::string token = client.csrf_from("/manage");
  return client.post("/manage/hosts", {{"csrf_token", token},
                                       {"hostname", hostname},
                                       {"provider", provider},
                                       {"service", service},
                                       {"label", label}});
}

long long host_id(HttpClient& client, const std::string& hostname) {
  const std::string body = client.get("/api/v1/hosts?limit=1000").body;
  const std::string marker = "\"hostname\":\"" + hostname + "\"";
  const auto at = body.find(marker);
  if (at == std::string::npos) return 0;
  const auto id_at = body.rfind("\"id\":", at);
  return std::stoll(body.substr(id_at + 5));
}

}  // namespace semaphore::testing
