// harness/parallel/linearizability_test.cpp: the linearizability checker on
// hand-made histories: histories that need reordering pass, histories no
// interleaving explains fail with a report naming the calls, the
// concurrency caveats widen exactly what they should, and the node bound
// gives up (reported as such, never as a failure).
//
// The observed outcomes are made by running a chosen "true" order on the
// model and renaming its samples to observed ids (generation * 10 + index +
// 100, so a missing translation shows), then, for the failing cases,
// corrupting one of them.
//
// These test the checker, not an implementation: the rule tag above each test
// names the rule the checker is shown to judge (traceability.py reads them
// but does not count them as coverage).

#include <gtest/gtest.h>

#include <initializer_list>
#include <map>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "harness/driver.h"
#include "harness/sample_binding.h"
#include "linearizability.h"
#include "spec/model/op.h"
#include "spec/model/step.h"

namespace dsalloc::props::parallel {
namespace {

using spec::Op;
using spec::Outcome;
using spec::State;

int ObservedIdOf(const spec::SampleHandle& h) {
  return static_cast<int>(h.generation) * 10 + h.index + 100;
}

spec::SampleHandle Obs(int id) {
  return spec::SampleHandle{harness::kObservedGeneration, static_cast<uint16_t>(id)};
}

// A model outcome as a Driver would report it (observed ids).
Outcome ToObserved(Outcome o) {
  if (o.sample.valid()) o.sample = Obs(ObservedIdOf(o.sample));
  for (spec::Notification& n : o.notifications) {
    if (n.reaction_sample.valid()) n.reaction_sample = Obs(ObservedIdOf(n.reaction_sample));
  }
  for (spec::Completion& c : o.completions) {
    if (c.sample.valid()) c.sample = Obs(ObservedIdOf(c.sample));
  }
  return o;
}

Op Parse(const std::string& line) {
  std::optional<Op> op = spec::ParseOp(line);
  EXPECT_TRUE(op.has_value()) << line;
  return op.value_or(Op{});
}

// The world before the threads start: a model state reached by a prefix,
// and the binding a Lockstep would have made for it.
struct World {
  State state = spec::Initial();
  harness::SampleBinding binding;

