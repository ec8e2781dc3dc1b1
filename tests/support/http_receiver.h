#pragma once
// A webhook receiver for tests: an HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that records every
// request and answers each with the next queued Answer (200 when none is queued). It can stop listening
// (connections refused, like a receiver that is down) and listen again on the same port. One request per
// connection (the senders under test open one per notification).
//
// Also the independent check of a webhook's signature (libsodium's HMAC-SHA256, not the code under test),
// as a receiver following the README would do it.
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace semaphore::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::chrono::steady_clock::time_point at;
};

struct ReceiverAnswer {
  int status = 200;
  std::chrono::milliseconds delay{0};
};

class HttpReceiver {
 public:
  HttpReceiver();
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const;
  std::string url(const std::string& path = "/hook") const;
  void answer(ReceiverAnswer next);  // queued; later requests get the next one
  std::vector<ReceivedRequest> received() const;
  // Waits until at least `count` requests arrived or `timeout` passed; returns whether they did.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;

  void close();   // stops listening: connections to the port are refused until reopen()
  void reopen();  // listens again on the same port

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Whether `signature_header` ("sha256=<hex>") is HMAC-SHA256(secret, timestamp + "." + body).
bool webhook_signature_valid(const std::string& secret, const std::string& timestamp, const std::string& body,
                             const std::string& signature_header);

}  // namespace semaphore::testing
