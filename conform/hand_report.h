// ---------------------------------------------------------------------------
// File: conform/hand_report.h
// ---------------------------------------------------------------------------
//
// Building a Report by hand, for the report writers' test (report_test.cpp)
// and sample program (report_sample.cpp): a result or a rule row from the
// fields every one has; what only a failing one has is set by name after.
// Not part of the kit: only those two include it.

#ifndef DSALLOC_CONFORM_HAND_REPORT_H_
#define DSALLOC_CONFORM_HAND_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "result.h"

namespace dsalloc::conform {

// A check that ran: its phase and name, the rules it covers, its figures.
inline CheckResult HandResult(Phase phase, std::string name, std::vector<std::string> rules,
                              double seconds, long long work = 0) {
  CheckResult r;
  r.phase = phase;
  r.name = std::move(name);
  r.rules = std::move(rules);
  r.seconds = seconds;
  r.work = work;
  return r;
}

// A row of the rule table as a run without --expect leaves it: a failure
// or a flaky rule is unexpected.
inline RuleVerdict HandRule(std::string id, std::string title, Status status, std::string phase,
                            std::vector<int> results, std::string reason = "") {
  RuleVerdict v;
  v.rule = std::move(id);
  v.title = std::move(title);
  v.status = status;
  v.phase = std::move(phase);
  v.results = std::move(results);
  v.reason = std::move(reason);
  v.unexpected = status == Status::kFail || status == Status::kFlaky;
  return v;
}

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_HAND_REPORT_H_
