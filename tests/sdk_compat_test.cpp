// ---------------------------------------------------------------------------
// File: tests/sdk_compat_test.cpp
// ---------------------------------------------------------------------------
//
// Source compatibility with the Windows SDK: this program is written the way
// Windows DirectShow code is written and uses only names the SDK declares
// for this family (strmif.h, objbase.h, uuids.h). It must compile unchanged
// against <dsalloc/strmif.h> on Linux (and against the SDK on Windows),
// and it runs a producer round trip: exit status 0 when every check holds.

#ifdef _WIN32
#include <strmif.h>
#include <uuids.h>
#include <windows.h>
#pragma comment(lib, "strmiids.lib")
#else
#include <dsalloc/strmif.h>
#endif

#include <stdio.h>
#include <string.h>

// objbase.h declares this for every in-process server; the allocator's
// server is linked in, as CoCreateInstance would load it on Windows.
STDAPI DllGetClassObject(REFCLSID rclsid, REFIID riid, LPVOID* ppv);

static int g_failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      ++g_failures;                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

// A release callback, COM style.
class CReleaseNotify : public IMemAllocatorNotifyCallbackTemp {
 public:
  CReleaseNotify() : m_cRef(1), m_cNotify(0) {}

  STDMETHODIMP QueryInterface(REFIID riid, void** ppv) {
    if (ppv == NULL) return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMemAllocatorNotifyCallbackTemp)) {
      *ppv = static_cast<IMemAllocatorNotifyCallbackTemp*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
  }
  STDMETHODIMP_(ULONG) AddRef() { return ++m_cRef; }
  STDMETHODIMP_(ULONG) Release() { return --m_cRef; }  // stack object
  STDMETHODIMP NotifyRelease() {
    ++m_cNotify;
    return S_OK;
  }

  ULONG m_cRef;
  LONG m_cNotify;
};

static HRESULT CreateMemoryAllocator(IMemAllocator** ppAlloc) {
  IClassFactory* pFactory = NULL;
  HRESULT hr = DllGetClassObject(CLSID_MemoryAllocator, IID_IClassFactory,
                                 reinterpret_cast<LPVOID*>(&pFactory));
  if (FAILED(hr)) return hr;
  hr = pFactory->CreateInstance(NULL, IID_IMemAllocator, reinterpret_cast<void**>(ppAlloc));
  pFactory->Release();
  return hr;
}

static void FillSample(IMediaSample* pSample, REFERENCE_TIME rtStart) {
  BYTE* pData = NULL;
  CHECK(SUCCEEDED(pSample->GetPointer(&pData)));
  LONG cbSize = pSample->GetSize();
  memset(pData, 0xAB, cbSize);
  CHECK(pSample->SetActualDataLength(cbSize) == S_OK);
  REFERENCE_TIME rtStop = rtStart + 400000;
  CHECK(pSample->SetTime(&rtStart, &rtStop) == S_OK);
  CHECK(pSample->SetSyncPoint(TRUE) == S_OK);
  CHECK(pSample->SetDiscontinuity(FALSE) == S_OK);
  CHECK(pSample->SetPreroll(FALSE) == S_OK);
  LONGLONG llStart = 0, llStop = 1;
  CHECK(pSample->SetMediaTime(&llStart, &llStop) == S_OK);
}

