#include "web/router.h"

namespace semaphore::web {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

int Router::add(Method method, std::string_view pattern) {
  Route route{method, {}, std::string(pattern)};
  for (std::string_view part : split_path(pattern)) {
    Segment segment;
    if (part.size() >= 2 && part.front() == '{') {
      const auto close = part.find('}');
      segment.parameter = true;
      segment.text = std::string(part.substr(close + 1));
    } else {
      segment.text = std::string(part);
    }
    route.segments.push_back(std::move(segment));
  }
  routes_.push_back(std::move(route));
  return static_cast<int>(routes_.size()) - 1;
}

bool Router::match_segments(const Route& route, std::string_view path, std::vector<std::string>& params) {
  const auto parts = split_path(path);
  if (parts.size() != route.segments.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Segment& segment = route.segments[i];
    const std::string_view part = parts[i];
    if (!segment.parameter) {
      if (part != segment.text) return false;
      continue;
    }
    if (part.size() <= segment.text.size() || !part.ends_with(segment.text)) return false;
    const std::string_view value = part.substr(0, part.size() - segment.text.size());
    if (value.find('/') != std::string_view::npos) return false;
    params.emplace_back(value);
  }
  return true;
}

RouteMatch Router::match(Method method, std::string_view path) const {
  RouteMatch result;
  const Method wanted = method == Method::head ? Method::get : method;
  std::vector<std::string> params;
  std::vector<Method> other_methods;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (!match_segments(routes_[i], path, params)) continue;
    if (routes_[i].method == wanted) {
      result.route = static_cast<int>(i);
      result.params = std::move(params);
      return result;
    }
    other_methods.push_back(routes_[i].method);
  }
  if (!other_methods.empty()) {
    result.method_not_allowed = true;
    for (Method allowed : other_methods) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += to_string(allowed);
      if (allowed == Method::get) result.allow += ", HEAD";
    }
  }
  return result;
}

}  // namespace semaphore::web
