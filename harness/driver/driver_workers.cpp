// harness/driver/driver_workers.cpp: the worker threads behind blocking
// GetBuffer calls (driver.h banner, driver_core.h): a worker per client
// thread, the settle time that tells a blocked call from a slow one, and
// the Completions of calls that returned after Run gave up on them.

#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "driver_core.h"
#include "harness/thread_sleep.h"
#include "watchdog.h"

namespace dsalloc::harness::driver_internal {
HRESULT Core::CallGetBuffer(const call::GetBuffer& c, IMediaSample** got) {
  // ALLOC.GETBUFFER.FLAGS: the times are ignored; any values will do.
  REFERENCE_TIME start = 100, end = 200;
  *got = Sentinel<IMediaSample>();
  return alloc_->GetBuffer(c.null_ppBuffer ? nullptr : got, c.times ? &start : nullptr,
                           c.times ? &end : nullptr, c.dwFlags);
}

void Core::FillGetBuffer(const call::GetBuffer& c, HRESULT hr, IMediaSample* got, int id,
                         Outcome& o) {
  o.hr = hr;
  if (c.null_ppBuffer || got == Sentinel<IMediaSample>()) return;
  o.written |= spec::kOutSample;  // ALLOC.GETBUFFER.CLEAR: NULL counts
  o.sample = Observed(id);
}

void Core::RunGuarded(const spec::Call& call, bool oom, Outcome& o) {
  WatchGuard guard(options_.hang_timeout, [this] {
    // GEN.NOHANG: a sample was free, yet the call waits. Decommit wakes
    // every waiter (ALLOC.DECOMMIT.WAKE), so the checker's thread gets back.
    AddViolation("GEN.NOHANG", "GetBuffer did not return within " +
                                   std::to_string(options_.hang_timeout.count()) +
                                   " ms although the model says it returns; the checker "
                                   "decommitted the allocator to wake it");
    alloc_->Decommit();
  });
  RunHere(call, oom, o);
}

void Core::RunOnWorker(const call::GetBuffer& c, uint8_t thread, bool oom,
                       Driver::Expectation expect, Outcome& o) {
  o.Reset();
  Worker* w = thread < spec::kMaxThreads ? workers_.Get(thread) : nullptr;
  if (w == nullptr) {
    o.hr = E_INVALIDARG;
    return;
  }
  // Armed while Run waits: a GetBuffer still blocked afterwards allocates
  // nothing until it is woken, and later ops must not see the fault.
  FaultScope fault(impl_.arm_allocation_failure, oom);
  MutexLock lock(w->mu);
  if (w->busy) {
    // Thread T is still blocked: outside the model's domain (step.h).
    o.hr = E_UNEXPECTED;
    return;
  }
  w->busy = true;
  w->has_job = true;
  w->started = false;
  w->finished = false;
  w->abandoned = false;
  w->call = c;
  w->job_finished.store(false);
  w->job_posted.store(true);
  w->cv.NotifyAll();
  lock.Unlock();
  // A call the model says blocks will not be back within a spin: the
  // spin would only take the CPU from the worker that is to reach the wait.
  if (expect != Driver::Expectation::kBlocks) {
    SpinFor(kHandOverSpin, [w] { return w->job_finished.load(); });
  }
  lock.Lock();
  // The settle time starts when GetBuffer is entered, so a worker the
  // scheduler is slow to run is not mistaken for a blocked one.
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  while (!w->started && lock.WaitUntil(w->cv, deadline)) {
  }
  deadline = Clock::now() + options_.settle;
  harness::SleepWatch sleep(w->tid.load());
  if (expect == Driver::Expectation::kBlocks && sleep.Supported()) {
    // Seen asleep inside the call and staying so: blocked (thread_sleep.h),
    // with no need to wait out the rest of `settle`.
    // The looks are made without the mailbox's lock: a worker that
    // returned and waits for it would look asleep.
    while (!w->finished && Clock::now() < deadline) {
      lock.Unlock();
      const bool asleep = sleep.Settled(kAsleepSpan);
      lock.Lock();
      if (asleep || w->finished) break;
      lock.WaitUntil(w->cv, std::min(deadline, Clock::now() + kAsleepLook));
    }
  } else {
    while (!w->finished && lock.WaitUntil(w->cv, deadline)) {
    }
  }
  if (w->finished) {
    w->busy = false;
    int id = w->id;
    HRESULT hr = w->hr;
    IMediaSample* got = w->got;
    lock.Unlock();
    book_.MarkSampleCollected(id);
    FillGetBuffer(c, hr, got, id, o);
    return;
  }
  // ALLOC.GETBUFFER.WAIT: the call is blocked; its result will be a
  // Completion (AwaitCompletions).
  w->abandoned = true;
  o.blocked = true;
}

void Core::WorkerMain(Worker& w, int thread) {
  w.tid.store(harness::CurrentThreadId());
  for (;;) {
    SpinFor(kHandOverSpin, [&w] { return w.job_posted.load(); });
    call::GetBuffer c;
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
      c = w.call;
      w.cv.NotifyAll();
    }
    IMediaSample* got = nullptr;
    HRESULT hr = CallGetBuffer(c, &got);
    int id = book_.RegisterReturnedSample(hr, got, /*in_flight=*/true);  // held once collected
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
      book_.AddCompletion(Completion{static_cast<uint8_t>(thread), hr,
                                     SUCCEEDED(hr) ? Observed(id) : SampleHandle{}});
    }
  }
}

}  // namespace dsalloc::harness::driver_internal
