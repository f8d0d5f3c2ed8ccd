// ---------------------------------------------------------------------------
// File: harness/driver.h
// ---------------------------------------------------------------------------
//
// Driver runs the model's operations (spec/model/op.h) on a real
// implementation (implementation.h) and reports what it observed as a
// spec::Outcome, so a checker can compare it with what spec::Step allows.
// It is the one executor behind the property tests, the replay tool, the
// fuzzers and the conformance kit.
//
// The world (as in op.h): one allocator, created by the constructor through
// DllGetClassObject -> IClassFactory::CreateInstance(IID_IMemAllocator),
// with one client reference held by the driver; the samples the client
// holds; three test callbacks (ids 0..2) created by the driver, which holds
// the client's reference on each until `callback N Release`
// (COM.CALLBACK.CLIENT); the object itself outlives every reference.
//
// Naming samples. The driver cannot know the model's indices, so it speaks
// in *observed ids*: every distinct IMediaSample* it has seen gets an id
// 0, 1, 2, ... in order of first appearance (a pointer seen again, even in a
// later allocation generation, keeps its id). In Ops given to Run, `sample`
// is an observed id; in Outcomes it returns, every SampleHandle is
// {kObservedGeneration, observed id}. SampleBinding (sample_binding.h)
// translates between observed ids and the model's (generation, index).
// Reactions (`callback N react ReleaseSample i`) name a model index; the
// driver resolves it at reaction time through the ReactionResolver given
// to SetResolver (no resolver: the reaction does nothing and reports S_FALSE).
//
// What Run observes beyond the call's own results:
//   - notifications: every NotifyRelease delivered ON THE CALLING THREAD
//     while the call ran (NOTIFY.THREAD), in order, with the callback's
//     allocator-held count at entry (its count minus the driver's own
//     reference), the nesting depth, and the reaction it performed;
//   - lock probe (THREAD.NOLOCK): inside every NotifyRelease, before its
//     reaction, the callback asks another thread to call GetFreeCount and
//     waits up to Options::lock_probe_timeout; if that call has not returned,
//     the allocator is holding its lock while calling out: the driver
//     records a violation, skips the reaction (it would deadlock) and
//     returns. The probe thread finishes once the lock is released.
// Buffer touching (Options::touch_buffers): after each op, every byte of
// every buffer the client holds is written and read back, so that a memory
// checker (ASan) sees a buffer the server freed too early.
// GetPointer: the Outcome carries the address in `pointer` and names the
// sample called as the buffer's owner. Whether buffers are aligned, stable
// and apart is the checker's to judge (Lockstep::CheckBuffers):
// only the model knows when Commit made new samples, so the driver keeps no
// record of buffers.
// Blocking GetBuffer: Run(GetBuffer on thread T > 0 without NOWAIT) runs the
// call on a worker thread for T and returns when it completes or after
// Options::settle; in the second case the Outcome has blocked = true. Later
// completions are collected with AwaitCompletions. (Thread 0's GetBuffer
// without NOWAIT takes the same path, so one that blocks when it must not
// costs `settle`, not a hang; Run's Outcomes never carry completions.)
// A checker that knows what the call must do says so (Expectation): a call
// expected to block is seen blocked as soon as its worker is asleep
// (thread_sleep.h: Linux; elsewhere after `settle`), and with
// Options::direct_calls a call expected to return runs on the calling
// thread under a watchdog: no hand-over, no settle. If it does block, after
// hang_timeout the watchdog records GEN.NOHANG and decommits the allocator
// to wake it (ALLOC.DECOMMIT.WAKE).
//
// Violations that are not part of an Outcome (a call on a callback after its
// last reference, its death during a NotifyRelease, a count below zero, a
// failed lock probe, a hang) are collected and reported by
// TakeViolations(); each names its SPEC.md rule (a dead callback's: the rule
// of the step that called it, COM.CALLBACK.DEAD).
//
// Threading: Run may be called concurrently from several threads, each with
// a different op.thread (the parallel property); everything else is for
// one thread at a time. Lifetime: the destructor runs Teardown if it has
// not been run. Errors: none thrown; problems become violations.

