// harness/driver_workers.cpp: Run, and the worker threads behind blocking
// GetBuffer calls (driver.h banner, driver_core.h): a worker per client
// thread, the settle time that tells a blocked call from a slow one, and
// the Completions of calls that returned after Run gave up on them.

#include <thread>
#include <utility>
#include <vector>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

Outcome Core::Run(const Op& op) {
  // Every GetBuffer that may block runs on a worker, on thread 0 too: a
  // GetBuffer that blocks when it must not (a phantom waiter took the
  // sample) then costs `settle`, not the checker's life.
  if (op.kind == OpKind::kGetBuffer && !(op.flags & AM_GBF_NOWAIT) && ok() &&
      !torn_down_.load()) {
    return RunOnWorker(op);
  }
  return RunDirect(op);
}

HRESULT Core::CallGetBuffer(const Op& op, IMediaSample** got) {
  // ALLOC.GETBUFFER.FLAGS: the times are ignored; any values will do.
  REFERENCE_TIME start = 100, end = 200;
  *got = Sentinel<IMediaSample>();
  return alloc_->GetBuffer(op.null_ptr1 ? nullptr : got, op.times ? &start : nullptr,
                           op.times ? &end : nullptr, op.flags);
}

void Core::FillGetBuffer(const Op& op, HRESULT hr, IMediaSample* got, int id,
                         Outcome& o) {
  o.hr = hr;
  if (op.null_ptr1 || got == Sentinel<IMediaSample>()) return;
  o.written |= spec::kOutSample;  // ALLOC.GETBUFFER.CLEAR: NULL counts
  o.sample = Observed(id);
}

Outcome Core::RunOnWorker(const Op& op) {
  Outcome o;
  Worker* w = op.thread < spec::kMaxThreads ? GetWorker(op.thread) : nullptr;
  if (w == nullptr) {
    o.hr = E_INVALIDARG;
    return o;
  }
  // Armed while Run waits: a GetBuffer still blocked afterwards allocates
  // nothing until it is woken, and later ops must not see the fault.
  FaultScope fault(impl_.arm_allocation_failure, op.oom);
  MutexLock lock(w->mu);
  if (w->busy) {
    // Thread T is still blocked: outside the model's domain (step.h).
    o.hr = E_UNEXPECTED;
    return o;
  }
  w->busy = true;
  w->has_job = true;
  w->started = false;
  w->finished = false;
  w->abandoned = false;
  w->op = op;
  w->job_finished.store(false);
  w->job_posted.store(true);
  w->cv.NotifyAll();
  lock.Unlock();
  SpinFor(kHandOverSpin, [w] { return w->job_finished.load(); });
  lock.Lock();
  // The settle time starts when GetBuffer is entered, so a worker the
  // scheduler is slow to run is not mistaken for a blocked one.
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  while (!w->started && lock.WaitUntil(w->cv, deadline)) {
  }
  deadline = Clock::now() + options_.settle;
  while (!w->finished && lock.WaitUntil(w->cv, deadline)) {
  }
  if (w->finished) {
    w->busy = false;
    int id = w->id;
    HRESULT hr = w->hr;
    IMediaSample* got = w->got;
    lock.Unlock();
    Land(id);
    FillGetBuffer(op, hr, got, id, o);
    return o;
  }
  // ALLOC.GETBUFFER.WAIT: the call is blocked; its result will be a
  // Completion (AwaitCompletions).
  w->abandoned = true;
  o.blocked = true;
  return o;
}

void Core::WorkerMain(int thread) {
  Worker& w = *[&]() {
    MutexLock lock(workers_mu_);
    return workers_[thread].get();
  }();
  for (;;) {
    SpinFor(kHandOverSpin, [&w] { return w.job_posted.load(); });
    Op op;
    {
      MutexLock lock(w.mu);
      while (!w.has_job && !w.stop) lock.Wait(w.cv);
      if (!w.has_job) {
        w.exited = true;
        w.cv.NotifyAll();
        return;
      }
      w.has_job = false;
      w.job_posted.store(false);
      w.started = true;
      op = w.op;
      w.cv.NotifyAll();
    }
    IMediaSample* got = nullptr;
    HRESULT hr = CallGetBuffer(op, &got);
    int id = Adopt(hr, got, /*in_flight=*/true);  // held once collected
    bool completion;
    {
      MutexLock lock(w.mu);
      w.hr = hr;
      w.got = got;
      w.id = id;
      w.finished = true;
      w.job_finished.store(true);
      completion = w.abandoned;
      if (completion) w.busy = false;
      w.cv.NotifyAll();
    }
    if (completion) {
      MutexLock lock(mu_);
      completions_.push_back(Completion{static_cast<uint8_t>(thread), hr,
                                        SUCCEEDED(hr) ? Observed(id) : SampleHandle{}});
      completions_cv_.NotifyAll();
    }
  }
}

Worker* Core::GetWorker(int thread) {
  MutexLock lock(workers_mu_);
  std::unique_ptr<Worker>& w = workers_[thread];
  if (!w) {
    w = std::make_unique<Worker>();
    w->thread = std::thread([this, thread] { WorkerMain(thread); });
  }
  return w.get();
}

bool Core::WaitWorkersIdle() {
  std::vector<Worker*> workers;
  {
    MutexLock lock(workers_mu_);
    for (auto& w : workers_) {
      if (w) workers.push_back(w.get());
    }
  }
  bool idle = true;
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  for (size_t t = 0; t < workers.size(); ++t) {
    Worker* w = workers[t];
    MutexLock lock(w->mu);
    while (w->busy && lock.WaitUntil(w->cv, deadline)) {
    }
    if (w->busy) idle = false;
  }
  return idle;
}

std::vector<Completion> Core::AwaitCompletions(size_t count) {
  MutexLock lock(mu_);
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  while (completions_.size() < count && lock.WaitUntil(completions_cv_, deadline)) {
  }
  deadline = Clock::now() + options_.settle;  // any extra ones
  while (lock.WaitUntil(completions_cv_, deadline)) {
  }
  std::vector<Completion> done = std::exchange(completions_, {});
  for (const Completion& c : done) {
    if (c.sample.valid()) samples_[c.sample.index].in_flight = false;
  }
  return done;
}

}  // namespace dsalloc::harness::driver_internal
