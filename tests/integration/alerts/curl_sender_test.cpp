// CurlSender (alerts/curl_sender.h) against real receivers on loopback: an HTTP server in the test (Beast)
// that records each request and answers a chosen status, and an SMTP sink (aiosmtpd, smtp_sink.py). Checks
// what arrives for every kind (method, headers, signature, JSON shape), how answers and failures map to
// SendOutcome, and that the target policy stops a send before anything is sent.
#include "alerts/curl_sender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "alerts/channel_payloads.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace semaphore::alerts {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

struct Received {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct Answer {
  int status = 200;
  std::chrono::milliseconds delay{0};
  std::size_t body_bytes = 2;
};

// An HTTP/1.1 server on 127.0.0.1 that answers each request with the next queued Answer (200 when none is
// queued) and records it.
class Receiver {
 public:
  Receiver() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    stopping_ = true;
    boost::system::error_code ec;
    tcp::socket poke(io_);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);  // wakes accept()
    thread_.join();
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void answer(Answer next) {
    std::lock_guard lock(mutex_);
    answers_.push_back(next);
  }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      Received got{std::string(request.method_string()), std::string(request.target()), {}, request.body()};
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        got.headers[name] = std::string(field.value());
      }
      Answer next;
      {
        std::lock_guard lock(mutex_);
        received_.push_back(std::move(got));
        if (!answers_.empty()) {
          next = answers_.front();
          answers_.pop_front();
        }
      }
      std::this_thread::sleep_for(next.delay);
      http::response<http::string_body> response{static_cast<http::status>(next.status), 11};
      if (next.status != 204) response.body() = std::string(next.body_bytes, 'x');
      response.set(http::field::content_type, "text/plain");
      if (next.status / 100 == 3) response.set(http::field::location, "http://127.0.0.1:1/elsewhere");
      response.prepare_payload();
      http::write(socket, response, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::deque<Answer> answers_;
  std::vector<Received> received_;
  std::thread thread_;
};

store::Delivery down_delivery() {
  store::Delivery delivery;
  delivery.id = 9;
  delivery.channel_id = 4;
  delivery.event.id = 77;
  delivery.event.host_id = 21;
  delivery.event.at = 1767225600000;
  delivery.event.from_state = "up";
  delivery.event.to_state = "down";
  delivery.event.trigger = "all_lost";
  delivery.event.reason = "every probe lost for 3 rounds";
  delivery.event.sent = 5;
  delivery.event.received = 0;
  delivery.host = {21, "web-1.example.com", "gcp", "frontend", "eu"};
  return delivery;
}

store::Delivery degraded_delivery() {
  store::Delivery delivery = down_delivery();
  delivery.event.to_state = "degraded";
  delivery.event.trigger = "loss";
  delivery.event.reason = "loss 40% for 3 rounds";
  delivery.event.received = 3;
  delivery.event.min_ms = 11.5;
  delivery.event.median_ms = 12.25;
  delivery.event.max_ms = 30.125;
  return delivery;
}

store::ChannelRecord channel(const std::string& kind, const std::string& url, const std::string& secret = {},
                             const std::string& options = {}) {
  store::ChannelRecord record;
  record.id = 4;
  record.user_id = 1;
  record.name = kind;
  record.kind = kind;
  record.url = url;
  record.secret = secret;
  record.options = options;
  return record;
}

NotificationContext context() {
  return NotificationContext{"https://semaphore.example.com/report/21", now_epoch_ms()};
}

CurlSender sender(TargetPolicy policy = TargetPolicy::allow_private,
                  std::chrono::milliseconds total = std::chrono::milliseconds(10000)) {
  CurlSenderOptions options;
  options.policy = policy;
  options.connect_timeout = std::chrono::milliseconds(5000);
  options.total_timeout = total;
  return CurlSender(options);
}

const std::string kSecret = "whsec_integration_secret_0123456789";

