// harness/parallel/serial_replay_test.cpp: a failure that needs no second
// thread is judged under the rule the model applied, not THREAD.SAFE
// (serial_replay.h; issue 21: a SetActualDataLength bug was reported as
// "THREAD.SAFE FAIL parallel" with a one-thread history).

#include "harness/parallel/serial_replay.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/implementation.h"
#include "harness/parallel/case_of_trace.h"
#include "spec/model/op.h"

namespace dsalloc::props::parallel {
namespace {

// kWrongHresult accepts SetActualDataLength(cbBuffer + 1) (SAMPLE.LENGTH.RANGE).
harness::Implementation WrongHresult() {
  std::string error;
  std::optional<harness::Implementation> impl = harness::Load(
      std::string(DSALLOC_VARIANTS_DIR) + "/libdsalloc_variant_kWrongHresult.so", &error);
  if (!impl) ADD_FAILURE() << error;
  return *impl;
}

RunOptions Options() {
  RunOptions options = CheckerOptions(2);
  options.profile = spec::Profile::kStrict;
  return options;
}

constexpr char kOneThread[] =
    "SetProperties 1 64 1 0\n"
    "Commit\n"
    "@1 GetBuffer\n"
    "@1 sample 0 SetActualDataLength 65\n"
    "@1 sample 0 Release\n";

constexpr char kTwoThreads[] =
    "SetProperties 2 64 1 0\n"
    "Commit\n"
    "@1 GetBuffer\n"
    "@1 sample 0 SetActualDataLength 65\n"
    "@1 sample 0 Release\n"
    "@2 GetBuffer\n"
    "@2 sample 0 GetActualDataLength\n"
    "@2 sample 0 Release\n";

TEST(ParallelRunner, AOneThreadHistoryFailsUnderTheModelsRule) {
  RunResult run = RunParallelCase(WrongHresult(), CaseOf(kOneThread), Options());
  ASSERT_TRUE(run.failed);
  EXPECT_EQ(run.divergence.rule, "SAMPLE.LENGTH.RANGE") << run.report;
  EXPECT_EQ(run.divergence.op, "@1 sample 0 SetActualDataLength 65");
  EXPECT_NE(run.report.find("NOT ALLOWED BY THE MODEL"), std::string::npos) << run.report;
}

// The runner's own Decommit, waking the one thread from a GetBuffer nothing
// else can satisfy, overlaps only that call: the rest is still sequential.
TEST(ParallelRunner, TheRunnersWakeUpDecommitLeavesOneThreadSequential) {
  RunResult run = RunParallelCase(WrongHresult(),
                                  CaseOf("SetProperties 1 64 1 0\n"
                                         "Commit\n"
                                         "@1 GetBuffer\n"
                                         "@1 GetBuffer\n"
                                         "@1 sample 0 SetActualDataLength 65\n"),
                                  Options());
  ASSERT_TRUE(run.failed);
  EXPECT_EQ(run.stats.runner_decommits, 1u);
  EXPECT_EQ(run.divergence.rule, "SAMPLE.LENGTH.RANGE") << run.report;
}

TEST(SerialReplay, SerializedRenumbersEachListsSlots) {
  ParallelCase serial = Serialized(CaseOf(kTwoThreads), {1, 0});
  ASSERT_EQ(serial.threads.size(), 1u);
  std::string trace = ToTrace(serial);
  // Thread 2's list first (its slot 0 stays 0), then thread 1's (slot 0
  // becomes 1: one GetBuffer ran before it).
  EXPECT_NE(trace.find("@1 GetBuffer\n@1 sample 0 GetActualDataLength\n@1 sample 0 Release\n"
                       "@1 GetBuffer\n@1 sample 1 SetActualDataLength 65\n@1 sample 1 Release\n"),
            std::string::npos)
      << trace;
}

TEST(SerialReplay, AFailureOneThreadAloneShowsIsThatRulesNotThreadSafes) {
  std::optional<SerialReplay> replay =
      ReproduceSingleThreaded(WrongHresult(), CaseOf(kTwoThreads), {}, Options());
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(replay->run.divergence.rule, "SAMPLE.LENGTH.RANGE") << replay->run.report;
  EXPECT_EQ(replay->order, "threads 1, 2");
}

TEST(SerialReplay, ACorrectAllocatorReproducesNothing) {
  EXPECT_FALSE(ReproduceSingleThreaded(harness::Embedded(), CaseOf(kTwoThreads), {}, Options()));
}

// kPhantomWaiter: a NOWAIT GetBuffer that finds no sample leaves a phantom
// waiter, and the next release hands its sample to it (lost). The miss
// needs another thread to hold every sample, so no order of whole lists
// shows it; the calls replayed in the order the history made them do.
TEST(SerialReplay, TheHistorysOwnOrderIsReplayedFirst) {
  ParallelCase c = CaseOf(
      "SetProperties 1 64 1 0\n"
      "Commit\n"
      "@1 GetBuffer nowait\n"
      "@1 sample 0 Release\n"
      "@1 GetBuffer nowait\n"
      "@1 sample 1 Release\n"
      "@2 GetBuffer nowait\n");
  // Thread 1's first GetBuffer, thread 2's miss, then the rest of thread 1.
  std::vector<Event> history(5);
  const int threads[] = {1, 2, 1, 1, 1};
  const int sources[] = {0, 0, 1, 2, 3};
  for (size_t i = 0; i < history.size(); ++i) {
    history[i].op.thread = static_cast<uint8_t>(threads[i]);
    history[i].source = sources[i];
    history[i].invoked = 2 * i;
    history[i].responded = 2 * i + 1;
  }
  std::string trace = ToTrace(InHistoryOrder(c, history));
  EXPECT_NE(trace.find("@1 GetBuffer nowait\n@1 GetBuffer nowait\n@1 sample 0 Release\n"
                       "@1 GetBuffer nowait\n@1 sample 2 Release\n"),
            std::string::npos)
      << trace;
  std::string error;
  std::optional<harness::Implementation> phantom = harness::Load(
      std::string(DSALLOC_VARIANTS_DIR) + "/libdsalloc_variant_kPhantomWaiter.so", &error);
  ASSERT_TRUE(phantom.has_value()) << error;
  std::optional<SerialReplay> replay = ReproduceSingleThreaded(*phantom, c, history, Options());
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(replay->order, "the history's order");
  EXPECT_NE(replay->run.divergence.rule, "THREAD.SAFE") << replay->run.report;
}

}  // namespace
}  // namespace dsalloc::props::parallel
