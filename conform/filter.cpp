// conform/filter.cpp: --cases and --rules (filter.h).

#include "filter.h"

#include <algorithm>

namespace dsalloc::conform {

bool GlobMatches(std::string_view pattern, std::string_view name) {
  // Iterative matching with one backtrack point for the last '*'.
  size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

NameFilter::NameFilter(std::string_view text, bool dashes_in_names) {
  // GoogleTest: the first '-' starts the negative patterns. Case names
  // contain '-' too: for them only a '-' at the start or after a separator.
  size_t dash = std::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-' &&
        (!dashes_in_names || i == 0 || text[i - 1] == ':' || text[i - 1] == ',')) {
      dash = i;
      break;
    }
  }
  auto split = [](std::string_view list, std::vector<std::string>* out) {
    while (!list.empty()) {
      size_t end = list.find_first_of(":,");
      std::string_view one = list.substr(0, end);
      if (!one.empty()) out->emplace_back(one);
      list = end == std::string_view::npos ? "" : list.substr(end + 1);
    }
  };
  split(text.substr(0, dash), &positive_);
  if (dash != std::string_view::npos) split(text.substr(dash + 1), &negative_);
}

bool NameFilter::Matches(std::string_view name) const {
  auto any = [&](const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return GlobMatches(p, name); });
  };
  return (positive_.empty() || any(positive_)) && !any(negative_);
}

bool Select(const std::string& case_filter, const std::string& rule_filter, bool cases_phase,
            Selection* selection, std::string* error) {
  NameFilter cases(case_filter, true);
  selection->rules = NameFilter(rule_filter, false);
  selection->cases.clear();
  bool any_rule = false;
  for (const RuleInfo& rule : Rules()) any_rule = any_rule || selection->rules.Matches(rule.id);
  for (const CaseInfo& c : Cases()) {
    if (!cases.Matches(c.name)) continue;
    bool checks_a_rule = std::any_of(c.checks.begin(), c.checks.end(), [&](const std::string& id) {
      return selection->rules.Matches(id);
    });
    if (checks_a_rule) selection->cases.push_back(&c);
  }
  if (!rule_filter.empty() && !any_rule) {
    *error = "--rules '" + rule_filter + "' matches no rule of SPEC.md (see --list)";
    if (FindCase(rule_filter) != nullptr) *error += "; '" + rule_filter + "' is a case: --cases";
  } else if (!selection->cases.empty() || !cases_phase) {
    return true;  // the random phases judge every rule
  } else if (!case_filter.empty()) {
    *error = "--cases '" + case_filter + "' selects no case";
    if (!rule_filter.empty()) *error += " that checks a rule --rules '" + rule_filter + "' matches";
    *error += " (see --list)";
    if (FindRule(case_filter) != nullptr) {
      *error += "; '" + case_filter + "' is a rule: --rules " + case_filter;
    }
  } else {
    *error = "--rules '" + rule_filter + "' matches no rule a case checks (see --list)";
  }
  return false;
}

}  // namespace dsalloc::conform
