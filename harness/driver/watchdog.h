// ---------------------------------------------------------------------------
// File: harness/driver/watchdog.h
// ---------------------------------------------------------------------------
//
// Not a public header (see driver_core.h). WatchGuard bounds a call the
// driver makes on the checker's own thread (Options::direct_calls): if the
// guard is still alive after `timeout`, `on_expiry` runs once, on the
// process's watchdog thread, and may unblock the call (the driver's
// Decommits the allocator, ALLOC.DECOMMIT.WAKE).
//
// Cost: arming and disarming take an uncontended mutex; nothing wakes the
// watchdog thread, which polls a few times a second (a hang is found
// within timeout plus that period), so a call that returns costs no
// system call.
// Threading: guards may live on any threads. Lifetime: the destructor
// waits for an on_expiry that is running to return, so what it uses may
// be freed afterwards. The watchdog thread starts with the first guard and
// lives until the process exits. Errors: none.

#ifndef DSALLOC_HARNESS_DRIVER_WATCHDOG_H_
#define DSALLOC_HARNESS_DRIVER_WATCHDOG_H_

#include <chrono>
#include <functional>

#include "driver_support.h"

namespace dsalloc::harness::driver_internal {

class WatchGuard {
 public:
  WatchGuard(std::chrono::milliseconds timeout, std::function<void()> on_expiry);
  ~WatchGuard();
  WatchGuard(const WatchGuard&) = delete;
  WatchGuard& operator=(const WatchGuard&) = delete;

  // The watchdog's fields (watchdog.cpp).
  struct Entry {
    Clock::time_point deadline;
    std::function<void()> on_expiry;
    bool fired = false;
    bool firing = false;
  };

 private:
  Entry entry_;
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_WATCHDOG_H_