  World& Do(const std::string& line) {
    Op op = Parse(line);
    spec::Transitions ts = spec::Step(state, op, spec::Profile::kStrict);
    EXPECT_EQ(ts.size(), 1u) << line;
    if (ts.empty()) return *this;
    EXPECT_FALSE(binding.Reconcile(ToObserved(ts[0].outcome), ts[0].outcome).found()) << line;
    if (ts[0].outcome.reallocated) binding.StartGeneration(ts[0].outcome.generation);
    state = ts[0].next;
    return *this;
  }
};

World Committed(int buffers) {
  World w;
  w.Do("SetProperties " + std::to_string(buffers) + " 64 1 0").Do("Commit");
  return w;
}

struct Call {
  std::string line;  // "@T op", samples as model indices
  uint64_t invoked;
  uint64_t responded;
};

// Runs `calls` on the model in `order` (the truth) and returns the history a
// recorder would have seen: as with Driver::RunDirect, a GetBuffer that the
// model blocks reports the result its Completion gives it later, and no
// outcome lists completions.
std::vector<Event> Record(const World& w, const std::vector<Call>& calls,
                          const std::vector<size_t>& order) {
  std::vector<Event> events(calls.size());
  std::map<uint8_t, size_t> blocked;  // thread -> its blocked GetBuffer
  State s = w.state;
  for (size_t i : order) {
    Op op = Parse(calls[i].line);
    Op observed_op = op;
    std::visit(spec::Overloaded{
                   [&]<spec::SampleCall C>(C& x) { x.sample = ObservedIdOf(s.Handle(x.sample)); },
                   [](auto&) {}},  // names no sample
               observed_op.call);
    spec::Transitions ts = spec::Step(s, op, spec::Profile::kStrict);
    EXPECT_EQ(ts.size(), 1u) << calls[i].line;
    if (ts.empty()) return events;
    events[i].op = observed_op;
    events[i].outcome = ToObserved(ts[0].outcome);
    if (ts[0].outcome.blocked) blocked[op.thread] = i;
    for (const spec::Completion& c : events[i].outcome.completions) {
      Outcome& woken = events[blocked.at(c.thread)].outcome;
      woken = Outcome{};
      woken.hr = c.hr;
      woken.written = spec::kOutSample;
      woken.sample = c.sample;
    }
    events[i].outcome.completions.clear();
    events[i].invoked = calls[i].invoked;
    events[i].responded = calls[i].responded;
    s = ts[0].next;
  }
  return events;
}

// Record with the calls run in the order they are listed.
std::vector<Event> Record(const World& w, const std::vector<Call>& calls) {
  std::vector<size_t> order(calls.size());
  std::iota(order.begin(), order.end(), size_t{0});
  return Record(w, calls, order);
}

CheckResult Check(const World& w, std::vector<Event> history,
                  spec::Profile profile = spec::Profile::kStrict,
                  CheckOptions options = CheckOptions()) {
  CheckInput in;
  in.start = w.state;
  in.binding = w.binding;
  in.profile = profile;
  in.history = std::move(history);
  return CheckLinearizable(in, options);
}

// Whether the check came to `verdict` with a report that says every one of
// `parts`; on failure, what did not hold and the report.
::testing::AssertionResult Judged(const CheckResult& r, Verdict verdict,
                                  std::initializer_list<std::string_view> parts = {}) {
  std::string missing;
  if (r.verdict != verdict) {
    missing += "verdict \"" + std::string(VerdictName(r.verdict)) + "\", not \"" +
               std::string(VerdictName(verdict)) + "\"\n";
  }
  for (std::string_view part : parts) {
    if (r.report.find(part) == std::string::npos) {
      missing += "the report does not say \"" + std::string(part) + "\"\n";
    }
  }
  if (missing.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << missing << "report:\n" << r.report;
}

// The binding's finding as data: a different field is kOutcome (the two
// outcomes say it all, and the reports show only them), a sample that is
// not the one bound is kSample (its detail names both); *this changes
// only when the outcomes agree.
TEST(SampleBinding, AMismatchSaysWhetherOnlyTheOutcomesDiffer) {
  Outcome model;
  model.written = spec::kOutSample;
  model.sample = spec::SampleHandle{0, 0};
  Outcome seen = model;
  seen.sample = Obs(5);

  harness::SampleBinding binding;
  ASSERT_FALSE(binding.Reconcile(seen, model).found());
  EXPECT_EQ(binding.ObservedId(0, 0), 5);

  Outcome other_sample = seen;
  other_sample.sample = Obs(6);
  harness::SampleBinding::Mismatch m = binding.Reconcile(other_sample, model);
  EXPECT_EQ(m.kind, harness::SampleBinding::Mismatch::Kind::kSample);
  EXPECT_NE(m.detail.find("#6"), std::string::npos) << m.detail;

  Outcome failed = seen;
  failed.hr = E_OUTOFMEMORY;
  m = binding.Reconcile(failed, model);
  EXPECT_EQ(m.kind, harness::SampleBinding::Mismatch::Kind::kOutcome);
  EXPECT_EQ(m.detail.rfind("outcome differs:", 0), 0u) << m.detail;
  EXPECT_EQ(binding.ObservedId(0, 0), 5);
}

// Thread 2's NOWAIT GetBuffer was invoked first and returned last, having
// found no free sample: only the order "thread 1 got it, thread 2 timed
// out, thread 1 released it" explains that; invocation order does not.
// checks: THREAD.SAFE
TEST(Linearizability, HistoryThatNeedsReorderingPasses) {
  World w = Committed(1);
  std::vector<Call> calls = {
      {"@2 GetBuffer nowait", 0, 10},
      {"@1 GetBuffer nowait", 1, 2},
      {"@1 sample 0 Release", 3, 4},
  };
  std::vector<Event> h = Record(w, calls, {1, 0, 2});
  ASSERT_EQ(h[0].outcome.hr, VFW_E_TIMEOUT);
  CheckResult r = Check(w, h);
  ASSERT_EQ(r.verdict, Verdict::kLinearizable) << r.report;
  ASSERT_EQ(r.order.size(), 3u);
  EXPECT_EQ(r.history[r.order[1]].op.thread, 2);  // the timeout in the middle
  EXPECT_EQ(r.final_state.free_list.size(), 1u);
  EXPECT_EQ(r.final_binding.ObservedId(r.final_state.generation, 0), 100 + 10);
}

// The same observations, but thread 2's call now starts after thread 1
// released the sample: real-time order forbids the explanation above.
// checks: THREAD.SAFE
TEST(Linearizability, RealTimeOrderIsRespected) {
  World w = Committed(1);
  std::vector<Call> calls = {
      {"@2 GetBuffer nowait", 0, 10},
      {"@1 GetBuffer nowait", 1, 2},
      {"@1 sample 0 Release", 3, 4},
  };
  std::vector<Event> h = Record(w, calls, {1, 0, 2});
  h[0].invoked = 5;
  h[0].responded = 6;
  CheckResult r = Check(w, h);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable) << r.report;
}

// ALLOC.BOUND: two overlapping NOWAIT GetBuffers on a one-buffer allocator
// cannot both get a sample, whatever the order.
// checks: ALLOC.BOUND, THREAD.SAFE
TEST(Linearizability, TwoGetBuffersOnOneBufferFails) {
  World w = Committed(1);
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 3},
      {"@2 GetBuffer nowait", 1, 4},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[1].outcome.hr, VFW_E_TIMEOUT);
  h[1].outcome = h[0].outcome;  // thread 2 "also got one", another sample
  h[1].outcome.sample = Obs(7);
  // The report names both calls, their threads and their intervals, the
  // deepest partial linearization, and what the model expected instead.
  EXPECT_TRUE(
      Judged(Check(w, h), Verdict::kNotLinearizable,
             {"NOT LINEARIZABLE", "@1 GetBuffer nowait  [0,3]", "@2 GetBuffer nowait  [1,4]",
              "deepest partial linearization (1 of 2 calls)", "model expected: hr=VFW_E_TIMEOUT"}));
}

