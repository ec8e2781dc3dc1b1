#include "paths/path.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace semaphore::paths {
namespace json = boost::json;

bool PathHop::has_address(std::string_view addr) const {
  if (addr.empty()) return false;
  return address == addr ||
         std::find(other_addresses.begin(), other_addresses.end(), addr) != other_addresses.end();
}

int Path::last_answering() const {
  for (int i = static_cast<int>(hops.size()) - 1; i >= 0; --i) {
    if (!hops[static_cast<std::size_t>(i)].silent()) return i;
  }
  return -1;
}

namespace {

void put_figure(json::object& out, const char* key, const std::optional<double>& value) {
  if (value && std::isfinite(*value)) out[key] = std::round(*value * 1000.0) / 1000.0;  // whole µs
}

std::optional<double> get_figure(const json::object& in, const char* key, bool& ok) {
  const auto* found = in.if_contains(key);
  if (!found) return std::nullopt;
  if (found->is_double()) return found->get_double();
  if (found->is_int64()) return static_cast<double>(found->get_int64());
  if (found->is_uint64()) return static_cast<double>(found->get_uint64());
  ok = false;
  return std::nullopt;
}

int get_int(const json::object& in, const char* key, bool& ok) {
  const auto* found = in.if_contains(key);
  if (!found) return 0;
  if (found->is_int64() && found->get_int64() >= 0 && found->get_int64() <= 1'000'000) {
    return static_cast<int>(found->get_int64());
  }
  ok = false;
  return 0;
}

std::string get_text(const json::object& in, const char* key, bool& ok) {
  const auto* found = in.if_contains(key);
  if (!found) return {};
  if (!found->is_string() || found->get_string().size() > 255) {
    ok = false;
    return {};
  }
  return std::string(found->get_string());
}

}  // namespace

std::string encode_hops(const std::vector<PathHop>& hops) {
  json::array out;
  out.reserve(hops.size());
  for (const PathHop& hop : hops) {
    json::object o;
    o["t"] = hop.ttl;
    if (!hop.address.empty()) o["a"] = hop.address;
    if (!hop.other_addresses.empty()) {
      json::array others;
      for (const auto& a : hop.other_addresses) others.emplace_back(a);
      o["o"] = std::move(others);
    }
    if (!hop.name.empty()) o["n"] = hop.name;
    o["s"] = hop.sent;
    o["r"] = hop.received;
    put_figure(o, "mn", hop.min_ms);
    put_figure(o, "av", hop.avg_ms);
    put_figure(o, "mx", hop.max_ms);
    put_figure(o, "md", hop.median_ms);
    if (hop.is_destination) o["d"] = 1;
    out.emplace_back(std::move(o));
  }
  return json::serialize(out);
}

Result<std::vector<PathHop>> decode_hops(std::string_view text) {
  const auto bad = [] { return make_error(Errc::invalid_argument, "the stored hops are not a path"); };
  boost::system::error_code ec;
  const json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !value.is_array() || value.get_array().size() > kMaxStoredHops) return bad();
  std::vector<PathHop> hops;
  for (const json::value& item : value.get_array()) {
    if (!item.is_object()) return bad();
    const json::object& o = item.get_object();
    bool ok = true;
    PathHop hop;
    hop.ttl = get_int(o, "t", ok);
    hop.address = get_text(o, "a", ok);
    if (const auto* others = o.if_contains("o")) {
      if (!others->is_array() || others->get_array().size() > 16) return bad();
      for (const json::value& a : others->get_array()) {
        if (!a.is_string() || a.get_string().size() > 64) return bad();
        hop.other_addresses.emplace_back(a.get_string());
      }
    }
    hop.name = get_text(o, "n", ok);
    hop.sent = get_int(o, "s", ok);
    hop.received = get_int(o, "r", ok);
    hop.min_ms = get_figure(o, "mn", ok);
    hop.avg_ms = get_figure(o, "av", ok);
    hop.max_ms = get_figure(o, "mx", ok);
    hop.median_ms = get_figure(o, "md", ok);
    hop.is_destination = get_int(o, "d", ok) != 0;
    if (!ok || hop.received > hop.sent) return bad();
    hops.push_back(std::move(hop));
  }
  return hops;
}

std::string hop_label(const PathHop& hop) {
  if (hop.address.empty()) return "no answer";
  if (hop.name.empty() || hop.name == hop.address) return hop.address;
  return hop.name + " (" + hop.address + ")";
}

}  // namespace semaphore::paths
