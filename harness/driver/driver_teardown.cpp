// harness/driver/driver_teardown.cpp: the end of the world (Driver::Teardown in
// driver.h) and of the helper threads, which are joined, or detached and
// the Core leaked when one is stuck inside the implementation
// (driver_core.h).

#include <chrono>
#include <string>
#include <vector>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

void Core::Teardown(bool allocator_alive) {
  if (torn_down_.exchange(true)) return;
  UnlockServer();  // before any return: the locks are the process's
  if (alloc_ == nullptr) return;
  // Nothing may react any more: a reaction could take new references.
  for (TestCallback* cb : callbacks_) {
    cb->SetReaction(Reaction::kNone, 0, false);
  }
  Outcome ignored;  // notifications from here on belong to no op
  RecorderScope scope(this, &ignored);
  // LIFE.SELFREF: an allocator left committed keeps itself alive, so it is
  // decommitted first (through the raw pointer when the client holds no
  // reference, which is sound because the self-reference keeps it alive).
  // Doing it before the samples are released also wakes every blocked
  // worker without handing it a sample (ALLOC.DECOMMIT.WAKE).
  if (allocator_alive) alloc_->Decommit();
  bool workers_idle = workers_.WaitIdle(Clock::now() + options_.hang_timeout) && SettleProbe();
  if (!workers_idle) {
    must_leak_ = true;
    AddViolation("GEN.NOHANG",
                 "a blocked GetBuffer (or a lock probe) did not return after "
                 "Decommit within " +
                     std::to_string(options_.hang_timeout.count()) + " ms");
  }
  // Every sample reference the client holds (completions included).
  for (;;) {
    std::vector<IMediaSample*> releases = book_.TakeAllSampleRefs();
    if (releases.empty()) break;
    for (IMediaSample* s : releases) s->Release();
  }
  // The client's allocator references, unless a thread is still inside the
  // allocator: then it must never be destroyed under that thread.
  if (!SettleProbe()) {
    workers_idle = false;
    AddViolation("GEN.NOHANG", "a lock probe did not return within " +
                                   std::to_string(options_.hang_timeout.count()) + " ms");
  }
  std::vector<IUnknown*> refs = book_.TakeAllAllocatorRefs();
  if (workers_idle) {
    while (!refs.empty()) {
      refs.back()->Release();
      refs.pop_back();
    }
  } else {
    KeepForever(alloc_);
  }
  // LIFE.CYCLE: a callback that holds the allocator gives it back, which
  // breaks a cycle the client left (and may destroy the allocator, which
  // then releases the callback).
  for (TestCallback* cb : callbacks_) {
    if (workers_idle) {
      cb->ReleaseAllAllocatorRefs();
    } else if (cb->HeldAllocatorRefs() > 0) {
      KeepForever(alloc_);
    }
  }
  foreign_.Drop();
  for (TestCallback* cb : callbacks_) {
    LONG held = cb->AllocatorRefs();
    if (held != 0) {
      // COM.CALLBACK.REFS: every reference the allocator took is returned
      // once everything is released (GEN.NOLEAK), and no other.
      AddViolation("COM.CALLBACK.REFS",
                   "callback " + std::to_string(cb->id()) +
                       (held > 0 ? ": the allocator still holds " + std::to_string(held)
                                 : ": the allocator released " + std::to_string(-held) + " more") +
                       " reference(s) after teardown");
    }
  }
  bool sole = false;
  {
    MutexLock lock(LiveMutex());
    sole = LiveCounts()[reinterpret_cast<uintptr_t>(impl_.can_unload_now)] == 1;
  }
  if (workers_idle && sole && server_idle_at_start_ && impl_.can_unload_now != nullptr) {
    HRESULT hr = impl_.can_unload_now();
    if (hr != S_OK) {
      // LIFE.DESTROY / FACTORY.UNLOAD: with every reference released the
      // allocator must be gone and the server idle.
      AddViolation("LIFE.DESTROY", "DllCanUnloadNow returned " + spec::HresultName(hr) +
                                       " after every reference was released");
      KeepForever(alloc_);  // it may be alive: keep it (and what it holds) reachable
    }
  }
}

void Core::StopThreads() {
  // Teardown already waited for stuck threads; do not wait twice.
  auto timeout = must_leak_ ? std::chrono::milliseconds(0) : options_.hang_timeout;
  if (!workers_.StopAll(timeout)) must_leak_ = true;
  if (!probe_.Stop(must_leak_ ? timeout : options_.hang_timeout)) must_leak_ = true;
}

}  // namespace dsalloc::harness::driver_internal