// ALLOC.FREECOUNT: with two buffers and thread 1 holding at most one, a
// concurrent GetFreeCount may see 2 or 1, never 0.
// checks: ALLOC.FREECOUNT
TEST(Linearizability, FreeCountNoOrderExplainsFails) {
  World w = Committed(2);
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@1 sample 1 Release", 2, 3},
      {"@2 GetFreeCount", 0, 5},
  };
  std::vector<Event> h = Record(w, calls, {0, 2, 1});
  ASSERT_EQ(h[2].outcome.value, 1);
  CheckResult ok = Check(w, h);
  EXPECT_EQ(ok.verdict, Verdict::kLinearizable) << ok.report;
  h[2].outcome.value = 0;
  EXPECT_TRUE(Judged(Check(w, h), Verdict::kNotLinearizable,
                     {"@2 GetFreeCount", "model expected: hr=S_OK value="}));
}

// NOTIFY.ONCE: a release under an installed callback must report its
// NotifyRelease, concurrency or not.
// checks: NOTIFY.ONCE
TEST(Linearizability, MissingNotificationFails) {
  World w = Committed(1);
  w.Do("SetNotify 0");
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@1 sample 0 Release", 2, 5},
      {"@2 GetFreeCount", 3, 4},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[1].outcome.notifications.size(), 1u);
  EXPECT_EQ(Check(w, h).verdict, Verdict::kLinearizable);
  h[1].outcome.notifications.clear();
  EXPECT_TRUE(Judged(Check(w, h), Verdict::kNotLinearizable, {"notify[cb0"}));  // the expected one
}

// NOTIFY.SNAPSHOT, caveat (a): a SetNotify(NULL) overlapping the release
// may drop the installed reference before NotifyRelease runs, so the
// callback may see 1 reference (the snapshot) where the model, at the
// linearization point, counts 2; never 0.
// checks: NOTIFY.SNAPSHOT
TEST(Linearizability, SnapshotRefsWidenOnlyUnderOverlap) {
  World w = Committed(1);
  w.Do("SetNotify 0");
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@1 sample 0 Release", 2, 5},
      {"@2 SetNotify null", 3, 4},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[1].outcome.notifications.size(), 1u);
  ASSERT_EQ(h[1].outcome.notifications[0].refs_at_entry, 2u);
  h[1].outcome.notifications[0].refs_at_entry = 1;
  EXPECT_EQ(Check(w, h).verdict, Verdict::kLinearizable);
  h[1].outcome.notifications[0].refs_at_entry = 0;  // no snapshot reference
  EXPECT_EQ(Check(w, h).verdict, Verdict::kNotLinearizable);
  // Without the overlap the comparison is exact, as in the Lockstep.
  h[1].outcome.notifications[0].refs_at_entry = 1;
  h[2].invoked = 6;
  h[2].responded = 7;
  EXPECT_EQ(Check(w, h).verdict, Verdict::kNotLinearizable);
}

