// ---------------------------------------------------------------------------
// File: harness/driver/worker_pool.h
// ---------------------------------------------------------------------------
//
// Not a public header (see driver_core.h). WorkerPool holds the worker
// threads behind blocking GetBuffer calls (driver.h banner): one per
// client thread T (op.h), started on first use and running the body the
// Core gives it (Core::WorkerMain, driver_workers.cpp).
//
// Guards: its mutex guards the table of workers only; each Worker's
// mailbox has its own mutex (driver_threads.h). Neither is held while a
// worker calls into the implementation.
// Threading: every method is thread-safe. Lifetime: a worker thread holds
// a raw pointer to its Worker and to the Core behind the body; StopAll
// joins them, or detaches a stuck one (returns false), and then the pool
// (with its Core) must be kept forever (keep_forever.h). Errors: none.

#ifndef DSALLOC_HARNESS_DRIVER_WORKER_POOL_H_
#define DSALLOC_HARNESS_DRIVER_WORKER_POOL_H_

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "driver_threads.h"
#include "harness/annotated_mutex.h"
#include "spec/model/op.h"

namespace dsalloc::harness::driver_internal {

class WorkerPool {
 public:
  // `body(worker, thread)` is the loop of client thread `thread`'s worker;
  // it returns once the worker is asked to stop.
  explicit WorkerPool(std::function<void(Worker&, int)> body) : body_(std::move(body)) {}
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // The worker of client thread `thread` (0 <= thread < kMaxThreads),
  // started if it was not.
  Worker* Get(int thread) HARNESS_EXCLUDES(mu_);
  // Waits until `deadline` for every worker to be idle; true if they are.
  bool WaitIdle(Clock::time_point deadline) HARNESS_EXCLUDES(mu_);
  // Stops every worker (see Lifetime), giving each `timeout`; true if all
  // were joined.
  bool StopAll(std::chrono::milliseconds timeout) HARNESS_EXCLUDES(mu_);
  // The workers started so far.
  std::vector<Worker*> Started() HARNESS_EXCLUDES(mu_);

 private:
  const std::function<void(Worker&, int)> body_;
  Mutex mu_;
  std::array<std::unique_ptr<Worker>, spec::kMaxThreads> workers_ HARNESS_GUARDED_BY(mu_);
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_WORKER_POOL_H_
