// conform/catalog.cpp: parsing the embedded SPEC.md and cases (catalog.h).

#include "catalog.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "native_cases.h"
#include "spec/model/op.h"
#include "spec/model/trace.h"

namespace dsalloc::conform {
namespace {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<RuleInfo> ParseRules(const std::string& spec) {
  std::vector<RuleInfo> rules;
  std::istringstream lines(spec);
  std::string line;
  // Continuation lines of a "Not checkable" bullet are indented.
  bool in_not_checkable = false;
  while (std::getline(lines, line)) {
    if (in_not_checkable && line.rfind("  ", 0) == 0) {
      // Appended in two steps: g++ 12 misreads `" " + std::string` at -O3
      // as an overlapping memcpy (-Wrestrict, GCC bug 105651).
      rules.back().not_checkable.append(" ").append(Trim(line));
      continue;
    }
    in_not_checkable = false;
    if (line.rfind("### ", 0) == 0) {
      RuleInfo rule;
      std::string heading = line.substr(4);
      size_t dash = heading.find(" \xE2\x80\x94 ");  // " — "
      rule.id = Trim(heading.substr(0, dash));
      rule.title = dash == std::string::npos ? "" : Trim(heading.substr(dash + 5));
      rules.push_back(rule);
    } else if (!rules.empty() && line.rfind("- **Not checkable**", 0) == 0) {
      // The report says why in SPEC.md's words: the user of an installed
      // kit may have no source tree to look it up in.
      rules.back().checkable = false;
      std::string why = Trim(line.substr(std::string("- **Not checkable**").size()));
      if (!why.empty() && why[0] == ':') why = Trim(why.substr(1));
      rules.back().not_checkable = why;
      in_not_checkable = true;
    } else if (line.rfind("## Appendix", 0) == 0) {
      break;
    }
  }
  return rules;
}

CaseInfo ParseCase(const EmbeddedCase& embedded) {
  CaseInfo c;
  c.name = embedded.name;
  c.text = embedded.text;
  std::istringstream lines(c.text);
  std::string line;
  auto value = [&line](const char* key) -> std::optional<std::string> {
    std::string prefix = std::string("# ") + key + ":";
    if (line.rfind(prefix, 0) != 0) return std::nullopt;
    return Trim(line.substr(prefix.size()));
  };
  while (std::getline(lines, line)) {
    if (auto v = value("checks")) {
      std::istringstream ids(*v);
      std::string id;
      while (std::getline(ids, id, ',')) {
        if (!Trim(id).empty()) c.checks.push_back(Trim(id));
      }
    } else if (auto about = value("about")) {
      c.about = *about;
    } else if (auto needs = value("needs")) {
      c.needs_fault_injection = needs->find("fault-injection") != std::string::npos;
    } else if (auto repeats = value("repeats")) {
      c.repeats = std::max(1, std::atoi(repeats->c_str()));
    } else if (auto note = value("portable")) {
      c.portable_note = *note;
    }
  }
  c.parallel = c.text.find(spec::kParallelTraceMarker) != std::string::npos;
  if (c.parallel && c.text.find("# repeats:") == std::string::npos) c.repeats = 20;
  int bad_line = 0;
  if (!spec::ParseTrace(c.text, &bad_line)) {
    c.error = "line " + std::to_string(bad_line) + " is not a line of the trace format";
  } else if (c.checks.empty()) {
    c.error = "no '# checks:' line";
  }
  for (const std::string& id : c.checks) {
    if (FindRule(id) == nullptr) c.error = "names an unknown rule " + id;
  }
  return c;
}

}  // namespace

const std::vector<RuleInfo>& Rules() {
  static const std::vector<RuleInfo> rules = ParseRules(EmbeddedSpec());
  return rules;
}

const RuleInfo* FindRule(const std::string& id) {
  for (const RuleInfo& r : Rules()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const std::vector<CaseInfo>& Cases() {
  static const std::vector<CaseInfo> cases = [] {
    std::vector<CaseInfo> all;
    for (const EmbeddedCase& e : EmbeddedCases()) all.push_back(ParseCase(e));
    for (CaseInfo& c : NativeCases()) all.push_back(std::move(c));
    std::sort(all.begin(), all.end(),
              [](const CaseInfo& a, const CaseInfo& b) { return a.name < b.name; });
    return all;
  }();
  return cases;
}

const CaseInfo* FindCase(const std::string& name) {
  for (const CaseInfo& c : Cases()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace dsalloc::conform
