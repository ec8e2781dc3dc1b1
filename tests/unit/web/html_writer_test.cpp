// HtmlWriter: what the hot tables (report rows, rounds) are written with instead of templates. Every value
// must come out escaped exactly as a template's {{value}} would be, in text and in quoted attributes.
#include "web/view/html_writer.h"

#include <gtest/gtest.h>
#include <kainjow/mustache.hpp>

#include <climits>
#include <random>
#include <string>

namespace semaphore::web {
namespace {

std::string escaped(std::string_view value) {
  std::string out;
  append_escaped(out, value);
  return out;
}

TEST(HtmlWriter, EscapesEachSpecialCharacter) {
  EXPECT_EQ(escaped("&"), "&amp;");
  EXPECT_EQ(escaped("<"), "&lt;");
  EXPECT_EQ(escaped(">"), "&gt;");
  EXPECT_EQ(escaped("\""), "&quot;");
  EXPECT_EQ(escaped("'"), "&apos;");
  EXPECT_EQ(escaped("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&apos;d");
  EXPECT_EQ(escaped("&&"), "&amp;&amp;") << "consecutive ones";
  EXPECT_EQ(escaped("&amp;"), "&amp;amp;") << "an entity in the value is text, not markup";
}

TEST(HtmlWriter, LeavesEverythingElseAlone) {
  EXPECT_EQ(escaped(""), "");
  EXPECT_EQ(escaped("plain text 123 / = ; : % # é ✓"), "plain text 123 / = ; : % # é ✓");
  const std::string with_nul("a\0b\n\t", 5);
  EXPECT_EQ(escaped(with_nul), with_nul);
}

TEST(HtmlWriter, EscapesEveryByteAsTheTemplatesDo) {
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    EXPECT_EQ(escaped(one), kainjow::mustache::html_escape(one)) << "byte " << c;
  }
  // And whole strings, with the special characters among others at any place.
  std::mt19937 random(7);
  const std::string alphabet = "&<>\"'a Z0é\n/=";
  for (int i = 0; i < 2000; ++i) {
    std::string value(random() % 20, ' ');
    for (char& c : value) c = alphabet[random() % alphabet.size()];
    EXPECT_EQ(escaped(value), kainjow::mustache::html_escape(value)) << value;
  }
}

TEST(HtmlWriter, AQuotedAttributeValueCannotEndTheAttribute) {
  std::string out;
  HtmlWriter(out)
      .raw("<a title=\"")
      .text("x\" onclick=\"alert(1)")
      .raw("\" data-v='")
      .text("y' z='1")
      .raw("'>");
  EXPECT_EQ(out, "<a title=\"x&quot; onclick=&quot;alert(1)\" data-v='y&apos; z=&apos;1'>");
}

TEST(HtmlWriter, TextCannotOpenOrCloseAnElement) {
  std::string out;
  HtmlWriter(out).raw("<td>").text("</td><script>x()</script>").raw("</td>");
  EXPECT_EQ(out, "<td>&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;</td>");
}

TEST(HtmlWriter, NestedWritesComeOutInOrderAfterWhatWasThere) {
  std::string out = "<table>";
  HtmlWriter html(out);
  html.raw("<tr class=\"row-").text("up").raw("\">");
  for (const char* cell : {"a&b", "c"}) html.raw("<td>").text(cell).raw("</td>");
  html.raw("<td class=\"num\">").number(-42).raw("</td></tr>");
  HtmlWriter(out).raw("</table>");  // a second writer appends to the same text
  EXPECT_EQ(out,
            "<table><tr class=\"row-up\"><td>a&amp;b</td><td>c</td><td class=\"num\">-42</td></tr></table>");
}

TEST(HtmlWriter, NumbersInDecimal) {
  for (const long long value : {0LL, 7LL, -1LL, 1234567890123LL, LLONG_MAX, LLONG_MIN}) {
    std::string out;
    HtmlWriter(out).number(value);
    EXPECT_EQ(out, std::to_string(value));
  }
}

}  // namespace
}  // namespace semaphore::web
