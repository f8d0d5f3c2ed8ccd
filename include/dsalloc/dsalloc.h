// ---------------------------------------------------------------------------
// File: include/dsalloc/dsalloc.h
// ---------------------------------------------------------------------------
//
// What libdsalloc adds to the Windows surface of strmif.h: dsalloc's own
// class id, the in-process server entry points every implementation exports
// (on Windows also the self-registration pair regsvr32 calls), a direct
// constructor for programs that link dsalloc, and the media type helpers the
// DirectShow base classes provide (DeleteMediaType and friends), so a caller
// can free what IMediaSample::GetMediaType returns.
//
// On Windows the server is dsalloc.dll, and these functions, with the test
// hook of <dsalloc/testing.h>, are all it exports (src/dsalloc.def),
// undecorated on i686 too.
//
// Threading: every function is thread-safe. Errors: HRESULTs as documented
// per function; out-pointers are NULL on failure.

#ifndef DSALLOC_DSALLOC_H_
#define DSALLOC_DSALLOC_H_

#include <dsalloc/strmif.h>

// Only these entry points are exported; everything else in the library is
// hidden, so two implementations loaded into one process never bind to each
// other's internals.
#if defined(_WIN32)
#define DSALLOC_API
#else
#define DSALLOC_API __attribute__((visibility("default")))
#endif

// CLSID_DsallocMemoryAllocator
//
// dsalloc's own class id, {D7A4E98B-00F8-482D-994E-D6D416D70316}. The server
// serves it exactly as it serves CLSID_MemoryAllocator. On Windows,
// DllRegisterServer registers dsalloc.dll under this CLSID only, so a program
// can create dsalloc by name next to the system's allocator; making dsalloc
// the system's CLSID_MemoryAllocator is a separate, reversible step
// (windows/README.md).
inline constexpr CLSID CLSID_DsallocMemoryAllocator = {
    0xd7a4e98b, 0x00f8, 0x482d, {0x99, 0x4e, 0xd6, 0xd4, 0x16, 0xd7, 0x03, 0x16}};

// DllGetClassObject()
//
// Stores in *ppv the class factory for CLSID_MemoryAllocator or
// CLSID_DsallocMemoryAllocator (the same factory: the same allocator), queried
// for riid (IID_IClassFactory or IID_IUnknown), and returns S_OK. ppv NULL:
// E_POINTER. Another CLSID: CLASS_E_CLASSNOTAVAILABLE. Another riid:
// E_NOINTERFACE.
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllGetClassObject(REFCLSID rclsid, REFIID riid,
                                                              LPVOID* ppv);

// DllCanUnloadNow()
//
// S_OK when no object of this server is alive and no LockServer(TRUE) is
// outstanding; otherwise S_FALSE.
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllCanUnloadNow();

#if defined(_WIN32)
// DllRegisterServer()
//
// Writes HKEY_CLASSES_ROOT\CLSID\{CLSID_DsallocMemoryAllocator} (default
// value "dsalloc Memory Allocator") and its InprocServer32 subkey: default
// value the full path of the module holding this code (GetModuleFileNameW),
// ThreadingModel "Both". Nothing else. S_OK, or SELFREG_E_CLASS when a key or
// value cannot be written (what was written stays; DllUnregisterServer
// removes it). Registers in the registry view of the module's bitness.
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllRegisterServer();

// DllUnregisterServer()
//
// Removes what DllRegisterServer writes: the InprocServer32 subkey, then the
// CLSID key if nothing else is left under it (else only its default value).
// S_OK, also when nothing was registered; SELFREG_E_CLASS when a key exists
// but cannot be removed. Never touches CLSID_MemoryAllocator's key.
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllUnregisterServer();
#endif

// DsallocCreateMemoryAllocator()
//
// Creates a new allocator (what CoCreateInstance(CLSID_MemoryAllocator, NULL,
// CLSCTX_INPROC_SERVER, riid, ppv) does on Windows) and queries it for riid.
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DsallocCreateMemoryAllocator(REFIID riid, LPVOID* ppv);

// Media type helpers with the base classes' names and semantics
// (SEMANTICS 1.4): FreeMediaType releases the format block and pUnk of *pmt;
// DeleteMediaType frees the contents and then the CoTaskMemAlloc'd struct.
// CopyMediaType deep-copies src into dst (E_OUTOFMEMORY, dst emptied, on
// failure); CreateMediaType returns a new CoTaskMemAlloc'd copy or NULL.
EXTERN_C DSALLOC_API void STDAPICALLTYPE FreeMediaType(AM_MEDIA_TYPE* pmt);
EXTERN_C DSALLOC_API void STDAPICALLTYPE DeleteMediaType(AM_MEDIA_TYPE* pmt);
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE CopyMediaType(AM_MEDIA_TYPE* pmtTarget,
                                                          const AM_MEDIA_TYPE* pmtSource);
EXTERN_C DSALLOC_API AM_MEDIA_TYPE* STDAPICALLTYPE CreateMediaType(const AM_MEDIA_TYPE* pSrc);

#endif  // DSALLOC_DSALLOC_H_
