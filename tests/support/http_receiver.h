#pragma once
// A tiny HTTP/1.1 receiver on 127.0.0.1 for tests of outgoing notifications (webhooks, Send test): it
// accepts one request per connection, records it (method, target, headers lower-cased, body) and answers
// with a status and body the test chose (200 "ok" unless told otherwise), then closes. POSIX sockets and one
// thread: no HTTP library, so any test can link it. Bounded: headers up to 64 KiB, bodies up to 1 MiB. It can
// stop listening (connections refused, like a receiver that is down) and listen again on the same port.
//
// Also the independent check of a webhook's signature (libsodium's HMAC-SHA256, not the code under test), as
// a receiver following the README does it.
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace semaphore::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::chrono::steady_clock::time_point at;  // when the whole request had been read (before the answer)
};

class HttpReceiver {
 public:
  HttpReceiver();  // listens on a free port of 127.0.0.1; throws std::runtime_error if it cannot
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;
  void answer_with(int status) { status_.store(status); }
  // The status and the body of the answers from now on ("ok" until told otherwise).
  void answer_with(int status, std::string body) {
    const std::lock_guard lock(mutex_);
    body_ = std::move(body);
    status_.store(status);
  }
  // One answer for the next request only; queued answers go out in order, before the standing one.
  void queue_answer(int status, std::string body) {
    const std::lock_guard lock(mutex_);
    queued_.emplace_back(status, std::move(body));
  }
  std::vector<ReceivedRequest> received() const;
  // Waits until at least `count` requests came in (or the timeout passed); true if they did.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;

  void close();   // stops listening: connections to the port are refused until reopen()
  void reopen();  // listens again on the same port

 private:
  void listen_on(int port);
  void serve();
  void handle(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> status_{200};
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> received_;
  std::string body_ = "ok";                         // guarded
  std::deque<std::pair<int, std::string>> queued_;  // guarded
  std::thread thread_;
};

// Whether `signature_header` ("sha256=<hex>") is HMAC-SHA256(secret, timestamp + "." + body).
bool webhook_signature_valid(const std::string& secret, const std::string& timestamp, const std::string& body,
                             const std::string& signature_header);

}  // namespace semaphore::testing