TEST(CurlSenderHttp, WebhookArrivesSignedWithTheDocumentedBody) {
  Receiver receiver;
  auto send = sender();
  const auto before = now_epoch_ms() / 1000;
  const auto outcome = send.send(channel("webhook", receiver.url(), kSecret), degraded_delivery(), context());
  EXPECT_TRUE(outcome.delivered) << outcome.error;
  EXPECT_EQ(outcome.status, 200);
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  const Received& request = got[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hook");
  EXPECT_EQ(request.headers.at("content-type"), "application/json");
  EXPECT_EQ(request.headers.at("user-agent").rfind("Semaphore/", 0), 0u);
  EXPECT_EQ(request.headers.count("expect"), 0u);
  const std::string timestamp = request.headers.at("x-semaphore-timestamp");
  EXPECT_GE(std::stoll(timestamp), before);
  EXPECT_LE(std::stoll(timestamp), now_epoch_ms() / 1000);
  // The receiver's check: HMAC-SHA256 of "<timestamp>.<the bytes received>" under the shared secret.
  EXPECT_EQ(request.headers.at("x-semaphore-signature"),
            "sha256=" + hmac_sha256_hex(kSecret, timestamp + "." + request.body));
  EXPECT_EQ(request.headers.at("x-semaphore-event"), "77");
  const json::object body = json::parse(request.body).as_object();
  EXPECT_EQ(body.at("event_id"), "77");
  EXPECT_EQ(body.at("state"), "degraded");
  EXPECT_EQ(body.at("previous_state"), "up");
  EXPECT_EQ(body.at("host").at("hostname"), "web-1.example.com");
  EXPECT_EQ(body.at("round").at("received"), 3);
  EXPECT_EQ(body.at("round").at("median_ms").to_number<double>(), 12.25);
  EXPECT_EQ(body.at("report_url"), "https://semaphore.example.com/report/21");
}

TEST(CurlSenderHttp, SlackDiscordAndNtfyArriveInTheirShapes) {
  Receiver receiver;
  auto send = sender();
  EXPECT_TRUE(
      send.send(channel("slack", receiver.url("/services/T0/B0/x")), down_delivery(), context()).delivered);
  EXPECT_TRUE(
      send.send(channel("discord", receiver.url("/api/webhooks/1/t")), down_delivery(), context()).delivered);
  EXPECT_TRUE(send.send(channel("ntfy", receiver.url("/alerts"), "tk_token", R"({"priority":4})"),
                        down_delivery(), context())
                  .delivered);
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 3u);

  EXPECT_EQ(got[0].target, "/services/T0/B0/x");
  EXPECT_EQ(got[0].headers.at("content-type"), "application/json");
  const json::object slack = json::parse(got[0].body).as_object();
  EXPECT_EQ(slack.at("text"), "web-1.example.com is DOWN: every probe lost for 3 rounds");
  const json::array& blocks = slack.at("blocks").as_array();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].at("type"), "header");
  EXPECT_EQ(blocks[1].at("type"), "section");
  EXPECT_EQ(blocks[1].at("fields").as_array()[1].at("text"), "*Probes*\n5 sent, 0 received, 100% loss");
  EXPECT_EQ(blocks[2].at("elements").as_array()[0].at("text"),
            "<https://semaphore.example.com/report/21|Open in Semaphore>");

  EXPECT_EQ(got[1].target, "/api/webhooks/1/t");
  const json::object discord = json::parse(got[1].body).as_object();
  EXPECT_EQ(discord.at("content"), "web-1.example.com is DOWN: every probe lost for 3 rounds");
  const json::object& embed = discord.at("embeds").as_array()[0].as_object();
  EXPECT_EQ(embed.at("title"), "web-1.example.com is DOWN");
  EXPECT_EQ(embed.at("url"), "https://semaphore.example.com/report/21");
  EXPECT_EQ(embed.at("color"), 0xD93025);
  EXPECT_EQ(discord.at("allowed_mentions").at("parse").as_array().size(), 0u);

  EXPECT_EQ(got[2].target, "/alerts");
  EXPECT_EQ(got[2].headers.at("title"), "web-1.example.com is DOWN");
  EXPECT_EQ(got[2].headers.at("priority"), "4");  // the channel's override of 5
  EXPECT_EQ(got[2].headers.at("tags"), "rotating_light,semaphore,down");
  EXPECT_EQ(got[2].headers.at("click"), "https://semaphore.example.com/report/21");
  EXPECT_EQ(got[2].headers.at("authorization"), "Bearer tk_token");
  EXPECT_EQ(got[2].body.rfind("every probe lost for 3 rounds\nProbes: 5 sent, 0 received, 100% loss\n", 0),
            0u);
}

