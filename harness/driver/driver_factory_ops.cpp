// harness/driver/driver_factory_ops.cpp: the class factory ops (DllGetClassObject,
// CreateInstance, LockServer, DllCanUnloadNow), which reach the server, not
// the model's allocator (driver_core.h).

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

void Core::ExecuteFactoryOp(const Op& op, Outcome& o) {
  switch (op.kind) {
    case OpKind::kDllGetClassObject: {
      void* p = Sentinel<void>();
      o.hr = impl_.get_class_object(spec::ToCLSID(op.clsid), spec::ToIID(op.iid),
                                    op.null_ptr1 ? nullptr : &p);
      if (op.null_ptr1 || p == Sentinel<void>()) return;
      o.written |= spec::kOutInterface;
      if (!InterfaceOutIsValid("FACTORY.GETCLASS", o.hr, p)) return;
      if (p != nullptr) static_cast<IUnknown*>(p)->Release();  // not modelled
      return;
    }
    case OpKind::kCreateInstance: {
      void* f = nullptr;
      HRESULT hr = impl_.get_class_object(CLSID_MemoryAllocator, IID_IClassFactory, &f);
      if (FAILED(hr) || f == nullptr) {
        o.hr = FAILED(hr) ? hr : E_UNEXPECTED;
        return;
      }
      auto* factory = static_cast<IClassFactory*>(f);
      void* p = Sentinel<void>();
      {
        FaultScope fault(impl_.arm_allocation_failure, op.oom);
        o.hr = factory->CreateInstance(op.outer ? &outer_ : nullptr, spec::ToIID(op.iid),
                                       op.null_ptr1 ? nullptr : &p);
      }
      factory->Release();
      if (op.null_ptr1 || p == Sentinel<void>()) return;
      o.written |= spec::kOutInterface;
      if (!InterfaceOutIsValid("FACTORY.CREATE", o.hr, p)) return;
      // A new allocator the model does not track: released at once.
      if (p != nullptr) static_cast<IUnknown*>(p)->Release();
      return;
    }
    case OpKind::kLockServer: {
      // FACTORY.LOCKSERVER. The driver remembers what the client still holds
      // and Teardown undoes it (UnlockServer).
      o.hr = CallLockServer(op.value != 0 ? TRUE : FALSE);
      if (SUCCEEDED(o.hr)) {
        if (op.value != 0) {
          book_.AddServerLock();
        } else {
          book_.DropServerLock();
        }
      }
      return;
    }
    case OpKind::kDllCanUnloadNow:
      // FACTORY.UNLOAD counts the model's allocator only: the driver's
      // private foreign allocator must not keep the server busy.
      foreign_.Drop();
      o.hr = impl_.can_unload_now != nullptr ? impl_.can_unload_now() : E_NOTIMPL;
      return;
    case OpKind::kSetProperties:
    case OpKind::kGetProperties:
    case OpKind::kCommit:
    case OpKind::kDecommit:
    case OpKind::kGetBuffer:
    case OpKind::kReleaseBuffer:
    case OpKind::kSetNotify:
    case OpKind::kGetFreeCount:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kQueryInterface:
    case OpKind::kSetReaction:
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kSampleQueryInterface:
    case OpKind::kGetPointer:
    case OpKind::kGetSize:
    case OpKind::kGetTime:
    case OpKind::kSetTime:
    case OpKind::kIsSyncPoint:
    case OpKind::kSetSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kSetPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kSetDiscontinuity:
    case OpKind::kGetActualDataLength:
    case OpKind::kSetActualDataLength:
    case OpKind::kGetMediaType:
    case OpKind::kSetMediaType:
    case OpKind::kGetMediaTime:
    case OpKind::kSetMediaTime:
    case OpKind::kGetProperties2:
    case OpKind::kSetProperties2:
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      o.hr = E_UNEXPECTED;
      return;
  }
}

}  // namespace dsalloc::harness::driver_internal
