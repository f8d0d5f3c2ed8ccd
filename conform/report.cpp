// ---------------------------------------------------------------------------
// File: conform/report.cpp
// ---------------------------------------------------------------------------
//
// What every writer agrees on: a rule's section, its --expect marker, and
// whether it fails the run. The marker and the failure are derived from
// status and expected_failure alone, so a hand-built Report reads the same
// as one verdict.h built.

#include "report.h"

#include <algorithm>

namespace dsalloc::conform {
namespace {

bool Failed(Status status) { return status == Status::kFail || status == Status::kFlaky; }

}  // namespace

std::string RuleSection(const std::string& rule) {
  const size_t last = rule.rfind('.');
  if (last == std::string::npos || last == 0) return rule;
  const size_t first = rule.find('.');
  const size_t second = rule.find('.', first + 1);
  return rule.substr(0, std::min(last, second));
}

std::string ExpectMark(const RuleVerdict& verdict) {
  if (!verdict.expected_failure) return "";
  return verdict.status == Status::kPass ? "unexpected pass" : "expected";
}

bool CountsAsFailure(const RuleVerdict& verdict) {
  if (verdict.expected_failure) return verdict.status == Status::kPass;
  return Failed(verdict.status);
}

}  // namespace dsalloc::conform
