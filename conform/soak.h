// ---------------------------------------------------------------------------
// File: conform/soak.h
// ---------------------------------------------------------------------------
//
// RunSoak: the soak phase of dsalloc-conform. It drives "an implementation"
// (harness/implementation.h) only through its COM interfaces with sustained
// multi-threaded traffic and counts everything exactly:
//
//   - `threads` workers cycle GetBuffer (blocking and AM_GBF_NOWAIT) and
//     sample Release over a small pool (cBuffers 2-4, resized between
//     commits; cbBuffer 1024), each holding up to cBuffers samples and now
//     and then yielding the CPU while holding, so that workers wait for
//     each other's samples even on a loaded machine;
//   - a NotifyRelease callback is installed (IMemAllocatorCallbackTemp) and
//     churned among three counting callbacks and NULL; every 16th
//     notification calls GetFreeCount from inside the callback;
//   - every 4th epoch, with every sample in the controller's hands and
//     every worker inside a blocking GetBuffer, the allocator is
//     decommitted (every waiter must return VFW_E_NOT_COMMITTED), the
//     samples are released one by one in the pending state (the callback
//     checks the exact free count from inside NotifyRelease), and the
//     allocator is committed again; half-way between, a decommit with
//     nothing out, a new pool size and a commit.
//
// Protocol: workers run in epochs of 1,024 cycles each. Between epochs
// they meet at a rendezvous where no thread is inside a call; only there does
// the soak's controller change the callback, decommit or check counts. So
// "NotifyRelease calls == releases made while the callback was installed" is
// an exact equation, checked at every rendezvous and at the end.
//
// Checked (rule IDs of spec/SPEC.md):
//   NOTIFY.ONCE         notifications per callback == releases under it; no
//                       notification of a callback that is not installed
//   COM.CALLBACK.REFS   an installed callback holds 1 reference of the
//                       allocator's between calls, a removed one none; no
//                       call on a callback after its final Release
//   ALLOC.BOUND         never more than cBuffers out, no sample with two owners
//   ALLOC.DECOMMIT.WAKE every blocked GetBuffer returns VFW_E_NOT_COMMITTED
//   NOTIFY.AFTERFREE, ALLOC.FREECOUNT
//                       inside NotifyRelease of a lone release, GetFreeCount
//                       already counts the released sample, exactly
//   ALLOC.GETBUFFER.*   blocking calls never fail spuriously; NOWAIT misses
//                       leave no trace (every sample obtainable when all are back)
//   GEN.NOHANG, THREAD.NOLOSTWAKE, THREAD.NOLOCK
//                       no call stays inside the implementation longer than
//                       stuck_bound (a watchdog, on the calling thread); a
//                       GetFreeCount stuck inside NotifyRelease is THREAD.NOLOCK
//   GEN.NOLEAK          every sample Release returns 0; the allocator's final
//                       Release returns 0; every callback's count is back
//
// Without IMemAllocatorCallbackTemp (QueryInterface gives E_NOINTERFACE) the
// soak runs without a callback and says that notify counting was not
// applicable in the summary.
//
// Hangs: a call found stuck is reported, the soak stops at once, and RunSoak
// returns without waiting for it: the stuck threads are detached and the
// allocator, its samples, the callbacks and the soak's shared state are
// leaked on purpose (harness/keep_forever.h).
//
// Threading: RunSoak is thread-compatible (each call makes its own threads:
// `threads` workers and one controller; the calling thread is the watchdog).
// `progress` runs on the calling thread. Lifetime: nothing outlives the call
// except what a hang leaks. Errors: setup failures (CreateAllocator,
// SetProperties, Commit) are failures of the report, never exceptions.

#ifndef DSALLOC_CONFORM_SOAK_H_
#define DSALLOC_CONFORM_SOAK_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "harness/implementation.h"

namespace dsalloc::conform {

struct SoakOptions {
  long long cycles = 200000;                    // worker cycles in all (one GetBuffer each)
  int threads = 2;                              // workers; values below 2 are raised to 2
  std::chrono::milliseconds stuck_bound{5000};  // longest a call may take
  uint64_t seed = 1;                            // pool size, flags, release order, callbacks
  // Portable profile: a waiter woken by Decommit may also get VFW_E_TIMEOUT
  // (Wine; ALLOC.DECOMMIT.WAKE, SPEC.md).
  bool portable = false;
  // Called on RunSoak's thread now and then, and once at the end.
  std::function<void(long long done, long long total)> progress;
};

struct SoakReport {
  bool passed = false;
  // (SPEC.md rule ID, expected-vs-observed message), in the order found.
  std::vector<std::pair<std::string, std::string>> failures;
  long long cycles_done = 0;
  double seconds = 0;
  std::string summary;  // one paragraph: what ran, cycles/s, counts, n/a notes
  // False when the server has no IMemAllocatorCallbackTemp: no callback was
  // installed, so nothing about notifications was shown.
  bool notify_checked = true;
};

// RunSoak()
//
// Creates one allocator of `impl` (CreateAllocator(IID_IMemAllocator)),
// soaks it as the banner says for options.cycles cycles, tears it down, and
// returns what it found. Stops at the first failure (a count that does not
// add up, a hang); cycles_done says how far it got. Returns within about
// 2 * stuck_bound of the hang when a call hangs.
SoakReport RunSoak(const harness::Implementation& impl, const SoakOptions& options);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_SOAK_H_
