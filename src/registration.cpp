// ---------------------------------------------------------------------------
// File: src/registration.cpp (Windows only)
// ---------------------------------------------------------------------------
//
// DllRegisterServer and DllUnregisterServer, what `regsvr32 dsalloc.dll` and
// `regsvr32 /u dsalloc.dll` call. Registration names dsalloc's own CLSID
// only (CLSID_DsallocMemoryAllocator), never the system's
// CLSID_MemoryAllocator:
//
//   HKCR\CLSID\{D7A4E98B-...}                 @ = "dsalloc Memory Allocator"
//   HKCR\CLSID\{D7A4E98B-...}\InprocServer32  @ = <this module's full path>
//                                             ThreadingModel = "Both"
//
// The path is the module that holds this code (GetModuleHandleExW on an
// address inside it), so a renamed or moved copy registers itself where it
// is. Unregistering removes exactly these keys and values. Neither function
// throws; both are thread-compatible (the registry is the shared state).

#include <olectl.h>

#include <new>
#include <vector>

#include <dsalloc/dsalloc.h>

namespace {

constexpr wchar_t kDescription[] = L"dsalloc Memory Allocator";
constexpr wchar_t kThreadingModel[] = L"Both";
constexpr wchar_t kInprocServer32[] = L"\\InprocServer32";

// An object inside this module, whose address names the module.
constexpr char kModuleAnchor = 0;

// "CLSID\{D7A4E98B-00F8-482D-994E-D6D416D70316}", from the header's GUID.
bool ClsidKeyPath(wchar_t (&out)[64]) {
  wchar_t guid[40];
  if (StringFromGUID2(CLSID_DsallocMemoryAllocator, guid, 40) == 0) return false;
  out[0] = L'\0';
  return wcscat_s(out, L"CLSID\\") == 0 && wcscat_s(out, guid) == 0;
}

// The full path of the module holding this code; empty on failure.
std::vector<wchar_t> ModulePath() {
  HMODULE self = nullptr;
  if (!GetModuleHandleExW(
          GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
          reinterpret_cast<LPCWSTR>(&kModuleAnchor), &self)) {
    return {};
  }
  std::vector<wchar_t> path(MAX_PATH);
  while (path.size() <= 32768) {
    DWORD n = GetModuleFileNameW(self, path.data(), static_cast<DWORD>(path.size()));
    if (n == 0) return {};
    if (n < path.size()) {  // not truncated
      path.resize(n + 1);
      return path;
    }
    path.resize(path.size() * 2);
  }
  return {};
}

bool SetString(HKEY key, const wchar_t* name, const wchar_t* value, size_t chars_with_nul) {
  return RegSetValueExW(key, name, 0, REG_SZ, reinterpret_cast<const BYTE*>(value),
                        static_cast<DWORD>(chars_with_nul * sizeof(wchar_t))) == ERROR_SUCCESS;
}

// Creates (or opens) HKCR\subkey and sets its default value, and the
// ThreadingModel when threading_model is not null.
bool WriteKey(const wchar_t* subkey, const wchar_t* value, size_t value_chars_with_nul,
              const wchar_t* threading_model) {
  HKEY key = nullptr;
  if (RegCreateKeyExW(HKEY_CLASSES_ROOT, subkey, 0, nullptr, REG_OPTION_NON_VOLATILE, KEY_SET_VALUE,
                      nullptr, &key, nullptr) != ERROR_SUCCESS) {
    return false;
  }
  bool ok = SetString(key, nullptr, value, value_chars_with_nul);
  if (ok && threading_model != nullptr) {
    ok = SetString(key, L"ThreadingModel", threading_model, wcslen(threading_model) + 1);
  }
  RegCloseKey(key);
  return ok;
}

HRESULT Register() {
  wchar_t clsid_key[64];
  wchar_t inproc_key[96];
  if (!ClsidKeyPath(clsid_key)) return E_UNEXPECTED;
  if (wcscpy_s(inproc_key, clsid_key) != 0 || wcscat_s(inproc_key, kInprocServer32) != 0) {
    return E_UNEXPECTED;
  }
  std::vector<wchar_t> path = ModulePath();
  if (path.empty()) return SELFREG_E_CLASS;
  if (!WriteKey(clsid_key, kDescription, sizeof(kDescription) / sizeof(wchar_t), nullptr) ||
      !WriteKey(inproc_key, path.data(), path.size(), kThreadingModel)) {
    return SELFREG_E_CLASS;
  }
  return S_OK;
}

HRESULT Unregister() noexcept {
  wchar_t clsid_key[64];
  wchar_t inproc_key[96];
  if (!ClsidKeyPath(clsid_key)) return E_UNEXPECTED;
  if (wcscpy_s(inproc_key, clsid_key) != 0 || wcscat_s(inproc_key, kInprocServer32) != 0) {
    return E_UNEXPECTED;
  }
  LSTATUS status = RegDeleteKeyW(HKEY_CLASSES_ROOT, inproc_key);
  if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND) return SELFREG_E_CLASS;
  status = RegDeleteKeyW(HKEY_CLASSES_ROOT, clsid_key);
  if (status == ERROR_SUCCESS || status == ERROR_FILE_NOT_FOUND) return S_OK;
  // Someone else keeps a subkey there: take back only our default value.
  HKEY key = nullptr;
  if (RegOpenKeyExW(HKEY_CLASSES_ROOT, clsid_key, 0, KEY_SET_VALUE, &key) != ERROR_SUCCESS) {
    return SELFREG_E_CLASS;
  }
  status = RegDeleteValueW(key, nullptr);
  RegCloseKey(key);
  return status == ERROR_SUCCESS || status == ERROR_FILE_NOT_FOUND ? S_OK : SELFREG_E_CLASS;
}

}  // namespace

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllRegisterServer() {
  try {
    return Register();
  } catch (const std::bad_alloc&) {  // ModulePath's buffer
    return E_OUTOFMEMORY;
  }
}

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllUnregisterServer() { return Unregister(); }
