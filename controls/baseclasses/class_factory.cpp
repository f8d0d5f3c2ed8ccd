// controls/baseclasses/class_factory.cpp

#include "class_factory.h"

#include <atomic>
#include <new>

#include "allocator.h"
#include "server.h"

namespace ctl_baseclasses {
namespace {

class ClassFactory final : public IClassFactory {
 public:
  ClassFactory() { ObjectCreated(); }
  ClassFactory(const ClassFactory&) = delete;
  ClassFactory& operator=(const ClassFactory&) = delete;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IClassFactory) {
      *ppv = static_cast<IClassFactory*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override {
    return refs_.fetch_add(1, std::memory_order_acq_rel) + 1;
  }
  ULONG STDMETHODCALLTYPE Release() override {
    ULONG old = refs_.load(std::memory_order_acquire);
    do {
      if (old == 0) return 0;
    } while (!refs_.compare_exchange_weak(old, old - 1, std::memory_order_acq_rel,
                                          std::memory_order_acquire));
    if (old == 1) delete this;
    return old - 1;
  }

  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* pUnkOuter, REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (pUnkOuter != nullptr) return CLASS_E_NOAGGREGATION;
    Allocator* allocator = new (std::nothrow) Allocator();
    if (allocator == nullptr) return E_OUTOFMEMORY;
    const HRESULT hr = allocator->QueryInterface(riid, ppv);
    allocator->Release();  // the creation reference; the QI one remains
    return hr;
  }

  HRESULT STDMETHODCALLTYPE LockServer(BOOL fLock) override {
    if (fLock) {
      LockModule();
    } else {
      UnlockModule();
    }
    return S_OK;
  }

 private:
  ~ClassFactory() { ObjectDestroyed(); }
  std::atomic<ULONG> refs_{1};
};

}  // namespace

IClassFactory* NewClassFactory() { return new (std::nothrow) ClassFactory(); }

}  // namespace ctl_baseclasses
