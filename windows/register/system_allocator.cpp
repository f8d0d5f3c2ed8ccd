// windows/register/system_allocator.cpp: the reversible replacement of
// CLSID_MemoryAllocator's InprocServer32 (system_allocator.h). The saved copy
// is a registry tree copy (RegCopyTreeW) of the original key, so every value
// comes back with its type; its marker value HadInprocServer32 is written
// last, so a copy interrupted half-way never counts as saved.

#include "system_allocator.h"

#include <dsalloc/dsalloc.h>

namespace dsalloc::windows {
namespace {

constexpr wchar_t kSavedKey[] = L"SOFTWARE\\dsalloc\\SavedMemoryAllocator";
constexpr wchar_t kSavedParent[] = L"SOFTWARE\\dsalloc";
constexpr wchar_t kSavedServerKey[] = L"SOFTWARE\\dsalloc\\SavedMemoryAllocator\\InprocServer32";
constexpr wchar_t kMarker[] = L"HadInprocServer32";

// HKLM\SOFTWARE\Classes\CLSID\{1E651CC0-...}\InprocServer32
std::wstring ServerKeyPath() {
  wchar_t guid[40] = L"";
  StringFromGUID2(CLSID_MemoryAllocator, guid, 40);
  return std::wstring(L"SOFTWARE\\Classes\\CLSID\\") + guid + L"\\InprocServer32";
}

bool Fail(std::string* error, const std::string& what, LSTATUS status) {
  *error = what + " (error " + std::to_string(status) + ")";
  return false;
}

// A registry key closed when it goes out of scope.
class Key {
 public:
  Key() = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key() {
    if (key_ != nullptr) RegCloseKey(key_);
  }
  HKEY* put() { return &key_; }
  HKEY get() const { return key_; }

 private:
  HKEY key_ = nullptr;
};

LSTATUS Create(const std::wstring& path, Key& key) {
  return RegCreateKeyExW(HKEY_LOCAL_MACHINE, path.c_str(), 0, nullptr, REG_OPTION_NON_VOLATILE,
                         KEY_ALL_ACCESS, nullptr, key.put(), nullptr);
}

LSTATUS SetString(HKEY key, const wchar_t* name, const std::wstring& value) {
  return RegSetValueExW(key, name, 0, REG_SZ, reinterpret_cast<const BYTE*>(value.c_str()),
                        static_cast<DWORD>((value.size() + 1) * sizeof(wchar_t)));
}

bool IsGone(LSTATUS status) { return status == ERROR_SUCCESS || status == ERROR_FILE_NOT_FOUND; }

}  // namespace

std::string Utf8(const std::wstring& text) {
  int n = WideCharToMultiByte(CP_UTF8, 0, text.c_str(), -1, nullptr, 0, nullptr, nullptr);
  if (n <= 0) return "?";
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text.c_str(), -1, out.data(), n, nullptr, nullptr);
  out.resize(static_cast<size_t>(n - 1));
  return out;
}

