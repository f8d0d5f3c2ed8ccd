// ---------------------------------------------------------------------------
// File: harness/implementation.h
// ---------------------------------------------------------------------------
//
// "An implementation": the one way every checker (unit tests, properties,
// fuzzers, the conformance kit, benchmarks) reaches a CLSID_MemoryAllocator.
// It is an in-process COM server: DllGetClassObject and DllCanUnloadNow,
// plus dsalloc's optional test hook DsallocArmAllocationFailure. Ours is
// embedded (linked statically) and is the default; any other .so exporting
// DllGetClassObject (Wine's quartz built for Linux, a filter's allocator,
// dsalloc's deliberately broken variants) is loaded with dlopen (LoadLibrary
// on Windows, where the system's registered server is one more choice).
//
// Selection, in order: SelectImplementation(path) (a checker's --impl flag),
// the environment variable DSALLOC_IMPL, else the embedded one. The class
// asked for is CLSID_MemoryAllocator unless `clsid` says otherwise (a
// server may register its allocator under its own CLSID).
//
// Lifetime: loaded servers are never unloaded (objects may outlive a test).
// Threading: Selected() and Load() are thread-safe; an Implementation is
// immutable. Errors: Load returns nullopt with a message.

#ifndef DSALLOC_HARNESS_IMPLEMENTATION_H_
#define DSALLOC_HARNESS_IMPLEMENTATION_H_

#include <optional>
#include <string>

#include <dsalloc/strmif.h>

namespace dsalloc::harness {

using ArmAllocationFailureFn = void(STDAPICALLTYPE*)(long countdown, int sticky);

struct Implementation {
  std::string name;  // "embedded dsalloc" or the path it was loaded from
  LPFNGETCLASSOBJECT get_class_object = nullptr;
  LPFNCANUNLOADNOW can_unload_now = nullptr;
  // Null when the server has no fault-injection hook.
  ArmAllocationFailureFn arm_allocation_failure = nullptr;
  CLSID clsid = CLSID_MemoryAllocator;

  // DllGetClassObject(clsid) -> CreateInstance(NULL, riid).
  // S_OK and *ppv set, or the failing HRESULT and *ppv NULL.
  HRESULT CreateAllocator(REFIID riid, void** ppv) const;
  bool SupportsFaultInjection() const { return arm_allocation_failure != nullptr; }
};

// The statically linked reference allocator.
const Implementation& Embedded();

// Loads the server at path (dlopen RTLD_NOW|RTLD_LOCAL; LoadLibrary on
// Windows). On Windows the path kSystemServer means LoadSystem's server.
std::optional<Implementation> Load(const std::string& path, std::string* error);

// "system": on Windows, the server the system has registered for a class
// (a --server value of its own; on Linux it is just a file name).
inline constexpr char kSystemServer[] = "system";

#if defined(_WIN32)
// The in-process server COM creates `clsid` from (CoGetClassObject, after
// CoInitializeEx multithreaded): the module that answers, with its entry
// points found by name. Named "system (<module path>)".
std::optional<Implementation> LoadSystem(const CLSID& clsid, std::string* error);
#endif

// "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" (braces optional) <-> GUID.
std::optional<GUID> ParseGuid(const std::string& text);
std::string GuidToString(const GUID& guid);

// Makes Selected() return the server at path ("" = embedded). Call before
// the first Selected(); returns false (and *error) if it cannot be loaded.
bool SelectImplementation(const std::string& path, std::string* error);

// The implementation under test (see the banner). Exits the process with a
// message if DSALLOC_IMPL names a server that cannot be loaded.
const Implementation& Selected();

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_IMPLEMENTATION_H_
