// harness/helper_threads_test.cpp: the pieces that keep a checker's op
// cheap: helper threads borrowed from a park (helper_thread.h), the
// watchdog over a call made on the checker's thread and the early sight of
// a blocked worker (driver.h, Expectation), the lighter Repeat rounds
// (lockstep.h). Each test fails if its piece is missing or wrong: a body
// not waited for, a blocked call not woken (the test hangs until ctest's
// timeout), a blocked worker seen only after a 30 s settle.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "driver.h"
#include "helper_thread.h"
#include "implementation.h"
#include "lockstep.h"
#include "repeat_runner.h"
#include "spec/model/op.h"
#include "spec/model/trace.h"
#include "thread_sleep.h"

namespace dsalloc::harness {
namespace {

using Clock = std::chrono::steady_clock;
using spec::Op;

// --- HelperThread -----------------------------------------------------------------

TEST(HelperThreadTest, JoinWaitsForTheBody) {
  std::atomic<bool> done{false};
  HelperThread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    done = true;
  });
  ASSERT_TRUE(t.joinable());
  t.join();
  EXPECT_TRUE(done.load());
  EXPECT_FALSE(t.joinable());
}

TEST(HelperThreadTest, AJoinedThreadTakesTheNextBody) {
  std::thread::id first, second;
  HelperThread a([&] { first = std::this_thread::get_id(); });
  a.join();
  HelperThread b([&] { second = std::this_thread::get_id(); });
  b.join();
  EXPECT_EQ(first, second);
}

TEST(HelperThreadTest, ADetachedStuckBodyDoesNotHoldUpOthers) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> stuck_returned{false};
  HelperThread stuck([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    stuck_returned = true;
  });
  stuck.detach();
  std::atomic<bool> ran{false};
  HelperThread other([&] { ran = true; });
  other.join();
  EXPECT_TRUE(ran.load());
  EXPECT_FALSE(stuck_returned.load());
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  while (!stuck_returned.load()) std::this_thread::yield();
}

// --- SleepWatch -------------------------------------------------------------------

#if defined(__linux__)
TEST(SleepWatchTest, AThreadWaitingOnACondVarSettles) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> tid{0};
  std::thread waiter([&] {
    tid = CurrentThreadId();
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  });
  while (tid.load() == 0) std::this_thread::yield();
  SleepWatch watch(tid.load());
  bool settled = false;
  for (Clock::time_point end = Clock::now() + std::chrono::seconds(20);
       !settled && Clock::now() < end;) {
    settled = watch.Settled(std::chrono::microseconds(200));
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  EXPECT_TRUE(settled);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  waiter.join();
}

TEST(SleepWatchTest, AThreadThatKeepsRunningNeverSettles) {
  std::atomic<bool> stop{false};
  std::atomic<int> tid{0};
  std::thread spinner([&] {
    tid = CurrentThreadId();
    // Busy, yielding now and then: running or runnable at every look,
    // never asleep (short sleeps were tried: under TSan on a loaded machine
    // one lasted the whole span, and a thread asleep that long is, to the
    // watch, a blocked one).
    for (unsigned i = 0; !stop.load(); ++i) {
      if ((i & 0xFF) == 0) std::this_thread::yield();
    }
  });
  while (tid.load() == 0) std::this_thread::yield();
  SleepWatch watch(tid.load());
  bool settled = false;
  for (int i = 0; i < 200 && !settled; ++i) {
    settled = watch.Settled(std::chrono::microseconds(2000));
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  stop = true;
  spinner.join();
  EXPECT_FALSE(settled);
}
#endif

// --- Driver::Expectation ----------------------------------------------------------

Op Parse(std::string_view line) {
  int bad = 0;
  auto ops = spec::ParseOps(line, &bad);
  EXPECT_TRUE(ops.has_value() && ops->size() == 1) << line;
  return ops && !ops->empty() ? ops->front() : Op{};
}

// One buffer, held by the client: any GetBuffer without NOWAIT blocks.
void TakeTheOnlySample(Driver& driver) {
  for (std::string_view line : {"SetProperties 1 16 1 0", "Commit", "GetBuffer nowait"}) {
    ASSERT_EQ(driver.Run(Parse(line)).hr, S_OK) << line;
  }
}

// checks: ALLOC.GETBUFFER.WAIT
TEST(ExpectationTest, ACallExpectedToBlockIsSeenBlockedBeforeTheSettle) {
#if !defined(__linux__)
  GTEST_SKIP() << "blocked workers are seen asleep through /proc";
#endif
  Driver::Options options;
  options.settle = std::chrono::seconds(30);
  options.hang_timeout = std::chrono::seconds(60);
  Driver driver(Embedded(), options);
  TakeTheOnlySample(driver);
  Clock::time_point start = Clock::now();
  spec::Outcome o = driver.Run(Parse("@1 GetBuffer"), Driver::Expectation::kBlocks);
  EXPECT_TRUE(o.blocked);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15)) << "waited out the settle";
  driver.Teardown(true);  // Decommit wakes the worker
  EXPECT_TRUE(driver.TakeViolations().empty());
}

