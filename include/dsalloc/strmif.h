// ---------------------------------------------------------------------------
// File: include/dsalloc/strmif.h
// ---------------------------------------------------------------------------
//
// The Windows SDK surface of DirectShow's memory allocator family.
//
// On Windows this header is the SDK: it includes the system's own <strmif.h>,
// <uuids.h>, <vfwmsgs.h> and <objbase.h>, so CoTaskMemAlloc/CoTaskMemFree are
// ole32's (memory handed across the interface is freed on the heap it came
// from) and code built here is built against the real SDK. Link ole32,
// strmiids and uuid (the dsalloc::headers target does).
//
// On Linux it is a header of its own:
// IUnknown, IClassFactory, IMemAllocator, IMemAllocatorCallbackTemp,
// IMemAllocatorNotifyCallbackTemp, IMediaSample, IMediaSample2, their
// structures, flags, HRESULTs and GUIDs, spelled exactly as the SDK spells
// them. Code written against <strmif.h> for this family compiles unchanged
// against this header.
//
// ABI: every integer has its Windows width (LONG is 32-bit even on LP64
// Linux), structures have the SDK's field order and natural alignment, and
// interfaces are abstract classes whose virtual functions appear in the SDK's
// vtable order with no virtual destructor, so the vtable of an object built
// by one compiler can be called through another's.
//
// This header declares only; it needs no library. GUIDs are inline constants
// (the SDK keeps them in strmiids.lib), so a checker can talk to any
// implementation without linking ours.

#ifndef DSALLOC_STRMIF_H_
#define DSALLOC_STRMIF_H_

#if defined(_WIN32)

// windows.h first, in a block of its own (clang-format sorts within blocks):
// the SDK headers below need what it defines.
#include <windows.h>

#include <cguid.h>
#include <objbase.h>
#include <strmif.h>
#include <uuids.h>
#include <vfwmsgs.h>

#else  // the Linux surface

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

// --- Calling convention and declaration helpers ----------------------------

#if defined(_WIN32) && !defined(_WIN64)
#define STDMETHODCALLTYPE __stdcall
#else
#define STDMETHODCALLTYPE
#endif
#define STDAPICALLTYPE STDMETHODCALLTYPE
#define WINAPI STDMETHODCALLTYPE

#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif

#define STDMETHOD(method) virtual HRESULT STDMETHODCALLTYPE method
#define STDMETHOD_(type, method) virtual type STDMETHODCALLTYPE method
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#define STDMETHODIMP_(type) type STDMETHODCALLTYPE
#define STDAPI EXTERN_C HRESULT STDAPICALLTYPE
#define PURE = 0

// --- Primitive types (Windows widths; SEMANTICS 1.1) -----------------------

typedef int32_t HRESULT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef int32_t BOOL;
typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef LONGLONG REFERENCE_TIME;
typedef size_t SIZE_T;
typedef void* LPVOID;
typedef void* PVOID;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

static_assert(sizeof(LONG) == 4, "LONG is 32-bit on every Windows ABI");
static_assert(sizeof(HRESULT) == 4, "HRESULT is 32-bit");
static_assert(sizeof(BOOL) == 4, "BOOL is 32-bit");

// --- GUIDs ------------------------------------------------------------------

typedef struct _GUID {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
} GUID;
typedef GUID IID;
typedef GUID CLSID;
typedef IID* LPIID;
typedef CLSID* LPCLSID;
typedef const IID& REFIID;
typedef const CLSID& REFCLSID;
typedef const GUID& REFGUID;

static_assert(sizeof(GUID) == 16, "GUID is 16 bytes");

inline bool IsEqualGUID(REFGUID a, REFGUID b) { return std::memcmp(&a, &b, sizeof(GUID)) == 0; }
inline bool IsEqualIID(REFIID a, REFIID b) { return IsEqualGUID(a, b); }
inline bool IsEqualCLSID(REFCLSID a, REFCLSID b) { return IsEqualGUID(a, b); }
inline bool operator==(REFGUID a, REFGUID b) { return IsEqualGUID(a, b); }
inline bool operator!=(REFGUID a, REFGUID b) { return !IsEqualGUID(a, b); }

