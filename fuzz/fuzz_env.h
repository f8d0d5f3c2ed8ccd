// ---------------------------------------------------------------------------
// File: fuzz/fuzz_env.h
// ---------------------------------------------------------------------------
//
// What every fuzz target shares: which implementation it checks and under
// which profile, the driver's waits, and what happens at a finding.
//
// libFuzzer owns the command line, so the choice comes from the
// environment, with the conformance kit's defaults:
//   DSALLOC_IMPL=path.so      the in-process server to check (default: the
//                             embedded dsalloc; harness/implementation.h)
//   DSALLOC_PROFILE=strict|portable   default strict for the embedded
//                             dsalloc, portable for a server from DSALLOC_IMPL
//   DSALLOC_TIMEOUT_SCALE=x   stretches every wait (slow or loaded machines)
//   DSALLOC_FUZZ_SETTLE_MS=n  how long a GetBuffer the model says blocks is
//                             given before it counts as blocked (default 5)
//
// A finding (a divergence from the model, a violation, a leak at teardown)
// is printed with the rule, the report and the decoded input in the trace
// format (a file dsalloc-replay runs), then the process aborts so that
// libFuzzer keeps the input. The plain replay driver (replay_main.cpp)
// switches to recording instead, to report every file it runs.
//
// Threading: call from the fuzzing thread only.

#ifndef DSALLOC_FUZZ_FUZZ_ENV_H_
#define DSALLOC_FUZZ_FUZZ_ENV_H_

#include <string>
#include <string_view>
#include <vector>

#include "harness/driver.h"
#include "harness/implementation.h"
#include "spec/model/op.h"
#include "spec/model/state.h"
#include "spec/model/trace.h"

namespace dsalloc::fuzz {

const harness::Implementation& SelectedImplementation();
spec::Profile SelectedProfile();
harness::Driver::Options DriverOptions();

// See the banner. `trace` is printed after the report; with `parallel`, as
// a parallel case (the kParallelTraceMarker line first).
void Finding(std::string_view target, const std::string& report, const spec::Trace& trace,
             bool parallel = false);

// Replay driver: findings are counted and printed, not fatal.
void RecordFindingsInsteadOfAborting();
// Findings recorded since the last call.
int TakeFindings();

}  // namespace dsalloc::fuzz

#endif  // DSALLOC_FUZZ_FUZZ_ENV_H_