// COM.CALLBACK.REFS, caveat (a): two overlapping releases notify one
// callback; the second may find the first one's snapshot reference still
// held (one per ReleaseBuffer in progress), one more than the model, which
// runs each release atomically. Under portable the snapshot trait's "no COM
// reference" branch sees the installed reference only (1), or 2 while the
// other release's keep-alive is in progress. Never 0, and never more than
// the overlapping releases account for.
// checks: COM.CALLBACK.REFS, NOTIFY.SNAPSHOT
TEST(Linearizability, OverlappingReleasesMaySeeEachOthersSnapshot) {
  World w = Committed(2);
  w.Do("SetNotify 0");
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@2 GetBuffer nowait", 0, 1},
      {"@1 sample 1 Release", 2, 6},
      {"@2 sample 0 Release", 3, 5},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[3].outcome.notifications.size(), 1u);
  ASSERT_EQ(h[3].outcome.notifications[0].refs_at_entry, 2u);
  for (spec::Profile p : {spec::Profile::kStrict, spec::Profile::kPortable}) {
    h[2].outcome.notifications[0].refs_at_entry = 2;
    h[3].outcome.notifications[0].refs_at_entry = 3;  // the first snapshot still held
    EXPECT_EQ(Check(w, h, p).verdict, Verdict::kLinearizable);
    h[3].outcome.notifications[0].refs_at_entry = 5;
    EXPECT_EQ(Check(w, h, p).verdict, Verdict::kNotLinearizable);
  }
  // The holder implementation (no COM snapshot reference): 1, or 2 while the
  // other release is in NotifyRelease.
  h[2].outcome.notifications[0].refs_at_entry = 1;
  h[3].outcome.notifications[0].refs_at_entry = 2;
  EXPECT_EQ(Check(w, h, spec::Profile::kPortable).verdict, Verdict::kLinearizable);
  h[3].outcome.notifications[0].refs_at_entry = 1;
  EXPECT_EQ(Check(w, h, spec::Profile::kPortable).verdict, Verdict::kLinearizable);
  h[3].outcome.notifications[0].refs_at_entry = 0;
  EXPECT_EQ(Check(w, h, spec::Profile::kPortable).verdict, Verdict::kNotLinearizable);
}

// Caveat (d): a Decommit drops the self-reference after unlocking, so an
// AddRef linearized after it (thread 2 already saw it decommitted) may still
// count the self-reference while the Decommit has not returned.
// checks: COM.ALLOC.ADDREF, COM.ALLOC.RELEASE
TEST(Linearizability, AllocatorRefcountWidensOnlyUnderOverlap) {
  World w = Committed(1);
  std::vector<Call> calls = {
      {"@1 Decommit", 0, 10},
      {"@2 GetBuffer nowait", 1, 2},
      {"@2 AddRef", 3, 4},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[1].outcome.hr, VFW_E_NOT_COMMITTED);
  ASSERT_EQ(h[2].outcome.value, 2);  // client 2, self 0
  h[2].outcome.value = 3;            // self-reference not yet dropped
  EXPECT_EQ(Check(w, h).verdict, Verdict::kLinearizable);
  h[2].outcome.value = 6;  // more than 2 per overlapping call
  EXPECT_EQ(Check(w, h).verdict, Verdict::kNotLinearizable);
  // Once the Decommit has returned, the count is exact again.
  h[0].responded = 2;
  h[2].outcome.value = 3;
  EXPECT_EQ(Check(w, h).verdict, Verdict::kNotLinearizable);
}