// --- HRESULTs (values from SEMANTICS 1.3) -----------------------------------

#define SUCCEEDED(hr) (static_cast<HRESULT>(hr) >= 0)
#define FAILED(hr) (static_cast<HRESULT>(hr) < 0)
#define DSALLOC_HR(value) static_cast<HRESULT>(static_cast<uint32_t>(value))

#define S_OK DSALLOC_HR(0x00000000)  // success; "true" of Is* queries
#define NOERROR S_OK
#define S_FALSE DSALLOC_HR(0x00000001)  // "false" of Is*; GetMediaType: none
#define E_NOTIMPL DSALLOC_HR(0x80004001)
#define E_NOINTERFACE DSALLOC_HR(0x80004002)  // QueryInterface miss
#define E_POINTER DSALLOC_HR(0x80004003)      // a required pointer is NULL
#define E_ABORT DSALLOC_HR(0x80004004)
#define E_FAIL DSALLOC_HR(0x80004005)
#define E_UNEXPECTED DSALLOC_HR(0x8000FFFF)
#define E_OUTOFMEMORY DSALLOC_HR(0x8007000E)              // allocation failed or too big
#define E_INVALIDARG DSALLOC_HR(0x80070057)               // malformed argument
#define CLASS_E_NOAGGREGATION DSALLOC_HR(0x80040110)      // outer unknown given
#define CLASS_E_CLASSNOTAVAILABLE DSALLOC_HR(0x80040111)  // unknown CLSID

#define VFW_E_NO_ALLOCATOR DSALLOC_HR(0x8004020A)
#define VFW_E_BUFFER_NOTSET DSALLOC_HR(0x8004020C)        // Wine: cBuffers 0
#define VFW_E_BUFFER_OVERFLOW DSALLOC_HR(0x8004020D)      // data length range
#define VFW_E_BADALIGN DSALLOC_HR(0x8004020E)             // cbAlign invalid
#define VFW_E_ALREADY_COMMITTED DSALLOC_HR(0x8004020F)    // SetProperties in C
#define VFW_E_BUFFERS_OUTSTANDING DSALLOC_HR(0x80040210)  // samples held
#define VFW_E_NOT_COMMITTED DSALLOC_HR(0x80040211)        // GetBuffer not in C
#define VFW_E_SIZENOTSET DSALLOC_HR(0x80040212)           // Commit w/o sizes
#define VFW_E_STATE_CHANGED DSALLOC_HR(0x80040223)
#define VFW_E_WRONG_STATE DSALLOC_HR(0x80040227)
#define VFW_E_TIMEOUT DSALLOC_HR(0x8004022E)              // NOWAIT, none free
#define VFW_E_SAMPLE_TIME_NOT_SET DSALLOC_HR(0x80040249)  // GetTime
#define VFW_E_MEDIA_TIME_NOT_SET DSALLOC_HR(0x80040251)   // GetMediaTime
#define VFW_S_NO_STOP_TIME DSALLOC_HR(0x00040270)         // GetTime, no stop

// --- COM task allocator -----------------------------------------------------
// Memory handed across the interface (GetMediaType's result, a media type's
// format block) comes from this allocator. On Linux it is the C heap, so an
// implementation and its caller agree without sharing a library.

inline LPVOID CoTaskMemAlloc(SIZE_T cb) { return std::malloc(cb); }
inline LPVOID CoTaskMemRealloc(LPVOID pv, SIZE_T cb) { return std::realloc(pv, cb); }
inline void CoTaskMemFree(LPVOID pv) { std::free(pv); }

// --- Flags and enumerations (SEMANTICS 1.4) ----------------------------------

enum tagAM_GBF_FLAGS {  // IMemAllocator::GetBuffer dwFlags
  AM_GBF_PREVFRAMESKIPPED = 1,
  AM_GBF_NOTASYNCPOINT = 2,
  AM_GBF_NOWAIT = 4,
  AM_GBF_NODDSURFACELOCK = 8,
};

