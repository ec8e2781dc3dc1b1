#include "paths/verdict.h"

#include <algorithm>
#include <cstdio>

namespace semaphore::paths {
namespace {

std::string ms(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f ms", value);
  return buffer;
}

std::string lost_of(const PathHop& hop) {
  return std::to_string(hop.sent - hop.received) + " of " + std::to_string(hop.sent) + " probes lost";
}

std::string hop_words(int index, const PathHop& hop) {
  if (hop.address.empty()) return "hop " + std::to_string(index + 1) + ", which does not answer,";
  return "hop " + std::to_string(index + 1) + ", " + hop_label(hop) + ",";
}

// The index of the host's own hop in a trace that reached it.
std::size_t host_index(const Path& path) {
  for (std::size_t i = 0; i < path.hops.size(); ++i) {
    if (path.hops[i].is_destination) return i;
  }
  return path.hops.empty() ? 0 : path.hops.size() - 1;
}

class Judge {
 public:
  Judge(const Path& now, const std::optional<Path>& good, const VerdictOptions& options)
      : now_(now), good_(good), options_(options) {}

  Verdict run() {
    Verdict verdict;
    if (good_) verdict.change = compare_paths(*good_, now_);
    verdict.path_changed = verdict.change.has_value();
    judge(verdict);
    if (verdict.change && verdict.kind != VerdictKind::path_changed) {
      verdict.text += "; the path changed at hop " + std::to_string(verdict.change->hop) +
                      " since the last good path (" + verdict.change->before + " → " + verdict.change->after +
                      ")";
    }
    return verdict;
  }

 private:
  bool lossy(const PathHop& hop) const {
    const int lost = hop.sent - hop.received;
    return hop.sent > 0 && lost >= options_.min_lost_probes && hop.loss() >= options_.min_loss;
  }

  // A router that tells nothing: silent now and never seen answering (silent in the last good path too, or
  // there is none).
  bool ignored(std::size_t i) const {
    if (!now_.hops[i].silent()) return false;
    if (!good_ || i >= good_->hops.size()) return true;
    return good_->hops[i].silent();
  }

  // Where the routers end: before the host's hop when reached; else before where the last good path reached
  // the host; else every hop probed.
  std::size_t routers_end() const {
    if (now_.reached) return host_index(now_);
    if (good_ && good_->reached) return std::min(host_index(*good_), now_.hops.size());
    return now_.hops.size();
  }

  void judge(Verdict& verdict) const {
    const std::size_t end = routers_end();
    const bool host_lossy = !now_.reached || now_.hops.empty() || lossy(now_.hops[host_index(now_)]);
    if (host_lossy) {
      // The first hop of the run of lossy routers that reaches the host (hops that never answer skipped).
      std::optional<std::size_t> start;
      for (std::size_t i = end; i-- > 0;) {
        if (ignored(i)) continue;
        if (!lossy(now_.hops[i])) break;
        start = i;
      }
      if (start) {
        const PathHop& hop = now_.hops[*start];
        verdict.kind = VerdictKind::loss_from_hop;
        verdict.hop = static_cast<int>(*start) + 1;
        verdict.text = "the loss starts at " + hop_words(static_cast<int>(*start), hop) +
                       " and continues to the host (" + (hop.silent() ? "no answer" : lost_of(hop)) +
                       " there; " + host_loss_words() + ")";
        return;
      }
      verdict.kind = VerdictKind::loss_at_host;
      if (now_.reached) {
        const std::size_t h = host_index(now_);
        verdict.hop = static_cast<int>(h) + 1;
        verdict.text = "the loss is at the host itself (hop " + std::to_string(h + 1) + ", " +
                       hop_label(now_.hops[h]) + ": " + lost_of(now_.hops[h]) +
                       ") and at no router before it: the host or its firewall";
      } else if (good_ && good_->reached) {
        verdict.hop = static_cast<int>(host_index(*good_)) + 1;
        verdict.text = "the host does not answer and every router before it does: the host or its firewall";
      } else {
        const int last = now_.last_answering();
        verdict.text = last < 0 ? std::string("nothing on the path answers, not even the first hop")
                                : "the host does not answer; the last hop that does is " +
                                      hop_words(last, now_.hops[static_cast<std::size_t>(last)]) +
                                      " without loss: the host or its firewall, or a router after hop " +
                                      std::to_string(last + 1);
      }
      return;
    }
    if (latency(verdict)) return;
    for (std::size_t i = 0; i < end; ++i) {
      if (ignored(i) || !lossy(now_.hops[i])) continue;
      const PathHop& hop = now_.hops[i];
      verdict.kind = VerdictKind::rate_limited_hop;
      verdict.hop = static_cast<int>(i) + 1;
      verdict.text = hop_words(static_cast<int>(i), hop) + " rate-limits ICMP (" +
                     (hop.silent() ? std::string("no answer") : lost_of(hop)) +
                     ", but not at the hops after it); not a problem";
      return;
    }
    if (verdict.change) {
      verdict.kind = VerdictKind::path_changed;
      verdict.hop = verdict.change->hop;
      verdict.text = "no loss and no added latency, but the path changed at hop " +
                     std::to_string(verdict.change->hop) + " since the last good path (" +
                     verdict.change->before + " → " + verdict.change->after + ")";
      return;
    }
    verdict.kind = VerdictKind::no_trouble;
    verdict.text = "no trouble on the path: the host answers without loss";
  }

