// controls/baseclasses/server.cpp
//
// The in-process server's exported entry points (C linkage, default
// visibility; everything else in the module is hidden) and the module
// counters behind DllCanUnloadNow.

#include "server.h"

#include <dsalloc/dsalloc.h>  // the exported prototypes only; no dsalloc code
#include <dsalloc/testing.h>

#include <atomic>

#include "class_factory.h"
#include "fault.h"

namespace ctl_baseclasses {
namespace {

std::atomic<long> g_objects{0};
std::atomic<long> g_locks{0};

}  // namespace

void ObjectCreated() { g_objects.fetch_add(1, std::memory_order_acq_rel); }
void ObjectDestroyed() { g_objects.fetch_sub(1, std::memory_order_acq_rel); }

void LockModule() { g_locks.fetch_add(1, std::memory_order_acq_rel); }
void UnlockModule() {
  long old = g_locks.load(std::memory_order_acquire);
  while (old > 0 &&  // an unbalanced LockServer(FALSE) is ignored
         !g_locks.compare_exchange_weak(old, old - 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
  }
}

bool ModuleIdle() {
  return g_objects.load(std::memory_order_acquire) == 0 &&
         g_locks.load(std::memory_order_acquire) == 0;
}

}  // namespace ctl_baseclasses

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllGetClassObject(REFCLSID rclsid, REFIID riid,
                                                              LPVOID* ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  if (rclsid != CLSID_MemoryAllocator) return CLASS_E_CLASSNOTAVAILABLE;
  if (riid != IID_IClassFactory && riid != IID_IUnknown) return E_NOINTERFACE;
  IClassFactory* factory = ctl_baseclasses::NewClassFactory();
  if (factory == nullptr) return E_OUTOFMEMORY;
  const HRESULT hr = factory->QueryInterface(riid, ppv);
  factory->Release();
  return hr;
}

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllCanUnloadNow() {
  return ctl_baseclasses::ModuleIdle() ? S_OK : S_FALSE;
}

// The optional test hook checkers look up by name (see fault.h).
EXTERN_C DSALLOC_API void STDAPICALLTYPE DsallocArmAllocationFailure(long countdown, int sticky) {
  ctl_baseclasses::ArmFailure(countdown, sticky != 0);
}