// A Commit that makes new samples starts a new generation in the binding;
// a sample op afterwards must be translated in it.
// checks: ALLOC.COMMIT.2, ALLOC.COMMIT.REALLOC
TEST(Linearizability, CommitInParallelStartsAGeneration) {
  World w;
  w.Do("SetProperties 1 64 1 0");
  std::vector<Call> calls = {
      {"@1 Commit", 0, 3},           {"@2 GetBuffer nowait", 1, 2},
      {"@2 GetBuffer nowait", 4, 5}, {"@2 sample 0 SetActualDataLength 7", 6, 7},
      {"@2 sample 0 Release", 8, 9},
  };
  std::vector<Event> h = Record(w, calls, {1, 0, 2, 3, 4});
  ASSERT_EQ(h[1].outcome.hr, VFW_E_NOT_COMMITTED);
  CheckResult r = Check(w, h);
  ASSERT_EQ(r.verdict, Verdict::kLinearizable) << r.report;
  EXPECT_EQ(r.final_state.samples[0].actual, 7);
}

// With a quiescent observation, only a linearization whose end state
// matches it is accepted.
// checks: THREAD.SAFE, ALLOC.FREECOUNT
TEST(Linearizability, QuiescenceMismatchFails) {
  World w = Committed(1);
  w.Do("SetNotify 0");
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@1 sample 0 Release", 2, 3},
  };
  CheckInput in;
  in.start = w.state;
  in.binding = w.binding;
  in.history = Record(w, calls);
  Quiescence q;
  q.callback_refs = {1, 0, 0};
  q.callback_notified = {1, 0, 0};
  q.sample_refs = {{110, 0}};
  in.quiescence = q;
  EXPECT_EQ(CheckLinearizable(in).verdict, Verdict::kLinearizable);
  in.quiescence->callback_refs[0] = 2;  // a leaked snapshot reference
  EXPECT_TRUE(Judged(CheckLinearizable(in), Verdict::kNotLinearizable,
                     {"after the threads joined", "COM.CALLBACK.REFS"}));
}

// Three threads of reads that all overlap: the search must exhaust every
// interleaving before failing, and the memo collapses them to the 6^3
// per-thread progress points.
// checks: THREAD.SAFE
TEST(Linearizability, MemoKeepsExhaustiveSearchSmall) {
  World w = Committed(2);
  std::vector<Call> calls;
  for (int t = 1; t <= 3; ++t) {
    for (uint64_t k = 0; k < 5; ++k) {
      // Appended, not "@" + std::to_string(t): g++ 12 at -O3 reports that
      // inlined into a memcpy with a false -Wrestrict.
      std::string op = "@";
      op += std::to_string(t);
      op += " GetFreeCount";
      calls.push_back({op, 2 * k, 2 * k + 100});
    }
  }
  // Per-thread calls must not overlap each other: stagger them.
  for (size_t i = 0; i < calls.size(); ++i) {
    calls[i].invoked = (i % 5) * 10 + i / 5;
    calls[i].responded = calls[i].invoked + 9;
  }
  std::vector<Event> h = Record(w, calls);
  h.back().outcome.value = 3;  // more free samples than buffers
  CheckResult r = Check(w, h);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable) << r.report;
  EXPECT_LE(r.nodes, 6u * 6u * 6u);
  EXPECT_GT(r.memo_hits, 0u);
}

// Past the node bound the search gives up; that is its own verdict, with a
// message saying it is not a failure.
// checks: THREAD.SAFE
TEST(Linearizability, GiveUpIsReportedNotFailed) {
  World w = Committed(2);
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 10},
      {"@2 GetBuffer nowait", 1, 11},
      {"@3 GetFreeCount", 2, 12},
      {"@1 sample 1 Release", 13, 14},
  };
  std::vector<Event> h = Record(w, calls);
  CheckOptions tiny;
  tiny.node_bound = 2;
  CheckResult r = Check(w, h, spec::Profile::kStrict, tiny);
  ASSERT_TRUE(Judged(r, Verdict::kGaveUp, {"GAVE UP (not a failure)"}));
  EXPECT_EQ(r.nodes, 2u);
  EXPECT_EQ(VerdictName(r.verdict), "gave up");
  EXPECT_EQ(Check(w, h).verdict, Verdict::kLinearizable);
}

