#include "core/prometheus_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace semaphore {

std::uint64_t HistogramSnapshot::count() const {
  std::uint64_t total = 0;
  for (std::uint64_t c : counts) total += c;
  return total;
}

double HistogramSnapshot::quantile_bound(double quantile) const {
  const std::uint64_t total = count();
  if (total == 0 || bounds.empty()) return 0;
  const auto wanted = static_cast<std::uint64_t>(std::ceil(quantile * static_cast<double>(total)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    seen += counts[i];
    if (seen >= std::max<std::uint64_t>(wanted, 1)) return bounds[i];
  }
  return bounds.back();
}

AtomicHistogram::AtomicHistogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(bounds.size() + 1) {}

void AtomicHistogram::observe(double value) {
  // Buckets are few (about a dozen): a linear scan beats a binary search's branches here.
  std::size_t i = 0;
  while (i < bounds_.size() && !(value <= bounds_[i])) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot AtomicHistogram::snapshot() const {
  HistogramSnapshot snapshot;
  snapshot.bounds = bounds_;
  snapshot.counts.reserve(counts_.size());
  for (const auto& c : counts_) snapshot.counts.push_back(c.load(std::memory_order_relaxed));
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::string PrometheusText::escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PrometheusText::escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PrometheusText::format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::to_chars_result result{};
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(value));
  } else if (std::fabs(value) >= 1e-4 && std::fabs(value) < 1e15) {
    // The shortest digits that read back the same, without an exponent ("0.0005", not "5e-04").
    result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  } else {
    result = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round-trip form
  }
  return std::string(buffer, result.ptr);
}

void PrometheusText::family(std::string_view name, MetricType type, std::string_view help) {
  if (std::find(written_.begin(), written_.end(), name) != written_.end()) {
    throw std::logic_error("metric family written twice: " + std::string(name));
  }
  written_.emplace_back(name);
  current_ = std::string(name);
  current_type_ = type;
  const char* type_name = type == MetricType::counter ? "counter"
                          : type == MetricType::gauge ? "gauge"
                                                      : "histogram";
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type_name;
  out_ += '\n';
}

void PrometheusText::write_labels(MetricLabels labels, std::string_view le) {
  if (labels.size() == 0 && le.empty()) return;
  out_ += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += name;
    out_ += "=\"";
    out_ += escape_label_value(value);
    out_ += '"';
  }
  if (!le.empty()) {
    if (!first) out_ += ',';
    out_ += "le=\"";
    out_ += le;
    out_ += '"';
  }
  out_ += '}';
}

void PrometheusText::sample(double value, MetricLabels labels) {
  if (current_.empty() || current_type_ == MetricType::histogram) {
    throw std::logic_error("sample() outside a counter or gauge family");
  }
  out_ += current_;
  write_labels(labels);
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void PrometheusText::histogram(const HistogramSnapshot& histogram, MetricLabels labels) {
  if (current_.empty() || current_type_ != MetricType::histogram) {
    throw std::logic_error("histogram() outside a histogram family");
  }
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= histogram.bounds.size(); ++i) {
    cumulative += i < histogram.counts.size() ? histogram.counts[i] : 0;
    const std::string le = i < histogram.bounds.size() ? format_value(histogram.bounds[i]) : "+Inf";
    out_ += current_;
    out_ += "_bucket";
    write_labels(labels, le);
    out_ += ' ';
    out_ += std::to_string(cumulative);
    out_ += '\n';
  }
  out_ += current_;
  out_ += "_sum";
  write_labels(labels);
  out_ += ' ';
  out_ += format_value(histogram.sum);
  out_ += '\n';
  out_ += current_;
  out_ += "_count";
  write_labels(labels);
  out_ += ' ';
  out_ += std::to_string(cumulative);  // the +Inf bucket: always equal
  out_ += '\n';
}

void PrometheusText::counter(std::string_view name, std::string_view help, double value) {
  family(name, MetricType::counter, help);
  sample(value);
}

void PrometheusText::gauge(std::string_view name, std::string_view help, double value) {
  family(name, MetricType::gauge, help);
  sample(value);
}

}  // namespace semaphore
