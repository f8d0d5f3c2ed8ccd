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
// reason: not checkable, outside the profile, no interface, no hook, or
// not reached because an earlier rule failed.
//
// Expectations (--expect): one rule per line, "RULE  reason", '#' comments.
// With them only unexpected verdicts count for the exit code: a failure not
// listed, or a listed rule that passed.
//
// Threading: none. Errors: ParseExpectations returns false and *error.

#ifndef DSALLOC_CONFORM_VERDICT_H_
#define DSALLOC_CONFORM_VERDICT_H_

#include <map>
#include <string>

#include "result.h"

namespace dsalloc::conform {

struct ServerTraits {
  bool callback_iface = true;
  bool fault_injection = true;
};

using Expectations = std::map<std::string, std::string>;  // rule -> reason

// The rules that need IMemAllocatorCallbackTemp (SPEC.md "Profiles"): n/a
// for a server without it (Wine).
bool NeedsCallbackInterface(const std::string& rule);

bool ParseExpectations(const std::string& text, Expectations* expect, std::string* error);

// Fills report->rules and report->exit_code from report->results.
void Judge(Report* report, const ServerTraits& traits, bool portable, const Expectations* expect);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_VERDICT_H_