// The portable profile keeps every allowed transition: a history where a
// GetBuffer returned a free sample other than the LIFO head fails strict
// and passes portable (ALLOC.FREELIST.ORDER).
// checks: ALLOC.FREELIST.ORDER
TEST(Linearizability, PortableKeepsEveryAllowedTransition) {
  World w = Committed(2);
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@2 GetFreeCount", 0, 2},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[0].outcome.sample, Obs(100 + 10 + 1));  // the head is sample 1
  h[0].outcome.sample = Obs(200);                     // unseen id: binds to whatever fits
  // Bind sample 1 (the head) in the start binding so 200 can only be 0.
  World bound = w;
  Outcome seen;
  seen.written = spec::kOutPointer;
  seen.sample = Obs(111);
  Outcome want = seen;
  want.sample = w.state.Handle(1);
  ASSERT_FALSE(bound.binding.Reconcile(seen, want).found());
  // A bound sample has been handed out before (the portable model treats
  // samples never handed out as interchangeable).
  bound.state.samples[1].used = true;
  EXPECT_EQ(Check(bound, h, spec::Profile::kStrict).verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(Check(bound, h, spec::Profile::kPortable).verdict, Verdict::kLinearizable);
}

// Histories outside what the checker supports are refused loudly: a start
// state with waiters (their GetBuffer calls are not in the history).
// checks: ALLOC.GETBUFFER.WAIT
TEST(Linearizability, StartWithWaitersIsAPreconditionViolation) {
  World w = Committed(1);
  w.Do("GetBuffer nowait").Do("@1 GetBuffer");
  ASSERT_EQ(w.state.waiters.size(), 1u);
  std::vector<Event> h(1);
  h[0].op = Parse("@2 GetFreeCount");
  h[0].invoked = 0;
  h[0].responded = 1;
  EXPECT_TRUE(Judged(Check(w, h), Verdict::kNotLinearizable, {"precondition"}));
}

// ALLOC.GETBUFFER.WAIT, ALLOC.RELEASEBUFFER.HANDOFF: thread 2 blocks on a
// one-buffer allocator and thread 1's release hands it the sample. The
// blocked call stays open until the release completes it; the release must
// have been invoked before thread 2's GetBuffer returned.
// checks: ALLOC.RELEASEBUFFER.HANDOFF
TEST(Linearizability, HandOffToABlockedWaiterPasses) {
  World w = Committed(1);
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@2 GetBuffer", 2, 8},
      {"@1 sample 0 Release", 3, 4},
      {"@2 sample 0 Release", 9, 10},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[1].outcome.hr, S_OK);
  ASSERT_EQ(h[1].outcome.sample, Obs(110));  // handed the sample
  CheckResult r = Check(w, h);
  ASSERT_EQ(r.verdict, Verdict::kLinearizable) << r.report;
  EXPECT_TRUE(r.final_state.waiters.empty());
  EXPECT_EQ(r.final_state.free_list.size(), 1u);
  // The release now starts after thread 2 returned: nothing could have
  // woken it (and 1 buffer cannot be held twice).
  h[2].invoked = 8;
  h[2].responded = 9;
  h[1].responded = 7;
  CheckResult late = Check(w, h);
  EXPECT_EQ(late.verdict, Verdict::kNotLinearizable) << late.report;
}

// ALLOC.RELEASEBUFFER.HANDOFF: thread 1 holds both buffers; thread 2 waits;
// thread 1 releases sample 0, and GetFreeCount = 0 right after proves thread
// 2 already had it (handed off, or popped if it had not blocked yet).
// Thread 2 returning sample 1 instead is not linearizable. (Which of two
// waiters whose GetBuffer calls overlap joined the queue first, FIFO, is not
// observable this way; see LostWakeUpFails for what the runner adds.)
// checks: ALLOC.RELEASEBUFFER.HANDOFF
TEST(Linearizability, WokenWaiterWithTheWrongSampleFails) {
  World w = Committed(2);
  w.Do("GetBuffer nowait").Do("GetBuffer nowait");
  std::vector<Call> calls = {
      {"@2 GetBuffer", 0, 30},       {"@1 sample 0 Release", 2, 3}, {"@1 GetFreeCount", 4, 5},
      {"@1 sample 1 Release", 6, 7}, {"@1 GetFreeCount", 8, 9},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[0].outcome.sample, Obs(110));
  ASSERT_EQ(h[2].outcome.value, 0);
  CheckResult ok = Check(w, h);
  ASSERT_EQ(ok.verdict, Verdict::kLinearizable) << ok.report;
  h[0].outcome.sample = Obs(111);
  EXPECT_TRUE(
      Judged(Check(w, h), Verdict::kNotLinearizable, {"linearized as blocked", "(blocks here)"}));
}

