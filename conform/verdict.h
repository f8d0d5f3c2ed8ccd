// ---------------------------------------------------------------------------
// File: conform/verdict.h
// ---------------------------------------------------------------------------
//
// From CheckResults to one verdict per SPEC.md rule, and the --expect file.
//
// A rule FAILS when a failing check's divergence names it, or when a check
// that covers it crashed, hung or failed without naming a rule. It is FLAKY
// when the same holds only for flaky results. It PASSES when some check
// that covers it passed (a case naming it, or a property run in which the
// model applied it) and nothing failed it. Otherwise it is N/A, with the
// reason: not checkable (SPEC.md's own words), outside the profile, no
// interface, no hook, skipped, or not reached because an earlier rule failed.
//
// Expectations (--expect), one per line, '#' comments:
//   NAME  [STATUS]  reason
// NAME is a SPEC.md rule ID or a case name (--list); STATUS is FAIL (the
// default, so "RULE  reason" is an expected failure), FLAKY (fail or pass,
// either is accepted) or SKIP (a case: never started, for one known to hang
// the server; a rule: not judged). A reason may start with any other word.
// An unknown name, a PASS line (passing is what everything is expected to
// do) or a name listed twice is a usage error naming the line.
//
// With expectations only unexpected verdicts count for the exit code: a
// failure nothing lists (a case listed FAIL or FLAKY excuses the failures
// it finds), or something listed FAIL that passed. A file means the same
// whatever --phases ran: an expected failure that passes is news only from
// a run that ran every check that could fail it (every phase, and every
// case that checks the rule); otherwise the pass is reported, not counted.
//
// Threading: none. Errors: ParseExpectations returns false and *error.

#ifndef DSALLOC_CONFORM_VERDICT_H_
#define DSALLOC_CONFORM_VERDICT_H_

#include <map>
#include <string>

#include "catalog.h"
#include "result.h"

namespace dsalloc::conform {

struct ServerTraits {
  bool callback_iface = true;
  bool fault_injection = true;
};

enum class Expected { kFail, kFlaky, kSkip };

struct Expectation {
  Expected status = Expected::kFail;
  std::string reason;
  int line = 0;  // in the --expect file
};

struct Expectations {
  std::map<std::string, Expectation> rules;  // SPEC.md rule ID ->
  std::map<std::string, Expectation> cases;  // case name ->
};

// The rules that need IMemAllocatorCallbackTemp (SPEC.md "Profiles"): n/a
// for a server without it (Wine).
bool NeedsCallbackInterface(const std::string& rule);

bool ParseExpectations(const std::string& text, Expectations* expect, std::string* error);

// Whether the kit must not start case `c`: --expect lists it as SKIP. Then
// the case is recorded in report->results as n/a with the line's reason,
// so the table says why its rules went unchecked.
bool SkipCase(const Expectations& expect, const CaseInfo& c, Report* report);

// Fills report->rules and report->exit_code from report->results.
void Judge(Report* report, const ServerTraits& traits, bool portable, const Expectations* expect);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_VERDICT_H_
