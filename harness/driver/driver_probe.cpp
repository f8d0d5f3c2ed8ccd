// harness/driver/driver_probe.cpp: the THREAD.NOLOCK lock probe (driver.h banner).
// Inside every NotifyRelease the notifying thread asks the probe thread to
// make a call that needs the allocator's lock, and waits a bounded time for
// it to return.

#include <memory>
#include <thread>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

bool Core::ProbeLock() {
  Probe* p;
  {
    MutexLock lock(probe_start_mu_);
    if (!probe_) {
      probe_ = std::make_unique<Probe>();
      probe_->thread = std::thread([this] { ProbeMain(); });
      probe_ptr_.store(probe_.get());
    }
    p = probe_.get();
  }
  // The notifying thread is inside NotifyRelease, so the allocator is alive
  // (NOTIFY.BEFORESELF); this reference keeps it alive for the probe call
  // even if the probe outlives the notification (then the allocator could
  // otherwise drop its last reference while the probe is inside it). The
  // probe thread releases it; in the normal case never as the last one.
  alloc_->AddRef();
  uint64_t ticket;
  {
    MutexLock lock(p->mu);
    ticket = ++p->requested;
    p->posted.store(ticket);
    p->cv.NotifyAll();
  }
  if (SpinFor(kHandOverSpin, [&] { return p->answered.load() >= ticket; })) return true;
  MutexLock lock(p->mu);
  Clock::time_point deadline = Clock::now() + options_.lock_probe_timeout;
  while (p->completed < ticket && lock.WaitUntil(p->cv, deadline)) {
  }
  return p->completed >= ticket;
}

void Core::ProbeMain() {
  Probe& p = *[&]() {
    MutexLock lock(probe_start_mu_);
    return probe_.get();
  }();
  for (;;) {
    SpinFor(kHandOverSpin, [&] { return p.posted.load() != p.answered.load(); });
    uint64_t target;
    uint64_t answered;
    {
      MutexLock lock(p.mu);
      while (p.requested == p.completed && !p.stop) lock.Wait(p.cv);
      if (p.requested == p.completed) {
        p.exited = true;
        p.cv.NotifyAll();
        return;
      }
      target = p.requested;
      answered = p.completed;
    }
    CallProbe();
    for (uint64_t i = answered; i < target; ++i) alloc_->Release();  // ProbeLock's
    {
      MutexLock lock(p.mu);
      p.completed = target;
      p.answered.store(target);
      p.cv.NotifyAll();
    }
  }
}

bool Core::SettleProbe() {
  Probe* p = probe_ptr_.load();
  if (p == nullptr || p->answered.load() == p->posted.load()) return true;
  MutexLock lock(p->mu);
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  while (p->completed != p->requested && lock.WaitUntil(p->cv, deadline)) {
  }
  if (p->completed == p->requested) return true;
  must_leak_ = true;
  return false;
}

void Core::CallProbe() {
  // Any method that takes the allocator's lock will do; GetFreeCount is the
  // one the banner names, GetProperties the fallback for servers without
  // IMemAllocatorCallbackTemp. Neither changes anything.
  if (callback_temp_ != nullptr) {
    LONG n = 0;
    callback_temp_->GetFreeCount(&n);
  } else {
    ALLOCATOR_PROPERTIES props;
    alloc_->GetProperties(&props);
  }
}

}  // namespace dsalloc::harness::driver_internal