TEST(CurlSenderHttp, StatusesMapToRetryOrNot) {
  Receiver receiver;
  auto send = sender();
  const auto hook = channel("webhook", receiver.url(), kSecret);
  struct Case {
    int status;
    bool delivered;
    bool retryable;
  };
  for (const Case c : {Case{500, false, true}, Case{503, false, true}, Case{429, false, true},
                       Case{408, false, true}, Case{404, false, false}, Case{400, false, false},
                       Case{301, false, false}, Case{204, true, true}, Case{200, true, true}}) {
    receiver.answer({c.status});
    const auto outcome = send.send(hook, down_delivery(), context());
    EXPECT_EQ(outcome.delivered, c.delivered) << c.status;
    EXPECT_EQ(outcome.status, c.status);
    if (!c.delivered) {
      EXPECT_EQ(outcome.retryable, c.retryable) << c.status;
      EXPECT_EQ(outcome.error.rfind("HTTP " + std::to_string(c.status) + " from 127.0.0.1", 0), 0u)
          << outcome.error;
    }
  }
  // A redirect is not followed: only the one request arrived for it.
  EXPECT_EQ(receiver.received().size(), 9u);
}

TEST(CurlSenderHttp, HostnamesArePinnedToTheCheckedAddress) {
  Receiver receiver;
  auto send = sender();
  const auto outcome =
      send.send(channel("webhook", "http://localhost:" + std::to_string(receiver.port()) + "/named", kSecret),
                down_delivery(), context());
  EXPECT_TRUE(outcome.delivered) << outcome.error;
  ASSERT_EQ(receiver.received().size(), 1u);
  EXPECT_EQ(receiver.received()[0].headers.at("host"), "localhost:" + std::to_string(receiver.port()));
}

TEST(CurlSenderHttp, ALongAnswerIsReadButNotKept) {
  Receiver receiver;
  receiver.answer({200, std::chrono::milliseconds(0), 4 * 1024 * 1024});
  auto send = sender();
  const auto outcome = send.send(channel("webhook", receiver.url(), kSecret), down_delivery(), context());
  EXPECT_TRUE(outcome.delivered) << outcome.error;
}

TEST(CurlSenderFailures, RefusedConnectionIsRetryable) {
  const int port = testing::free_tcp_port();  // nothing listens there
  auto send = sender();
  const auto outcome =
      send.send(channel("webhook", "http://127.0.0.1:" + std::to_string(port) + "/", kSecret),
                down_delivery(), context());
  EXPECT_FALSE(outcome.delivered);
  EXPECT_TRUE(outcome.retryable);
  EXPECT_FALSE(outcome.status);
  EXPECT_EQ(outcome.error, "could not connect to 127.0.0.1 (connection refused or unreachable)");
}

