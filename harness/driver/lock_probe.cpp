// harness/driver/lock_probe.cpp: the THREAD.NOLOCK lock probe
// (lock_probe.h): the tickets, the probe thread and its end.

#include "lock_probe.h"

#include <memory>
#include <thread>

namespace dsalloc::harness::driver_internal {

bool LockProbe::Ask(std::chrono::milliseconds timeout) {
  Probe* p;
  {
    MutexLock lock(start_mu_);
    if (!probe_) {
      probe_ = std::make_unique<Probe>();
      Probe* raw = probe_.get();
      probe_->thread = HelperThread([this, raw] { Main(*raw); });
      probe_ptr_.store(raw);
    }
    p = probe_.get();
  }
  uint64_t ticket;
  {
    MutexLock lock(p->mu);
    ticket = ++p->requested;
    p->posted.store(ticket);
    p->cv.NotifyAll();
  }
  if (SpinFor(kHandOverSpin, [&] { return p->answered.load() >= ticket; })) return true;
  MutexLock lock(p->mu);
  Clock::time_point deadline = Clock::now() + timeout;
  while (p->completed < ticket && lock.WaitUntil(p->cv, deadline)) {
  }
  return p->completed >= ticket;
}

void LockProbe::Main(Probe& p) {
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
    call_();
    answered_(target - answered);
    {
      MutexLock lock(p.mu);
      p.completed = target;
      p.answered.store(target);
      p.cv.NotifyAll();
    }
  }
}

bool LockProbe::Settle(std::chrono::milliseconds timeout) {
  Probe* p = probe_ptr_.load();
  if (p == nullptr || p->answered.load() == p->posted.load()) return true;
  MutexLock lock(p->mu);
  Clock::time_point deadline = Clock::now() + timeout;
  while (p->completed != p->requested && lock.WaitUntil(p->cv, deadline)) {
  }
  return p->completed == p->requested;
}

bool LockProbe::Stop(std::chrono::milliseconds timeout) {
  Probe* p;
  {
    MutexLock lock(start_mu_);
    p = probe_.get();
  }
  return p == nullptr || StopThread(*p, timeout);
}

}  // namespace dsalloc::harness::driver_internal
