// ---------------------------------------------------------------------------
// File: comkit/include/comkit/notify_callback_base.h
// ---------------------------------------------------------------------------
//
// NotifyCallbackBase: the COM identity every IMemAllocatorNotifyCallbackTemp
// outside the product shares. QueryInterface answers IID_IUnknown and
// IID_IMemAllocatorNotifyCallbackTemp with this object (AddRef'd through the
// derived class's AddRef), E_NOINTERFACE (*ppv NULL) for anything else and
// E_POINTER for a NULL ppv. Counting references and what NotifyRelease does
// are the derived class's: each kind counts differently on purpose
// (testing::CountingCallback records every call, bench::FilterCallback is a
// filter's lean one, the soak's checks rules on every call).
//
// Lifetime: not copyable; the derived object's owner keeps it alive.
// Threading: QueryInterface is as thread-safe as the derived AddRef.

#ifndef DSALLOC_COMKIT_NOTIFY_CALLBACK_BASE_H_
#define DSALLOC_COMKIT_NOTIFY_CALLBACK_BASE_H_

#include <dsalloc/strmif.h>

namespace comkit {

class NotifyCallbackBase : public IMemAllocatorNotifyCallbackTemp {
 public:
  NotifyCallbackBase(const NotifyCallbackBase&) = delete;
  NotifyCallbackBase& operator=(const NotifyCallbackBase&) = delete;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMemAllocatorNotifyCallbackTemp)) {
      *ppv = static_cast<IMemAllocatorNotifyCallbackTemp*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }

 protected:
  NotifyCallbackBase() = default;
  ~NotifyCallbackBase() = default;
};

}  // namespace comkit

#endif  // DSALLOC_COMKIT_NOTIFY_CALLBACK_BASE_H_
