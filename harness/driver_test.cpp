// harness/driver_test.cpp: the Driver against the model and against broken
// variants.
//
// Agreement tests run one trace through spec::StepStrict and through a
// Driver on the embedded server and require equal Outcomes op by op, equal
// callback and sample counts after every op, and a clean Teardown. The
// mapping from model samples (generation, index) to observed ids is written
// out per test: for these traces it is the order of first appearance.
// Variant tests load a deliberately broken server and show that the
// driver's own checks (violations) catch it.

#include "driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "implementation.h"
#include "lockstep.h"
#include "repeat_runner.h"
#include "spec/model/op.h"
#include "spec/model/outcome.h"
#include "spec/model/state.h"
#include "spec/model/step.h"
#include "spec/model/trace.h"
#include "test_variants.h"

namespace dsalloc::harness {
namespace {

using spec::Op;
using spec::Outcome;
using spec::SampleHandle;

// Model sample (generation, index) -> observed id.
using Binding = std::map<std::pair<uint32_t, int>, int>;

Driver::Options Fast() {
  Driver::Options o;
  o.hang_timeout = std::chrono::milliseconds(2000);
  o.settle = std::chrono::milliseconds(20);
  o.lock_probe_timeout = std::chrono::milliseconds(500);
  return o;
}

std::vector<Op> Ops(std::string_view text) {
  int bad = 0;
  auto ops = spec::ParseOps(text, &bad);
  EXPECT_TRUE(ops.has_value()) << "bad trace line " << bad;
  return ops.value_or(std::vector<Op>{});
}

spec::Trace Trace(std::string_view text) {
  int bad = 0;
  auto trace = spec::ParseTrace(text, &bad);
  EXPECT_TRUE(trace.has_value()) << "bad trace line " << bad;
  return trace.value_or(spec::Trace{});
}

std::string Describe(const std::vector<Violation>& vs) {
  std::string s;
  for (const Violation& v : vs) s += "  " + v.rule + ": " + v.detail + "\n";
  return s;
}

bool HasRule(const std::vector<Violation>& vs, std::string_view rule) {
  return std::any_of(vs.begin(), vs.end(), [&](const Violation& v) { return v.rule == rule; });
}

// The model and a driver side by side.
class Twin {
 public:
  explicit Twin(Binding binding, const Implementation& impl = Embedded(),
                Driver::Options options = Fast())
      : driver_(impl, options), binding_(std::move(binding)) {
    driver_.SetResolver([this](int index) { return Id(generation_, index); });
  }

  Driver& driver() { return driver_; }
  const spec::State& model() const { return model_; }

  int Id(uint32_t generation, int index) const {
    auto it = binding_.find({generation, index});
    return it == binding_.end() ? -1 : it->second;
  }

  // Applies one op to both sides and compares.
  void Apply(const Op& op) {
    SCOPED_TRACE(spec::ToString(op));
    ASSERT_TRUE(spec::InDomain(model_, op, spec::Profile::kStrict));
    generation_ = model_.generation;
    Op observed_op = op;
    if (int32_t* sample = spec::NamedSample(observed_op.call)) {
      *sample = Id(generation_, *sample);
      ASSERT_GE(*sample, 0) << "test binding misses a sample";
    }
    Outcome expected = Translate(spec::StepStrict(model_, op));
    Outcome observed = driver_.Run(observed_op);
    if (!expected.completions.empty()) {
      observed.completions = driver_.AwaitCompletions(expected.completions.size());
    }
    // Waiters woken together return in any order.
    auto by_thread = [](const spec::Completion& a, const spec::Completion& b) {
      return a.thread < b.thread;
    };
    std::sort(expected.completions.begin(), expected.completions.end(), by_thread);
    std::sort(observed.completions.begin(), observed.completions.end(), by_thread);
    EXPECT_TRUE(observed.SameObservable(expected))
        << "expected " << spec::ToString(expected) << "\nobserved " << spec::ToString(observed);
    if (spec::Is<spec::call::GetPointer>(op.call) && (observed.written & spec::kOutPointer)) {
      // ALLOC.SAMPLE.LAYOUT, the checker's half of GetPointer.
      uintptr_t prefix_start = observed.pointer - model_.props.cbPrefix;
      EXPECT_EQ(prefix_start % expected.pointer_align, 0u);
    }
    CheckCounts();
    ++applied_;
  }

