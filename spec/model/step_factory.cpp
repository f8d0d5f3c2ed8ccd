// spec/model/step_factory.cpp: the model's in-process server
// (step_engine.h): DllGetClassObject, IClassFactory and DllCanUnloadNow.

#include "spec/model/step_engine.h"

namespace dsalloc::spec::step_internal {

template <>
bool Engine::Apply(const call::DllGetClassObject& c) {
  if (c.null_ppv) {
    if (portable_) return false;
    return Fail(E_POINTER, "FACTORY.GETCLASS.NULL");
  }
  o_.written |= kOutInterface;
  if (c.rclsid != Clsid::kMemoryAllocator) {
    return Fail(CLASS_E_CLASSNOTAVAILABLE, "FACTORY.GETCLASS.CLSID");
  }
  if (c.riid != Iid::kIClassFactory && c.riid != Iid::kIUnknown) {
    // Portable: DllGetClassObject's documented codes have no
    // E_NOINTERFACE, and Wine answers CLASS_E_CLASSNOTAVAILABLE.
    if (portable_ && ch_.Pick(2) == 1) {
      return Fail(CLASS_E_CLASSNOTAVAILABLE, "FACTORY.GETCLASS");
    }
    return Fail(E_NOINTERFACE, "FACTORY.GETCLASS");
  }
  return Succeed("FACTORY.GETCLASS");
}

template <>
bool Engine::Apply(const call::CreateInstance& c) {
  if (c.null_ppv) {
    if (portable_) return false;
    return Fail(E_POINTER, "FACTORY.CREATE");
  }
  o_.written |= kOutInterface;
  if (c.outer) {
    // Portable: COM lets an outer unknown ask only for IUnknown; the
    // base classes' factory and Wine 8 answer any other IID E_NOINTERFACE.
    if (portable_ && c.riid != Iid::kIUnknown && ch_.Pick(2) == 1) {
      return Fail(E_NOINTERFACE, "FACTORY.AGGREGATION");
    }
    return Fail(CLASS_E_NOAGGREGATION, "FACTORY.AGGREGATION");
  }
  if (c.riid == Iid::kIUnknown || c.riid == Iid::kIMemAllocator ||
      (c.riid == Iid::kIMemAllocatorCallbackTemp && !Alt(kTraitCallbackIface))) {
    return Succeed("FACTORY.CREATE");
  }
  return Fail(E_NOINTERFACE, "FACTORY.CREATE");
}

template <>
bool Engine::Apply(const call::LockServer& c) {
  // FACTORY.LOCKSERVER: the count FACTORY.UNLOAD reads.
  if (c.fLock != 0) {
    ++s_.server_locks;
  } else if (s_.server_locks > 0) {
    --s_.server_locks;
  } else if (portable_) {
    return false;  // an unlock without a lock: not checked
  }                // strict: ignored, the count stays 0
  return Succeed("FACTORY.LOCKSERVER");
}

template <>
bool Engine::Apply(const call::DllCanUnloadNow&) {
  // FACTORY.UNLOAD: the model's only object is its allocator; the
  // server lock counts too (FACTORY.LOCKSERVER).
  return Succeed("FACTORY.UNLOAD", s_.destroyed && s_.server_locks == 0 ? S_OK : S_FALSE);
}

// --- dispatch (step_engine.h): after every specialization above ---------------

bool Engine::ApplyFactoryCall(const Call& call) { return ApplyGroups<OpGroup::kFactory>(call); }

}  // namespace dsalloc::spec::step_internal
