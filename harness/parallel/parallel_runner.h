// ---------------------------------------------------------------------------
// File: harness/parallel/parallel_runner.h
// ---------------------------------------------------------------------------
//
// Runs one parallel case against an implementation and judges it
// (THREAD.SAFE): a sequential prefix through a harness::Lockstep, then 2-3
// real threads released together from a spin barrier, each running its op
// list through Driver::RunDirect while every call's invocation and response
// is stamped from one global atomic clock; the recorded history (with the
// NotifyRelease deliveries each call saw) goes to CheckLinearizable, the
// state of the linearization found is adopted by the Lockstep, the buffers
// GetPointer showed in the phase are checked against the prefix's when no
// Commit made new samples (Lockstep::CheckBuffers), and Finish()
// checks the teardown. Each case is repeated on a fresh allocator to explore
// schedules.
//
// Case format. `prefix` ops run on thread 0 and name samples by model index,
// as in any trace. In `threads[t]` (thread t + 1), a sample op's `sample` is
// a SLOT: slot k is the sample that thread's k-th GetBuffer of the parallel
// phase obtained (empty if that GetBuffer failed; so a slot's meaning does
// not shift with the schedule). At run time an op on a slot the thread does
// not hold (empty, or released), and an allocator Release not balanced by
// an earlier AddRef/QueryInterface of the same thread, is skipped; the
// checker sees exactly the calls that ran. Each thread waits a small random
// time (seeded by repeat and thread) before each call, to vary schedules.
// Parallel lists must not configure reactions (caveat (b) of
// linearizability.cpp); RunParallelCase rejects such a case.
//
// Blocking GetBuffer (no AM_GBF_NOWAIT) blocks its thread. Once every
// thread still running is blocked in one, nothing has happened for a
// quiet spell (Driver::Options::settle, at least 2 ms) and, where the
// kernel tells (thread_sleep.h), each of them is asleep rather than
// merely preempted, the runner calls Decommit itself, as thread kRunnerThread (an event of the
// history with its own invocation and response), which must wake them all
// (ALLOC.DECOMMIT.WAKE); a call still running Driver::Options::hang_timeout
// later (after that Decommit, or with no progress at all) fails the run
// (GEN.NOHANG), and its threads are detached and their allocator kept
// forever (keep_forever.h), so the test does not hang.
//
// Threading: RunParallelCase starts and joins its own threads; call it from
// one thread at a time. Errors: a failure is a RunResult with failed = true
// and a report; a search that gave up is counted in the stats, not failed.

#ifndef DSALLOC_HARNESS_PARALLEL_PARALLEL_RUNNER_H_
#define DSALLOC_HARNESS_PARALLEL_PARALLEL_RUNNER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/driver.h"
#include "harness/implementation.h"
#include "harness/lockstep.h"
#include "linearizability.h"
#include "spec/model/op.h"
#include "spec/model/state.h"
#include "spec/model/trace.h"

namespace dsalloc::props::parallel {

inline constexpr int kMaxParallelThreads = 3;
// The runner's own calls (the Decommit that wakes stuck waiters) are
// events of this pseudo-thread.
inline constexpr uint8_t kRunnerThread = kMaxParallelThreads + 1;
static_assert(kRunnerThread < spec::kMaxThreads);

// What a thread does just before one of its calls, on top of the runner's
// seeded jitter: a chosen point to yield the core or to stall, so that a
// fuzzer can aim at an interleaving instead of waiting for one.
enum class ScheduleHint : uint8_t {
  kNone = 0,
  kYield = 1,      // std::this_thread::yield()
  kShortSpin = 2,  // a busy wait of about a call's length
  kLongSpin = 3,   // a busy wait of tens of calls
};

struct ParallelCase {
  std::vector<spec::Op> prefix;                // thread 0, model indices
  std::vector<std::vector<spec::Op>> threads;  // thread t + 1; sample = slot
  // hints[t][k]: before threads[t][k]. May be shorter than the lists (or
  // empty): a missing hint is kNone. Not part of the trace format.
  std::vector<std::vector<ScheduleHint>> hints;
};

// The case a parallel trace (kParallelTraceMarker) describes: its thread-0
// ops are the prefix, "@T" ops thread T's list. Empty and *error set when an
// op names a thread beyond kMaxParallelThreads.
std::optional<ParallelCase> CaseFromTrace(const std::vector<spec::Op>& ops, std::string* error);
// The same from a parsed trace file; a Repeat block's bound is an error
// (a parallel case has none).
std::optional<ParallelCase> CaseFromTrace(const spec::Trace& trace, std::string* error);

// COM.CALLBACK.CLIENT: a callback the prefix let go of may be destroyed by
// one thread's SetNotify while another passes it, so a thread may pass only
// callbacks the client still holds. Turns every SetNotify(N) of a thread
// list whose N the prefix released into SetNotify(NULL), which races the
// releases that notify N (what a generator wants; RunParallelCase rejects
// a case that still has one).
void PassOnlyHeldCallbacks(ParallelCase& c);

// The case as a trace (spec::ToString per op, "@T " on parallel ops), with
// '#' comment lines saying where the parallel phase starts and what a
// sample number means there.
std::string ToTrace(const ParallelCase& c);

struct RunOptions {
  spec::Profile profile = spec::Profile::kStrict;
  int repeats = 5;  // fresh allocator each time
  // Mixed into every thread's jitter seed: a caller that wants other
  // schedules for the same case (the concurrent fuzzer) varies it.
  uint32_t schedule_seed = 0;
  CheckOptions check;
  harness::Driver::Options driver;
  // Test seam (parallel_runner_test.cpp): each blocking GetBuffer's thread
  // keeps running this long after the runner can see it waiting and
  // before the call, as a preempted thread on a loaded machine would.
  std::chrono::microseconds stall_before_blocking_call{0};
};

// Counters, summed over repeats (and over cases by the caller).
struct RunStats {
  size_t runs = 0;              // repeats run
  size_t gave_up = 0;           // searches that hit the node bound
  size_t events = 0;            // calls recorded in parallel phases
  size_t overlapped = 0;        // of which overlapped another call in time
  size_t skipped = 0;           // parallel ops skipped (empty slot, unbalanced)
  size_t nodes = 0;             // search nodes expanded
  size_t max_nodes = 0;         // largest single search
  size_t notifications = 0;     // NotifyRelease deliveries in the histories
  size_t blocking = 0;          // blocking GetBuffer calls run
  size_t runner_decommits = 0;  // Decommits the runner made to wake waiters
  void Add(const RunStats& o);
};

struct RunResult {
  bool failed = false;
  std::string report;  // failed: what went wrong, in which repeat
  // failed: the same as facts (rule, op, expected, observed), and the
  // failing repeat's parallel-phase history (empty if it never completed).
  harness::Divergence divergence;
  std::vector<Event> history;
  // The rules the model applied in the prefixes and linearizations that
  // agreed.
  std::set<std::string_view> rules_applied;
  RunStats stats;
};

// REQUIRES: 1 <= c.threads.size() <= kMaxParallelThreads.
RunResult RunParallelCase(const harness::Implementation& impl, const ParallelCase& c,
                          const RunOptions& options);

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_HARNESS_PARALLEL_PARALLEL_RUNNER_H_
