// Resolving "an implementation": the embedded server, a server loaded by
// path (dlopen; LoadLibrary on Windows), or on Windows the system's.

#include "implementation.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <dsalloc/dsalloc.h>
#include <dsalloc/testing.h>

#include "spec/model/outcome.h"

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

namespace {

#if defined(_WIN32)
using ModuleHandle = HMODULE;

std::string LastErrorText() {
  char* text = nullptr;
  DWORD error = GetLastError();
  FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message = text != nullptr ? text : "error " + std::to_string(error);
  if (text != nullptr) LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
    message.pop_back();
  }
  return message;
}

ModuleHandle OpenModule(const std::string& path, std::string* error) {
  HMODULE module = LoadLibraryA(path.c_str());
  if (module == nullptr && error != nullptr) {
    *error = "cannot load " + path + ": " + LastErrorText();
  }
  return module;
}

template <typename Function>
Function Symbol(ModuleHandle module, const char* name) {
  return reinterpret_cast<Function>(reinterpret_cast<void*>(GetProcAddress(module, name)));
}

#else
using ModuleHandle = void*;

ModuleHandle OpenModule(const std::string& path, std::string* error) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr && error != nullptr) *error = "cannot load " + path + ": " + dlerror();
  return handle;
}

template <typename Function>
Function Symbol(ModuleHandle module, const char* name) {
  return reinterpret_cast<Function>(dlsym(module, name));
}
#endif

// The server's entry points, found by name in an open module.
std::optional<Implementation> FromModule(ModuleHandle module, const std::string& name,
                                         std::string* error) {
  Implementation impl;
  impl.name = name;
  impl.get_class_object = Symbol<LPFNGETCLASSOBJECT>(module, "DllGetClassObject");
  impl.can_unload_now = Symbol<LPFNCANUNLOADNOW>(module, "DllCanUnloadNow");
  impl.arm_allocation_failure =
      Symbol<ArmAllocationFailureFn>(module, "DsallocArmAllocationFailure");
  if (impl.get_class_object == nullptr || impl.can_unload_now == nullptr) {
    if (error != nullptr) {
      std::string missing = impl.get_class_object == nullptr ? "DllGetClassObject" : "";
      if (impl.can_unload_now == nullptr) {
        missing += std::string(missing.empty() ? "" : " and ") + "DllCanUnloadNow";
      }
      *error = name + " does not export " + missing + " (an in-process COM server must)";
    }
    return std::nullopt;  // the handle stays open; harmless
  }
  return impl;
}

}  // namespace

std::optional<Implementation> Load(const std::string& path, std::string* error) {
#if defined(_WIN32)
  if (path == kSystemServer) return LoadSystem(CLSID_MemoryAllocator, error);
#endif
  ModuleHandle module = OpenModule(path, error);
  if (module == nullptr) return std::nullopt;
  return FromModule(module, path, error);
}

#if defined(_WIN32)
std::optional<Implementation> LoadSystem(const CLSID& clsid, std::string* error) {
  // Multithreaded: a headless Wine cannot make the single-threaded
  // apartment's hidden window. Once per thread; S_FALSE when already done.
  HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(hr) && hr != RPC_E_CHANGED_MODE) {
    if (error != nullptr) *error = "CoInitializeEx failed: " + spec::HresultName(hr);
    return std::nullopt;
  }
  IClassFactory* factory = nullptr;
  hr = CoGetClassObject(clsid, CLSCTX_INPROC_SERVER, nullptr, IID_IClassFactory,
                        reinterpret_cast<void**>(&factory));
  if (FAILED(hr) || factory == nullptr) {
    if (error != nullptr) {
      *error = "the system has no in-process server for " + GuidToString(clsid) +
               " (CoGetClassObject: " + spec::HresultName(hr) + ")";
    }
    return std::nullopt;
  }
  // The module whose code the factory's vtable points into answered: the
  // registered InprocServer32, whatever the registry's path spelling. Its
  // entry points are then called directly, as for a server loaded by path.
  void* first_method = (*reinterpret_cast<void***>(factory))[0];
  HMODULE module = nullptr;
  BOOL found = GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                                  static_cast<const char*>(first_method), &module);
  factory->Release();
  char path[MAX_PATH] = "";
  if (!found || GetModuleFileNameA(module, path, MAX_PATH) == 0) {
    if (error != nullptr) *error = "cannot tell which module serves " + GuidToString(clsid);
    return std::nullopt;
  }
  std::optional<Implementation> impl =
      FromModule(module, std::string(kSystemServer) + " (" + path + ")", error);
  if (impl) impl->clsid = clsid;
  return impl;
}
#endif

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
