// ---------------------------------------------------------------------------
// File: conform/result.h
// ---------------------------------------------------------------------------
//
// What dsalloc-conform found, as plain data: one CheckResult per check that
// ran (a conformance case, a sequential or parallel property run, the soak),
// and the per-rule verdict table built from them (verdict.h). Every report
// writer (text table, --junit, --json, --html) reads only these types.
//
// Lifetime: values. Threading: none. Errors: none.

#ifndef DSALLOC_CONFORM_RESULT_H_
#define DSALLOC_CONFORM_RESULT_H_

#include <string>
#include <vector>

namespace dsalloc::conform {

enum class Phase { kCases, kSequential, kParallel, kSoak };
inline constexpr Phase kAllPhases[] = {Phase::kCases, Phase::kSequential, Phase::kParallel,
                                       Phase::kSoak};
const char* PhaseName(Phase phase);  // "cases", "sequential", "parallel", "soak"

enum class Status {
  kPass,
  kFail,           // a divergence, a violation, a crash, a hang or a memory error
  kFlaky,          // failed once, did not fail again on replay (never a bare failure)
  kNotApplicable,  // could not be checked here; `detail` says why
};
const char* StatusName(Status status);  // "pass", "fail", "flaky", "n/a"

// One call of a failing parallel history, for the timeline drawing: the
// thread's lane, the call (trace format), and its invocation and response
// on the run's clock (response < 0: it never returned).
struct TimelineCall {
  int thread = 0;
  std::string call;
  std::string result;
  long long invoked = 0;
  long long responded = -1;
};

// The first point where the implementation and the specification parted.
struct Divergence {
  std::string rule;      // SPEC.md rule ID the model applied ("" if none)
  std::string op;        // the op, in trace format ("" at teardown / soak)
  std::string expected;  // what the model allows
  std::string observed;  // what the implementation did
};

struct CheckResult {
  Phase phase = Phase::kCases;
  std::string name;                // case name, or the phase's own name
  std::vector<std::string> rules;  // SPEC.md rules this check covers
  Status status = Status::kPass;
  Divergence divergence;               // for kFail and kFlaky
  std::string detail;                  // the full report, or the n/a reason
  std::string trace;                   // replayable trace (dsalloc-replay), if any
  std::string trace_file;              // where the kit wrote it, if it did
  std::vector<std::string> reproduce;  // shell commands that run it again (the trace's
                                       // replay; a random phase's run with its seed)
  std::vector<TimelineCall> timeline;  // parallel failures only
  double seconds = 0;
  long long work = 0;  // ops, cases or cycles done, for the figures
};

// One row of the rule table.
struct RuleVerdict {
  std::string rule;   // SPEC.md ID
  std::string title;  // SPEC.md heading
  Status status = Status::kNotApplicable;
  std::string phase;              // which phase decided ("" when n/a)
  std::string reason;             // n/a reason, or the failure's one-line summary
  std::vector<int> results;       // indices into Report::results that touched it
  bool expected_failure = false;  // listed in --expect
  std::string expected_reason;    // the --expect line's reason
  bool unexpected = false;        // a new failure, or an expected one that passed
};

struct Report {
  std::string implementation;  // "embedded dsalloc" or the server's absolute path
  std::string clsid;
  std::string profile;  // "strict" or "portable"
  std::vector<std::string> phases;
  // What judged what, so a CI artifact says it on its own: the kit, the
  // specification it embeds, the server's bytes, how the run was started.
  std::string kit_version;      // "0.1.0 (git 3c0e86d)"
  std::string spec_revision;    // SHA-256 of the embedded SPEC.md, first 16 hex digits
  std::string server_sha256;    // of the server file ("" for the embedded dsalloc)
  unsigned long long seed = 0;  // of the random phases
  std::string command_line;     // argv, shell-quoted
  std::string interrupted;      // "" or the signal ("SIGINT"): results are partial
  std::vector<CheckResult> results;
  std::vector<RuleVerdict> rules;  // SPEC.md order
  double seconds = 0;
  int exit_code = 0;  // 0 pass (or as --expect says), 1 failures, 128+N interrupted by signal N
  // A check failed, unexcused, with no rule of SPEC.md to pin it on: the run
  // fails whichever rules the table shows (Judge).
  bool unpinned_failure = false;
};

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_RESULT_H_