  void ApplyAll(const std::vector<Op>& ops) {
    for (const Op& op : ops) {
      Apply(op);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  void CheckCounts() {
    for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
      EXPECT_EQ(driver_.CallbackRefs(cb), model_.callbacks[cb].refs) << "callback " << cb;
      EXPECT_EQ(driver_.CallbackNotifications(cb), model_.callbacks[cb].notified)
          << "callback " << cb;
    }
    for (size_t i = 0; i < model_.samples.size(); ++i) {
      int id = Id(model_.generation, static_cast<int>(i));
      if (id < 0) continue;
      EXPECT_EQ(driver_.ClientSampleRefs(id), model_.samples[i].refs) << "sample " << i;
    }
  }

  // Teardown must leave nothing behind.
  void Finish() {
    driver_.Teardown(!model_.destroyed);
    std::vector<Violation> vs = driver_.TakeViolations();
    EXPECT_TRUE(vs.empty()) << Describe(vs);
  }

 private:
  SampleHandle ToObserved(SampleHandle h) const {
    if (!h.valid()) return h;
    int id = Id(h.generation, h.index);
    EXPECT_GE(id, 0) << "test binding misses (" << h.generation << "," << h.index << ")";
    return SampleHandle{kObservedGeneration, static_cast<uint16_t>(id)};
  }

  Outcome Translate(Outcome o) const {
    if (o.written & (spec::kOutSample | spec::kOutPointer)) o.sample = ToObserved(o.sample);
    for (spec::Notification& n : o.notifications) {
      n.reaction_sample = ToObserved(n.reaction_sample);
    }
    for (spec::Completion& c : o.completions) c.sample = ToObserved(c.sample);
    return o;
  }

  Driver driver_;
  spec::State model_ = spec::Initial();
  Binding binding_;
  uint32_t generation_ = 0;
  int applied_ = 0;
};

// --- agreement with the model ---------------------------------------------------

// checks: ALLOC.RELEASEBUFFER.MISUSE, ALLOC.RELEASEBUFFER.NULL, COM.ALLOC.QI, ALLOC.FREELIST.ORDER
TEST(DriverTest, AllocatorMethodsAndMisuse) {
  // LIFO (ALLOC.FREELIST.ORDER): index 1 comes out first.
  Twin twin({{{1, 1}, 0}, {{1, 0}, 1}});
  twin.ApplyAll(Ops(R"(
    GetProperties
    GetProperties null
    SetProperties 2 100 16 4
    SetProperties 2 100 3 0
    SetProperties 2 100 16 4 nullrequest
    SetProperties 2 100 16 4 nullactual
    GetProperties
    GetBuffer nowait
    GetFreeCount
    GetFreeCount null
    Commit
    Commit
    SetProperties 1 10 1 0
    AddRef
    Release
    QueryInterface IUnknown
    QueryInterface IUnknown
    QueryInterface IMemAllocator
    QueryInterface IMemAllocatorCallbackTemp
    QueryInterface IMediaSample
    QueryInterface IMemAllocatorNotifyCallbackTemp
    QueryInterface IUnknown null
    Release
    Release
    Release
    Release
    GetBuffer nowait
    GetBuffer nowait flags=0x3 times
    GetBuffer nowait
    GetBuffer null
    GetFreeCount
    ReleaseBuffer null
    ReleaseBuffer foreign
    ReleaseBuffer 0
    sample 1 Release
    ReleaseBuffer 0
    ReleaseBuffer foreign
    sample 0 Release
    GetFreeCount
    Decommit
    Decommit
    GetBuffer nowait
  )"));
  twin.Finish();
}

// checks: SAMPLE.POINTER, SAMPLE.GETTIME.1, SAMPLE.GETTYPE.COPY, SAMPLE2.GETPROPS.IMAGE, SAMPLE2.SETPROPS.ASSIGN
TEST(DriverTest, SampleMethods) {
  Twin twin({{{1, 1}, 0}, {{1, 0}, 1}});
  twin.ApplyAll(Ops(R"(
    SetProperties 2 64 8 0
    Commit
    GetBuffer nowait
    sample 1 GetPointer
    sample 1 GetPointer
    sample 1 GetPointer null
    sample 1 GetSize
    sample 1 GetTime * *
    sample 1 SetTime 100 -
    sample 1 GetTime * *
    sample 1 SetTime 100 200
    sample 1 GetTime * -
    sample 1 GetTime * *
    sample 1 SetTime - -
    sample 1 GetTime * *
    sample 1 IsSyncPoint
    sample 1 SetSyncPoint 1
    sample 1 IsSyncPoint
    sample 1 IsPreroll
    sample 1 SetPreroll 1
    sample 1 IsPreroll
    sample 1 SetDiscontinuity 1
    sample 1 IsDiscontinuity
    sample 1 SetDiscontinuity 0
    sample 1 IsDiscontinuity
    sample 1 GetActualDataLength
    sample 1 SetActualDataLength 17
    sample 1 SetActualDataLength 65
    sample 1 SetActualDataLength -1
    sample 1 GetActualDataLength
    sample 1 GetMediaType
    sample 1 SetMediaType 2
    sample 1 GetMediaType
    sample 1 GetMediaType null
    sample 1 SetMediaType 0
    sample 1 GetMediaType
    sample 1 GetMediaTime * *
    sample 1 GetMediaTime - *
    sample 1 SetMediaTime 5 9
    sample 1 GetMediaTime * *
    sample 1 SetMediaTime 5 -
    sample 1 SetMediaTime - 3
    sample 1 GetMediaTime * *
    sample 1 GetProperties2 64
    sample 1 GetProperties2 10
    sample 1 GetProperties2 38
    sample 1 GetProperties2 2
    sample 1 GetProperties2 0
    sample 1 GetProperties2 64 null
    sample 1 GetProperties2 200
    sample 1 SetProperties2 64 cbData=64 tsf=3 flags=0x111 actual=5 start=1 stop=2 stream=7 type=- buffer=own size=0
    sample 1 GetProperties2 64
    sample 1 SetProperties2 64 cbData=64 tsf=0 flags=0x1 actual=5 start=1 stop=2 stream=0 type=- buffer=other size=0
    sample 1 SetProperties2 64 cbData=64 tsf=0 flags=0x9 actual=5 start=1 stop=2 stream=0 type=1 buffer=null size=64
    sample 1 SetProperties2 64 cbData=72 tsf=0 flags=0x1 actual=5 start=1 stop=2 stream=0 type=- buffer=null size=0
    sample 1 SetProperties2 64 cbData=64 tsf=0 flags=0x1 actual=5 start=1 stop=2 stream=0 type=- buffer=null size=0 null
    sample 1 SetProperties2 2 cbData=64 tsf=0 flags=0x1 actual=5 start=1 stop=2 stream=0 type=- buffer=null size=0
    sample 1 GetProperties2 64
    sample 1 AddRef
    sample 1 QueryInterface IUnknown
    sample 1 QueryInterface IMediaSample
    sample 1 QueryInterface IMediaSample2
    sample 1 QueryInterface IMemAllocator
    sample 1 QueryInterface IUnknown null
    sample 1 Release
    sample 1 Release
    sample 1 Release
    sample 1 Release
    sample 1 Release
    GetBuffer nowait
    sample 1 GetProperties2 64
    sample 1 GetActualDataLength
    sample 1 GetTime * *
    GetBuffer nowait
    sample 0 GetPointer
    sample 0 Release
    sample 1 Release
    Decommit
  )"));
  twin.Finish();
}

// checks: NOTIFY.ONCE, NOTIFY.REENTRANT, NOTIFY.SNAPSHOT
TEST(DriverTest, NotificationsAndReactions) {
  // Three samples: out in the order 2, 1, 0; all keep their ids later.
  Twin twin({{{1, 2}, 0}, {{1, 1}, 1}, {{1, 0}, 2}});
  twin.ApplyAll(Ops(R"(
    SetProperties 3 16 1 0
    Commit
    SetNotify 0
    SetNotify 0
    GetBuffer nowait
    GetBuffer nowait
    GetBuffer nowait
    callback 0 react GetFreeCount
    sample 0 Release
    callback 0 react ReleaseSample 1
    sample 2 Release
    GetFreeCount
    callback 0 react GetBufferNoWait
    GetBuffer nowait
    sample 1 Release
    callback 0 react ReleaseSample 0
    sample 1 Release
    callback 0 react SetNotifyOther 1
    GetBuffer nowait
    sample 1 Release
    callback 1 react SetNotifySelf persistent
    GetBuffer nowait
    sample 1 Release
    GetBuffer nowait
    sample 1 Release
    callback 1 react SetNotifyNull
    GetBuffer nowait
    sample 1 Release
    SetNotify 2
    callback 2 react Decommit
    GetBuffer nowait
    sample 1 Release
    GetBuffer nowait
    callback 2 react Commit
    Commit
    GetBuffer nowait
    sample 1 Release
    callback 2 react GetBufferNoWait persistent
    GetBuffer nowait
    sample 1 AddRef
    sample 1 Release
    sample 1 Release
    callback 2 react None
    sample 1 Release
    SetNotify null
    Decommit
  )"));
  twin.Finish();
}

// checks: ALLOC.GETBUFFER.WAIT, ALLOC.RELEASEBUFFER.HANDOFF, ALLOC.DECOMMIT.WAKE
TEST(DriverTest, BlockedWaitersHandOffAndDecommit) {
  Twin twin({{{1, 0}, 0}});
  twin.ApplyAll(Ops(R"(
    SetProperties 1 16 1 0
    Commit
    SetNotify 1
    GetBuffer
    @1 GetBuffer
    @2 GetBuffer
    sample 0 Release
    Decommit
    sample 0 Release
    Commit
    GetBuffer
    @1 GetBuffer
    @2 GetBuffer
    Decommit
    sample 0 Release
  )"));
  twin.Finish();
}

// checks: FACTORY.GETCLASS, FACTORY.CREATE, FACTORY.AGGREGATION, FACTORY.UNLOAD
TEST(DriverTest, FactoryOps) {
  Twin twin({});
  twin.ApplyAll(Ops(R"(
    DllGetClassObject MemoryAllocator IClassFactory
    DllGetClassObject MemoryAllocator IUnknown
    DllGetClassObject MemoryAllocator IMemAllocator
    DllGetClassObject Other IClassFactory
    DllGetClassObject MemoryAllocator IClassFactory null
    CreateInstance IMemAllocator
    CreateInstance IUnknown
    CreateInstance IMemAllocatorCallbackTemp
    CreateInstance IMediaSample
    CreateInstance IMemAllocator outer
    CreateInstance IMemAllocator null
    DllCanUnloadNow
    SetProperties 1 16 1 0
    Commit
    Release
    DllCanUnloadNow
  )"));
  // Committed: the self-reference keeps it alive (LIFE.SELFREF); Teardown
  // decommits through the raw pointer.
  twin.Finish();
}

// checks: FACTORY.LOCKSERVER, FACTORY.UNLOAD
TEST(DriverTest, LockServer) {
  {
    Twin twin({});
    twin.ApplyAll(Ops(R"(
      LockServer 1
      LockServer 1
      LockServer 0
      Release
      DllCanUnloadNow
      LockServer 0
      DllCanUnloadNow
      LockServer 0
      LockServer 1
      DllCanUnloadNow
    )"));
    // One lock is still held: Teardown undoes it before judging idleness.
    twin.Finish();
  }
  EXPECT_EQ(Embedded().can_unload_now(), S_OK);
}

// checks: LIFE.SELFREF, LIFE.DESTROY
TEST(DriverTest, LastReleaseDestroys) {
  Twin twin({});
  twin.ApplyAll(Ops(R"(
    SetNotify 0
    ReleaseBuffer foreign
    Release
    DllCanUnloadNow
  )"));
  twin.Finish();
}

// checks: ALLOC.COMMIT.FAIL, SAMPLE.GETTYPE.OOM
TEST(DriverTest, OutOfMemory) {
  Twin twin({{{1, 1}, 0}, {{1, 0}, 1}});
  // The embedded server always has the hook: its absence is a failure.
  ASSERT_TRUE(twin.driver().SupportsFaultInjection());
  twin.ApplyAll(Ops(R"(
    SetProperties 2 16 1 0
    Commit oom
    Commit
    GetBuffer nowait
    sample 1 SetMediaType 1 oom
    sample 1 GetMediaType
    sample 1 SetMediaType 1
    sample 1 GetMediaType oom
    sample 1 GetMediaType
    sample 1 SetProperties2 64 cbData=64 tsf=0 flags=0x8 actual=5 start=0 stop=0 stream=0 type=2 buffer=null size=0 oom
    sample 1 SetProperties2 64 cbData=64 tsf=0 flags=0x8 actual=5 start=0 stop=0 stream=0 type=2 buffer=null size=0
    sample 1 GetMediaType
    sample 1 Release
  )"));
  twin.Finish();
}

// checks: ALLOC.COMMIT.REALLOC
TEST(DriverTest, ObservedIdsSurviveReallocation) {
  // A new generation: the model's indices are bound afresh; the driver
  // keeps ids for pointers it has seen, new pointers get new ids. Which
  // happens depends on the heap, so this test only checks the driver's
  // own invariants: counts and a clean teardown.
  Driver driver(Embedded(), Fast());
  for (const Op& op : Ops(R"(
    SetProperties 2 16 1 0
    Commit
    GetBuffer nowait
    GetBuffer nowait
  )")) {
    driver.Run(op);
  }
  EXPECT_EQ(driver.ClientSampleRefs(0), 1u);
  EXPECT_EQ(driver.ClientSampleRefs(1), 1u);
  driver.Run(spec::MakeOp(spec::call::SampleRelease{0}));
  driver.Run(spec::MakeOp(spec::call::SampleRelease{1}));
  driver.Run(spec::MakeOp(spec::call::Decommit{}));
  driver.Run(spec::MakeOp(spec::call::SetProperties{3, 32, 1, 0}));
  driver.Run(spec::MakeOp(spec::call::Commit{}));
  for (int i = 0; i < 3; ++i) {
    Outcome o = driver.Run(spec::MakeOp(spec::call::GetBuffer{.dwFlags = AM_GBF_NOWAIT}));
    ASSERT_EQ(o.hr, S_OK);
    ASSERT_TRUE(o.sample.valid());
    EXPECT_EQ(o.sample.generation, kObservedGeneration);
    EXPECT_NE(driver.SamplePointer(o.sample.index), nullptr);
    EXPECT_EQ(driver.ClientSampleRefs(o.sample.index), 1u);
  }
  driver.Teardown(true);
  std::vector<Violation> vs = driver.TakeViolations();
  EXPECT_TRUE(vs.empty()) << Describe(vs);
}

// RunDirect from several threads at once (the parallel property's use):
// bookkeeping stays consistent and teardown is clean.
// checks: THREAD.SAFE
TEST(DriverTest, RunDirectConcurrently) {
  Driver driver(Embedded(), Fast());
  driver.Run(spec::MakeOp(spec::call::SetProperties{4, 16, 1, 0}));
  driver.Run(spec::MakeOp(spec::call::Commit{}));
  driver.Run(spec::MakeOp(spec::call::SetNotify{0}));
  driver.Run(spec::MakeOp(spec::call::SetReaction{0, spec::Reaction::kGetFreeCount, 0, true}));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (uint8_t t = 1; t <= 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        Outcome o = driver.RunDirect(spec::MakeOp(spec::call::GetBuffer{}, t));
        if (o.hr != S_OK || !o.sample.valid()) {
          ++failures;
          continue;
        }
        driver.RunDirect(spec::MakeOp(spec::call::SetSyncPoint{o.sample.index, 1}, t));
        Outcome r = driver.RunDirect(spec::MakeOp(spec::call::SampleRelease{o.sample.index}, t));
        if (r.notifications.size() != 1 || r.notifications[0].reaction_hr != S_OK) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(driver.CallbackNotifications(0), 600u);
  EXPECT_EQ(driver.CallbackRefs(0), 1u);
  driver.Teardown(true);
  std::vector<Violation> vs = driver.TakeViolations();
  EXPECT_TRUE(vs.empty()) << Describe(vs);
}

// Cost of a plain op: a warm loop of GetBuffer, two sample methods and a
// Release that notifies the installed callback, with the lock probe on and
// off. Prints the figures; asserts nothing about time.
void MeasureOpCost(bool probe_lock, bool nowait) {
  Driver::Options options = Fast();
  options.probe_lock = probe_lock;
  Driver driver(Embedded(), options);
  driver.Run(spec::MakeOp(spec::call::SetProperties{2, 64, 1, 0}));
  driver.Run(spec::MakeOp(spec::call::Commit{}));
  driver.Run(spec::MakeOp(spec::call::SetNotify{0}));
  constexpr int kRounds = 2500;  // 4 ops each
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    Outcome o = driver.Run(
        spec::MakeOp(spec::call::GetBuffer{.dwFlags = nowait ? DWORD{AM_GBF_NOWAIT} : DWORD{0}}));
    ASSERT_EQ(o.hr, S_OK);
    int id = o.sample.index;
    driver.Run(spec::MakeOp(spec::call::GetSize{id}));
    driver.Run(spec::MakeOp(spec::call::IsSyncPoint{id}));
    driver.Run(spec::MakeOp(spec::call::SampleRelease{id}));
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  std::printf("[ cost     ] GetBuffer%s, probe %s: %d ops in %lld us (%.2f us/op)\n",
              nowait ? "(NOWAIT)" : " on a worker", probe_lock ? "on " : "off", 4 * kRounds,
              static_cast<long long>(us), static_cast<double>(us) / (4.0 * kRounds));
  EXPECT_EQ(driver.CallbackNotifications(0), static_cast<uint32_t>(kRounds));
  driver.Teardown(true);
  EXPECT_TRUE(driver.TakeViolations().empty());
}

TEST(DriverTest, OpCost) {
  MeasureOpCost(true, true);
  MeasureOpCost(false, true);
  MeasureOpCost(true, false);
}

// --- broken variants --------------------------------------------------------------

void RunOps(Driver& driver, std::string_view text) {
  for (const Op& op : Ops(text)) driver.Run(op);
}

// A driver on one broken variant, started by Start(); ASSERT_NO_FATAL_FAILURE
// around it stops the test when the variant cannot be loaded or the driver
// does not start.
class DriverVariantTest : public ::testing::Test {
 protected:
  void Start(const std::string& variant, Driver::Options options = Fast()) {
    impl_ = LoadVariant(variant);
    ASSERT_TRUE(impl_.has_value()) << variant;
    driver_.emplace(*impl_, options);
    ASSERT_TRUE(driver_->ok());
  }
  Driver& driver() { return *driver_; }
  // The violations the driver has found so far (taken) name `rule`.
  void ExpectViolation(std::string_view rule) {
    std::vector<Violation> vs = driver_->TakeViolations();
    EXPECT_TRUE(HasRule(vs, rule)) << Describe(vs);
  }

 private:
  std::optional<Implementation> impl_;
  std::optional<Driver> driver_;  // after impl_: destroyed first
};

// checks: THREAD.NOLOCK
TEST_F(DriverVariantTest, NotifyUnderLockTripsTheLockProbe) {
  Driver::Options options = Fast();
  options.lock_probe_timeout = std::chrono::milliseconds(50);
  ASSERT_NO_FATAL_FAILURE(Start("kNotifyUnderLock", options));
  RunOps(driver(), R"(
    SetProperties 1 16 1 0
    Commit
    SetNotify 0
    callback 0 react GetFreeCount
    GetBuffer nowait
  )");
  Outcome o = driver().Run(spec::MakeOp(spec::call::SampleRelease{0}));
  ASSERT_EQ(o.notifications.size(), 1u);
  EXPECT_EQ(o.notifications[0].reaction_hr, E_ABORT);  // skipped: would deadlock
  ExpectViolation("THREAD.NOLOCK");
  driver().Teardown(true);
}

// checks: COM.CALLBACK.REFS, ALLOC.SETNOTIFY.1
TEST_F(DriverVariantTest, SetNotifyNoAddRefUnbalancesTheCallback) {
  ASSERT_NO_FATAL_FAILURE(Start("kSetNotifyNoAddRef"));
  RunOps(driver(), "SetNotify 0\n");
  EXPECT_EQ(driver().CallbackRefs(0), 0u);  // the model says 1
  RunOps(driver(), "SetNotify 1\n");
  driver().Teardown(true);
  ExpectViolation("COM.CALLBACK.REFS");
}

// checks: ALLOC.SETNOTIFY.SAME, COM.CALLBACK.DEAD, COM.CALLBACK.CLIENT
TEST_F(DriverVariantTest, SetNotifyReleaseFirstDestroysTheCallbackItIsGiven) {
  ASSERT_NO_FATAL_FAILURE(Start("kSetNotifyReleaseFirst"));
  RunOps(driver(), "SetNotify 0\nSetNotify 0\n");  // harmless while the client holds it
  EXPECT_FALSE(driver().HasViolations());
  RunOps(driver(), "callback 0 Release\nSetNotify 0\n");  // the allocator's is the last
  ExpectViolation("ALLOC.SETNOTIFY.SAME");
  driver().Teardown(true);
}

// checks: NOTIFY.SNAPSHOT, COM.CALLBACK.DEAD, COM.CALLBACK.CLIENT
TEST_F(DriverVariantTest, UnsyncCallbackReadNotifiesACallbackItDestroys) {
  ASSERT_NO_FATAL_FAILURE(Start("kUnsyncCallbackRead"));
  RunOps(driver(), R"(
    SetProperties 1 16 1 0
    Commit
    SetNotify 0
    callback 0 react SetNotifyNull
    callback 0 Release
    GetBuffer nowait
    sample 0 Release
  )");
  ExpectViolation("NOTIFY.SNAPSHOT");
  driver().Teardown(true);
}

// checks: COM.CALLBACK.REFS
TEST_F(DriverVariantTest, OldCallbackKeptLeaksAReference) {
  ASSERT_NO_FATAL_FAILURE(Start("kOldCallbackKept"));
  RunOps(driver(), "SetNotify 0\nSetNotify 1\n");
  EXPECT_EQ(driver().CallbackRefs(0), 1u);  // the model says 0
  driver().Teardown(true);
  ExpectViolation("COM.CALLBACK.REFS");
}

// checks: LIFE.DESTROY, LIFE.SELFREF
TEST_F(DriverVariantTest, LeakedSelfRefKeepsTheServerBusy) {
  ASSERT_NO_FATAL_FAILURE(Start("kLeakedSelfRef"));
  RunOps(driver(), R"(
    SetProperties 1 16 1 0
    Commit
    Decommit
    Release
  )");
  driver().Teardown(false);  // the model: destroyed
  ExpectViolation("LIFE.DESTROY");
}

// checks: ALLOC.DECOMMIT.WAKE, GEN.NOHANG
TEST_F(DriverVariantTest, DecommitWakesOneLeavesAWaiterBlocked) {
  Driver::Options options = Fast();
  options.hang_timeout = std::chrono::milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(Start("kDecommitWakesOne", options));
  RunOps(driver(), R"(
    SetProperties 1 16 1 0
    Commit
    GetBuffer nowait
  )");
  EXPECT_TRUE(driver().Run(spec::MakeOp(spec::call::GetBuffer{}, 1)).blocked);
  EXPECT_TRUE(driver().Run(spec::MakeOp(spec::call::GetBuffer{}, 2)).blocked);
  driver().Run(spec::MakeOp(spec::call::Decommit{}));
  // ALLOC.DECOMMIT.WAKE: the model expects both; one stays asleep.
  EXPECT_EQ(driver().AwaitCompletions(2).size(), 1u);
  driver().Teardown(true);
  // The driver sees the waiter still blocked after its own Decommit.
  ExpectViolation("GEN.NOHANG");
}

// --- Repeat blocks (trace.h), run by the RepeatRunner -------------------------

std::string RunLockstep(std::string_view text, RepeatRunner* lockstep) {
  std::string report = lockstep->ApplyAll(Trace(text));
  return report.empty() ? lockstep->Finish() : report;
}

constexpr std::string_view kThousandNotifyingReleases = R"(
  SetProperties 1 16 1 0
  Commit
  SetNotify 0
  Repeat 1000 {
  GetBuffer nowait
  sample 0 Release
  }
  Decommit
)";

// checks: NOTIFY.ONCE
TEST(LockstepRepeat, RunsTheBlockNTimes) {
  RepeatRunner lockstep(Embedded(), spec::Profile::kStrict, Fast());
  EXPECT_EQ(RunLockstep(kThousandNotifyingReleases, &lockstep), "");
  EXPECT_EQ(lockstep.lockstep().applied(), 3 + 2000 + 1);
  EXPECT_EQ(lockstep.lockstep().model().callbacks[0].notified, 1000u);
}

TEST(LockstepRepeat, OpenBlockEndsWithTheTraceAndBlocksDoNotNest) {
  RepeatRunner lockstep(Embedded(), spec::Profile::kStrict, Fast());
  // The inner Repeat and the first "}" are ignored; the block stays open
  // to the end of the trace; the stray "}" after it changes nothing.
  EXPECT_EQ(RunLockstep("Repeat 3 {\nAddRef\nRepeat 5 {\n}\nAddRef\n", &lockstep), "");
  EXPECT_EQ(lockstep.lockstep().applied(), 6);
  EXPECT_EQ(lockstep.lockstep().model().client_refs, 7u);
}

// The conformance kit's kLoseOneNotifyInThousand drops every 1000th
// notification: one short trace with a Repeat block reaches it.
// checks: NOTIFY.ONCE
TEST(LockstepRepeat, ReachesTheThousandthNotification) {
  auto impl = LoadVariant("kLoseOneNotifyInThousand");
  if (!impl) return;
  RepeatRunner lockstep(*impl, spec::Profile::kStrict, Fast());
  std::string report = RunLockstep(kThousandNotifyingReleases, &lockstep);
  // The release the model says notifies callback 0 did not.
  EXPECT_NE(report.find("round 1000 of Repeat 1000"), std::string::npos) << report;
  EXPECT_NE(report.find("expected: hr=S_OK notify[cb0"), std::string::npos) << report;
  // The same divergence as data, the report rendered from it.
  const Divergence& d = lockstep.lockstep().divergence();
  EXPECT_EQ(d.stage, DivergenceStage::kOp);
  EXPECT_EQ(d.repeat_round, 1000);
  EXPECT_EQ(d.repeat_count, 1000);
  EXPECT_EQ(d.op, "sample 0 Release");
  EXPECT_EQ(Report(d), report);
}

// --- Divergences as data (divergence.h) ---------------------------------------

// A check that compares counts hands them over with its finding; the
// report is rendered from the same data.
// checks: ALLOC.FREECOUNT
TEST(LockstepDivergence, CarriesTheCountsItCompared) {
  auto impl = LoadVariant("kFreeCountOffByOne");
  if (!impl) return;
  RepeatRunner runner(*impl, spec::Profile::kStrict, Fast());
  std::string report = RunLockstep(
      "SetProperties 2 16 1 0\nCommit\nGetBuffer nowait\n"
      "sample 0 Release\nDecommit\n",
      &runner);
  const Divergence& d = runner.lockstep().divergence();
  ASSERT_TRUE(d.diverged()) << report;
  EXPECT_EQ(d.rule, "ALLOC.FREECOUNT");
  EXPECT_EQ(d.stage, DivergenceStage::kAfterOp);
  EXPECT_EQ(d.expected, "GetFreeCount as the model counts");
  ASSERT_TRUE(d.counts.has_value());
  EXPECT_NE(d.counts->observed, d.counts->expected);
  EXPECT_EQ(d.counts->expected, runner.lockstep().model().FreeCount());
  EXPECT_EQ(Report(d), report);
  EXPECT_EQ(report.rfind("divergence after op ", 0), 0u) << report;
}

}  // namespace
}  // namespace dsalloc::harness
