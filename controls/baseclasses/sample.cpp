// controls/baseclasses/sample.cpp
//
// Behaviour follows SEMANTICS.md: section 3 (sample release path), 4.1-4.10,
// 6.10 (32-bit media end offset), 6.12 (STOPVALID tested first), 6.13
// (IMediaSample2). NULL out-pointers give E_POINTER everywhere (a hazard of
// the base classes, fixed).

#include "sample.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "allocator.h"
#include "media_type.h"

namespace ctl_baseclasses {
namespace {

// Two's-complement wrap-around without undefined behaviour.
LONGLONG WrapAdd64(LONGLONG a, LONGLONG b) {
  return static_cast<LONGLONG>(static_cast<ULONGLONG>(a) + static_cast<ULONGLONG>(b));
}
LONGLONG WrapSub64(LONGLONG a, LONGLONG b) {
  return static_cast<LONGLONG>(static_cast<ULONGLONG>(a) - static_cast<ULONGLONG>(b));
}
LONG Wrap32(LONGLONG v) {
  return static_cast<LONG>(static_cast<uint32_t>(static_cast<ULONGLONG>(v)));
}

// "Field included" in an IMediaSample2 payload of `count` bytes (S4.9).
constexpr bool Included(std::size_t offset, std::size_t size, DWORD count) {
  return offset + size <= count;
}
#define CTL_INCLUDED(field, count)                 \
  Included(offsetof(AM_SAMPLE2_PROPERTIES, field), \
           sizeof(static_cast<AM_SAMPLE2_PROPERTIES*>(nullptr)->field), count)

}  // namespace

Sample::Sample(Allocator* owner, BYTE* buffer, LONG size)
    : owner_(owner), buffer_(buffer), size_(size), actual_(size) {}

Sample::~Sample() { DeleteMediaTypeCopy(media_type_); }

// --- IUnknown ---------------------------------------------------------------

HRESULT STDMETHODCALLTYPE Sample::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IMediaSample || riid == IID_IMediaSample2) {
    *ppv = static_cast<IMediaSample2*>(this);
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

ULONG STDMETHODCALLTYPE Sample::AddRef() {
  return refs_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

ULONG STDMETHODCALLTYPE Sample::Release() {
  ULONG old = refs_.load(std::memory_order_acquire);
  do {
    if (old == 0) return 0;  // over-release: refuse rather than wrap
  } while (!refs_.compare_exchange_weak(old, old - 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire));
  if (old != 1) return old - 1;
  // The count reached 0: recycle in the base classes' order (S3), then hand
  // the sample back. After ReleaseBuffer returns, `this` may be gone (the
  // allocator can be destroyed by it), so no member is touched.
  AM_MEDIA_TYPE* old_type = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old_type = media_type_;
    media_type_ = nullptr;
    flags_ = 0;
    type_specific_flags_ = 0;
    stream_id_ = AM_STREAM_MEDIA;
  }
  DeleteMediaTypeCopy(old_type);
  Allocator* owner = owner_;
  owner->ReleaseBuffer(this);
  return 0;
}

// --- IMediaSample ---------------------------------------------------------------

HRESULT STDMETHODCALLTYPE Sample::GetPointer(BYTE** ppBuffer) {
  if (ppBuffer == nullptr) return E_POINTER;
  *ppBuffer = buffer_;  // immutable
  return S_OK;
}

LONG STDMETHODCALLTYPE Sample::GetSize() { return size_; }

HRESULT STDMETHODCALLTYPE Sample::GetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) {
  if (pTimeStart == nullptr || pTimeEnd == nullptr) return E_POINTER;
  std::lock_guard<std::mutex> lock(mu_);
  if (HasFlag(AM_SAMPLE_STOPVALID)) {  // tested first (S4.4, S6.12)
    *pTimeStart = start_;
    *pTimeEnd = end_;
    return S_OK;
  }
  if (HasFlag(AM_SAMPLE_TIMEVALID)) {
    *pTimeStart = start_;
    *pTimeEnd = WrapAdd64(start_, 1);
    return VFW_S_NO_STOP_TIME;
  }
  return VFW_E_SAMPLE_TIME_NOT_SET;  // outputs untouched
}

HRESULT STDMETHODCALLTYPE Sample::SetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pTimeStart == nullptr) {
    flags_ &= ~static_cast<DWORD>(AM_SAMPLE_TIMEVALID | AM_SAMPLE_STOPVALID);
    return S_OK;
  }
  start_ = *pTimeStart;
  flags_ |= AM_SAMPLE_TIMEVALID;
  if (pTimeEnd == nullptr) {
    flags_ &= ~static_cast<DWORD>(AM_SAMPLE_STOPVALID);
  } else {
    end_ = *pTimeEnd;
    flags_ |= AM_SAMPLE_STOPVALID;
  }
  return S_OK;
}