TEST(CurlSenderFailures, SlowReceiverTimesOutRetryably) {
  Receiver receiver;
  receiver.answer({200, std::chrono::milliseconds(1500)});
  auto send = sender(TargetPolicy::allow_private, std::chrono::milliseconds(400));
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = send.send(channel("webhook", receiver.url(), kSecret), down_delivery(), context());
  EXPECT_FALSE(outcome.delivered);
  EXPECT_TRUE(outcome.retryable);
  EXPECT_EQ(outcome.error, "127.0.0.1 did not answer within 400 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1400));
}

TEST(CurlSenderFailures, PublicOnlyRefusesLoopbackBeforeSending) {
  Receiver receiver;
  auto send = sender(TargetPolicy::public_only);
  // A name that resolves to loopback, and the address itself.
  const auto named =
      send.send(channel("webhook", "http://localhost:" + std::to_string(receiver.port()) + "/", kSecret),
                down_delivery(), context());
  EXPECT_FALSE(named.delivered);
  EXPECT_FALSE(named.retryable);
  // localhost is 127.0.0.1 and often ::1 as well: whichever is checked first is named.
  EXPECT_TRUE(named.error ==
                  "localhost resolves to 127.0.0.1, a loopback address, which this server may not send to" ||
              named.error ==
                  "localhost resolves to ::1, a loopback address, which this server may not send to")
      << named.error;
  const auto literal = send.send(channel("slack", receiver.url()), down_delivery(), context());
  EXPECT_FALSE(literal.delivered);
  EXPECT_FALSE(literal.retryable);
  EXPECT_EQ(literal.error, "127.0.0.1 is a loopback address, which this server may not send to");
  EXPECT_TRUE(receiver.received().empty());
}

TEST(CurlSenderFailures, MetadataAndMalformedChannelsAreNotRetried) {
  auto send = sender(TargetPolicy::allow_private);
  const auto metadata = send.send(channel("webhook", "http://169.254.169.254/latest/meta-data/", kSecret),
                                  down_delivery(), context());
  EXPECT_FALSE(metadata.delivered);
  EXPECT_FALSE(metadata.retryable);
  EXPECT_EQ(metadata.error,
            "169.254.169.254 is the cloud metadata address, which this server may not send to");
  const auto bad_url =
      send.send(channel("webhook", "ftp://example.com/", kSecret), down_delivery(), context());
  EXPECT_FALSE(bad_url.retryable);
  EXPECT_EQ(bad_url.error, "the channel's URL is not valid: enter an https:// or http:// URL");
  const auto bad_options =
      send.send(channel("ntfy", "http://127.0.0.1:1/t", "", "{\"priority\":9}"), down_delivery(), context());
  EXPECT_FALSE(bad_options.retryable);
  EXPECT_EQ(bad_options.error.rfind("the channel's settings are not valid: priority:", 0), 0u)
      << bad_options.error;
}

// --- e-mail through aiosmtpd ---------------------------------------------------------------------------

std::string python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

class SmtpSink : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto check = testing::run_command({python(), "-c", "import aiosmtpd"});
    ASSERT_EQ(check.exit_code, 0) << "the e-mail tests need python3-aiosmtpd (scripts/bootstrap --test): "
                                  << check.err;
    port_ = testing::free_tcp_port();
    std::filesystem::create_directories(dir_.file("mail"));
    sink_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{python(), SEMAPHORE_SMTP_SINK, dir_.file("mail"), std::to_string(port_)},
        dir_.file("sink.log"));
    ASSERT_TRUE(testing::wait_for_tcp_port(port_, std::chrono::seconds(20))) << sink_->log();
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  std::vector<json::object> messages() const {
    std::vector<json::object> out;
    for (int n = 1;; ++n) {
      std::ifstream file(dir_.file("mail/" + std::to_string(n) + ".json"));
      if (!file) break;
      std::stringstream text;
      text << file.rdbuf();
      out.push_back(json::parse(text.str()).as_object());
    }
    return out;
  }

  testing::TempDir dir_;
  int port_ = 0;
  std::unique_ptr<testing::ChildProcess> sink_;
};