typedef enum tagAM_SAMPLE_PROPERTY_FLAGS {  // dwSampleFlags
  AM_SAMPLE_SPLICEPOINT = 0x1,
  AM_SAMPLE_PREROLL = 0x2,
  AM_SAMPLE_DATADISCONTINUITY = 0x4,
  AM_SAMPLE_TYPECHANGED = 0x8,
  AM_SAMPLE_TIMEVALID = 0x10,
  AM_SAMPLE_TIMEDISCONTINUITY = 0x40,
  AM_SAMPLE_FLUSH_ON_PAUSE = 0x80,
  AM_SAMPLE_STOPVALID = 0x100,
  AM_SAMPLE_ENDOFSTREAM = 0x200,
  AM_STREAM_MEDIA = 0,
  AM_STREAM_CONTROL = 1,
} AM_SAMPLE_PROPERTY_FLAGS;

// --- Structures (field order and natural alignment of the SDK) --------------

typedef struct _AllocatorProperties {
  LONG cBuffers;
  LONG cbBuffer;
  LONG cbAlign;
  LONG cbPrefix;
} ALLOCATOR_PROPERTIES;

struct IUnknown;

typedef struct _AMMediaType {
  GUID majortype;
  GUID subtype;
  BOOL bFixedSizeSamples;
  BOOL bTemporalCompression;
  ULONG lSampleSize;
  GUID formattype;
  IUnknown* pUnk;
  ULONG cbFormat;
  BYTE* pbFormat;
} AM_MEDIA_TYPE;

typedef struct tagAM_SAMPLE2_PROPERTIES {
  DWORD cbData;
  DWORD dwTypeSpecificFlags;
  DWORD dwSampleFlags;
  LONG lActual;
  REFERENCE_TIME tStart;
  REFERENCE_TIME tStop;
  DWORD dwStreamId;
  AM_MEDIA_TYPE* pMediaType;
  BYTE* pbBuffer;
  LONG cbBuffer;
} AM_SAMPLE2_PROPERTIES;

static_assert(sizeof(ALLOCATOR_PROPERTIES) == 16, "four 32-bit LONGs");
static_assert(offsetof(AM_SAMPLE2_PROPERTIES, tStart) == 16, "SDK layout");
static_assert(offsetof(AM_SAMPLE2_PROPERTIES, dwStreamId) == 32, "SDK layout");
static_assert(offsetof(AM_SAMPLE2_PROPERTIES, pMediaType) == (sizeof(void*) == 8 ? 40 : 36),
              "SDK layout");
static_assert(sizeof(AM_SAMPLE2_PROPERTIES) == (sizeof(void*) == 8 ? 64 : 48), "SDK layout");

// --- Interface identifiers (SEMANTICS 1.2) ----------------------------------

inline constexpr IID IID_IUnknown = {0x00000000, 0x0000, 0x0000, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};
inline constexpr IID IID_IClassFactory = {
    0x00000001, 0x0000, 0x0000, {0xc0, 0, 0, 0, 0, 0, 0, 0x46}};
inline constexpr IID IID_IMediaSample = {
    0x56a8689a, 0x0ad4, 0x11ce, {0xb0, 0x3a, 0x00, 0x20, 0xaf, 0x0b, 0xa7, 0x70}};
inline constexpr IID IID_IMediaSample2 = {
    0x36b73884, 0xc2c8, 0x11cf, {0x8b, 0x46, 0x00, 0x80, 0x5f, 0x6c, 0xef, 0x60}};
inline constexpr IID IID_IMemAllocator = {
    0x56a8689c, 0x0ad4, 0x11ce, {0xb0, 0x3a, 0x00, 0x20, 0xaf, 0x0b, 0xa7, 0x70}};
inline constexpr IID IID_IMemAllocatorCallbackTemp = {
    0x379a0cf0, 0xc1de, 0x11d2, {0xab, 0xf5, 0x00, 0xa0, 0xc9, 0x05, 0xf3, 0x75}};
inline constexpr IID IID_IMemAllocatorNotifyCallbackTemp = {
    0x92980b30, 0xc1de, 0x11d2, {0xab, 0xf5, 0x00, 0xa0, 0xc9, 0x05, 0xf3, 0x75}};
inline constexpr IID IID_IMemInputPin = {
    0x56a8689d, 0x0ad4, 0x11ce, {0xb0, 0x3a, 0x00, 0x20, 0xaf, 0x0b, 0xa7, 0x70}};
