// ---------------------------------------------------------------------------
// File: harness/driver/violation_log.h
// ---------------------------------------------------------------------------
//
// Not a public header (see driver_core.h). ViolationLog collects the
// violations that belong to no Outcome (driver.h: TakeViolations), from
// any thread: the checker's, a worker's, the probe's, or one the
// implementation calls a test callback on.
//
// Guards: its mutex guards the list only; it calls nothing.
// Threading: thread-safe. Lifetime: the Core's. Errors: none.

#ifndef DSALLOC_HARNESS_DRIVER_VIOLATION_LOG_H_
#define DSALLOC_HARNESS_DRIVER_VIOLATION_LOG_H_

#include <atomic>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/annotated_mutex.h"
#include "harness/driver.h"

namespace dsalloc::harness::driver_internal {

class ViolationLog {
 public:
  void Add(std::string_view rule, std::string detail) HARNESS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    violations_.push_back(Violation{std::string(rule), std::move(detail)});
    any_.store(true, std::memory_order_release);
  }
  // The violations added since the last call, in order. A checker asks
  // after every op, and nearly always there are none: that answer takes
  // no lock.
  std::vector<Violation> Take() HARNESS_EXCLUDES(mu_) {
    if (!any_.load(std::memory_order_acquire)) return {};
    MutexLock lock(mu_);
    any_.store(false, std::memory_order_relaxed);
    return std::exchange(violations_, {});
  }
  bool Any() const { return any_.load(std::memory_order_acquire); }

 private:
  Mutex mu_;
  std::vector<Violation> violations_ HARNESS_GUARDED_BY(mu_);
  std::atomic<bool> any_{false};  // violations_ is not empty
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_VIOLATION_LOG_H_