#ifndef DSALLOC_HARNESS_DRIVER_H_
#define DSALLOC_HARNESS_DRIVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "implementation.h"
#include "spec/model/op.h"
#include "spec/model/outcome.h"
#include "spec/model/state.h"

namespace dsalloc::harness {

namespace driver_internal {
class Core;  // driver/driver_core.h
}  // namespace driver_internal

// SampleHandle::generation of every handle a Driver reports.
inline constexpr uint32_t kObservedGeneration = 0xFFFFFFFFu;

// Maps a model sample index (current generation) to an observed id, or -1
// if the model index is not bound to a sample the driver has seen.
using ReactionResolver = std::function<int(int model_index)>;

struct Violation {
  std::string rule;    // SPEC.md rule ID, e.g. "THREAD.NOLOCK"
  std::string detail;  // what was seen
};

class Driver {
 public:
  struct Options {
    // How long a call may take before it counts as hung (GEN.NOHANG).
    std::chrono::milliseconds hang_timeout{5000};
    // How long a blocking GetBuffer is given before it counts as blocked.
    std::chrono::milliseconds settle{20};
    // How long AwaitCompletions(0) waits for a completion nobody expects
    // (a waiter woken by an op that should wake none); negative: `settle`.
    // 0 collects only those already there, so that an op run while threads
    // wait costs no fixed delay (the differential fuzzer): a wrong wake-up
    // still shows, at the next op that collects completions.
    std::chrono::milliseconds unexpected_settle{-1};
    // How long a lock probe may wait before THREAD.NOLOCK is violated.
    std::chrono::milliseconds lock_probe_timeout{1000};
    // Probe the lock in every NotifyRelease (off: faster, blind to
    // THREAD.NOLOCK).
    bool probe_lock = true;
    // Run a GetBuffer the checker expects to return (Expectation::kReturns)
    // on the calling thread under the watchdog instead of on a worker (see
    // the banner): what makes a fuzzer's op cost microseconds. Off by
    // default: a wrongly blocking call then costs hang_timeout and a
    // Decommit the model does not know of, reported as GEN.NOHANG.
    bool direct_calls = false;
    // Touch the buffers (LIFE.FREEMEM, LIFE.SAMPLEALIVE): after every Run,
    // RunDirect and AwaitCompletions, for every sample the client then
    // holds (those just handed out included), GetPointer + GetSize, then
    // write and read back every byte of [pointer, pointer + size) with
    // volatile accesses. It judges nothing itself: in a process built with
    // ASan (whose malloc and free serve an uninstrumented server too), a
    // buffer the server freed gives a heap-use-after-free report in the
    // driver's own access (memory_errors.h turns it into text). Off: no
    // buffer byte is touched. REQUIRES: no concurrent Run/RunDirect (a
    // sample another thread releases meanwhile could be touched after its
    // release), so not for the parallel property.
    bool touch_buffers = false;

    // The bounds every checker runs with (properties, the kit, the
    // fuzzers): as short as a loaded 2-core machine under sanitizers
    // allows, since a broken implementation costs one per failing op while
    // a failure is shrunk (hang 2 s, lock probe 0.5 s, settle 20 ms);
    // the environment variable DSALLOC_TIMEOUT_SCALE stretches all three.
    static Options ForCheckers();
  };

  // Creates the allocator (LIFE.CREATE). If that fails, ok() is false.
  Driver(const Implementation& impl, Options options);
  explicit Driver(const Implementation& impl) : Driver(impl, Options()) {}
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  bool ok() const;
  // Whether "oom" ops can be honoured (the implementation has the hook).
  bool SupportsFaultInjection() const;
  // Whether the server was idle (DllCanUnloadNow S_OK) when this driver
  // started. If not, objects from earlier runs are alive, DllCanUnloadNow
  // cannot be judged, and Teardown does not judge it (LIFE.DESTROY).
  bool ServerIdleAtStart() const;

