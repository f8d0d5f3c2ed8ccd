// ---------------------------------------------------------------------------
// File: conform/soak_watchdog.h
// ---------------------------------------------------------------------------
//
// Not a public header (see soak_core.h). Watchdog: RunSoak's look at every
// soak thread's CallSlot. A call that stays inside the implementation
// longer than stuck_bound is charged to GEN.NOHANG and to the rule its
// slot names (THREAD.NOLOSTWAKE for a blocking GetBuffer, THREAD.NOLOCK for
// GetFreeCount from inside NotifyRelease, ALLOC.DECOMMIT.WAKE for a waiter
// Decommit did not wake). A blocking GetBuffer stuck behind another stuck
// call (a deadlock holding the allocator's lock) is a consequence: then it
// is only named, and the others are charged.
//
// Threading: used on RunSoak's thread only; reads the slots lock-free.

#ifndef DSALLOC_CONFORM_SOAK_WATCHDOG_H_
#define DSALLOC_CONFORM_SOAK_WATCHDOG_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "soak_core.h"

namespace dsalloc::conform::soak_internal {

class Watchdog {
 public:
  // A call counts from `start` at the latest.
  Watchdog(Soak& soak, std::chrono::milliseconds bound, Clock::time_point start);

  // Looks at every slot at `now` and records a failure for each call stuck
  // longer than the bound; whether there was any (the soak must abort).
  bool ChargeStuckCalls(Clock::time_point now);

 private:
  // The threads stuck at `now`; *other_than_wait when one of them is
  // stuck in something else than a blocking GetBuffer.
  std::vector<int> FindStuck(Clock::time_point now, bool* other_than_wait);
  std::string Who(int thread) const;
  std::string StuckMessage(const std::string& call, const std::string& who) const;

  Soak& soak_;
  const std::chrono::milliseconds bound_;
  const int n_;
  std::vector<uint64_t> last_seq_;        // per slot: its sequence number when last seen
  std::vector<Clock::time_point> since_;  // per slot: since when it has not moved
};

}  // namespace dsalloc::conform::soak_internal

#endif  // DSALLOC_CONFORM_SOAK_WATCHDOG_H_