// checks: GEN.NOHANG, ALLOC.DECOMMIT.WAKE
TEST(ExpectationTest, ADirectCallThatBlocksIsWokenByTheWatchdog) {
  Driver::Options options;
  options.direct_calls = true;
  options.hang_timeout = std::chrono::milliseconds(300);
  Driver driver(Embedded(), options);
  TakeTheOnlySample(driver);
  // The expectation is wrong on purpose: the call blocks on this thread.
  spec::Outcome o = driver.Run(Parse("GetBuffer"), Driver::Expectation::kReturns);
  EXPECT_FALSE(o.blocked);
  EXPECT_EQ(o.hr, VFW_E_NOT_COMMITTED);
  std::vector<Violation> violations = driver.TakeViolations();
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].rule, "GEN.NOHANG");
  driver.Teardown(false);
}

// checks: ALLOC.GETBUFFER.WAIT
TEST(ExpectationTest, ADirectCallThatReturnsGetsItsSample) {
  Driver::Options options;
  options.direct_calls = true;
  Driver driver(Embedded(), options);
  for (std::string_view line : {"SetProperties 2 16 1 0", "Commit", "GetBuffer nowait"}) {
    ASSERT_EQ(driver.Run(Parse(line)).hr, S_OK) << line;
  }
  spec::Outcome o = driver.Run(Parse("@2 GetBuffer"), Driver::Expectation::kReturns);
  EXPECT_EQ(o.hr, S_OK);
  EXPECT_FALSE(o.blocked);
  EXPECT_TRUE(o.sample.valid());
  driver.Teardown(true);
  EXPECT_TRUE(driver.TakeViolations().empty());
}

// --- RepeatRunner: the lighter Repeat rounds --------------------------------------

// Round 1000 of 1500 is not one of the sampled rounds (1, 2, every 64th,
// the last): it is still compared in full.
// checks: NOTIFY.ONCE
TEST(LockstepRepeatRounds, AnUnsampledRoundIsStillCompared) {
  std::string error;
  auto impl =
      Load(std::string(DSALLOC_VARIANTS_DIR) + "/libdsalloc_variant_kLoseOneNotifyInThousand.so",
           &error);
  ASSERT_TRUE(impl) << error;
  RepeatRunner lockstep(*impl, spec::Profile::kStrict);
  int bad = 0;
  auto ops = spec::ParseTrace(R"(
    SetProperties 1 16 1 0
    Commit
    SetNotify 0
    Repeat 1500 {
    GetBuffer nowait
    sample 0 Release
    }
  )",
                              &bad);
  ASSERT_TRUE(ops.has_value());
  std::string report = lockstep.ApplyAll(*ops);
  if (report.empty()) report = lockstep.Finish();
  EXPECT_NE(report.find("round 1000 of Repeat 1500"), std::string::npos) << report;
}

}  // namespace
}  // namespace dsalloc::harness
