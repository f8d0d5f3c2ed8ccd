// conform/platform_win32.cpp: platform.h on Windows (mingw-w64, and Wine).
// Paths are the kit's UTF-8 strings; the wide Win32 calls take them
// converted, so a non-ASCII temporary directory works too.

#include "platform.h"

#include <windows.h>
// (after windows.h)
#include <io.h>
#include <psapi.h>

#include <cerrno>
#include <cstdlib>
#include <random>

namespace dsalloc::conform {
std::wstring Wide(const std::string& utf8) {
  if (utf8.empty()) return {};
  int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), wide.data(), n);
  return wide;
}

std::string Narrow(const std::wstring& wide) {
  if (wide.empty()) return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr, 0,
                              nullptr, nullptr);
  std::string utf8(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), utf8.data(), n,
                      nullptr, nullptr);
  return utf8;
}

namespace {

int ErrnoOf(DWORD error) {
  switch (error) {
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
      return EEXIST;
    case ERROR_ACCESS_DENIED:
      return EACCES;
    case ERROR_PATH_NOT_FOUND:
    case ERROR_FILE_NOT_FOUND:
      return ENOENT;
    default:
      return EIO;
  }
}

int CreateWith(const std::string& path, DWORD access, DWORD disposition) {
  HANDLE h = CreateFileW(Wide(path).c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                         disposition, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return ErrnoOf(GetLastError());
  CloseHandle(h);
  return 0;
}

}  // namespace

int CreateNewFile(const std::string& path) { return CreateWith(path, GENERIC_WRITE, CREATE_NEW); }

int OpenForAppend(const std::string& path) {
  return CreateWith(path, FILE_APPEND_DATA, OPEN_ALWAYS);
}

std::string TempRoot() {
  const char* tmp = std::getenv("TMPDIR");
  if (tmp != nullptr && *tmp != '\0') return tmp;
  wchar_t buffer[MAX_PATH + 1];
  DWORD n = GetTempPathW(MAX_PATH + 1, buffer);
  std::string root = n > 0 && n <= MAX_PATH ? Narrow(std::wstring(buffer, n)) : ".";
  while (root.size() > 3 && (root.back() == '\\' || root.back() == '/')) root.pop_back();
  return root;
}

std::string MakeTempDir(const char* what) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device entropy;
  std::mt19937_64 pick((static_cast<uint64_t>(entropy()) << 32) ^ GetCurrentProcessId() ^
                       GetTickCount64());
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string path = TempRoot() + "/dsalloc-conform-" + what + "-";
    for (int i = 0; i < 6; ++i) path += kAlphabet[pick() % (sizeof kAlphabet - 1)];
    if (CreateDirectoryW(Wide(path).c_str(), nullptr)) return path;
    if (GetLastError() != ERROR_ALREADY_EXISTS) return {};
  }
  return {};
}

bool StderrIsTerminal() { return _isatty(2) != 0; }

long long ProcessId() { return GetCurrentProcessId(); }

long long PeakMemoryMb() {
  PROCESS_MEMORY_COUNTERS counters{};
  counters.cb = sizeof counters;
  if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)) return -1;
  return static_cast<long long>(counters.PeakPagefileUsage / (1024 * 1024));
}

bool ValueFile::OpenForWriting(const std::string& path) {
  HANDLE h = CreateFileW(Wide(path).c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                         nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return false;
  handle_ = static_cast<long long>(reinterpret_cast<intptr_t>(h));
  return true;
}

void ValueFile::Write(long long value) {
  if (handle_ == -1) return;
  HANDLE h = reinterpret_cast<HANDLE>(static_cast<intptr_t>(handle_));
  OVERLAPPED at{};  // offset 0: a positioned write, safe from any thread
  DWORD written = 0;
  WriteFile(h, &value, sizeof value, &written, &at);
}

long long ValueFile::Read(const std::string& path) {
  HANDLE h = CreateFileW(Wide(path).c_str(), GENERIC_READ,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) return -1;
  long long value = -1;
  DWORD read = 0;
  if (!ReadFile(h, &value, sizeof value, &read, nullptr) || read != sizeof value) value = -1;
  CloseHandle(h);
  return value;
}

}  // namespace dsalloc::conform
