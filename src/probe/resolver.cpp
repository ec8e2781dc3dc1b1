#include "probe/resolver.h"

#include <ares.h>

#include <netdb.h>

#include <chrono>
#include <mutex>

#include "probe/pinger.h"

namespace semaphore::probe {
namespace {

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int ares_family(FamilyPreference family) {
  switch (family) {
    case FamilyPreference::v4_only:
      return AF_INET;
    case FamilyPreference::v6_only:
      return AF_INET6;
    case FamilyPreference::any:
      break;
  }
  return AF_UNSPEC;
}

std::string cache_key(const std::string& name, FamilyPreference family) {
  return name + '/' + std::to_string(static_cast<int>(family));
}

}  // namespace

struct Resolver::Query {
  Resolver* resolver;
  std::uint32_t tag;
  std::string key;
};

Result<std::unique_ptr<Resolver>> Resolver::create(const std::string& servers) {
  static std::once_flag once;
  static int init_status = ARES_SUCCESS;
  std::call_once(once, [] { init_status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (init_status != ARES_SUCCESS) return make_error(Errc::internal, ares_strerror(init_status));

  ares_options options{};
  options.timeout = 1500;  // ms per try: a dead server costs seconds, never a hang
  options.tries = 2;
  ares_channel channel = nullptr;
  const int status = ares_init_options(&channel, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
  if (status != ARES_SUCCESS)
    return make_error(Errc::unavailable, std::string("DNS: ") + ares_strerror(status));
  if (!servers.empty()) {
    const int set = ares_set_servers_ports_csv(channel, servers.c_str());
    if (set != ARES_SUCCESS) {
      ares_destroy(channel);
      return make_error(Errc::invalid_argument, "DNS servers '" + servers + "': " + ares_strerror(set));
    }
  }
  return std::unique_ptr<Resolver>(new Resolver(channel));
}

Resolver::Resolver(void* channel) : channel_(channel) {}

Resolver::~Resolver() {
  cancelling_ = true;
  ares_destroy(static_cast<ares_channel>(channel_));
}

void Resolver::resolve(const std::string& name, FamilyPreference family, std::uint32_t tag) {
  std::string key = cache_key(name, family);
  if (auto it = cache_.find(key); it != cache_.end()) {
    if (it->second.expires_ns > steady_ns()) {
      ++cache_hits_;
      answers_.push_back(Answer{tag, it->second.address, {}});
      return;
    }
    cache_.erase(it);
  }
  ares_addrinfo_hints hints{};
  hints.ai_family = ares_family(family);
  auto* query = new Query{this, tag, std::move(key)};
  ++in_flight_;
  ares_getaddrinfo(static_cast<ares_channel>(channel_), name.c_str(), nullptr, &hints, &Resolver::on_answer,
                   query);
}

struct ReverseQuery {
  Resolver* resolver;
  std::uint32_t tag;
  std::string key;
};

void Resolver::reverse(const IpAddress& address, std::uint32_t tag) {
  std::string key = address.to_string();
  if (auto it = name_cache_.find(key); it != name_cache_.end()) {
    ++cache_hits_;
    names_.push_back(NameAnswer{tag, it->second});
    return;
  }
  const bool v4 = address.family == AddressFamily::v4;
  auto* query = new ReverseQuery{this, tag, std::move(key)};
  ++in_flight_;
  ares_gethostbyaddr(static_cast<ares_channel>(channel_), address.bytes.data(), v4 ? 4 : 16,
                     v4 ? AF_INET : AF_INET6, &Resolver::on_name, query);
}

void Resolver::on_name(void* arg, int status, int /*timeouts*/, hostent* host) {
  std::unique_ptr<ReverseQuery> query(static_cast<ReverseQuery*>(arg));
  Resolver& self = *query->resolver;
  --self.in_flight_;
  if (self.cancelling_) return;
  NameAnswer answer{query->tag, {}};
  if (status == ARES_SUCCESS && host != nullptr && host->h_name != nullptr) answer.name = host->h_name;
  // A name, or a definite "none": cached. A timeout or a server failure may pass: asked again next time.
  if (status == ARES_SUCCESS || status == ARES_ENOTFOUND) self.name_cache_[query->key] = answer.name;
  self.names_.push_back(std::move(answer));
}

void Resolver::on_answer(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  std::unique_ptr<Query> query(static_cast<Query*>(arg));
  Resolver& self = *query->resolver;
  --self.in_flight_;
  if (self.cancelling_) {
    if (result != nullptr) ares_freeaddrinfo(result);
    return;
  }
  Answer answer;
  answer.tag = query->tag;
  if (status == ARES_SUCCESS && result != nullptr) {
    int ttl = 0;
    for (ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
      if (auto address = IpAddress::from_sockaddr(node->ai_addr)) {
        answer.address = *address;
        ttl = node->ai_ttl;
        break;
      }
    }
    if (!answer.address) answer.error = "no address";
    if (answer.address && ttl > 0) {
      self.cache_[query->key] = CacheEntry{*answer.address, steady_ns() + std::int64_t{ttl} * 1'000'000'000};
    }
  } else {
    answer.error = ares_strerror(status);
  }
  if (result != nullptr) ares_freeaddrinfo(result);
  self.answers_.push_back(std::move(answer));
}

int Resolver::fill_pollfds(pollfd* out, int max) {
  ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
  const int bits = ares_getsock(static_cast<ares_channel>(channel_), sockets, ARES_GETSOCK_MAXNUM);
  int n = 0;
  for (int i = 0; i < ARES_GETSOCK_MAXNUM && n < max; ++i) {
    short events = 0;
    if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
    if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
    if (events == 0) continue;
    out[n++] = pollfd{sockets[i], events, 0};
  }
  return n;
}

std::int64_t Resolver::timeout_ns(std::int64_t upper_bound_ns) {
  if (in_flight_ == 0) return upper_bound_ns;
  timeval max{static_cast<time_t>(upper_bound_ns / 1'000'000'000),
              static_cast<suseconds_t>((upper_bound_ns % 1'000'000'000) / 1000)};
  timeval storage{};
  timeval* t = ares_timeout(static_cast<ares_channel>(channel_), &max, &storage);
  return std::int64_t{t->tv_sec} * 1'000'000'000 + std::int64_t{t->tv_usec} * 1000;
}

void Resolver::process(const pollfd* fds, int n) {
  if (in_flight_ == 0) return;
  auto* channel = static_cast<ares_channel>(channel_);
  bool any = false;
  for (int i = 0; i < n; ++i) {
    if (fds[i].revents == 0) continue;
    any = true;
    const bool readable = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
    const bool writable = (fds[i].revents & POLLOUT) != 0;
    ares_process_fd(channel, readable ? fds[i].fd : ARES_SOCKET_BAD, writable ? fds[i].fd : ARES_SOCKET_BAD);
  }
  // Nothing ready: let c-ares handle its timeouts and retries.
  if (!any) ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

void Resolver::cancel_all() {
  cancelling_ = true;
  ares_cancel(static_cast<ares_channel>(channel_));
  cancelling_ = false;
  answers_.clear();
  names_.clear();
}

}  // namespace semaphore::probe
