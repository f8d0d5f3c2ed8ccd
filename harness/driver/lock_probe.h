// ---------------------------------------------------------------------------
// File: harness/driver/lock_probe.h
// ---------------------------------------------------------------------------
//
// Not a public header (see driver_core.h). LockProbe is the THREAD.NOLOCK
// probe (driver.h banner): inside every NotifyRelease the notifying thread
// asks the probe thread to make a call that needs the allocator's lock,
// and waits a bounded time for it to return.
//
// Guards: its start mutex guards the probe thread's creation; the
// mailbox (Probe, driver_threads.h) has its own mutex. Neither is held
// while the probe calls into the implementation.
// Threading: Ask, Settle and Stop are thread-safe; the thread is started
// by the first Ask. Requests are tickets: one probe call started after a
// ticket was issued answers it and every older one.
// Lifetime: the probe thread holds a raw pointer to this object; Stop
// joins it, or detaches it (returns false) when it is stuck inside the
// implementation, and then this object (with its Core) must be kept
// forever (keep_forever.h). Errors: none; false answers are the caller's
// violations.

#ifndef DSALLOC_HARNESS_DRIVER_LOCK_PROBE_H_
#define DSALLOC_HARNESS_DRIVER_LOCK_PROBE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "driver_threads.h"
#include "harness/annotated_mutex.h"

namespace dsalloc::harness::driver_internal {

class LockProbe {
 public:
  // `call` makes one call that needs the allocator's lock; `answered(n)`
  // runs on the probe thread after a call answered n tickets (the caller
  // of Ask may have taken a reference per ticket for it to release).
  LockProbe(std::function<void()> call, std::function<void(uint64_t)> answered)
      : call_(std::move(call)), answered_(std::move(answered)) {}
  LockProbe(const LockProbe&) = delete;
  LockProbe& operator=(const LockProbe&) = delete;

  // True if a probe call started after this request returned within
  // `timeout`.
  bool Ask(std::chrono::milliseconds timeout) HARNESS_EXCLUDES(start_mu_);
  // Waits up to `timeout` until no probe call is inside the allocator. A
  // probe that timed out finishes once the allocator drops its lock; until
  // then the allocator must not be destroyed under it. False if it did not.
  bool Settle(std::chrono::milliseconds timeout);
  // Stops the thread (see Lifetime); true if it was joined or never ran.
  bool Stop(std::chrono::milliseconds timeout) HARNESS_EXCLUDES(start_mu_);

 private:
  void Main(Probe& p);

  const std::function<void()> call_;
  const std::function<void(uint64_t)> answered_;
  Mutex start_mu_;
  std::unique_ptr<Probe> probe_ HARNESS_GUARDED_BY(start_mu_);
  std::atomic<Probe*> probe_ptr_{nullptr};  // probe_.get(), for Settle
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_LOCK_PROBE_H_