void Sample::SetFlag(DWORD flag, BOOL on) {
  std::lock_guard<std::mutex> lock(mu_);
  if (on) {
    flags_ |= flag;
  } else {
    flags_ &= ~flag;
  }
}

HRESULT STDMETHODCALLTYPE Sample::IsSyncPoint() {
  std::lock_guard<std::mutex> lock(mu_);
  return HasFlag(AM_SAMPLE_SPLICEPOINT) ? S_OK : S_FALSE;
}
HRESULT STDMETHODCALLTYPE Sample::SetSyncPoint(BOOL bIsSyncPoint) {
  SetFlag(AM_SAMPLE_SPLICEPOINT, bIsSyncPoint);
  return S_OK;
}
HRESULT STDMETHODCALLTYPE Sample::IsPreroll() {
  std::lock_guard<std::mutex> lock(mu_);
  return HasFlag(AM_SAMPLE_PREROLL) ? S_OK : S_FALSE;
}
HRESULT STDMETHODCALLTYPE Sample::SetPreroll(BOOL bIsPreroll) {
  SetFlag(AM_SAMPLE_PREROLL, bIsPreroll);
  return S_OK;
}
HRESULT STDMETHODCALLTYPE Sample::IsDiscontinuity() {
  std::lock_guard<std::mutex> lock(mu_);
  return HasFlag(AM_SAMPLE_DATADISCONTINUITY) ? S_OK : S_FALSE;
}
HRESULT STDMETHODCALLTYPE Sample::SetDiscontinuity(BOOL bDiscontinuity) {
  SetFlag(AM_SAMPLE_DATADISCONTINUITY, bDiscontinuity);
  return S_OK;
}

LONG STDMETHODCALLTYPE Sample::GetActualDataLength() {
  std::lock_guard<std::mutex> lock(mu_);
  return actual_;
}

HRESULT STDMETHODCALLTYPE Sample::SetActualDataLength(LONG length) {
  if (length < 0 || length > size_) return VFW_E_BUFFER_OVERFLOW;  // S4.3
  std::lock_guard<std::mutex> lock(mu_);
  actual_ = length;
  return S_OK;
}

HRESULT STDMETHODCALLTYPE Sample::GetMediaType(AM_MEDIA_TYPE** ppMediaType) {
  if (ppMediaType == nullptr) return E_POINTER;
  std::lock_guard<std::mutex> lock(mu_);
  if (media_type_ == nullptr) {  // == TYPECHANGED clear (S4.7)
    *ppMediaType = nullptr;
    return S_FALSE;
  }
  AM_MEDIA_TYPE* copy = NewMediaTypeCopy(*media_type_);
  *ppMediaType = copy;
  return copy == nullptr ? E_OUTOFMEMORY : S_OK;
}

HRESULT STDMETHODCALLTYPE Sample::SetMediaType(AM_MEDIA_TYPE* pMediaType) {
  // The base classes delete the stored type first (S4.7); on a failed copy
  // the sample is left with no type and TYPECHANGED clear.
  // The copy is made before the lock is taken (it calls pUnk->AddRef) and
  // the old type deleted after it is dropped; in between, the sample is
  // updated as the base classes do it: old type gone, then the new one.
  AM_MEDIA_TYPE* fresh = nullptr;
  if (pMediaType != nullptr) fresh = NewMediaTypeCopy(*pMediaType);
  AM_MEDIA_TYPE* old_type = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old_type = media_type_;
    media_type_ = fresh;
    if (fresh != nullptr) {
      flags_ |= AM_SAMPLE_TYPECHANGED;
    } else {
      flags_ &= ~static_cast<DWORD>(AM_SAMPLE_TYPECHANGED);
    }
  }
  DeleteMediaTypeCopy(old_type);
  return (pMediaType != nullptr && fresh == nullptr) ? E_OUTOFMEMORY : S_OK;
}

HRESULT STDMETHODCALLTYPE Sample::GetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) {
  if (pTimeStart == nullptr || pTimeEnd == nullptr) return E_POINTER;
  std::lock_guard<std::mutex> lock(mu_);
  if (!HasFlag(kMediaTimeValid)) return VFW_E_MEDIA_TIME_NOT_SET;
  *pTimeStart = media_start_;
  *pTimeEnd = WrapAdd64(media_start_, media_end_offset_);
  return S_OK;
}

HRESULT STDMETHODCALLTYPE Sample::SetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) {
  if (pTimeStart != nullptr && pTimeEnd == nullptr) return E_POINTER;  // S4.5
  std::lock_guard<std::mutex> lock(mu_);
  if (pTimeStart == nullptr) {
    flags_ &= ~kMediaTimeValid;
    return S_OK;
  }
  media_start_ = *pTimeStart;
  // The end is kept as a 32-bit offset from the start (S4.5, S6.10).
  media_end_offset_ = Wrap32(WrapSub64(*pTimeEnd, *pTimeStart));
  flags_ |= kMediaTimeValid;
  return S_OK;
}

