// harness/driver/driver_factory_ops.cpp: the Run of the server's calls
// (DllGetClassObject, CreateInstance, LockServer, DllCanUnloadNow), which
// reach the server, not the model's allocator, and their group entry,
// ExecuteFactoryCall (driver_core.h; Execute in driver_run.cpp sends them
// here).

#include <variant>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

HRESULT Core::CallLockServer(BOOL lock) {
  void* f = nullptr;
  HRESULT hr = impl_.get_class_object(CLSID_MemoryAllocator, IID_IClassFactory, &f);
  if (FAILED(hr) || f == nullptr) return FAILED(hr) ? hr : E_UNEXPECTED;
  auto* factory = static_cast<IClassFactory*>(f);
  hr = factory->LockServer(lock);
  factory->Release();
  return hr;
}

void Core::UnlockServer() {
  for (uint32_t held = book_.TakeAllServerLocks(); held > 0; --held) {
    CallLockServer(FALSE);
  }
}

template <>
void Core::Run(const call::DllGetClassObject& c, bool, Outcome& o) {
  void* p = Sentinel<void>();
  o.hr = impl_.get_class_object(spec::ToCLSID(c.rclsid), spec::ToIID(c.riid),
                                c.null_ppv ? nullptr : &p);
  if (c.null_ppv || p == Sentinel<void>()) return;
  o.written |= spec::kOutInterface;
  if (!InterfaceOutIsValid("FACTORY.GETCLASS", o.hr, p)) return;
  if (p != nullptr) static_cast<IUnknown*>(p)->Release();  // not modelled
}

template <>
void Core::Run(const call::CreateInstance& c, bool oom, Outcome& o) {
  void* f = nullptr;
  HRESULT hr = impl_.get_class_object(CLSID_MemoryAllocator, IID_IClassFactory, &f);
  if (FAILED(hr) || f == nullptr) {
    o.hr = FAILED(hr) ? hr : E_UNEXPECTED;
    return;
  }
  auto* factory = static_cast<IClassFactory*>(f);
  void* p = Sentinel<void>();
  {
    FaultScope fault(impl_.arm_allocation_failure, oom);
    o.hr = factory->CreateInstance(c.outer ? &outer_ : nullptr, spec::ToIID(c.riid),
                                   c.null_ppv ? nullptr : &p);
  }
  factory->Release();
  if (c.null_ppv || p == Sentinel<void>()) return;
  o.written |= spec::kOutInterface;
  if (!InterfaceOutIsValid("FACTORY.CREATE", o.hr, p)) return;
  // A new allocator the model does not track: released at once.
  if (p != nullptr) static_cast<IUnknown*>(p)->Release();
}

template <>
void Core::Run(const call::LockServer& c, bool, Outcome& o) {
  // FACTORY.LOCKSERVER. The driver remembers what the client still holds
  // and Teardown undoes it (UnlockServer).
  o.hr = CallLockServer(c.fLock != 0 ? TRUE : FALSE);
  if (FAILED(o.hr)) return;
  if (c.fLock != 0) {
    book_.AddServerLock();
  } else {
    book_.DropServerLock();
  }
}

template <>
void Core::Run(const call::DllCanUnloadNow&, bool, Outcome& o) {
  // FACTORY.UNLOAD counts the model's allocator only: the driver's private
  // foreign allocator must not keep the server busy.
  foreign_.Drop();
  o.hr = impl_.can_unload_now != nullptr ? impl_.can_unload_now() : E_NOTIMPL;
}

// --- the group's entry -------------------------------------------------------

void Core::ExecuteFactoryCall(const spec::Call& call, bool oom, Outcome& o) {
  std::visit(
      [&]<typename T>(const T& c) {
        if constexpr (InGroup<T, spec::OpGroup::kFactory>) {
          if (ProbeSettled(o)) Run(c, oom, o);  // the server's own: no allocator needed
        } else {
          o.hr = E_UNEXPECTED;  // another group's: Execute sends none here
        }
      },
      call);
}

}  // namespace dsalloc::harness::driver_internal
