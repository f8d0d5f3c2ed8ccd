// controls/baseclasses/class_factory.cpp

#include "class_factory.h"

#include <new>

#include <comkit/class_factory.h>

#include "allocator.h"
#include "server.h"

namespace ctl_baseclasses {
namespace {

HRESULT CreateAllocator(REFIID riid, void** ppv) {
  Allocator* allocator = new (std::nothrow) Allocator();
  if (allocator == nullptr) return E_OUTOFMEMORY;
  const HRESULT hr = allocator->QueryInterface(riid, ppv);
  allocator->Release();  // the creation reference; the QI one remains
  return hr;
}

// This module's object count and LockServer, for the factory.
struct Module {
  static void ObjectCreated() { ctl_baseclasses::ObjectCreated(); }
  static void ObjectDestroyed() { ctl_baseclasses::ObjectDestroyed(); }
  static void Lock() { LockModule(); }
  static void Unlock() { UnlockModule(); }
};

}  // namespace

IClassFactory* NewClassFactory() {
  return comkit::ServerClassFactory<&CreateAllocator, Module>::New();
}

}  // namespace ctl_baseclasses
