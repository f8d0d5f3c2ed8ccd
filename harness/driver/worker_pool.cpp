// harness/driver/worker_pool.cpp: the workers' table, their start and
// their end (worker_pool.h).

#include "worker_pool.h"

#include <thread>

namespace dsalloc::harness::driver_internal {

Worker* WorkerPool::Get(int thread) {
  MutexLock lock(mu_);
  std::unique_ptr<Worker>& w = workers_[thread];
  if (!w) {
    w = std::make_unique<Worker>();
    Worker* raw = w.get();
    w->thread = HelperThread([this, raw, thread] { body_(*raw, thread); });
  }
  return w.get();
}

std::vector<Worker*> WorkerPool::Started() {
  std::vector<Worker*> workers;
  MutexLock lock(mu_);
  for (auto& w : workers_) {
    if (w) workers.push_back(w.get());
  }
  return workers;
}

bool WorkerPool::WaitIdle(Clock::time_point deadline) {
  bool idle = true;
  for (Worker* w : Started()) {
    MutexLock lock(w->mu);
    while (w->busy && lock.WaitUntil(w->cv, deadline)) {
    }
    if (w->busy) idle = false;
  }
  return idle;
}

bool WorkerPool::StopAll(std::chrono::milliseconds timeout) {
  bool joined = true;
  for (Worker* w : Started()) {
    if (!StopThread(*w, timeout)) joined = false;
  }
  return joined;
}

}  // namespace dsalloc::harness::driver_internal
