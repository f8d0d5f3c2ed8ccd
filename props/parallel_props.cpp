// props/parallel_props.cpp: the parallel properties, a client of
// harness/parallel/ (the runner and the linearizability checker).
//
// Parallel.LinearizableStrict / Parallel.LinearizablePortable: for random
// ParallelCases (a sequential prefix that sets up an interesting state, then
// 2-3 short op lists run on real threads from a common start), every
// recorded history, NotifyRelease deliveries included, must be explained by
// some order of its calls that respects real time and that the model
// allows; the driver must see no violation; the world must tear down clean.
// Each case runs kRepeats times on a fresh allocator to meet more schedules.
//
// RapidCheck has no parallel mode; this is one. Case count: 200 x
// DSALLOC_PROPS_SCALE (a float, default 1) for strict, half that for
// portable (property_check.h). The implementation is harness::Selected()
// (DSALLOC_IMPL or the props binary's --impl); --profile=portable skips the
// strict property. A counterexample is printed as a trace (op.h format;
// '#' lines explain the parallel phase) plus the checker's report.

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "harness/implementation.h"
#include "harness/parallel/parallel_runner.h"
#include "parallel_gen.h"
#include "property_check.h"
#include "props_options.h"
#include "spec/model/op.h"

namespace dsalloc::props::parallel {

// RapidCheck prints a counterexample with showValue (found by ADL); the
// trace itself is in the failure message, next to the checker's report.
void showValue(const ParallelCase& c, std::ostream& os) {
  size_t ops = c.prefix.size();
  for (const auto& list : c.threads) ops += list.size();
  os << c.prefix.size() << "-op prefix, " << c.threads.size() << " threads, " << ops
     << " ops (trace below)";
}

namespace {

using spec::Op;
constexpr int kRepeats = 5;

// --- running the property --------------------------------------------------

void CheckParallel(spec::Profile profile, int base_cases) {
  const harness::Implementation& impl = harness::Selected();
  RunOptions options;
  options.profile = profile;
  options.repeats = kRepeats;
  options.driver = DriverOptions();
  RunStats stats;
  size_t cases = 0;
  const auto start = std::chrono::steady_clock::now();
  CheckProperty(base_cases, [&] {
    ParallelCase c = *GenParallelCase();
    RunResult r = RunParallelCase(impl, c, options);
    ++cases;
    stats.Add(r.stats);
    if (r.failed) {
      std::vector<Op> flat = c.prefix;
      for (size_t t = 0; t < c.threads.size(); ++t) {
        for (Op op : c.threads[t]) {
          op.thread = static_cast<uint8_t>(t + 1);
          flat.push_back(op);
        }
      }
      LastFailureLength() = static_cast<int>(flat.size());
      WriteFailureTrace(
          flat, std::string(spec::kParallelTraceMarker.substr(2)) + "\n" +
                    "parallel case: the @T lists ran concurrently and their \"sample k\" is the\n"
                    "sample thread T's k-th GetBuffer got; dsalloc-replay runs it again with\n"
                    "the parallel runner (new schedules each repeat).\n" +
                    r.report);
      RC_FAIL("parallel case failed against " + impl.name + "\ncase (trace):\n" + ToTrace(c) +
              r.report);
    }
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Cases here include RapidCheck's shrinking attempts after a failure.
  std::printf(
      "dsalloc-props: parallel %s: %zu cases x %d repeats = %zu runs, %.1f cases/s; "
      "searches gave up: %zu of %zu; search nodes %.1f avg, %zu max; %zu calls, %.0f%% "
      "overlapped another; %zu ops skipped; %zu notifications; %zu blocking GetBuffer, "
      "%zu runner Decommits\n",
      profile == spec::Profile::kStrict ? "strict" : "portable", cases, kRepeats, stats.runs,
      seconds > 0 ? double(cases) / seconds : 0.0, stats.gave_up, stats.runs,
      stats.runs ? double(stats.nodes) / double(stats.runs) : 0.0, stats.max_nodes, stats.events,
      stats.events ? 100.0 * double(stats.overlapped) / double(stats.events) : 0.0, stats.skipped,
      stats.notifications, stats.blocking, stats.runner_decommits);
  std::fflush(stdout);
}

// Strict: exactly dsalloc's behaviour, one allowed outcome per step. Not
// this run's judge when the binary was started with --profile=portable.
// checks: THREAD.SAFE, ALLOC.RELEASEBUFFER.HANDOFF, ALLOC.DECOMMIT.WAKE,
// checks: THREAD.NOLOSTWAKE, NOTIFY.ONCE, ALLOC.BOUND
TEST(Parallel, LinearizableStrict) {
  if (SelectedProfile() != spec::Profile::kStrict) {
    GTEST_SKIP() << "--profile=portable: the strict profile does not apply";
  }
  CheckParallel(spec::Profile::kStrict, 200);
}

// Portable: every conforming choice (which free sample GetBuffer returns,
// Wine's or the base classes' traits); the search keeps every branch.
// checks: THREAD.SAFE, NOTIFY.SNAPSHOT, GEN.NOHANG, ALLOC.GETBUFFER.WAIT,
// checks: ALLOC.FREECOUNT, THREAD.NOLOCK
TEST(Parallel, LinearizablePortable) { CheckParallel(spec::Profile::kPortable, 100); }

}  // namespace
}  // namespace dsalloc::props::parallel