std::wstring CheckServer(const std::wstring& dll_path, std::string* error) {
  wchar_t full[MAX_PATH * 4];
  DWORD n = GetFullPathNameW(dll_path.c_str(), MAX_PATH * 4, full, nullptr);
  if (n == 0 || n >= MAX_PATH * 4) {
    *error = "cannot resolve " + Utf8(dll_path);
    return L"";
  }
  HMODULE module = LoadLibraryExW(full, nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
  if (module == nullptr) {
    *error = "cannot load " + Utf8(full) + " (error " + std::to_string(GetLastError()) +
             "; a 32-bit DLL needs the 32-bit dsalloc-register.exe)";
    return L"";
  }
  // Through void*: FARPROC's type is no more right than ours.
  auto get_class_object = reinterpret_cast<LPFNGETCLASSOBJECT>(
      reinterpret_cast<void*>(GetProcAddress(module, "DllGetClassObject")));
  IClassFactory* factory = nullptr;
  if (get_class_object == nullptr ||
      FAILED(get_class_object(CLSID_MemoryAllocator, IID_IClassFactory,
                              reinterpret_cast<void**>(&factory))) ||
      factory == nullptr) {
    *error = Utf8(full) + " does not serve CLSID_MemoryAllocator";
    return L"";
  }
  factory->Release();
  wchar_t canonical[MAX_PATH * 4];
  n = GetModuleFileNameW(module, canonical, MAX_PATH * 4);
  if (n == 0 || n >= MAX_PATH * 4) {
    *error = "GetModuleFileNameW failed for " + Utf8(full);
    return L"";
  }
  return canonical;
}

bool HasSavedCopy() {
  DWORD had = 0;
  DWORD size = sizeof(had);
  return RegGetValueW(HKEY_LOCAL_MACHINE, kSavedKey, kMarker, RRF_RT_REG_DWORD, nullptr, &had,
                      &size) == ERROR_SUCCESS;
}

std::wstring CurrentServer() {
  wchar_t value[MAX_PATH * 4];
  DWORD size = sizeof(value);
  if (RegGetValueW(HKEY_LOCAL_MACHINE, ServerKeyPath().c_str(), nullptr, RRF_RT_REG_SZ, nullptr,
                   value, &size) != ERROR_SUCCESS) {
    return L"";
  }
  return value;
}

bool Replace(const std::wstring& server_path, std::string* error) {
  if (HasSavedCopy()) {
    *error = "CLSID_MemoryAllocator is replaced already (a saved copy exists): --restore first";
    return false;
  }
  const std::wstring server_key = ServerKeyPath();
  // 1. Save: the original key's tree, then the marker.
  RegDeleteTreeW(HKEY_LOCAL_MACHINE, kSavedKey);  // an unmarked, interrupted copy
  Key saved;
  LSTATUS status = Create(kSavedKey, saved);
  if (status != ERROR_SUCCESS) return Fail(error, "cannot create HKLM\\SOFTWARE\\dsalloc", status);
  Key original;
  status = RegOpenKeyExW(HKEY_LOCAL_MACHINE, server_key.c_str(), 0, KEY_READ, original.put());
  DWORD had = status == ERROR_SUCCESS ? 1 : 0;
  if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND) {
    return Fail(error, "cannot read CLSID_MemoryAllocator's InprocServer32", status);
  }
  if (had) {
    Key copy;
    status = Create(kSavedServerKey, copy);
    if (status == ERROR_SUCCESS) status = RegCopyTreeW(original.get(), nullptr, copy.get());
    if (status != ERROR_SUCCESS) {
      RegDeleteTreeW(HKEY_LOCAL_MACHINE, kSavedKey);
      return Fail(error, "cannot save CLSID_MemoryAllocator's InprocServer32", status);
    }
  }
  status = RegSetValueExW(saved.get(), kMarker, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&had),
                          sizeof(had));
  if (status != ERROR_SUCCESS) return Fail(error, "cannot mark the saved copy", status);
  // 2. Point the key at the server; undo through the saved copy on failure.
  Key server;
  status = Create(server_key, server);
  if (status == ERROR_SUCCESS) status = SetString(server.get(), nullptr, server_path);
  if (status == ERROR_SUCCESS) status = SetString(server.get(), L"ThreadingModel", L"Both");
  if (status != ERROR_SUCCESS) {
    std::string ignored;
    Restore(&ignored);
    return Fail(error, "cannot write CLSID_MemoryAllocator's InprocServer32", status);
  }
  return true;
}

bool Restore(std::string* error) {
  DWORD had = 0;
  DWORD size = sizeof(had);
  LSTATUS status =
      RegGetValueW(HKEY_LOCAL_MACHINE, kSavedKey, kMarker, RRF_RT_REG_DWORD, nullptr, &had, &size);
  if (status != ERROR_SUCCESS) {
    *error = "nothing to restore: CLSID_MemoryAllocator was not replaced by dsalloc-register";
    return false;
  }
  const std::wstring server_key = ServerKeyPath();
  // RegDeleteTreeW with a subkey name deletes that key too.
  status = RegDeleteTreeW(HKEY_LOCAL_MACHINE, server_key.c_str());
  if (!IsGone(status)) return Fail(error, "cannot clear CLSID_MemoryAllocator's key", status);
  if (had) {
    Key copy;
    status = RegOpenKeyExW(HKEY_LOCAL_MACHINE, kSavedServerKey, 0, KEY_READ, copy.put());
    if (status != ERROR_SUCCESS) return Fail(error, "the saved copy is damaged", status);
    Key server;
    status = Create(server_key, server);
    if (status == ERROR_SUCCESS) status = RegCopyTreeW(copy.get(), nullptr, server.get());
    if (status != ERROR_SUCCESS) {
      return Fail(error, "cannot write CLSID_MemoryAllocator's InprocServer32 back", status);
    }
  }
  status = RegDeleteTreeW(HKEY_LOCAL_MACHINE, kSavedKey);
  if (!IsGone(status)) return Fail(error, "restored, but cannot delete the saved copy", status);
  RegDeleteKeyW(HKEY_LOCAL_MACHINE, kSavedParent);  // only if nothing else is left there
  return true;
}

}  // namespace dsalloc::windows
