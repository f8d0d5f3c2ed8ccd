// harness/driver/test_callback.cpp: the driver's test callbacks
// (test_callback.h).

#include "test_callback.h"

#include <utility>

namespace dsalloc::harness {

void TestCallback::CheckAlive(const char* method) {
  Host* host = host_.load(std::memory_order_acquire);
  if (host == nullptr) return;
  if (dead_.load(std::memory_order_acquire)) {
    // COM.CALLBACK.DEAD: its count reached 0 after the client let go, so a
    // real callback is destroyed; the host names the rule broken.
    host->OnDeadCall(*this, method);
    return;
  }
  if (refs_.load(std::memory_order_acquire) > 0) return;
  // LIFE.DESTROY / GEN.NOLEAK: the allocator gave every reference back (or
  // more), so the object could have been destroyed; calling it is a
  // use-after-release on a real callback.
  host->OnMisuse("LIFE.DESTROY", "callback " + std::to_string(id_) + ": " + method +
                                     " called after its count reached 0");
}

void TestCallback::Die() {
  if (dead_.exchange(true, std::memory_order_acq_rel)) return;
  if (notifying_.load(std::memory_order_acquire) > 0) {
    // COM.CALLBACK.DEAD: destroyed while a NotifyRelease on it still runs.
    if (Host* host = host_.load(std::memory_order_acquire)) {
      host->OnDeadCall(*this, "death during NotifyRelease");
    }
  }
  // LIFE.CYCLE: a destroyed callback gives back what it held.
  ReleaseAllAllocatorRefs();
}

HRESULT TestCallback::QueryInterface(REFIID riid, void** ppv) {
  CheckAlive("QueryInterface");
  if (ppv == nullptr) return E_POINTER;
  if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMemAllocatorNotifyCallbackTemp)) {
    refs_.fetch_add(1, std::memory_order_acq_rel);
    *ppv = static_cast<IMemAllocatorNotifyCallbackTemp*>(this);
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

ULONG TestCallback::AddRef() {
  CheckAlive("AddRef");
  return static_cast<ULONG>(refs_.fetch_add(1, std::memory_order_acq_rel) + 1);
}

ULONG TestCallback::Release() {
  if (dead_.load(std::memory_order_acquire)) CheckAlive("Release");
  LONG now = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  LONG floor = client_held_.load(std::memory_order_acquire) ? 1 : 0;
  if (now < floor) {
    // COM.CALLBACK.REFS: the client's own reference is left (or none), and
    // the client never releases it through this method, so the allocator
    // has released a reference it did not hold (or one twice).
    if (Host* host = host_.load(std::memory_order_acquire)) {
      host->OnMisuse("COM.CALLBACK.REFS",
                     "callback " + std::to_string(id_) +
                         (floor == 1 ? ": released below the client's own reference (count "
                                     : ": released below 0 (count ") +
                         std::to_string(now) + ")");
    }
  } else if (now == 0) {
    Die();  // COM.CALLBACK.CLIENT: the allocator held the last reference
  }
  return static_cast<ULONG>(now < 0 ? 0 : now);
}

void TestCallback::ClientRelease() {
  client_held_.store(false, std::memory_order_release);
  LONG now = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (now == 0) {
    Die();
  } else if (now < 0) {
    if (Host* host = host_.load(std::memory_order_acquire)) {
      host->OnMisuse("COM.CALLBACK.REFS", "callback " + std::to_string(id_) +
                                              ": the allocator had released the client's "
                                              "reference (count " +
                                              std::to_string(now) + ")");
    }
  }
}

void TestCallback::HoldAllocator(IUnknown* alloc) {
  MutexLock lock(mu_);
  alloc_refs_.push_back(alloc);
}

ULONG TestCallback::ReleaseAllocator() {
  IUnknown* p = nullptr;
  {
    MutexLock lock(mu_);
    if (alloc_refs_.empty()) return 0;
    p = alloc_refs_.back();
    alloc_refs_.pop_back();
  }
  return p->Release();  // no lock held: may destroy the allocator
}

void TestCallback::ReleaseAllAllocatorRefs() {
  std::vector<IUnknown*> refs;
  {
    MutexLock lock(mu_);
    refs = std::exchange(alloc_refs_, {});
  }
  for (IUnknown* p : refs) p->Release();
}

uint32_t TestCallback::HeldAllocatorRefs() const {
  MutexLock lock(mu_);
  return static_cast<uint32_t>(alloc_refs_.size());
}

HRESULT TestCallback::NotifyRelease() {
  notifying_.fetch_add(1, std::memory_order_acq_rel);
  LONG refs = AllocatorRefs();
  CheckAlive("NotifyRelease");
  notified_.fetch_add(1, std::memory_order_acq_rel);
  if (Host* host = host_.load(std::memory_order_acquire)) {
    host->OnNotifyRelease(*this, refs);
  }
  notifying_.fetch_sub(1, std::memory_order_acq_rel);
  return S_OK;  // NOTIFY.RESULT: the allocator must ignore it anyway
}

void TestCallback::SetReaction(spec::Reaction reaction, int32_t arg, bool persistent) {
  MutexLock lock(mu_);
  reaction_ = reaction;
  arg_ = arg;
  persistent_ = persistent;
}

TestCallback::Pending TestCallback::TakeReaction() {
  MutexLock lock(mu_);
  Pending p{reaction_, arg_};
  if (!persistent_) reaction_ = spec::Reaction::kNone;
  return p;
}

}  // namespace dsalloc::harness
