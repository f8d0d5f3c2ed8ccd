// Resolving "an implementation": the embedded server, or dlopen.

#include "implementation.h"

#include <dlfcn.h>

#include <cctype>
#include <cstdint>
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
  HRESULT hr = get_class_object(clsid, IID_IClassFactory, reinterpret_cast<void**>(&factory));
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
      std::string missing = impl.get_class_object == nullptr ? "DllGetClassObject" : "";
      if (impl.can_unload_now == nullptr) {
        missing += std::string(missing.empty() ? "" : " and ") + "DllCanUnloadNow";
      }
      *error = path + " does not export " + missing + " (an in-process COM server must)";
    }
    return std::nullopt;  // the handle stays open; harmless
  }
  return impl;
}

std::optional<GUID> ParseGuid(const std::string& text) {
  std::string hex;
  std::string body = text;
  if (body.size() == 38 && body.front() == '{' && body.back() == '}') {
    body = body.substr(1, 36);
  }
  if (body.size() != 36) return std::nullopt;
  for (size_t i = 0; i < body.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (body[i] == '-')) return std::nullopt;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(body[i]))) return std::nullopt;
    if (!dash) hex += body[i];
  }
  auto field = [&hex](size_t at, size_t digits) {
    return std::stoull(hex.substr(at, digits), nullptr, 16);
  };
  GUID guid{};
  guid.Data1 = static_cast<uint32_t>(field(0, 8));
  guid.Data2 = static_cast<uint16_t>(field(8, 4));
  guid.Data3 = static_cast<uint16_t>(field(12, 4));
  for (size_t i = 0; i < 8; ++i) guid.Data4[i] = static_cast<uint8_t>(field(16 + 2 * i, 2));
  return guid;
}

std::string GuidToString(const GUID& guid) {
  char text[40];
  std::snprintf(text, sizeof text, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                static_cast<unsigned>(guid.Data1), guid.Data2, guid.Data3, guid.Data4[0],
                guid.Data4[1], guid.Data4[2], guid.Data4[3], guid.Data4[4], guid.Data4[5],
                guid.Data4[6], guid.Data4[7]);
  return text;
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
