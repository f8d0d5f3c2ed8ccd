// ---------------------------------------------------------------------------
// File: conform/report.h
// ---------------------------------------------------------------------------
//
// The report writers of dsalloc-conform: each turns a Report (result.h) into
// one document, as a string the caller prints or writes to a file.
//
//   TextTable  the terminal view: the rule table, then every failure, then
//              one summary line
//   JunitXml   --junit: one <testcase> per rule, for CI dashboards
//   Json       --json: everything in the Report, for scripts
//   Html       --html: one self-contained page (no network: inline CSS and
//              JS, no fonts or images), with a timeline of each failing
//              parallel history
//
// Expected failures (RuleVerdict::expected_failure, from --expect) read the
// same way in every writer: a rule that still fails as expected is marked
// "expected" and does not count as a failure (JUnit reports it <skipped>, as
// pytest reports an xfail); an expected failure that passed
// (expected_failure and unexpected) counts as a failure.
//
// Threading: thread-safe (pure functions of their argument). Errors: none;
// any bytes in the Report's strings give a well-formed document (escape.h).

#ifndef DSALLOC_CONFORM_REPORT_H_
#define DSALLOC_CONFORM_REPORT_H_

#include <string>

#include "result.h"

namespace dsalloc::conform {

// TextTable()
//
// Returns the report for a terminal, plain ASCII columns, no colour: a header
// (implementation, profile, phases); one row per RuleVerdict with rule,
// status, phase, the expected marker (ExpectMark) and the reason; each
// failing or flaky CheckResult with its rule, op, expected and observed
// outcome and trace file; and a last line with the counts.
std::string TextTable(const Report& report);

// JunitXml()
//
// Returns a JUnit XML document: <testsuites> holding one <testsuite> (counts,
// Report::seconds, the run's properties) with one <testcase> per rule,
// classname RuleSection(rule), name the rule ID, time the seconds of the
// checks that touched it. A fail or flaky rule gets a <failure> (message:
// expected vs observed; body: every failing check with its trace); an n/a
// rule gets <skipped> with the reason.
std::string JunitXml(const Report& report);

// Json()
//
// Returns every field of the Report as one JSON object, keys in the order
// result.h declares them, statuses and phases by name (StatusName,
// PhaseName), non-finite numbers as null. Two equal Reports give equal text.
std::string Json(const Report& report);

// Html()
//
// Returns one self-contained HTML page: a header with the implementation,
// profile, phases and totals (they filter the table); the rule table, one
// <tr class="rule" data-rule="ID" data-status="pass|fail|flaky|na"> per
// rule; and one <section class="failure"> per failing or flaky CheckResult
// with its divergence, its trace in a <pre> and, when it has a timeline, an
// <svg class="timeline">: one lane per thread, one bar per call from
// invocation to response, open to the right edge if it never returned.
std::string Html(const Report& report);

// RuleSection()
//
// The JUnit classname of a rule: its ID without the last part, at most two
// parts ("ALLOC.COMMIT.2" -> "ALLOC.COMMIT", "COM.ALLOC.QI.MISS" ->
// "COM.ALLOC", "NOTIFY.ONCE" -> "NOTIFY"); an ID without a dot is its own.
std::string RuleSection(const std::string& rule);

// ExpectMark()
//
// "expected" for a rule --expect lists that failed as listed, "unexpected
// pass" for one it lists that did not fail, "" otherwise.
std::string ExpectMark(const RuleVerdict& verdict);

// CountsAsFailure()
//
// Whether the rule makes the run fail: fail or flaky and not expected, or an
// expected failure that passed.
bool CountsAsFailure(const RuleVerdict& verdict);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_REPORT_H_