inline constexpr CLSID CLSID_MemoryAllocator = {
    0x1e651cc0, 0xb199, 0x11d0, {0x82, 0x12, 0x00, 0xc0, 0x4f, 0xc3, 0x2c, 0x45}};
inline constexpr IID GUID_NULL = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};

// --- Interfaces (SDK vtable order; SEMANTICS 1.5-1.10) ----------------------

struct IUnknown {
  virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppvObject) = 0;
  virtual ULONG STDMETHODCALLTYPE AddRef() = 0;
  virtual ULONG STDMETHODCALLTYPE Release() = 0;
};
typedef IUnknown* LPUNKNOWN;

struct IClassFactory : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* pUnkOuter, REFIID riid,
                                                   void** ppvObject) = 0;
  virtual HRESULT STDMETHODCALLTYPE LockServer(BOOL fLock) = 0;
};

struct IMediaSample : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE GetPointer(BYTE** ppBuffer) = 0;
  virtual LONG STDMETHODCALLTYPE GetSize() = 0;
  virtual HRESULT STDMETHODCALLTYPE GetTime(REFERENCE_TIME* pTimeStart,
                                            REFERENCE_TIME* pTimeEnd) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetTime(REFERENCE_TIME* pTimeStart,
                                            REFERENCE_TIME* pTimeEnd) = 0;
  virtual HRESULT STDMETHODCALLTYPE IsSyncPoint() = 0;
  virtual HRESULT STDMETHODCALLTYPE SetSyncPoint(BOOL bIsSyncPoint) = 0;
  virtual HRESULT STDMETHODCALLTYPE IsPreroll() = 0;
  virtual HRESULT STDMETHODCALLTYPE SetPreroll(BOOL bIsPreroll) = 0;
  virtual LONG STDMETHODCALLTYPE GetActualDataLength() = 0;
  virtual HRESULT STDMETHODCALLTYPE SetActualDataLength(LONG length) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetMediaType(AM_MEDIA_TYPE** ppMediaType) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetMediaType(AM_MEDIA_TYPE* pMediaType) = 0;
  virtual HRESULT STDMETHODCALLTYPE IsDiscontinuity() = 0;
  virtual HRESULT STDMETHODCALLTYPE SetDiscontinuity(BOOL bDiscontinuity) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) = 0;
};

struct IMediaSample2 : public IMediaSample {
  virtual HRESULT STDMETHODCALLTYPE GetProperties(DWORD cbProperties, BYTE* pbProperties) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetProperties(DWORD cbProperties, const BYTE* pbProperties) = 0;
};

struct IMemAllocator : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE SetProperties(ALLOCATOR_PROPERTIES* pRequest,
                                                  ALLOCATOR_PROPERTIES* pActual) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetProperties(ALLOCATOR_PROPERTIES* pProps) = 0;
  virtual HRESULT STDMETHODCALLTYPE Commit() = 0;
  virtual HRESULT STDMETHODCALLTYPE Decommit() = 0;
  virtual HRESULT STDMETHODCALLTYPE GetBuffer(IMediaSample** ppBuffer, REFERENCE_TIME* pStartTime,
                                              REFERENCE_TIME* pEndTime, DWORD dwFlags) = 0;
  virtual HRESULT STDMETHODCALLTYPE ReleaseBuffer(IMediaSample* pBuffer) = 0;
};

struct IMemAllocatorNotifyCallbackTemp : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE NotifyRelease() = 0;
};

struct IMemAllocatorCallbackTemp : public IMemAllocator {
  virtual HRESULT STDMETHODCALLTYPE SetNotify(IMemAllocatorNotifyCallbackTemp* pNotify) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetFreeCount(LONG* plBuffersFree) = 0;
};

// --- In-process server entry points -----------------------------------------
// An implementation is a shared object exporting these two C functions.

typedef HRESULT(STDAPICALLTYPE* LPFNGETCLASSOBJECT)(REFCLSID, REFIID, LPVOID*);
typedef HRESULT(STDAPICALLTYPE* LPFNCANUNLOADNOW)();

#endif  // _WIN32

#endif  // DSALLOC_STRMIF_H_
