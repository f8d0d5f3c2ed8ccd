// windows/tests/which_module_test.cpp: which DLL answers CoCreateInstance.
//
//   dsalloc_which_module_test dsalloc|system <dll-name>
//     CoCreateInstance(CLSID_DsallocMemoryAllocator | CLSID_MemoryAllocator)
//     gives an IMemAllocator whose code lives in <dll-name> (GetModuleHandleEx
//     on the vtable's first method), and that module is the registered
//     InprocServer32 (same full path), ThreadingModel "Both". dsalloc.dll
//     also answers IMemAllocatorCallbackTemp.
//   dsalloc_which_module_test dsalloc --unregistered
//     HKCR\CLSID\{CLSID_DsallocMemoryAllocator} is gone and CoCreateInstance
//     gives REGDB_E_CLASSNOTREG.

#include <cstring>

#include "test_support.h"

namespace dsalloc::windows_test {
namespace {

int Run(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "dsalloc") != 0 && std::strcmp(argv[1], "system") != 0)) {
    std::fprintf(stderr, "usage: %s dsalloc|system <dll-name>|--unregistered\n", argv[0]);
    return 2;
  }
  const bool ours = std::strcmp(argv[1], "dsalloc") == 0;
  const CLSID& clsid = ours ? CLSID_DsallocMemoryAllocator : CLSID_MemoryAllocator;
  Apartment apartment;
  IMemAllocator* allocator = nullptr;
  if (std::strcmp(argv[2], "--unregistered") == 0) {
    CHECK(!ClassesKeyExists(ClassKey(clsid, nullptr)));
    CHECK_HR(REGDB_E_CLASSNOTREG,
             CoCreateInstance(clsid, nullptr, CLSCTX_INPROC_SERVER, IID_IMemAllocator,
                              reinterpret_cast<void**>(&allocator)));
    CHECK(allocator == nullptr);
    return Finish("unregistered");
  }
  std::wstring expected(argv[2], argv[2] + std::strlen(argv[2]));
  const std::wstring registered = ReadClassesString(ClassKey(clsid, L"InprocServer32"), nullptr);
  std::printf("registered InprocServer32: %s\n", Utf8(registered).c_str());
  CHECK(ReadClassesString(ClassKey(clsid, L"InprocServer32"), L"ThreadingModel") == L"Both");
  if (ours) {
    CHECK(ReadClassesString(ClassKey(clsid, nullptr), nullptr) == L"dsalloc Memory Allocator");
  }
  CHECK_HR(S_OK, CoCreateInstance(clsid, nullptr, CLSCTX_INPROC_SERVER, IID_IMemAllocator,
                                  reinterpret_cast<void**>(&allocator)));
  if (allocator == nullptr) return Finish("which module");
  const std::wstring module = ModuleOf(allocator);
  std::printf("answered by: %s\n", Utf8(module).c_str());
  CHECK(_wcsicmp(BaseName(module).c_str(), expected.c_str()) == 0);
  CHECK(SamePath(module, registered));
  if (_wcsicmp(expected.c_str(), L"dsalloc.dll") == 0) {
    IMemAllocatorCallbackTemp* callback = nullptr;
    CHECK_HR(S_OK, allocator->QueryInterface(IID_IMemAllocatorCallbackTemp,
                                             reinterpret_cast<void**>(&callback)));
    if (callback != nullptr) callback->Release();
  }
  allocator->Release();
  return Finish("which module");
}

}  // namespace
}  // namespace dsalloc::windows_test

int main(int argc, char** argv) { return dsalloc::windows_test::Run(argc, argv); }
