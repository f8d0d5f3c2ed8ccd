// ---------------------------------------------------------------------------
// File: windows/tests/test_support.h
// ---------------------------------------------------------------------------
//
// What the Windows test programs share: CHECK (prints the failed condition
// and where, and makes the program exit 1), a multithreaded COM apartment
// (headless Wine cannot create the single-threaded apartment's window), the
// module a COM object's code lives in, and registry reads. Each program
// prints "PASS <name>" last and exits 0 when every CHECK held.
//
// Threading: for a test's main thread; not thread-safe.

#ifndef DSALLOC_WINDOWS_TESTS_TEST_SUPPORT_H_
#define DSALLOC_WINDOWS_TESTS_TEST_SUPPORT_H_

#include <cstdio>
#include <cwchar>
#include <string>

#include <dsalloc/dsalloc.h>

namespace dsalloc::windows_test {

inline int& Failures() {
  static int failures = 0;
  return failures;
}

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++::dsalloc::windows_test::Failures();                                        \
    }                                                                               \
  } while (0)

#define CHECK_HR(expected, call)                                                                  \
  do {                                                                                            \
    HRESULT hr_ = (call);                                                                         \
    if (hr_ != (expected)) {                                                                      \
      std::fprintf(stderr, "%s:%d: %s returned 0x%08lx, expected 0x%08lx\n", __FILE__, __LINE__,  \
                   #call, static_cast<unsigned long>(hr_), static_cast<unsigned long>(expected)); \
      ++::dsalloc::windows_test::Failures();                                                      \
    }                                                                                             \
  } while (0)

// "PASS name" and 0, or "FAIL name" and 1.
inline int Finish(const char* name) {
  std::printf("%s %s\n", Failures() == 0 ? "PASS" : "FAIL", name);
  return Failures() == 0 ? 0 : 1;
}

// COM initialised multithreaded for the object's lifetime.
class Apartment {
 public:
  Apartment() : hr_(CoInitializeEx(nullptr, COINIT_MULTITHREADED)) { CHECK(SUCCEEDED(hr_)); }
  Apartment(const Apartment&) = delete;
  Apartment& operator=(const Apartment&) = delete;
  ~Apartment() {
    if (SUCCEEDED(hr_)) CoUninitialize();
  }

 private:
  HRESULT hr_;
};

// The full path of the module whose code implements object's first method
// (the vtable's QueryInterface), or "" if none.
inline std::wstring ModuleOf(IUnknown* object) {
  void* first_method = (*reinterpret_cast<void***>(object))[0];
  HMODULE module = nullptr;
  if (!GetModuleHandleExW(
          GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
          static_cast<LPCWSTR>(first_method), &module)) {
    return L"";
  }
  wchar_t path[MAX_PATH * 4];
  DWORD n = GetModuleFileNameW(module, path, MAX_PATH * 4);
  return n == 0 || n >= MAX_PATH * 4 ? L"" : std::wstring(path, n);
}

// "dsalloc.dll" from "Z:\\...\\bin\\dsalloc.dll".
inline std::wstring BaseName(const std::wstring& path) {
  return path.substr(path.find_last_of(L"\\/") + 1);
}

inline bool SamePath(const std::wstring& a, const std::wstring& b) {
  return !a.empty() && _wcsicmp(a.c_str(), b.c_str()) == 0;
}

// HKCR\CLSID\{clsid}[\subkey], "" when absent.
inline std::wstring ClassKey(REFCLSID clsid, const wchar_t* subkey) {
  wchar_t guid[40] = L"";
  StringFromGUID2(clsid, guid, 40);
  std::wstring key = std::wstring(L"CLSID\\") + guid;
  if (subkey != nullptr) key += std::wstring(L"\\") + subkey;
  return key;
}

// A string value of HKCR\key (name NULL: the default value); "" if absent.
inline std::wstring ReadClassesString(const std::wstring& key, const wchar_t* name) {
  wchar_t value[MAX_PATH * 4];
  DWORD size = sizeof(value);
  if (RegGetValueW(HKEY_CLASSES_ROOT, key.c_str(), name, RRF_RT_REG_SZ, nullptr, value, &size) !=
      ERROR_SUCCESS) {
    return L"";
  }
  return value;
}

inline bool ClassesKeyExists(const std::wstring& key) {
  HKEY handle = nullptr;
  if (RegOpenKeyExW(HKEY_CLASSES_ROOT, key.c_str(), 0, KEY_READ, &handle) != ERROR_SUCCESS) {
    return false;
  }
  RegCloseKey(handle);
  return true;
}

inline std::string Utf8(const std::wstring& text) {
  std::string out;
  for (wchar_t c : text) out += c < 0x80 ? static_cast<char>(c) : '?';
  return out;
}

}  // namespace dsalloc::windows_test

#endif  // DSALLOC_WINDOWS_TESTS_TEST_SUPPORT_H_