  void SetResolver(ReactionResolver resolver);
  // Pauses (false) or resumes (true) the THREAD.NOLOCK probe from the next
  // NotifyRelease on; with Options::probe_lock off it never runs. The
  // Lockstep probes a Repeat's later rounds by sample: a probe is a
  // hand-over per notification.
  void SetProbeLock(bool on);

  // What the checker's model says a GetBuffer without NOWAIT will do (see
  // the banner); other ops ignore it.
  enum class Expectation { kUnknown, kReturns, kBlocks };

  // Runs op on the calling thread (see the banner for blocking GetBuffer)
  // and returns what was observed. Sample names are observed ids.
  // REQUIRES: op is in the model's domain for the state the checker
  // believes the allocator is in (an op on a sample the client does not
  // hold, or on an allocator it has released, is a checker bug).
  spec::Outcome Run(const spec::Op& op, Expectation expect = Expectation::kUnknown);
  // The same, into *observed (reset first; its storage is reused: for a
  // checker that runs millions of ops).
  void RunInto(const spec::Op& op, Expectation expect, spec::Outcome* observed);

  // Runs op directly on the calling thread, whatever op.thread says, and
  // returns when the call returns (a blocking GetBuffer blocks the caller;
  // its result is this Outcome, never a Completion). For the parallel
  // property, where each op.thread is a real thread of the caller's.
  spec::Outcome RunDirect(const spec::Op& op);

  // Waits until at least `count` blocked GetBuffer calls have completed
  // since the last call (or hang_timeout passes), waits `settle` more for
  // any extra (less where it can see every call still blocked asleep:
  // thread_sleep.h), and returns them in completion order.
  std::vector<spec::Completion> AwaitCompletions(size_t count);

  // The allocator-held references on test callback `id` right now (its
  // count minus the client's own reference while the client holds it), and
  // NotifyRelease calls it has received so far.
  uint32_t CallbackRefs(int id) const;
  uint32_t CallbackNotifications(int id) const;
  // The references the client holds on observed sample `id` (the driver's
  // bookkeeping, which Run keeps in step with every AddRef/Release).
  uint32_t ClientSampleRefs(int id) const;
  // True if ClientSampleRefs(id) == refs for every (id, refs) listed, read
  // at once (a check of every held sample per op, without a call per
  // sample).
  bool ClientSampleRefsAre(const std::vector<std::pair<int, uint32_t>>& expected) const;
  // The IMediaSample* behind an observed id (for diagnostics).
  IMediaSample* SamplePointer(int id) const;

  // Ends the world: if `allocator_alive` (the model says the allocator
  // still exists: client references, or a self-reference while committed)
  // calls Decommit (through the raw pointer if the client holds no
  // reference) so the allocator can die (LIFE.SELFREF) and blocked workers
  // wake; releases every sample reference the client holds, then the
  // client's allocator references and those the test callbacks hold
  // (LIFE.CYCLE); then requires the allocator to hold no reference on any
  // callback, with no call after its final release (COM.CALLBACK.REFS,
  // COM.CALLBACK.DEAD, LIFE.DESTROY), blocked workers to have returned
  // (GEN.NOHANG), and, if no other Driver of the same server is alive,
  // DllCanUnloadNow to answer S_OK (LIFE.DESTROY). Problems become
  // violations. Later Runs of allocator or sample ops return E_UNEXPECTED.
  void Teardown(bool allocator_alive);

  // Violations recorded since the last call.
  std::vector<Violation> TakeViolations();
  // Whether TakeViolations would return any (takes none).
  bool HasViolations() const;

 private:
  // Owned, but leaked on purpose (keep_forever.h) instead of deleted when a
  // helper thread is stuck inside the implementation and may still use it.
  driver_internal::Core* const core_;
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_DRIVER_H_