// --- IMediaSample2 (S4.8, S4.9, S6.13) ------------------------------------------

HRESULT STDMETHODCALLTYPE Sample::GetProperties(DWORD cbProperties, BYTE* pbProperties) {
  if (cbProperties == 0) return S_OK;
  if (pbProperties == nullptr) return E_POINTER;
  const DWORD count = std::min<DWORD>(cbProperties, sizeof(AM_SAMPLE2_PROPERTIES));
  AM_SAMPLE2_PROPERTIES image;
  std::memset(&image, 0, sizeof(image));
  std::lock_guard<std::mutex> lock(mu_);
  image.cbData = count;
  image.dwTypeSpecificFlags = type_specific_flags_;
  image.dwSampleFlags = flags_ & ~kMediaTimeValid;
  image.lActual = actual_;
  image.tStart = start_;
  image.tStop = end_;
  image.dwStreamId = stream_id_;
  image.pMediaType = HasFlag(AM_SAMPLE_TYPECHANGED) ? media_type_ : nullptr;
  image.pbBuffer = buffer_;
  image.cbBuffer = size_;
  std::memcpy(pbProperties, &image, count);
  return S_OK;
}

HRESULT STDMETHODCALLTYPE Sample::SetProperties(DWORD cbProperties, const BYTE* pbProperties) {
  if (cbProperties < sizeof(DWORD)) return S_OK;  // step 1
  if (pbProperties == nullptr) return E_POINTER;  // step 2
  DWORD cb_data;
  std::memcpy(&cb_data, pbProperties, sizeof(cb_data));
  if (cb_data > sizeof(AM_SAMPLE2_PROPERTIES)) return E_INVALIDARG;  // step 3
  const DWORD count = std::min(cbProperties, cb_data);
  AM_SAMPLE2_PROPERTIES in;
  std::memset(&in, 0, sizeof(in));
  std::memcpy(&in, pbProperties, count);

  std::unique_lock<std::mutex> lock(mu_);
  const bool has_flags = CTL_INCLUDED(dwSampleFlags, count);
  if (has_flags) {  // step 4
    if ((in.dwSampleFlags & ~kValidFlags) != 0 || (in.dwSampleFlags & kMediaTimeValid) != 0) {
      return E_INVALIDARG;
    }
    if ((in.dwSampleFlags & AM_SAMPLE_TIMEVALID) != 0 && !HasFlag(AM_SAMPLE_TIMEVALID) &&
        !CTL_INCLUDED(tStop, count)) {
      return E_INVALIDARG;
    }
  }
  if (CTL_INCLUDED(pbBuffer, count) && in.pbBuffer != nullptr && in.pbBuffer != buffer_) {
    return E_INVALIDARG;  // step 5
  }
  if (CTL_INCLUDED(cbBuffer, count)) {
    if (in.cbBuffer != 0 && in.cbBuffer != size_) return E_INVALIDARG;  // 6
    if (CTL_INCLUDED(lActual, count) && in.cbBuffer < in.lActual) {
      return E_INVALIDARG;  // step 7
    }
  }
  const bool set_type = CTL_INCLUDED(pMediaType, count) && has_flags &&
                        (in.dwSampleFlags & AM_SAMPLE_TYPECHANGED) != 0;
  AM_MEDIA_TYPE* new_type = nullptr;
  if (set_type) {  // step 8
    if (in.pMediaType == nullptr) return E_POINTER;
    new_type = NewMediaTypeCopy(*in.pMediaType);
    if (new_type == nullptr) return E_OUTOFMEMORY;
  }
  AM_MEDIA_TYPE* old_type = nullptr;

  // Step 9: assignments, no failure past this point.
  if (CTL_INCLUDED(dwStreamId, count)) stream_id_ = in.dwStreamId;
  if (has_flags) {
    flags_ = in.dwSampleFlags | (flags_ & kMediaTimeValid);
    type_specific_flags_ = in.dwTypeSpecificFlags;
  } else if (CTL_INCLUDED(dwTypeSpecificFlags, count)) {
    type_specific_flags_ = in.dwTypeSpecificFlags;
  }
  if (CTL_INCLUDED(lActual, count)) actual_ = in.lActual;
  if (CTL_INCLUDED(tStop, count)) end_ = in.tStop;
  if (CTL_INCLUDED(tStart, count)) start_ = in.tStart;
  if (set_type) {
    old_type = media_type_;
    media_type_ = new_type;
  }
  // Step 10: TYPECHANGED is set exactly when a type is stored.
  if (media_type_ != nullptr) {
    flags_ |= AM_SAMPLE_TYPECHANGED;
  } else {
    flags_ &= ~static_cast<DWORD>(AM_SAMPLE_TYPECHANGED);
  }
  lock.unlock();
  DeleteMediaTypeCopy(old_type);
  return S_OK;
}

#undef CTL_INCLUDED

}  // namespace ctl_baseclasses
