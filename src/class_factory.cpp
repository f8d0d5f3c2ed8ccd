// The class factory and the in-process server's exported entry points.

#include "class_factory.h"

#include <new>

#include <dsalloc/dsalloc.h>
#include <dsalloc/testing.h>

#include "allocator.h"
#include "internal/fault_injection.h"

namespace dsalloc {

HRESULT ClassFactory::Create(REFIID riid, void** ppv) noexcept {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  auto* factory = new (std::nothrow) ClassFactory();
  if (factory == nullptr) return E_OUTOFMEMORY;
  HRESULT hr = factory->QueryInterface(riid, ppv);
  factory->Release();  // the creation reference; a successful QI holds one
  return hr;
}

HRESULT ClassFactory::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IClassFactory) {
    *ppv = static_cast<IClassFactory*>(this);
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

ULONG ClassFactory::AddRef() { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }

ULONG ClassFactory::Release() {
  ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left == 0) delete this;
  return left;
}

HRESULT ClassFactory::CreateInstance(IUnknown* outer, REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  if (outer != nullptr) return CLASS_E_NOAGGREGATION;  // FACTORY.AGGREGATION
  return Allocator::Create(riid, ppv);
}

HRESULT ClassFactory::LockServer(BOOL lock) {
  if (lock) {
    internal::LockServer();
  } else {
    internal::UnlockServer();
  }
  return S_OK;
}

}  // namespace dsalloc

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllGetClassObject(REFCLSID rclsid, REFIID riid,
                                                              LPVOID* ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  // FACTORY.GETCLASS: dsalloc's own CLSID names the same class.
  if (!IsEqualCLSID(rclsid, CLSID_MemoryAllocator) &&
      !IsEqualCLSID(rclsid, CLSID_DsallocMemoryAllocator)) {
    return CLASS_E_CLASSNOTAVAILABLE;
  }
  return dsalloc::ClassFactory::Create(riid, ppv);
}

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllCanUnloadNow() {
  return dsalloc::internal::ServerInUse() ? S_FALSE : S_OK;
}

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DsallocCreateMemoryAllocator(REFIID riid, LPVOID* ppv) {
  return dsalloc::Allocator::Create(riid, ppv);
}

EXTERN_C DSALLOC_API void STDAPICALLTYPE DsallocArmAllocationFailure(long countdown, int sticky) {
  dsalloc::internal::ArmAllocationFailure(countdown, sticky != 0);
}
