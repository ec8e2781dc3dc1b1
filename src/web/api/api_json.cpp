#include "web/api/api_json.h"

#include <sodium.h>

#include <boost/json/array.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include "core/probe_method.h"
#include "core/provider.h"
#include "web/api/api_error.h"
#include "web/view/host_state.h"

namespace semaphore::web::api {

namespace json = boost::json;

json::value number_or_null(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return nullptr;
  return *value;
}

json::value latest_json(const std::optional<store::PingResult>& latest, std::string_view location) {
  if (!latest) return nullptr;
  return json::object{{"ts", format_iso8601(latest->ts)},
                      {"location", location},
                      {"sent", latest->sent},
                      {"received", latest->received},
                      {"loss", number_or_null(loss_of(latest->sent, latest->received))},
                      {"min_ms", number_or_null(latest->min_ms)},
                      {"avg_ms", number_or_null(latest->avg_ms)},
                      {"max_ms", number_or_null(latest->max_ms)},
                      {"median_ms", number_or_null(latest->median_ms)},
                      {"stddev_ms", number_or_null(latest->stddev_ms)},
                      {"error", latest->error.empty() ? json::value(nullptr) : json::value(latest->error)},
                      {"method", to_string(latest->method)},
                      {"refused", latest->refused}};
}

json::array locations_off_json(const store::Host& host, std::span<const store::Location> all_locations) {
  json::array names;
  for (const store::Id id : host.locations_off) {
    const auto found = std::find_if(all_locations.begin(), all_locations.end(),
                                    [&](const store::Location& location) { return location.id == id; });
    if (found != all_locations.end()) names.emplace_back(found->name);
  }
  return names;
}

std::variant<std::vector<store::Id>, FieldProblem> read_locations_off(
    const json::value& value, std::span<const store::Location> all_locations) {
  const json::array* names = value.if_array();
  if (names == nullptr) {
    return FieldProblem{"locations_off", "locations_off is a list of location names."};
  }
  std::vector<store::Id> ids;
  for (const json::value& name : *names) {
    if (!name.is_string()) return FieldProblem{"locations_off", "locations_off is a list of location names."};
    const std::string_view text = name.get_string();
    const auto found = std::find_if(all_locations.begin(), all_locations.end(),
                                    [&](const store::Location& location) { return location.name == text; });
    if (found == all_locations.end()) {
      return FieldProblem{"locations_off", "locations_off names a location that does not exist."};
    }
    if (std::find(ids.begin(), ids.end(), found->id) == ids.end()) ids.push_back(found->id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

json::object host_json(const store::Host& host, HostState state,
                       const std::optional<store::PingResult>& latest,
                       const std::optional<store::PingResult>& latest_tcp, std::string_view location,
                       std::span<const store::Location> all_locations) {
  return json::object{{"id", host.id},
                      {"hostname", host.hostname},
                      {"provider", to_string(host.provider)},
                      {"service", host.service},
                      {"label", host.label},
                      {"enabled", host.enabled},
                      {"probe", format_probe_spec(host.probe)},
                      {"created_at", format_iso8601(host.created_at)},
                      {"state", to_string(state)},
                      {"latest", latest_json(latest, location)},
                      {"latest_tcp", latest_json(latest_tcp, location)},
                      {"locations_off", locations_off_json(host, all_locations)}};
}

json::object status_json(const store::HostStatus& status, std::string_view location, EpochMs now,
                         std::chrono::seconds stale_after, std::span<const store::Location> all_locations) {
  return host_json(status.host, judge_host(status, now, stale_after).state, status.latest, status.latest_tcp,
                   location, all_locations);
}

std::variant<std::optional<store::Location>, Response> location_param(const RequestContext& ctx,
                                                                      store::LocationStore& locations) {
  if (!ctx.query.has("location")) return std::optional<store::Location>();
  auto found = locations.find_location(ctx.query.get("location"));
  if (found) return std::optional<store::Location>(std::move(*found));
  if (found.error().code == Errc::not_found) {
    return api_error(400, "bad_field", "location is not the name of a location.", "location");
  }
  return api_store_error(found.error());
}

std::variant<store::Location, Response> location_or_local(const RequestContext& ctx,
                                                          store::LocationStore& locations) {
  auto named = location_param(ctx, locations);
  if (auto* refused = std::get_if<Response>(&named)) return std::move(*refused);
  if (auto& location = std::get<std::optional<store::Location>>(named)) return std::move(*location);
  auto local = locations.find_location_by_id(store::kLocalLocationId);
  if (!local) return api_store_error(local.error());
  return std::move(*local);
}

json::object point_json(const SeriesPoint& point) {
  return json::object{{"ts", format_iso8601(point.ts)},
                      {"rounds", point.rounds},
                      {"sent", point.sent},
                      {"received", point.received},
                      {"loss", number_or_null(loss_of(point.sent, point.received))},
                      {"min_ms", number_or_null(point.min_ms)},
                      {"avg_ms", number_or_null(point.avg_ms)},
                      {"max_ms", number_or_null(point.max_ms)},
                      {"median_ms", number_or_null(point.median_ms)},
                      {"stddev_ms", number_or_null(point.stddev_ms)},
                      {"error", point.error.empty() ? json::value(nullptr) : json::value(point.error)},
                      {"method", to_string(point.method)},
                      {"refused", point.refused}};
}

namespace {

// `count` digits at `at` as a number, or nullopt; advances `at`.
std::optional<int> digits(std::string_view text, std::size_t& at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[at + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  at += count;
  return value;
}

bool expect(std::string_view text, std::size_t& at, char wanted) {
  if (at >= text.size() || text[at] != wanted) return false;
  ++at;
  return true;
}

std::optional<EpochMs> parse_iso8601(std::string_view text) {
  using namespace std::chrono;
  std::size_t at = 0;
  const auto y = digits(text, at, 4);
  if (!y || !expect(text, at, '-')) return std::nullopt;
  const auto mo = digits(text, at, 2);
  if (!mo || !expect(text, at, '-')) return std::nullopt;
  const auto d = digits(text, at, 2);
  if (!d) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  const EpochMs midnight = duration_cast<milliseconds>(sys_days{date}.time_since_epoch()).count();
  if (at == text.size()) return midnight;
  if (at >= text.size() || (text[at] != 'T' && text[at] != 't' && text[at] != ' ')) return std::nullopt;
  ++at;
  const auto h = digits(text, at, 2);
  if (!h || !expect(text, at, ':')) return std::nullopt;
  const auto mi = digits(text, at, 2);
  if (!mi || !expect(text, at, ':')) return std::nullopt;
  const auto s = digits(text, at, 2);
  if (!s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  EpochMs ms = midnight + ((*h * 60 + *mi) * 60 + *s) * EpochMs{1000};
  if (at < text.size() && text[at] == '.') {
    ++at;
    int scale = 100, fraction = 0;
    const std::size_t start = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      fraction += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start || at - start > 9) return std::nullopt;
    ms += fraction;
  }
  if (at == text.size()) return std::nullopt;  // a time without its zone is not one instant
  if (text[at] == 'Z' || text[at] == 'z') return at + 1 == text.size() ? std::optional(ms) : std::nullopt;
  if (text[at] != '+' && text[at] != '-') return std::nullopt;
  const int sign = text[at] == '+' ? 1 : -1;
  ++at;
  const auto oh = digits(text, at, 2);
  if (!oh || !expect(text, at, ':')) return std::nullopt;
  const auto om = digits(text, at, 2);
  if (!om || *oh > 23 || *om > 59 || at != text.size()) return std::nullopt;
  return ms - sign * (*oh * 60 + *om) * EpochMs{60'000};
}

}  // namespace

std::optional<EpochMs> parse_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 12) return std::nullopt;  // beyond year 33658: not a time anyone means
    std::int64_t seconds = 0;
    std::from_chars(text.data(), text.data() + text.size(), seconds);
    return seconds * 1000;
  }
  return parse_iso8601(text);
}

std::variant<std::size_t, Response> limit_param(const RequestContext& ctx, std::size_t fallback,
                                                std::size_t max) {
  if (!ctx.query.has("limit")) return fallback;
  const std::string& text = ctx.query.get("limit");
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max) {
    return api_error(400, "bad_field", "limit must be a whole number from 1 to " + std::to_string(max) + ".",
                     "limit");
  }
  return value;
}

std::string encode_cursor(char kind, std::int64_t value) {
  const std::string plain = std::string(1, kind) + std::to_string(value);
  std::string encoded(sodium_base64_ENCODED_LEN(plain.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                      '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                    plain.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  encoded.resize(encoded.find('\0'));
  return encoded;
}

std::optional<std::int64_t> decode_cursor(char kind, std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 40) return std::nullopt;
  unsigned char plain[32];
  std::size_t length = 0;
  if (sodium_base642bin(plain, sizeof plain, cursor.data(), cursor.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      length < 2 || plain[0] != static_cast<unsigned char>(kind)) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const char* begin = reinterpret_cast<const char*>(plain) + 1;
  const char* end = reinterpret_cast<const char*>(plain) + length;
  const auto [stop, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace semaphore::web::api