  std::string host_loss_words() const {
    if (!now_.reached) return "the host does not answer";
    return "at the host " + lost_of(now_.hops[host_index(now_)]);
  }

  // Rule 3: the median rises at hop k and stays up at every later hop with answers in both paths.
  bool latency(Verdict& verdict) const {
    if (!good_) return false;
    const std::size_t host = host_index(now_);
    const auto added = [&](std::size_t i) -> std::optional<double> {
      if (i >= good_->hops.size() || !now_.hops[i].median_ms || !good_->hops[i].median_ms)
        return std::nullopt;
      return *now_.hops[i].median_ms - *good_->hops[i].median_ms;
    };
    const auto significant = [&](std::size_t i) {
      const auto rise = added(i);
      return rise &&
             *rise >= std::max(options_.min_added_ms, options_.min_added_share * *good_->hops[i].median_ms);
    };
    if (!significant(host)) return false;
    std::size_t start = host;
    for (std::size_t i = host; i-- > 0;) {
      if (!added(i)) continue;  // no answers in one of the paths: tells nothing
      if (!significant(i)) break;
      start = i;
    }
    const PathHop& hop = now_.hops[start];
    verdict.kind = VerdictKind::latency_at_hop;
    verdict.hop = static_cast<int>(start) + 1;
    const double before = *good_->hops[start].median_ms, after = *hop.median_ms;
    verdict.text = "latency is added at " + hop_words(static_cast<int>(start), hop) +
                   " where the median RTT rose from " + ms(before) + " to " + ms(after) +
                   " since the last good path, and it stays higher up to the host (" +
                   ms(*good_->hops[host].median_ms) + " to " + ms(*now_.hops[host].median_ms) + " there)";
    return true;
  }

  const Path& now_;
  const std::optional<Path>& good_;
  const VerdictOptions& options_;
};

}  // namespace

const char* to_string(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::no_trouble:
      return "no_trouble";
    case VerdictKind::loss_from_hop:
      return "loss_from_hop";
    case VerdictKind::loss_at_host:
      return "loss_at_host";
    case VerdictKind::latency_at_hop:
      return "latency_at_hop";
    case VerdictKind::rate_limited_hop:
      return "rate_limited_hop";
    case VerdictKind::path_changed:
      return "path_changed";
  }
  return "no_trouble";
}

std::optional<VerdictKind> parse_verdict_kind(std::string_view text) {
  for (VerdictKind kind :
       {VerdictKind::no_trouble, VerdictKind::loss_from_hop, VerdictKind::loss_at_host,
        VerdictKind::latency_at_hop, VerdictKind::rate_limited_hop, VerdictKind::path_changed}) {
    if (text == to_string(kind)) return kind;
  }
  return std::nullopt;
}

Verdict judge_path(const Path& now, const std::optional<Path>& last_good, const VerdictOptions& options) {
  return Judge(now, last_good, options).run();
}

bool is_good_path(const Path& path, const VerdictOptions& options) {
  if (!path.reached || path.hops.empty()) return false;
  const PathHop& host = path.hops[host_index(path)];
  const int lost = host.sent - host.received;
  return !(host.sent > 0 && lost >= options.min_lost_probes && host.loss() >= options.min_loss);
}

}  // namespace semaphore::paths
