#include "store/postgresql/postgres_array.h"

#include <charconv>
#include <cmath>

namespace semaphore::store {

void PostgresArrayBuilder::separate() {
  if (text_.size() > 1) text_.push_back(',');
}

void PostgresArrayBuilder::add_integer(std::int64_t value) {
  separate();
  text_ += std::to_string(value);
}

void PostgresArrayBuilder::add_real(const std::optional<double>& value) {
  separate();
  if (!value || !std::isfinite(*value)) {
    text_ += "NULL";
    return;
  }
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, *value);
  text_.append(buffer, error == std::errc() ? end : buffer);
}

void PostgresArrayBuilder::add_text(std::string_view value) {
  separate();
  if (value.empty()) {
    text_ += "NULL";
    return;
  }
  // Quoted element: backslash-escape the quote and the backslash; everything else stands as it is.
  text_.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') text_.push_back('\\');
    text_.push_back(c);
  }
  text_.push_back('"');
}

std::string PostgresArrayBuilder::finish() {
  text_.push_back('}');
  std::string literal = std::move(text_);
  text_ = "{";
  return literal;
}

}  // namespace semaphore::store
