// harness/parallel/parallel_runner_test.cpp: the parallel runner's own
// promises, on real threads against the embedded dsalloc.

#include "harness/parallel/parallel_runner.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/implementation.h"
#include "harness/parallel/case_of_trace.h"
#include "harness/thread_sleep.h"
#include "spec/model/op.h"

namespace dsalloc::props::parallel {
namespace {

// The false verdict of a loaded machine (fuzz/README.md, Findings): a
// thread marked waiting for its blocking GetBuffer but preempted before it
// reached the allocator sat out the whole quiet spell; the runner's
// Decommit then counted the call as in effect before it, and the
// NOT_COMMITTED it got afterwards as a lost wake-up of a free sample. The
// stall seam keeps that thread running (as a preempted one is runnable)
// for three spells: the runner must wait for it, or wake it without
// claiming it was blocked. Either way dsalloc is linearizable.
TEST(ParallelRunner, AThreadPreemptedBeforeItsBlockingCallIsNotTakenAsBlocked) {
  if (!harness::SleepWatch(harness::CurrentThreadId()).Supported()) {
    GTEST_SKIP() << "no /proc: the runner has only its quiet spell to go by";
  }
  ParallelCase c = CaseOf(
      "SetProperties 1 64 1 0\n"
      "Commit\n"
      "@1 GetBuffer\n"
      "@1 sample 0 Release\n"
      "@2 GetBuffer\n");
  RunOptions options = CheckerOptions(3);
  options.stall_before_blocking_call =
      3 * std::chrono::duration_cast<std::chrono::microseconds>(std::max<std::chrono::milliseconds>(
              options.driver.settle, std::chrono::milliseconds(2)));
  RunResult result = RunParallelCase(harness::Embedded(), c, options);
  EXPECT_FALSE(result.failed) << result.report;
}

// A callback the prefix let go of may be destroyed by one thread's SetNotify
// while another passes it: such a case is not run (the client's fault, not
// the allocator's), and PassOnlyHeldCallbacks turns the pass into
// SetNotify(NULL), which races the releases that notify the callback.
// checks: COM.CALLBACK.CLIENT, NOTIFY.SNAPSHOT
TEST(ParallelRunner, ThreadsPassOnlyCallbacksTheClientHolds) {
  ParallelCase c = CaseOf(
      "SetProperties 2 64 1 0\n"
      "Commit\n"
      "SetNotify 0\n"
      "callback 0 Release\n"
      "@1 GetBuffer nowait\n"
      "@1 sample 0 Release\n"
      "@2 SetNotify 0\n"
      "@2 SetNotify 1\n");
  const RunOptions options = CheckerOptions(2);
  RunResult refused = RunParallelCase(harness::Embedded(), c, options);
  EXPECT_TRUE(refused.failed);
  EXPECT_NE(refused.report.find("let go of"), std::string::npos) << refused.report;
  PassOnlyHeldCallbacks(c);
  EXPECT_EQ(std::get<spec::call::SetNotify>(c.threads[1][0].call).callback, -1);
  EXPECT_EQ(std::get<spec::call::SetNotify>(c.threads[1][1].call).callback, 1);  // still held
  RunResult result = RunParallelCase(harness::Embedded(), c, options);
  EXPECT_FALSE(result.failed) << result.report;
}

}  // namespace
}  // namespace dsalloc::props::parallel
