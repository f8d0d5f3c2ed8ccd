// Resolving "an implementation": the embedded server, or dlopen.

#include "implementation.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <dsalloc/dsalloc.h>

namespace dsalloc::harness {
namespace {

std::mutex selection_mu;
std::optional<Implementation> selection;  // guarded by selection_mu

}  // namespace

HRESULT Implementation::CreateAllocator(REFIID riid, void** ppv) const {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  IClassFactory* factory = nullptr;
  HRESULT hr = get_class_object(CLSID_MemoryAllocator, IID_IClassFactory,
                                reinterpret_cast<void**>(&factory));
  if (FAILED(hr)) return hr;
  if (factory == nullptr) return E_UNEXPECTED;
  hr = factory->CreateInstance(nullptr, riid, ppv);
  factory->Release();
  return hr;
}

const Implementation& Embedded() {
  static const Implementation embedded{"embedded dsalloc", &::DllGetClassObject, &::DllCanUnloadNow,
                                       &::DsallocArmAllocationFailure};
  return embedded;
}

std::optional<Implementation> Load(const std::string& path, std::string* error) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    if (error != nullptr) *error = "cannot load " + path + ": " + dlerror();
    return std::nullopt;
  }
  Implementation impl;
  impl.name = path;
  impl.get_class_object = reinterpret_cast<LPFNGETCLASSOBJECT>(dlsym(handle, "DllGetClassObject"));
  impl.can_unload_now = reinterpret_cast<LPFNCANUNLOADNOW>(dlsym(handle, "DllCanUnloadNow"));
  impl.arm_allocation_failure =
      reinterpret_cast<ArmAllocationFailureFn>(dlsym(handle, "DsallocArmAllocationFailure"));
  if (impl.get_class_object == nullptr || impl.can_unload_now == nullptr) {
    if (error != nullptr) {
      *error = path + " does not export DllGetClassObject and DllCanUnloadNow";
    }
    return std::nullopt;  // the handle stays open; harmless
  }
  return impl;
}

bool SelectImplementation(const std::string& path, std::string* error) {
  std::lock_guard<std::mutex> lock(selection_mu);
  if (path.empty()) {
    selection = Embedded();
    return true;
  }
  std::optional<Implementation> loaded = Load(path, error);
  if (!loaded) return false;
  selection = std::move(loaded);
  return true;
}

const Implementation& Selected() {
  std::lock_guard<std::mutex> lock(selection_mu);
  if (!selection) {
    const char* path = std::getenv("DSALLOC_IMPL");
    if (path == nullptr || *path == '\0') {
      selection = Embedded();
    } else {
      std::string error;
      selection = Load(path, &error);
      if (!selection) {
        std::fprintf(stderr, "DSALLOC_IMPL: %s\n", error.c_str());
        std::exit(2);
      }
    }
  }
  return *selection;
}

}  // namespace dsalloc::harness
