#include "agent/assignment_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>
#include <variant>

#include "core/text.h"
#include "domain/assignment_changes.h"

namespace semaphore::agent {
namespace {

constexpr std::string_view kAssignmentPath = "/api/v1/agent/assignment";

// The round's view of the source: each round start fetches, then takes the hosts held.
class RoundSource : public monitor::HostSource {
 public:
  explicit RoundSource(AssignmentSource& source) : source_(source) {}
  Result<std::vector<store::Host>> hosts_for_round(EpochMs) override {
    (void)source_.fetch();
    auto held = source_.current();
    if (!held) return make_error(Errc::unavailable, "no assignment from the server yet");
    return std::move(held->hosts);
  }

 private:
  AssignmentSource& source_;
};

}  // namespace

AssignmentSource::AssignmentSource(ClientOptions client, std::string cache_path, ThrottledLog& refusals)
    : client_(std::move(client)), cache_path_(std::move(cache_path)), refusals_(refusals) {}

std::optional<domain::AgentAssignment> AssignmentSource::current() const {
  std::lock_guard lock(mutex_);
  if (refused_) return domain::AgentAssignment{};  // a removed location pings nothing
  if (!held_) return std::nullopt;
  return *held_;
}

bool AssignmentSource::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

void AssignmentSource::on_settings_changed(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  settings_changed_ = std::move(callback);
}

std::unique_ptr<monitor::HostSource> AssignmentSource::round_source() {
  return std::make_unique<RoundSource>(*this);
}

AssignmentSource::Fetch AssignmentSource::fetch() {
  // The list held is shared, not copied: a round start that gets a 304 costs no copy of it.
  std::shared_ptr<const domain::AgentAssignment> held;
  {
    std::lock_guard lock(mutex_);
    if (!refused_) held = held_;
  }
  if (auto fetched = fetch_from(held.get())) return *fetched;
  // Changes that did not apply to what is held: once more, for the whole list.
  return fetch_from(nullptr).value_or(Fetch::failed);
}

std::optional<AssignmentSource::Fetch> AssignmentSource::fetch_from(const domain::AgentAssignment* held) {
  std::string path(kAssignmentPath);
  std::string etag;
  if (held != nullptr) {
    etag = "\"" + held->version + "\"";
    path += "?since=" + held->version;  // hex: nothing to escape
  }
  auto reply = client_.get(path, etag);
  const auto failed = [this](const std::string& why) {
    if (!failing_) {
      spdlog::warn("agent: cannot fetch the assignment ({}); pinging the hosts held until it answers", why);
    }
    failing_ = true;
    return Fetch::failed;
  };
  if (!reply) return failed(reply.error().message);
  if (reply->status == 401) {
    std::lock_guard lock(mutex_);
    refused_ = true;
    refusals_.warn(
        "agent: the server refuses this agent's token (401: unknown, or its location was removed); nothing "
        "is pinged until it is accepted again");
    return Fetch::refused;
  }
  if (reply->status == 304) {
    std::lock_guard lock(mutex_);
    refused_ = false;
    failing_ = false;
    return Fetch::unchanged;
  }
  if (reply->status != 200) return failed("HTTP " + std::to_string(reply->status));
  auto decoded = domain::decode_assignment_reply(reply->body);
  if (!decoded) return failed(decoded.error().message);
  domain::AgentAssignment next;
  if (auto* changes = std::get_if<domain::AssignmentChanges>(&*decoded)) {
    if (held == nullptr) return failed("changes came for a fetch of the whole list");
    auto applied = domain::apply_changes(*held, *changes);
    if (!applied) {
      spdlog::info("agent: the assignment's changes do not apply ({}); fetching the whole list",
                   applied.error().message);
      return std::nullopt;
    }
    next = std::move(*applied);
    save_cache(domain::encode_assignment(next));
  } else {
    next = std::move(std::get<domain::AgentAssignment>(*decoded));
    save_cache(reply->body);
  }
  if (failing_) spdlog::info("agent: the server answers again");
  failing_ = false;
  keep(std::move(next));
  return Fetch::changed;
}

void AssignmentSource::keep(domain::AgentAssignment assignment) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mutex_);
    const bool first = !held_;
    if (!first && held_->settings != assignment.settings) notify = settings_changed_;
    spdlog::info("agent: location {}, {} hosts to ping{}", log_safe(assignment.location),
                 assignment.hosts.size(), first ? "" : " (the assignment changed)");
    held_ = std::make_shared<const domain::AgentAssignment>(std::move(assignment));
    refused_ = false;
  }
  if (notify) notify();
}

bool AssignmentSource::load_cache() {
  if (cache_path_.empty()) return false;
  std::ifstream in(cache_path_);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  auto decoded = domain::decode_assignment(text.str());
  if (!decoded) {
    spdlog::warn("agent: the kept assignment {} does not parse ({}); ignored", cache_path_,
                 decoded.error().message);
    return false;
  }
  spdlog::info("agent: the server does not answer; pinging the {} hosts of the assignment kept in {}",
               decoded->hosts.size(), cache_path_);
  std::lock_guard lock(mutex_);
  held_ = std::make_shared<const domain::AgentAssignment>(std::move(*decoded));
  return true;
}

// Written to a temporary file and renamed over the old one, so a crash never leaves half an assignment.
void AssignmentSource::save_cache(const std::string& body) const {
  if (cache_path_.empty()) return;
  const std::string temporary = cache_path_ + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool written = fd >= 0;
  std::size_t offset = 0;
  while (written && offset < body.size()) {
    const ssize_t n = ::write(fd, body.data() + offset, body.size() - offset);
    if (n <= 0)
      written = false;
    else
      offset += static_cast<std::size_t>(n);
  }
  if (fd >= 0) ::close(fd);
  if (!written || std::rename(temporary.c_str(), cache_path_.c_str()) != 0) {
    spdlog::warn(
        "agent: cannot keep the assignment in {}; a restart during an outage would wait for the "
        "server",
        cache_path_);
    ::unlink(temporary.c_str());
  }
}

}  // namespace semaphore::agent
