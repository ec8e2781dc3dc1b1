#pragma once
// Builds PostgreSQL array literals ('{1,2,NULL}', '{"a","b\"c",NULL}') for parameters that unnest() turns
// back into rows: a whole batch in one statement.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semaphore::store {

class PostgresArrayBuilder {
 public:
  void add_integer(std::int64_t value);
  // NULL when empty; the shortest text that reads back exactly.
  void add_real(const std::optional<double>& value);
  void add_text(std::string_view value);  // NULL when empty (as the store keeps "no error")
  std::string finish();                   // the literal; the builder is then empty again

 private:
  void separate();
  std::string text_ = "{";
};

}  // namespace semaphore::store
