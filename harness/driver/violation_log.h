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

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driver.h"
#include "mutex.h"

namespace dsalloc::harness::driver_internal {

class ViolationLog {
 public:
  void Add(std::string_view rule, std::string detail) HARNESS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    violations_.push_back(Violation{std::string(rule), std::move(detail)});
  }
  // The violations added since the last call, in order.
  std::vector<Violation> Take() HARNESS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return std::exchange(violations_, {});
  }

 private:
  Mutex mu_;
  std::vector<Violation> violations_ HARNESS_GUARDED_BY(mu_);
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_VIOLATION_LOG_H_