// ALLOC.DECOMMIT.WAKE: one Decommit wakes both waiters with
// VFW_E_NOT_COMMITTED; the held sample completes the decommit later.
// checks: ALLOC.DECOMMIT.WAKE
TEST(Linearizability, DecommitWakesTwoWaitersPasses) {
  World w = Committed(1);
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1}, {"@2 GetBuffer", 2, 20},         {"@3 GetBuffer", 3, 21},
      {"@4 Decommit", 5, 6},         {"@1 sample 0 Release", 22, 23},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[1].outcome.hr, VFW_E_NOT_COMMITTED);
  ASSERT_EQ(h[2].outcome.hr, VFW_E_NOT_COMMITTED);
  CheckResult r = Check(w, h);
  ASSERT_EQ(r.verdict, Verdict::kLinearizable) << r.report;
  EXPECT_TRUE(r.final_state.waiters.empty());
  // The portable profile also lets Decommit wake them with VFW_E_TIMEOUT
  // (Wine); strict does not.
  h[1].outcome.hr = VFW_E_TIMEOUT;
  h[2].outcome.hr = VFW_E_TIMEOUT;
  EXPECT_EQ(Check(w, h).verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(Check(w, h, spec::Profile::kPortable).verdict, Verdict::kLinearizable);
}

// A waiter that returned a sample although nobody released one: its
// GetBuffer can only be linearized as blocked, and nothing completes it.
// checks: ALLOC.GETBUFFER.WAIT, ALLOC.BOUND
TEST(Linearizability, WaiterGotASampleNobodyReleasedFails) {
  World w = Committed(1);
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@2 GetBuffer", 2, 10},
      {"@1 GetFreeCount", 3, 4},
  };
  std::vector<Event> h = Record(w, calls, {0, 2});
  h[1].op = Parse("@2 GetBuffer");
  h[1].invoked = 2;
  h[1].responded = 10;
  h[1].outcome.hr = S_OK;
  h[1].outcome.written = spec::kOutSample;
  h[1].outcome.sample = Obs(110);  // the sample thread 1 holds
  EXPECT_TRUE(Judged(Check(w, h), Verdict::kNotLinearizable, {"never completed"}));
}

// THREAD.NOLOSTWAKE: a release while thread 2 waits must hand it the sample.
// A wait is open-ended, so without more knowledge thread 2's GetBuffer
// could take effect after the Decommit (VFW_E_NOT_COMMITTED, no wake-up
// lost). The runner knows more: it decommits only while thread 2 is inside
// GetBuffer (took_effect_before); then the release left the sample free
// while a thread waited.
// checks: THREAD.NOLOSTWAKE
TEST(Linearizability, LostWakeUpFails) {
  World w = Committed(1);
  std::vector<Call> calls = {
      {"@1 GetBuffer nowait", 0, 1},
      {"@2 GetBuffer", 2, 20},
      {"@1 sample 0 Release", 3, 4},
      {"@1 Decommit", 5, 6},
  };
  std::vector<Event> h = Record(w, calls);
  ASSERT_EQ(h[1].outcome.hr, S_OK);
  EXPECT_EQ(Check(w, h).verdict, Verdict::kLinearizable);
  h[1].outcome.hr = VFW_E_NOT_COMMITTED;
  h[1].outcome.sample = spec::SampleHandle{};
  EXPECT_EQ(Check(w, h).verdict, Verdict::kLinearizable);  // after the Decommit
  h[1].took_effect_before = h[3].invoked;
  CheckResult r = Check(w, h);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable) << r.report;
}

}  // namespace
}  // namespace dsalloc::props::parallel
