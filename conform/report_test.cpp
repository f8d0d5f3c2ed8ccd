// Tests of the report writers (report.h) on a Report built by hand: a pass,
// a parallel failure with a trace and a three-thread history in which one
// call never returned, an n/a rule, and an expected failure. Strings carry
// markup, quotes, control bytes and invalid UTF-8, which every document
// must still carry safely. The XML and JSON are checked by the small
// well-formedness parsers below; report.cmake also runs python3 and
// headless Chromium on the sample program's output.

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "escape.h"
#include "hand_report.h"
#include "report.h"
#include "result.h"

namespace dsalloc::conform {
namespace {

constexpr char kHostile[] = "<b>&amp;\"q\" 'a' \x01\x1b[0m \xff ]]>";

Report HandReport() {
  Report report;
  report.implementation = "embedded dsalloc";
  report.clsid = "{1E651CC0-B199-11D0-8212-00C04FC32C45}";
  report.profile = "strict";
  report.phases = {"cases", "parallel"};
  report.seconds = 3.5;
  report.exit_code = 1;

  const CheckResult pass = HandResult(Phase::kCases, "commit cases", {"ALLOC.COMMIT.1"}, 0.25, 12);

  CheckResult parallel = HandResult(Phase::kParallel, "parallel", {"THREAD.NOLOSTWAKE"}, 2.0);
  parallel.status = Status::kFail;
  parallel.divergence = {"THREAD.NOLOSTWAKE", "@1 GetBuffer 0", "S_OK sample 0",
                         "still blocked after 2000 ms"};
  parallel.detail = std::string("full report ") + kHostile;
  parallel.trace = "Commit\n@0 GetBuffer 0\n@1 GetBuffer 0\n@0 sample 0 Release\n";
  parallel.trace_file = "out/parallel-1.trace";
  parallel.timeline = {{0, "GetBuffer 0", "S_OK sample 0", 0, 5},
                       {1, "GetBuffer 0", "", 3, -1},
                       {2, "GetFreeCount", "S_OK 0", 4, 8},
                       {0, "sample 0 Release", "0", 10, 12}};

  CheckResult expected = HandResult(Phase::kCases, "decommit cases", {"ALLOC.DECOMMIT.4"}, 0.5);
  expected.status = Status::kFail;
  expected.divergence = {"ALLOC.DECOMMIT.4", "Decommit", "S_OK, Decommitting", "S_OK, Decommitted"};
  expected.trace = "Commit\nGetBuffer nowait\nDecommit\n";

  report.results = {pass, parallel, expected};

  const RuleVerdict commit = HandRule("ALLOC.COMMIT.1", "Commit in C", Status::kPass, "cases", {0});
  const RuleVerdict lost = HandRule("THREAD.NOLOSTWAKE", "No lost wake-up", Status::kFail,
                                    "parallel", {1}, "@1 GetBuffer 0 never returned");
  const RuleVerdict na =
      HandRule("SAMPLE.GETTYPE.OOM", "GetMediaType cannot allocate", Status::kNotApplicable, "", {},
               std::string("no fault hook ") + kHostile);
  RuleVerdict decommit = HandRule("ALLOC.DECOMMIT.4", "Decommit in P", Status::kFail, "cases",
                                  {2, 99},  // 99: out of range, must be ignored
                                  "went straight to Decommitted");
  decommit.expected_failure = true;
  decommit.expected_reason = "known quartz behaviour";
  decommit.unexpected = false;

  report.rules = {commit, lost, na, decommit};
  return report;
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    if ((c & 0xC0) == 0x80 || c >= 0xF8 || i + n > s.size()) return false;
    for (int k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

bool NoForbiddenControls(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\n' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// --- a small XML well-formedness checker -----------------------------------
// Elements nest and close in order, attributes are quoted and unique, text
// and attribute values hold no raw '<' and only known or numeric entities,
// and there is one root element.
class XmlChecker {
 public:
  explicit XmlChecker(std::string_view text) : s_(text) {}

  std::string Check() {
    if (s_.substr(0, 5) == "<?xml") pos_ = s_.find("?>") + 2;
    int roots = 0;
    std::vector<std::string> open;
    while (pos_ < s_.size()) {
      if (s_[pos_] != '<') {
        const size_t end = std::min(s_.find('<', pos_), s_.size());
        const std::string text(s_.substr(pos_, end - pos_));
        if (open.empty() && text.find_first_not_of(" \n\r\t") != std::string::npos) {
          return "text outside the root";
        }
        if (std::string e = Entities(text); !e.empty()) return e;
        pos_ = end;
        continue;
      }
      if (s_.substr(pos_, 2) == "</") {
        const size_t end = s_.find('>', pos_);
        if (end == std::string::npos) return "unclosed end tag";
        const std::string name(s_.substr(pos_ + 2, end - pos_ - 2));
        if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
        open.pop_back();
        pos_ = end + 1;
        continue;
      }
      ++pos_;
      const std::string name = Name();
      if (name.empty()) return "bad tag name";
      if (open.empty() && ++roots > 1) return "two roots";
      std::vector<std::string> seen;
      while (true) {
        Spaces();
        if (s_.substr(pos_, 2) == "/>") {
          pos_ += 2;
          break;
        }
        if (pos_ < s_.size() && s_[pos_] == '>') {
          ++pos_;
          open.push_back(name);
          break;
        }
        const std::string attr = Name();
        if (attr.empty()) return "bad attribute in <" + name + ">";
        for (const auto& other : seen) {
          if (other == attr) return "duplicate attribute " + attr;
        }
        seen.push_back(attr);
        Spaces();
        if (pos_ >= s_.size() || s_[pos_] != '=') return "attribute without value";
        ++pos_;
        Spaces();
        if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) return "unquoted value";
        const char quote = s_[pos_++];
        const size_t end = s_.find(quote, pos_);
        if (end == std::string::npos) return "unterminated value";
        const std::string value(s_.substr(pos_, end - pos_));
        if (value.find('<') != std::string::npos) return "raw < in attribute " + attr;
        if (std::string e = Entities(value); !e.empty()) return e;
        pos_ = end + 1;
      }
    }
    if (!open.empty()) return "unclosed <" + open.back() + ">";
    return roots == 1 ? "" : "no root";
  }

 private:
  static std::string Entities(const std::string& text) {
    for (size_t at = text.find('&'); at != std::string::npos; at = text.find('&', at + 1)) {
      const size_t semi = text.find(';', at);
      if (semi == std::string::npos) return "raw &";
      const std::string entity = text.substr(at + 1, semi - at - 1);
      const bool numeric = entity.size() > 1 && entity[0] == '#' &&
                           entity.find_first_not_of("0123456789", 1) == std::string::npos;
      if (!numeric && entity != "amp" && entity != "lt" && entity != "gt" && entity != "quot" &&
          entity != "apos") {
        return "unknown entity &" + entity + ";";
      }
    }
    return "";
  }
  std::string Name() {
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
            s_[pos_] == '-' || s_[pos_] == ':' || s_[pos_] == '.')) {
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  void Spaces() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// --- a small JSON validator (RFC 8259 grammar) -----------------------------
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view text) : s_(text) {}
  bool Valid() {
    Spaces();
    if (!Value()) return false;
    Spaces();
    return pos_ == s_.size();
  }

 private:
  bool Value() {
    if (pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{':
        return Container('}', true);
      case '[':
        return Container(']', false);
      case '"':
        return String();
      case 't':
        return Word("true");
      case 'f':
        return Word("false");
      case 'n':
        return Word("null");
      default:
        return Number();
    }
  }
  bool Container(char close, bool object) {
    ++pos_;
    Spaces();
    if (pos_ < s_.size() && s_[pos_] == close) return ++pos_, true;
    while (true) {
      Spaces();
      if (object) {
        if (pos_ >= s_.size() || s_[pos_] != '"' || !String()) return false;
        Spaces();
        if (pos_ >= s_.size() || s_[pos_++] != ':') return false;
        Spaces();
      }
      if (!Value()) return false;
      Spaces();
      if (pos_ >= s_.size()) return false;
      if (s_[pos_] == close) return ++pos_, true;
      if (s_[pos_++] != ',') return false;
    }
  }
  bool String() {
    ++pos_;
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (pos_ >= s_.size()) return false;
      const char e = s_[pos_++];
      if (e == 'u') {
        if (pos_ + 4 > s_.size()) return false;
        for (int i = 0; i < 4; ++i) {
          if (!std::isxdigit(static_cast<unsigned char>(s_[pos_++]))) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }
  bool Word(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool Number() {
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (!Digits()) return false;
    if (s_[start] == '0' || (s_[start] == '-' && s_[start + 1] == '0')) {
      if (pos_ - start > (s_[start] == '-' ? 2u : 1u)) return false;  // leading zero
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!Digits()) return false;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!Digits()) return false;
    }
    return true;
  }
  bool Digits() {
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return pos_ > start;
  }
  void Spaces() {
    while (pos_ < s_.size() && std::string_view(" \n\r\t").find(s_[pos_]) != std::string::npos) {
      ++pos_;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// --- names -------------------------------------------------------------------

TEST(ResultNames, PhasesAndStatuses) {
  EXPECT_STREQ(PhaseName(Phase::kCases), "cases");
  EXPECT_STREQ(PhaseName(Phase::kSequential), "sequential");
  EXPECT_STREQ(PhaseName(Phase::kParallel), "parallel");
  EXPECT_STREQ(PhaseName(Phase::kSoak), "soak");
  EXPECT_STREQ(StatusName(Status::kPass), "pass");
  EXPECT_STREQ(StatusName(Status::kFail), "fail");
  EXPECT_STREQ(StatusName(Status::kFlaky), "flaky");
  EXPECT_STREQ(StatusName(Status::kNotApplicable), "n/a");
}

TEST(RuleSection, DropsTheLastPartKeepsAtMostTwo) {
  EXPECT_EQ(RuleSection("ALLOC.COMMIT.2"), "ALLOC.COMMIT");
  EXPECT_EQ(RuleSection("ALLOC.PROPS.NULL"), "ALLOC.PROPS");
  EXPECT_EQ(RuleSection("COM.ALLOC.QI.MISS"), "COM.ALLOC");
  EXPECT_EQ(RuleSection("NOTIFY.ONCE"), "NOTIFY");
  EXPECT_EQ(RuleSection("GEN"), "GEN");
  EXPECT_EQ(RuleSection(""), "");
}

TEST(ExpectMark, FollowsStatusAndExpect) {
  RuleVerdict v;
  v.status = Status::kFail;
  EXPECT_EQ(ExpectMark(v), "");
  EXPECT_TRUE(CountsAsFailure(v));
  v.expected_failure = true;
  EXPECT_EQ(ExpectMark(v), "expected");
  EXPECT_FALSE(CountsAsFailure(v));
  v.status = Status::kPass;
  EXPECT_EQ(ExpectMark(v), "unexpected pass");
  EXPECT_TRUE(CountsAsFailure(v));
}

// --- escaping ----------------------------------------------------------------

TEST(Escape, XmlTextAndAttr) {
  EXPECT_EQ(XmlText("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  EXPECT_EQ(XmlText("l1\nl2\r"), "l1\nl2&#13;");
  EXPECT_EQ(XmlAttr("l1\nl2\t"), "l1&#10;l2&#9;");
  EXPECT_EQ(XmlText("\x01"), "\xEF\xBF\xBD");                  // control -> U+FFFD
  EXPECT_EQ(XmlText("\xff"), "\xEF\xBF\xBD");                  // invalid byte -> U+FFFD
  EXPECT_EQ(XmlText("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  EXPECT_EQ(XmlText("\xE2\x86\x92"), "\xE2\x86\x92");          // valid UTF-8 kept
}

TEST(Escape, JsonStringAndNumber) {
  EXPECT_EQ(JsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(JsonString("\xff"), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(JsonNumber(1.5), "1.5");
  EXPECT_EQ(JsonNumber(0), "0");
  EXPECT_EQ(JsonNumber(1.0 / 0.0), "null");
  EXPECT_EQ(OneLine("  a\n\tb  \x1b "), "a b ?");
}

// --- writers -----------------------------------------------------------------

TEST(TextTable, OneRowPerRuleThenFailuresThenSummary) {
  const std::string text = TextTable(HandReport());
  EXPECT_NE(text.find("profile strict; phases cases, parallel"), std::string::npos) << text;
  for (const char* rule :
       {"ALLOC.COMMIT.1", "THREAD.NOLOSTWAKE", "SAMPLE.GETTYPE.OOM", "ALLOC.DECOMMIT.4"}) {
    EXPECT_GE(Count(text, std::string("\n") + rule + " "), 1) << rule << "\n" << text;
  }
  // The expected failure carries its marker on its row.
  const size_t row = text.find("\nALLOC.DECOMMIT.4 ");
  ASSERT_NE(row, std::string::npos);
  const std::string line = text.substr(row + 1, text.find('\n', row + 1) - row - 1);
  EXPECT_NE(line.find("FAIL"), std::string::npos) << line;
  EXPECT_NE(line.find("expected"), std::string::npos) << line;
  // Failures: rule, op, expected vs observed, trace file.
  EXPECT_NE(text.find("Failures (2)"), std::string::npos) << text;
  EXPECT_NE(text.find("op:         @1 GetBuffer 0"), std::string::npos) << text;
  EXPECT_NE(text.find("expected:   S_OK sample 0"), std::string::npos) << text;
  EXPECT_NE(text.find("observed:   still blocked after 2000 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("trace file: out/parallel-1.trace"), std::string::npos) << text;
  EXPECT_NE(text.find("trace file: (not written)"), std::string::npos) << text;
  EXPECT_NE(text.find("4 rules: 1 pass, 2 fail, 0 flaky, 1 n/a; 1 failing as expected; 3 checks"),
            std::string::npos)
      << text;
  // Nothing a terminal would act on.
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_TRUE(NoForbiddenControls(text));
}

TEST(JunitXml, WellFormedOneTestcasePerRule) {
  const std::string xml = JunitXml(HandReport());
  EXPECT_EQ(XmlChecker(xml).Check(), "") << xml;
  EXPECT_TRUE(ValidUtf8(xml));
  EXPECT_TRUE(NoForbiddenControls(xml));
  EXPECT_EQ(Count(xml, "<testcase "), 4);
  EXPECT_NE(
      xml.find("<testcase classname=\"ALLOC.COMMIT\" name=\"ALLOC.COMMIT.1\" time=\"0.250\"/>"),
      std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"THREAD\" name=\"THREAD.NOLOSTWAKE\""), std::string::npos);
  // One real failure: its message is expected vs observed, its body the trace.
  EXPECT_EQ(Count(xml, "<failure "), 1) << xml;
  EXPECT_NE(xml.find("message=\"@1 GetBuffer 0: expected: S_OK sample 0; observed: still blocked "
                     "after 2000 ms\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("@0 sample 0 Release\n"), std::string::npos);
  // n/a and the expected failure are skipped.
  EXPECT_EQ(Count(xml, "<skipped "), 2);
  EXPECT_NE(xml.find("<skipped message=\"n/a: no fault hook &lt;b&gt;&amp;amp;"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<skipped type=\"xfail\""), std::string::npos);
  EXPECT_NE(xml.find("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"2\" time=\"3.500\""),
            std::string::npos)
      << xml;
}

TEST(Json, ParsesAndHoldsEveryField) {
  const std::string json = Json(HandReport());
  EXPECT_TRUE(JsonChecker(json).Valid()) << json;
  EXPECT_TRUE(ValidUtf8(json));
  for (const char* key : {"implementation",
                          "clsid",
                          "profile",
                          "phases",
                          "results",
                          "phase",
                          "name",
                          "rules",
                          "status",
                          "divergence",
                          "op",
                          "expected",
                          "observed",
                          "detail",
                          "trace",
                          "trace_file",
                          "timeline",
                          "thread",
                          "call",
                          "result",
                          "invoked",
                          "responded",
                          "seconds",
                          "work",
                          "title",
                          "reason",
                          "expected_failure",
                          "expected_reason",
                          "unexpected",
                          "exit_code"}) {
    EXPECT_NE(json.find(std::string("\"") + key + "\": "), std::string::npos) << key;
  }
  EXPECT_NE(json.find("\"status\": \"n/a\""), std::string::npos);
  EXPECT_NE(json.find("\"responded\": -1"), std::string::npos);
  EXPECT_NE(json.find("\\u0001\\u001b[0m \xEF\xBF\xBD"), std::string::npos) << json;
  // Stable: key order follows result.h.
  EXPECT_LT(json.find("\"implementation\""), json.find("\"clsid\""));
  EXPECT_LT(json.find("\"results\""), json.find("\"rules\": [\n    {"));
  EXPECT_EQ(json, Json(HandReport()));
}

TEST(Html, OneRowPerRuleAndATimeline) {
  const std::string html = Html(HandReport());
  EXPECT_TRUE(ValidUtf8(html));
  EXPECT_EQ(Count(html, "<tr class=\"rule\""), 4);
  EXPECT_NE(html.find("<tr class=\"rule\" data-rule=\"ALLOC.COMMIT.1\" data-status=\"pass\">"),
            std::string::npos);
  EXPECT_NE(html.find("data-rule=\"THREAD.NOLOSTWAKE\" data-status=\"fail\""), std::string::npos);
  EXPECT_NE(html.find("data-rule=\"SAMPLE.GETTYPE.OOM\" data-status=\"na\""), std::string::npos);
  // Two failure sections; one timeline (only the parallel failure has one).
  EXPECT_EQ(Count(html, "<section class=\"failure "), 2);
  EXPECT_EQ(Count(html, "<svg class=\"timeline\""), 1);
  EXPECT_EQ(Count(html, "<g class=\"call\""), 4);
  EXPECT_EQ(Count(html, "data-open=\"yes\""), 1);
  for (const char* lane : {">thread 0<", ">thread 1<", ">thread 2<"}) {
    EXPECT_EQ(Count(html, lane), 1) << lane;
  }
  EXPECT_NE(html.find("<title>thread 1: GetBuffer 0\nnever returned"), std::string::npos);
  EXPECT_NE(html.find("<pre class=\"trace\">Commit\n@0 GetBuffer 0\n"), std::string::npos);
  // The divergence, and the expected failure's marker.
  EXPECT_NE(html.find("<td class=\"mono\">still blocked after 2000 ms</td>"), std::string::npos);
  EXPECT_NE(html.find("class=\"mark expected\""), std::string::npos);
  // Self-contained and escaped.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("<b>&amp;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;&amp;amp;&quot;q&quot; &#39;a&#39;"), std::string::npos);
  EXPECT_TRUE(NoForbiddenControls(html));
}

TEST(Html, EmptyReportStillAPage) {
  const std::string html = Html(Report{});
  EXPECT_EQ(Count(html, "<tr class=\"rule\""), 0);
  EXPECT_NE(html.find("No check failed."), std::string::npos);
  EXPECT_TRUE(JsonChecker(Json(Report{})).Valid());
  EXPECT_EQ(XmlChecker(JunitXml(Report{})).Check(), "");
}

}  // namespace
}  // namespace dsalloc::conform
