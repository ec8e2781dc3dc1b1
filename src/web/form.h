#pragma once
// application/x-www-form-urlencoded bodies and query strings, decoded through Boost.URL ('+' is a space).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace semaphore::web {

class FormData {
 public:
  // nullopt when `encoded` is not a valid query string (a stray '%', bytes that must be escaped).
  static std::optional<FormData> parse(std::string_view encoded);

  // The first value of `key`, or "" when absent.
  const std::string& get(const std::string& key) const;
  // Every value of `key` in the order sent (a <select multiple>, checkboxes of one name); empty when absent.
  const std::vector<std::string>& get_all(const std::string& key) const;
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  void set(std::string key, std::string value) { values_[std::move(key)] = {std::move(value)}; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// The query of a request, or an empty FormData when it does not parse.
FormData parse_query_or_empty(std::string_view encoded);

}  // namespace semaphore::web
