// GET /api/v1/hosts/{id}/results?from=&to=&resolution=raw|hour|day&method=icmp|tcp&limit=&cursor=: a host's
// rounds (raw) or its hourly or daily buckets (the rollups, and buckets of the raw rounds not rolled up yet)
// of one probe kind, oldest first, in pages keyed on time. Without `method`, the host's primary kind (ICMP,
// or TCP for a tcp host), so that a client written before probe methods reads one row per round as before;
// a `both` host's chart asks for each kind. `location=NAME` (issue 16): the rounds measured from that
// location, else from `local`; an unknown name is a 400. JSON by default; CSV (the host report's format) with
// Accept: text/csv, the next page's cursor then in the X-Next-Cursor header.
#include <boost/json/array.hpp>

#include "web/api/api_error.h"
#include "web/api/api_json.h"
#include "web/view/csv.h"

namespace semaphore::web {
namespace {

namespace json = boost::json;

constexpr EpochMs kHour = 3'600'000;
constexpr EpochMs kDay = 24 * kHour;
constexpr std::size_t kDefaultPage = 1000;
constexpr std::size_t kMaxPage = 10'000;

struct Resolution {
  std::string_view name;
  int period_s;
};
constexpr Resolution kRaw{"raw", 0}, kHourly{"hour", 3600}, kDaily{"day", 86400};

// Raw rounds up to a day, hours up to 31 days, days beyond: at most about 1,440 points at a 60 s interval.
Resolution default_resolution(EpochMs span) {
  if (span <= kDay) return kRaw;
  if (span <= 31 * kDay) return kHourly;
  return kDaily;
}

std::optional<Resolution> parse_resolution(std::string_view name) {
  for (const Resolution& resolution : {kRaw, kHourly, kDaily}) {
    if (resolution.name == name) return resolution;
  }
  return std::nullopt;
}

bool wants_csv(const RequestContext& ctx) {
  return ctx.request.header("accept").find("text/csv") != std::string_view::npos;
}

Response host_results(RequestContext& ctx, store::HostStore& hosts, store::LocationStore& locations) {
  const auto id = ctx.id_param();
  if (!id) return api_error(404, "not_found", "No such host, or it is not yours.");
  const auto limit = api::limit_param(ctx, kDefaultPage, kMaxPage);
  if (const auto* refused = std::get_if<Response>(&limit)) return *refused;
  EpochMs to = ctx.now + 1;
  if (ctx.query.has("to")) {
    const auto parsed = api::parse_time(ctx.query.get("to"));
    if (!parsed) return api_error(400, "bad_field", "to is ISO 8601 or epoch seconds.", "to");
    to = *parsed;
  }
  EpochMs from = to - kDay;
  if (ctx.query.has("from")) {
    const auto parsed = api::parse_time(ctx.query.get("from"));
    if (!parsed) return api_error(400, "bad_field", "from is ISO 8601 or epoch seconds.", "from");
    from = *parsed;
  }
  if (from >= to) return api_error(400, "bad_field", "from must be before to.", "from");
  Resolution resolution = default_resolution(to - from);
  if (ctx.query.has("resolution")) {
    const auto parsed = parse_resolution(ctx.query.get("resolution"));
    if (!parsed) return api_error(400, "bad_field", "resolution is raw, hour or day.", "resolution");
    resolution = *parsed;
  }
  std::optional<ProbeKind> kind;
  if (ctx.query.has("method")) {
    const std::string_view text = ctx.query.get("method");
    if (text == "icmp") kind = ProbeKind::icmp;
    if (text == "tcp") kind = ProbeKind::tcp;
    if (!kind) return api_error(400, "bad_field", "method is icmp or tcp.", "method");
  }
  auto location = api::location_or_local(ctx, locations);
  if (auto* refused = std::get_if<Response>(&location)) return std::move(*refused);
  const store::Location& measured_from = std::get<store::Location>(location);
  EpochMs page_from = from;
  if (ctx.query.has("cursor")) {
    const auto next = api::decode_cursor('r', ctx.query.get("cursor"));
    if (!next || *next < from || *next >= to) {
      return api_error(400, "bad_field", "cursor is not one this API gave for this range.", "cursor");
    }
    page_from = *next;
  }

  if (!kind) {
    auto host = hosts.find_host(ctx.user->id, *id);
    if (!host) return api_store_error(host.error());
    kind = primary_kind(host->probe.method);
  }
  auto page = load_series_page(hosts, ctx.user->id, *id, measured_from.id, page_from, to, resolution.period_s,
                               std::get<std::size_t>(limit), *kind);
  if (!page) return api_store_error(page.error());
  const std::optional<std::string> next =
      page->next_from ? std::optional(api::encode_cursor('r', *page->next_from)) : std::nullopt;

  if (wants_csv(ctx)) {
    std::string body(series_csv_header());
    body.reserve(body.size() + page->points.size() * 80);
    for (const auto& point : page->points) append_series_csv_row(body, point);
    Response response = text_response(200, std::move(body), "text/csv; charset=utf-8");
    if (next) response.add_header("X-Next-Cursor", *next);
    return response;
  }
  json::array results;
  results.reserve(page->points.size());
  for (const auto& point : page->points) results.push_back(api::point_json(point));
  return json_response(200, json::object{{"host_id", *id},
                                         {"resolution", resolution.name},
                                         {"method", to_string(*kind)},
                                         {"location", measured_from.name},
                                         {"from", format_iso8601(from)},
                                         {"to", format_iso8601(to)},
                                         {"results", std::move(results)},
                                         {"next_cursor", next ? json::value(*next) : json::value(nullptr)}});
}

}  // namespace

void add_api_result_routes(Routes& routes, store::HostStore& hosts, store::LocationStore& locations) {
  routes.add(Method::get, "/api/v1/hosts/{id}/results", Access::api,
             bind_handler(host_results, hosts, locations));
}

}  // namespace semaphore::web
