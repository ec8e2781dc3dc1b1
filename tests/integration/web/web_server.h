#pragma once
// The real semaphore binary serving its web UI on a free port over a fresh SQLite database, for HTTP tests.
#include <memory>
#include <string>
#include <vector>

#include "integration/web/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::testing {

class WebServer {
 public:
  // `extra` is appended to `semaphore serve --db ... --listen ...` (e.g. {"--signup", "closed"}).
  explicit WebServer(const std::vector<std::string>& extra = {}, const std::string& command = "serve");
  ~WebServer();

  int port() const { return port_; }
  HttpClient client() const { return HttpClient(port_); }
  std::string log() const { return process_ ? process_->log() : ""; }
  std::string db_path() const { return dir_.file("web.db"); }
  ChildProcess& process() { return *process_; }

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// Signs up `email` with `password` through the forms (GET /signup for the CSRF token, then POST).
HttpResponse sign_up(HttpClient& client, const std::string& email,
                     const std::string& password = "correct horse 1");
HttpResponse sign_in(HttpClient& client, const std::string& email, const std::string& password,
                     const std::string& next = "");
// Adds a host through the manage form; returns the POST's response.
HttpResponse add_host(HttpClient& client, const std::string& hostname, const std::string& provider = "Other",
                      const std::string& service = "", const std::string& label = "");
// The id of the host named `hostname` in /api/v1/hosts (its first 1,000), or 0.
long long host_id(HttpClient& client, const std::string& hostname);

}  // namespace semaphore::testing
