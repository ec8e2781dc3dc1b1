#include "web/form.h"

#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>

namespace semaphore::web {

std::optional<FormData> FormData::parse(std::string_view encoded) {
  FormData form;
  if (encoded.empty()) return form;
  auto parsed = boost::urls::parse_query(boost::urls::string_view(encoded.data(), encoded.size()));
  if (!parsed) return std::nullopt;
  boost::urls::encoding_opts options;
  options.space_as_plus = true;
  // (Decoding each pair here: Boost 1.81 declares but does not define params_view(params_view,
  // encoding_opts).)
  for (const auto& param : *parsed) {
    if (param.key.empty()) continue;
    form.values_[param.key.decode(options)].push_back(param.value.decode(options));  // get(): the first
  }
  return form;
}

const std::string& FormData::get(const std::string& key) const {
  static const std::string empty;
  const auto it = values_.find(key);
  return it == values_.end() || it->second.empty() ? empty : it->second.front();
}

const std::vector<std::string>& FormData::get_all(const std::string& key) const {
  static const std::vector<std::string> none;
  const auto it = values_.find(key);
  return it == values_.end() ? none : it->second;
}

FormData parse_query_or_empty(std::string_view encoded) {
  auto form = FormData::parse(encoded);
  return form ? std::move(*form) : FormData{};
}

}  // namespace semaphore::web
