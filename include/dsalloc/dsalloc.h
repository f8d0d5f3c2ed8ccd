// ---------------------------------------------------------------------------
// File: include/dsalloc/dsalloc.h
// ---------------------------------------------------------------------------
//
// What libdsalloc adds to the Windows surface of strmif.h: the in-process
// server entry points every implementation exports, a direct constructor for
// programs that link dsalloc, and the media type helpers the DirectShow base
// classes provide (DeleteMediaType and friends), so a caller can free what
// IMediaSample::GetMediaType returns.
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

// DllGetClassObject()
//
// Stores in *ppv the class factory for CLSID_MemoryAllocator, queried for riid
// (IID_IClassFactory or IID_IUnknown), and returns S_OK. ppv NULL: E_POINTER.
// Another CLSID: CLASS_E_CLASSNOTAVAILABLE. Another riid: E_NOINTERFACE.
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllGetClassObject(REFCLSID rclsid, REFIID riid,
                                                              LPVOID* ppv);

// DllCanUnloadNow()
//
// S_OK when no object of this server is alive and no LockServer(TRUE) is
// outstanding; otherwise S_FALSE.
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllCanUnloadNow();

// DsallocCreateMemoryAllocator()
//
// Creates a new allocator (what CoCreateInstance(CLSID_MemoryAllocator, NULL,
// CLSCTX_INPROC_SERVER, riid, ppv) does on Windows) and queries it for riid.
EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DsallocCreateMemoryAllocator(REFIID riid, LPVOID* ppv);

// DsallocArmAllocationFailure()
//
// A test hook, looked up by name by checkers (an implementation without it
// simply has no fault injection): makes the countdown-th allocation the
// library attempts from now fail (1 = the next one), and every later one
// too when sticky is nonzero; 0 disarms. Not for production use.
EXTERN_C DSALLOC_API void STDAPICALLTYPE DsallocArmAllocationFailure(long countdown, int sticky);

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