TEST_F(SmtpSink, MessageArrivesWithSubjectAndFigures) {
  auto send = sender();
  const auto email =
      channel("email", url(), "",
              R"({"from":"alerts@example.com","to":["ops@example.com","oncall@example.org"],"tls":"none"})");
  const auto outcome = send.send(email, degraded_delivery(), context());
  EXPECT_TRUE(outcome.delivered) << outcome.error << "\n" << sink_->log();
  const auto got = messages();
  ASSERT_EQ(got.size(), 1u) << sink_->log();
  const json::object& message = got[0];
  EXPECT_EQ(message.at("mail_from"), "alerts@example.com");
  EXPECT_EQ(message.at("rcpt_tos"), json::parse(R"(["ops@example.com","oncall@example.org"])"));
  EXPECT_EQ(message.at("subject"), "[Semaphore] web-1.example.com is DEGRADED");
  EXPECT_EQ(message.at("from"), "Semaphore <alerts@example.com>");
  EXPECT_EQ(message.at("message_id"), "<semaphore.event-77.channel-4@example.com>");
  EXPECT_EQ(message.at("content_type"), "multipart/alternative");
  EXPECT_EQ(message.at("defects").as_array().size(), 0u);
  const std::string text(message.at("text").as_string());
  EXPECT_NE(text.find("Probes: 5 sent, 3 received, 40% loss"), std::string::npos) << text;
  EXPECT_NE(text.find("RTT min / median / max: 11.5 / 12.2 / 30.1 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("https://semaphore.example.com/report/21"), std::string::npos) << text;
  const std::string html(message.at("html").as_string());
  EXPECT_NE(html.find("<td>5 sent, 3 received, 40% loss</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("href=\"https://semaphore.example.com/report/21\""), std::string::npos) << html;
}

TEST_F(SmtpSink, TheTestNotificationIsAnEmailToo) {
  auto send = sender();
  const auto email =
      channel("email", url(), "", R"({"from":"alerts@example.com","to":["me@example.com"],"tls":"none"})");
  const auto outcome = send.send(email, test_delivery(email, now_epoch_ms()), context());
  EXPECT_TRUE(outcome.delivered) << outcome.error;
  const auto got = messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].at("subject"), "[Semaphore] Semaphore test notification");
}

TEST_F(SmtpSink, RecipientRefusalsMapToRetryOrNot) {
  auto send = sender();
  const auto rejected =
      send.send(channel("email", url(), "",
                        R"({"from":"alerts@example.com","to":["reject@example.com"],"tls":"none"})"),
                down_delivery(), context());
  EXPECT_FALSE(rejected.delivered);
  EXPECT_FALSE(rejected.retryable) << rejected.error;
  EXPECT_EQ(rejected.status, 550);
  EXPECT_EQ(rejected.error, "127.0.0.1 refused the message (SMTP 550)");
  const auto later = send.send(
      channel("email", url(), "", R"({"from":"alerts@example.com","to":["later@example.com"],"tls":"none"})"),
      down_delivery(), context());
  EXPECT_FALSE(later.delivered);
  EXPECT_TRUE(later.retryable) << later.error;
  EXPECT_EQ(later.status, 451);
  EXPECT_TRUE(messages().empty());
}

TEST_F(SmtpSink, StartTlsIsRequiredWhenAsked) {
  // The sink offers no STARTTLS: a channel that asks for it must not fall back to plain text.
  auto send = sender();
  const auto outcome = send.send(
      channel(
          "email", url(), "secret-password",
          R"({"from":"alerts@example.com","to":["ops@example.com"],"tls":"starttls","username":"alerts"})"),
      down_delivery(), context());
  EXPECT_FALSE(outcome.delivered);
  EXPECT_FALSE(outcome.retryable);
  EXPECT_EQ(outcome.error.rfind("127.0.0.1 does not offer STARTTLS", 0), 0u) << outcome.error;
  EXPECT_EQ(outcome.error.find("secret-password"), std::string::npos);
  EXPECT_TRUE(messages().empty());
}

}  // namespace
}  // namespace semaphore::alerts
