// harness/driver/test_callback.cpp: the driver's test callbacks
// (test_callback.h).

#include "test_callback.h"

namespace dsalloc::harness {

void TestCallback::CheckAlive(const char* method) {
  if (refs_.load(std::memory_order_acquire) > 0) return;
  // LIFE.DESTROY / GEN.NOLEAK: the allocator gave every reference back (or
  // more), so the object could have been destroyed; calling it is a
  // use-after-release on a real callback.
  if (Host* host = host_.load(std::memory_order_acquire)) {
    host->OnMisuse("LIFE.DESTROY", "callback " + std::to_string(id_) + ": " + method +
                                       " called after its count reached 0");
  }
}

HRESULT TestCallback::QueryInterface(REFIID riid, void** ppv) {
  CheckAlive("QueryInterface");
  if (ppv == nullptr) return E_POINTER;
  if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMemAllocatorNotifyCallbackTemp)) {
    AddRef();
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
  LONG now = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (now < 1) {
    // COM.CALLBACK.REFS: only the driver's own reference is left, and the
    // driver never releases it through this method, so the allocator has
    // released a reference it did not hold (or one twice).
    if (Host* host = host_.load(std::memory_order_acquire)) {
      host->OnMisuse("COM.CALLBACK.REFS",
                     "callback " + std::to_string(id_) +
                         ": released below the driver's own reference (count " +
                         std::to_string(now) + ")");
    }
  }
  return static_cast<ULONG>(now < 0 ? 0 : now);
}

HRESULT TestCallback::NotifyRelease() {
  LONG refs = refs_.load(std::memory_order_acquire);
  CheckAlive("NotifyRelease");
  notified_.fetch_add(1, std::memory_order_acq_rel);
  if (Host* host = host_.load(std::memory_order_acquire)) {
    host->OnNotifyRelease(*this, refs);
  }
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