int main() {
  IMemAllocator* pAlloc = NULL;
  HRESULT hr = CreateMemoryAllocator(&pAlloc);
  CHECK(hr == S_OK);
  if (FAILED(hr)) return 1;

  IMemAllocatorCallbackTemp* pCallbackAlloc = NULL;
  hr = pAlloc->QueryInterface(IID_IMemAllocatorCallbackTemp,
                              reinterpret_cast<void**>(&pCallbackAlloc));
  CHECK(SUCCEEDED(hr));

  CReleaseNotify notify;
  CHECK(pCallbackAlloc->SetNotify(&notify) == S_OK);

  ALLOCATOR_PROPERTIES propRequest, propActual;
  memset(&propRequest, 0, sizeof(propRequest));
  propRequest.cBuffers = 2;
  propRequest.cbBuffer = 1000;
  propRequest.cbAlign = 16;
  propRequest.cbPrefix = 0;
  hr = pAlloc->SetProperties(&propRequest, &propActual);
  CHECK(hr == S_OK);
  CHECK(propActual.cbBuffer >= propRequest.cbBuffer);
  CHECK(pAlloc->Commit() == S_OK);

  LONG lFree = 0;
  CHECK(pCallbackAlloc->GetFreeCount(&lFree) == S_OK && lFree == 2);

  IMediaSample* pSamples[2] = {NULL, NULL};
  for (int i = 0; i < 2; i++) {
    hr = pAlloc->GetBuffer(&pSamples[i], NULL, NULL, AM_GBF_NOWAIT);
    CHECK(hr == S_OK);
    if (SUCCEEDED(hr)) FillSample(pSamples[i], i * 400000);
  }
  IMediaSample* pNone = NULL;
  CHECK(pAlloc->GetBuffer(&pNone, NULL, NULL, AM_GBF_NOWAIT) == VFW_E_TIMEOUT);
  CHECK(pNone == NULL);

  // IMediaSample2 and the media type, as a downstream filter would read them.
  IMediaSample2* pSample2 = NULL;
  if (SUCCEEDED(
          pSamples[0]->QueryInterface(IID_IMediaSample2, reinterpret_cast<void**>(&pSample2)))) {
    AM_SAMPLE2_PROPERTIES props;
    CHECK(pSample2->GetProperties(sizeof(props), reinterpret_cast<BYTE*>(&props)) == S_OK);
    CHECK((props.dwSampleFlags & AM_SAMPLE_SPLICEPOINT) != 0);
    CHECK((props.dwSampleFlags & AM_SAMPLE_TIMEVALID) != 0);
    CHECK((props.dwSampleFlags & AM_SAMPLE_STOPVALID) != 0);
    CHECK(props.dwStreamId == AM_STREAM_MEDIA);
    pSample2->Release();
  } else {
    CHECK(FALSE);
  }
  AM_MEDIA_TYPE mt;
  memset(&mt, 0, sizeof(mt));
  mt.majortype = GUID_NULL;
  mt.bFixedSizeSamples = TRUE;
  mt.lSampleSize = 1000;
  CHECK(pSamples[1]->SetMediaType(&mt) == S_OK);
  AM_MEDIA_TYPE* pmt = NULL;
  CHECK(pSamples[1]->GetMediaType(&pmt) == S_OK);
  if (pmt != NULL) {
    CHECK(IsEqualGUID(pmt->majortype, GUID_NULL));
    CHECK(pmt->lSampleSize == 1000);
    CoTaskMemFree(pmt);  // no format block, no pUnk
  }
  REFERENCE_TIME rtStart = 0, rtStop = 0;
  CHECK(pSamples[1]->GetTime(&rtStart, &rtStop) == S_OK);
  CHECK(rtStart == 400000 && rtStop == 800000);
  CHECK(pSamples[1]->IsSyncPoint() == S_OK);
  CHECK(pSamples[1]->IsPreroll() == S_FALSE);
  CHECK(pSamples[1]->GetActualDataLength() == pSamples[1]->GetSize());

  // Downstream is done with them.
  for (int i = 0; i < 2; i++) {
    if (pSamples[i]) CHECK(pSamples[i]->Release() == 0);
  }
  CHECK(notify.m_cNotify == 2);
  CHECK(pCallbackAlloc->GetFreeCount(&lFree) == S_OK && lFree == 2);

  // Stop: decommit, break the reference cycle, release.
  CHECK(pAlloc->Decommit() == S_OK);
  IMediaSample* pAfter = NULL;
  CHECK(pAlloc->GetBuffer(&pAfter, NULL, NULL, 0) == VFW_E_NOT_COMMITTED);
  CHECK(pCallbackAlloc->SetNotify(NULL) == S_OK);
  pCallbackAlloc->Release();
  CHECK(pAlloc->Release() == 0);
  CHECK(notify.m_cRef == 1);

  void* pTask = CoTaskMemAlloc(16);
  CHECK(pTask != NULL);
  CoTaskMemFree(pTask);

  printf("sdk_compat: %s (%d failed checks)\n", g_failures == 0 ? "ok" : "FAILED", g_failures);
  return g_failures == 0 ? 0 : 1;
}
