#pragma once
// The router: maps (method, decoded path) to a route number and the values of its {parameters}.
// Patterns are literal segments and parameter segments: "/manage/hosts/{id}", "/report/{id}.csv" (a parameter
// may carry a literal suffix). A parameter matches one non-empty segment. The first route registered that
// matches wins, so register "/report/{id}.csv" before "/report/{id}". HEAD requests match GET routes.
#include <string>
#include <string_view>
#include <vector>

#include "web/http_types.h"

namespace semaphore::web {

struct RouteMatch {
  int route = -1;                   // the index add() returned, or -1
  std::vector<std::string> params;  // in the order they appear in the pattern
  bool method_not_allowed = false;  // the path matched a route of another method: answer 405
  std::string allow;                // then the methods allowed, for the Allow header ("GET, HEAD, POST")
};

class Router {
 public:
  // Registers a route and returns its index (0, 1, ...).
  int add(Method method, std::string_view pattern);
  RouteMatch match(Method method, std::string_view path) const;

  std::size_t size() const { return routes_.size(); }
  // Route `route`'s pattern as registered ("/report/{id}.csv"): what /metrics labels requests with.
  const std::string& pattern(std::size_t route) const { return routes_.at(route).pattern; }

 private:
  struct Segment {
    bool parameter = false;
    std::string text;  // the literal, or the parameter's literal suffix
  };
  struct Route {
    Method method;
    std::vector<Segment> segments;
    std::string pattern;
  };
  static bool match_segments(const Route& route, std::string_view path, std::vector<std::string>& params);
  std::vector<Route> routes_;
};

}  // namespace semaphore::web
