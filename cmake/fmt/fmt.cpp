// fmt's compiled part, built from Debian's headers into semaphore_spdlog (CMakeLists.txt), so that fmt is
// not header-only: every other file sees only fmt's declarations, and its implementation (format-inl.h) is
// compiled once, here, instead of in every file that logs. Debian ships fmt only as a shared library, which
// would add a library to every start of the binary. What follows defines fmt's non-template functions
// (format-inl.h) and instantiates the templates that format.h declares `extern template` for the character
// types Semaphore formats; a link error naming an fmt symbol after an upgrade means one more belongs here.
#ifdef FMT_HEADER_ONLY
#error fmt is compiled here: FMT_HEADER_ONLY must not be defined (CMakeLists.txt)
#endif

#include <fmt/format-inl.h>

#include <locale>

namespace fmt {
inline namespace v9 {
namespace detail {

template auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;

template locale_ref::locale_ref(const std::locale& loc);
template auto locale_ref::get<std::locale>() const -> std::locale;

template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl(locale_ref) -> char;
template void buffer<char>::append(const char*, const char*);
template void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);

}  // namespace detail
}  // namespace v9
}  // namespace fmt
