// windows/register/main.cpp: dsalloc-register.exe, the documented and
// reversible way to make dsalloc the system's CLSID_MemoryAllocator
// (windows/README.md):
//
//   dsalloc-register --replace-system [DLL]  DLL (default: dsalloc.dll beside
//                                            this program) answers
//                                            CoCreateInstance(CLSID_MemoryAllocator)
//   dsalloc-register --restore               the saved registration is back
//   dsalloc-register --status                prints the current server and
//                                            whether a saved copy exists
//
// Exit status: 0 done; 1 failed (message on stderr); 2 usage.

#include <cstdio>
#include <string>

#include <dsalloc/dsalloc.h>
#include <shellapi.h>

#include "system_allocator.h"

namespace {

using dsalloc::windows::Utf8;

std::wstring DefaultServer() {
  wchar_t self[MAX_PATH * 4];
  DWORD n = GetModuleFileNameW(nullptr, self, MAX_PATH * 4);
  if (n == 0 || n >= MAX_PATH * 4) return L"dsalloc.dll";
  std::wstring path(self, n);
  return path.substr(0, path.find_last_of(L"\\/") + 1) + L"dsalloc.dll";
}

int Usage() {
  std::fprintf(stderr, "usage: dsalloc-register --replace-system [DLL] | --restore | --status\n");
  return 2;
}

int Run(int argc, wchar_t** argv) {
  if (argc < 2) return Usage();
  const std::wstring command = argv[1];
  std::string error;
  if (command == L"--replace-system" && argc <= 3) {
    std::wstring server =
        dsalloc::windows::CheckServer(argc == 3 ? argv[2] : DefaultServer(), &error);
    if (server.empty() || !dsalloc::windows::Replace(server, &error)) {
      std::fprintf(stderr, "dsalloc-register: %s\n", error.c_str());
      return 1;
    }
    std::printf("CLSID_MemoryAllocator -> %s (the previous registration is saved)\n",
                Utf8(server).c_str());
    return 0;
  }
  if (command == L"--restore" && argc == 2) {
    if (!dsalloc::windows::Restore(&error)) {
      std::fprintf(stderr, "dsalloc-register: %s\n", error.c_str());
      return 1;
    }
    std::printf("CLSID_MemoryAllocator -> %s (restored)\n",
                Utf8(dsalloc::windows::CurrentServer()).c_str());
    return 0;
  }
  if (command == L"--status" && argc == 2) {
    std::printf("CLSID_MemoryAllocator -> %s\nsaved copy: %s\n",
                Utf8(dsalloc::windows::CurrentServer()).c_str(),
                dsalloc::windows::HasSavedCopy() ? "yes (replaced by dsalloc-register)" : "no");
    return 0;
  }
  return Usage();
}

}  // namespace

int main() {
  int argc = 0;
  wchar_t** argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  if (argv == nullptr) return Usage();
  int status = Run(argc, argv);
  LocalFree(argv);
  return status;
}
