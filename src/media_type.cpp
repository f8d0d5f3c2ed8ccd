// Deep copies of AM_MEDIA_TYPE, and the base classes' exported helpers.

#include "media_type.h"

#include <cstring>

#include <dsalloc/dsalloc.h>

#include "internal/fault_injection.h"

namespace dsalloc {
namespace {

// Fills *target with a deep copy of source. On failure *target is left empty
// (no format block, no pUnk) and E_OUTOFMEMORY is returned.
HRESULT CopyInto(AM_MEDIA_TYPE* target, const AM_MEDIA_TYPE& source) noexcept {
  *target = source;
  if (source.cbFormat != 0) {
    target->pbFormat = static_cast<BYTE*>(
        internal::AllocationMayFail() ? nullptr : CoTaskMemAlloc(source.cbFormat));
    if (target->pbFormat == nullptr) {
      target->cbFormat = 0;
      target->pUnk = nullptr;
      return E_OUTOFMEMORY;
    }
    std::memcpy(target->pbFormat, source.pbFormat, source.cbFormat);
  }
  if (target->pUnk != nullptr) target->pUnk->AddRef();
  return S_OK;
}

void FreeContents(AM_MEDIA_TYPE* type) noexcept {
  if (type->cbFormat != 0) {
    CoTaskMemFree(type->pbFormat);
    type->cbFormat = 0;
    type->pbFormat = nullptr;
  }
  if (type->pUnk != nullptr) {
    type->pUnk->Release();
    type->pUnk = nullptr;
  }
}

}  // namespace

AM_MEDIA_TYPE* NewMediaTypeCopy(const AM_MEDIA_TYPE& source) noexcept {
  auto* copy = static_cast<AM_MEDIA_TYPE*>(
      internal::AllocationMayFail() ? nullptr : CoTaskMemAlloc(sizeof(AM_MEDIA_TYPE)));
  if (copy == nullptr) return nullptr;
  if (FAILED(CopyInto(copy, source))) {
    CoTaskMemFree(copy);
    return nullptr;
  }
  return copy;
}

void DestroyMediaTypeCopy(AM_MEDIA_TYPE* copy) noexcept {
  if (copy == nullptr) return;
  FreeContents(copy);
  CoTaskMemFree(copy);
}

}  // namespace dsalloc

EXTERN_C DSALLOC_API void STDAPICALLTYPE FreeMediaType(AM_MEDIA_TYPE* pmt) {
  if (pmt != nullptr) dsalloc::FreeContents(pmt);
}

EXTERN_C DSALLOC_API void STDAPICALLTYPE DeleteMediaType(AM_MEDIA_TYPE* pmt) {
  dsalloc::DestroyMediaTypeCopy(pmt);
}

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE CopyMediaType(AM_MEDIA_TYPE* pmtTarget,
                                                          const AM_MEDIA_TYPE* pmtSource) {
  if (pmtTarget == nullptr || pmtSource == nullptr) return E_POINTER;
  return dsalloc::CopyInto(pmtTarget, *pmtSource);
}

EXTERN_C DSALLOC_API AM_MEDIA_TYPE* STDAPICALLTYPE CreateMediaType(const AM_MEDIA_TYPE* pSrc) {
  return pSrc == nullptr ? nullptr : dsalloc::NewMediaTypeCopy(*pSrc);
}
