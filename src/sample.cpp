// Sample: field access under the per-sample lock; recycle on the last
// Release, then back to the allocator through ReleaseBuffer.

#include "sample.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "internal/sample_hooks.h"
#include "media_type.h"

namespace dsalloc {
namespace {

using internal::MutexLock;
using Hook = internal::SampleHooks;

constexpr DWORD kTimeFlags = AM_SAMPLE_TIMEVALID | AM_SAMPLE_STOPVALID;
// Bits IMediaSample2::SetProperties accepts: the base classes' valid mask
// 0x1FF without their private media-time bit 0x20 (SAMPLE2.SETPROPS.FLAGS).
constexpr DWORD kSettableFlags = 0x1FF & ~DWORD{0x20};

// Whether a partial AM_SAMPLE2_PROPERTIES of `bytes` bytes holds the field
// at [offset, offset + size).
constexpr bool Includes(DWORD bytes, size_t offset, size_t size) { return offset + size <= bytes; }
#define DSALLOC_INCLUDES(bytes, field) \
  Includes(bytes, offsetof(AM_SAMPLE2_PROPERTIES, field), sizeof(AM_SAMPLE2_PROPERTIES::field))

}  // namespace

Sample::~Sample() {
  MutexLock lock(mu_);
  DestroyMediaTypeCopy(media_type_);
}

void Sample::Attach(IMemAllocator* owner, BYTE* buffer, LONG size) {
  owner_ = owner;
  buffer_ = buffer;
  size_ = size;
  MutexLock lock(mu_);
  actual_ = size;  // ALLOC.SAMPLE.FRESH: the data length starts at the full size
}

// --- IUnknown ----------------------------------------------------------------

HRESULT Sample::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IMediaSample || riid == IID_IMediaSample2) {
    *ppv = static_cast<IMediaSample2*>(this);  // COM.SAMPLE.IDENTITY
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

ULONG Sample::AddRef() { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }

ULONG Sample::Release() {
  // The caller holds a reference. If it is the only one, no other thread
  // holds one or can take one (AddRef needs a reference), so the last
  // release of a sample held once, the usual cycle, is a plain store: one
  // read-modify-write fewer per cycle. The acquire load reads the
  // decrement of the holder before, so its accesses happen before ours.
  if (refs_.load(std::memory_order_acquire) == 1) {
    refs_.store(0, std::memory_order_relaxed);
  } else {
    ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left != 0) return left;
  }
  Recycle();
  // ReleaseBuffer may destroy the allocator and this sample with it: touch
  // no member after it (LIFE.SELFREF).
  owner_->ReleaseBuffer(this);
  return 0;
}

void Sample::Recycle() {
  // No lock: the count just reached 0 in an acq_rel decrement, so every
  // write of the last holders happens-before this point, and no client may
  // call the sample until the allocator hands it out again (ReleaseBuffer
  // publishes it under the allocator's lock). One lock pair fewer per cycle.
  if (!Hook::RecycleClears()) return;
  // SAMPLE.RECYCLE.1: type, flags, type-specific flags and stream id go;
  // lActual and the stored times stay.
  DestroyMediaTypeCopy(media_type_);
  media_type_ = nullptr;
  flags_ = 0;
  media_time_valid_ = false;
  type_specific_flags_ = 0;
  stream_id_ = AM_STREAM_MEDIA;
}

// --- IMediaSample --------------------------------------------------------------

HRESULT Sample::GetPointer(BYTE** ppBuffer) {
  if (ppBuffer == nullptr) return E_POINTER;
  *ppBuffer = buffer_;
  return S_OK;
}

LONG Sample::GetSize() { return size_; }

HRESULT Sample::GetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) {
  if (pTimeStart == nullptr || pTimeEnd == nullptr) return E_POINTER;
  MutexLock lock(mu_);
  // SAMPLE.GETTIME.1: STOPVALID is tested first, as in the base classes.
  if (flags_ & AM_SAMPLE_STOPVALID) {
    *pTimeStart = start_;
    *pTimeEnd = stop_;
    return S_OK;
  }
  if (flags_ & AM_SAMPLE_TIMEVALID) {
    *pTimeStart = start_;
    // SAMPLE.GETTIME.2: start + 1, wrapping at INT64_MAX like the
    // two's-complement add of the base classes (a signed overflow is UB).
    *pTimeEnd = static_cast<REFERENCE_TIME>(static_cast<uint64_t>(start_) + 1);
    return VFW_S_NO_STOP_TIME;
  }
  return VFW_E_SAMPLE_TIME_NOT_SET;
}

HRESULT Sample::SetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) {
  MutexLock lock(mu_);
  flags_ &= ~kTimeFlags;
  if (pTimeStart == nullptr) return S_OK;  // SAMPLE.SETTIME.1: end ignored
  start_ = *pTimeStart;
  flags_ |= AM_SAMPLE_TIMEVALID;
  if (pTimeEnd != nullptr) {
    stop_ = *pTimeEnd;
    flags_ |= AM_SAMPLE_STOPVALID;
  }
  return S_OK;
}

HRESULT Sample::IsFlag(DWORD flag) {
  MutexLock lock(mu_);
  return (flags_ & flag) ? S_OK : S_FALSE;
}

HRESULT Sample::SetFlag(DWORD flag, BOOL on) {
  MutexLock lock(mu_);
  if (on) {
    flags_ |= flag;
  } else {
    flags_ &= ~flag;
  }
  return S_OK;
}

HRESULT Sample::IsSyncPoint() { return IsFlag(AM_SAMPLE_SPLICEPOINT); }
HRESULT Sample::SetSyncPoint(BOOL b) { return SetFlag(AM_SAMPLE_SPLICEPOINT, b); }
HRESULT Sample::IsPreroll() { return IsFlag(AM_SAMPLE_PREROLL); }
HRESULT Sample::SetPreroll(BOOL b) { return SetFlag(AM_SAMPLE_PREROLL, b); }
HRESULT Sample::IsDiscontinuity() { return IsFlag(AM_SAMPLE_DATADISCONTINUITY); }
HRESULT Sample::SetDiscontinuity(BOOL b) { return SetFlag(AM_SAMPLE_DATADISCONTINUITY, b); }

LONG Sample::GetActualDataLength() {
  MutexLock lock(mu_);
  return actual_;
}

HRESULT Sample::SetActualDataLength(LONG length) {
  if (length < 0 || length > Hook::LongestDataLength(size_)) {
    return VFW_E_BUFFER_OVERFLOW;  // SAMPLE.LENGTH.RANGE
  }
  MutexLock lock(mu_);
  actual_ = length;
  return S_OK;
}

HRESULT Sample::GetMediaType(AM_MEDIA_TYPE** ppMediaType) {
  if (ppMediaType == nullptr) return E_POINTER;
  MutexLock lock(mu_);
  if (media_type_ == nullptr) {
    *ppMediaType = nullptr;  // SAMPLE.GETTYPE.NONE: native writes NULL
    return S_FALSE;
  }
  *ppMediaType = NewMediaTypeCopy(*media_type_);  // null when out of memory
  return *ppMediaType == nullptr ? E_OUTOFMEMORY : S_OK;
}

HRESULT Sample::SetMediaType(AM_MEDIA_TYPE* pMediaType) {
  AM_MEDIA_TYPE* copy = nullptr;
  if (pMediaType != nullptr) {
    copy = NewMediaTypeCopy(*pMediaType);  // before any change
    if (copy == nullptr) return E_OUTOFMEMORY;
  }
  AM_MEDIA_TYPE* old;
  {
    MutexLock lock(mu_);
    old = media_type_;
    media_type_ = copy;
    if (copy != nullptr) {
      flags_ |= AM_SAMPLE_TYPECHANGED;
    } else {
      flags_ &= ~DWORD{AM_SAMPLE_TYPECHANGED};
    }
  }
  DestroyMediaTypeCopy(old);  // may Release a pUnk: outside the lock
  return S_OK;
}

HRESULT Sample::GetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) {
  if (pTimeStart == nullptr || pTimeEnd == nullptr) return E_POINTER;
  MutexLock lock(mu_);
  if (!media_time_valid_) return VFW_E_MEDIA_TIME_NOT_SET;
  *pTimeStart = media_start_;
  *pTimeEnd = media_stop_;
  return S_OK;
}

HRESULT Sample::SetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) {
  if (pTimeStart != nullptr && pTimeEnd == nullptr) return E_POINTER;
  MutexLock lock(mu_);
  if (pTimeStart == nullptr) {
    media_time_valid_ = false;
    return S_OK;
  }
  media_start_ = *pTimeStart;
  media_stop_ = *pTimeEnd;
  media_time_valid_ = true;
  return S_OK;
}

// --- IMediaSample2 -------------------------------------------------------------

HRESULT Sample::GetProperties(DWORD cbProperties, BYTE* pbProperties) {
  if (cbProperties == 0) return S_OK;
  if (pbProperties == nullptr) return E_POINTER;
  AM_SAMPLE2_PROPERTIES image;
  std::memset(&image, 0, sizeof image);
  DWORD bytes = std::min<DWORD>(cbProperties, sizeof image);
  {
    MutexLock lock(mu_);
    image.cbData = bytes;
    image.dwTypeSpecificFlags = type_specific_flags_;
    image.dwSampleFlags = flags_;
    image.lActual = actual_;
    image.tStart = start_;
    image.tStop = stop_;
    image.dwStreamId = stream_id_;
    image.pMediaType = media_type_;  // SAMPLE2.GETPROPS.IMAGE: the sample's own copy
  }
  image.pbBuffer = buffer_;
  image.cbBuffer = size_;
  std::memcpy(pbProperties, &image, bytes);
  Hook::AfterPropertiesWritten(pbProperties, cbProperties, bytes);
  return S_OK;
}

HRESULT Sample::SetProperties(DWORD cbProperties, const BYTE* pbProperties) {
  // SAMPLE2.SETPROPS.*: every check comes before any change (SEMANTICS 4.9).
  if (cbProperties < sizeof(DWORD)) return S_OK;
  if (pbProperties == nullptr) return E_POINTER;
  AM_SAMPLE2_PROPERTIES in;
  std::memset(&in, 0, sizeof in);
  std::memcpy(&in, pbProperties, std::min<size_t>(cbProperties, sizeof in));
  if (in.cbData > sizeof in) return E_INVALIDARG;
  const DWORD bytes = std::min<DWORD>(cbProperties, in.cbData);

  const bool has_type_flags = DSALLOC_INCLUDES(bytes, dwTypeSpecificFlags);
  const bool has_flags = DSALLOC_INCLUDES(bytes, dwSampleFlags);
  const bool has_actual = DSALLOC_INCLUDES(bytes, lActual);
  const bool has_start = DSALLOC_INCLUDES(bytes, tStart);
  const bool has_stop = DSALLOC_INCLUDES(bytes, tStop);
  const bool has_stream = DSALLOC_INCLUDES(bytes, dwStreamId);
  const bool has_type = DSALLOC_INCLUDES(bytes, pMediaType);
  const bool has_buffer = DSALLOC_INCLUDES(bytes, pbBuffer);
  const bool has_size = DSALLOC_INCLUDES(bytes, cbBuffer);

  if (has_buffer && in.pbBuffer != nullptr && in.pbBuffer != buffer_) {
    return E_INVALIDARG;
  }
  if (has_size && in.cbBuffer != 0 && in.cbBuffer != size_) {
    return E_INVALIDARG;
  }
  if (has_size && has_actual && in.cbBuffer < in.lActual) return E_INVALIDARG;
  if (has_flags && (in.dwSampleFlags & ~kSettableFlags) != 0) {
    return E_INVALIDARG;
  }
  MutexLock lock(mu_);
  // The quirk is deliberate: it is tStop that must come along (4.9 step 4).
  if (has_flags && (in.dwSampleFlags & AM_SAMPLE_TIMEVALID) && !(flags_ & AM_SAMPLE_TIMEVALID) &&
      !has_stop) {
    return E_INVALIDARG;
  }
  const bool new_type = has_type && has_flags && (in.dwSampleFlags & AM_SAMPLE_TYPECHANGED);
  if (new_type && in.pMediaType == nullptr) return E_POINTER;
  AM_MEDIA_TYPE* copy = nullptr;
  if (new_type) {
    copy = NewMediaTypeCopy(*in.pMediaType);
    if (copy == nullptr) return E_OUTOFMEMORY;
  }

  if (has_stream) stream_id_ = in.dwStreamId;
  if (has_flags) flags_ = in.dwSampleFlags;
  if (has_type_flags) type_specific_flags_ = in.dwTypeSpecificFlags;
  if (has_actual) actual_ = in.lActual;
  if (has_stop) stop_ = in.tStop;
  if (has_start) start_ = in.tStart;
  AM_MEDIA_TYPE* old = nullptr;
  if (new_type) {
    old = media_type_;
    media_type_ = copy;
  }
  // SAMPLE2.SETPROPS.TYPEFIX: TYPECHANGED is set exactly when a type is stored.
  if (media_type_ != nullptr) {
    flags_ |= AM_SAMPLE_TYPECHANGED;
  } else {
    flags_ &= ~DWORD{AM_SAMPLE_TYPECHANGED};
  }
  lock.Unlock();
  DestroyMediaTypeCopy(old);
  return S_OK;
}

}  // namespace dsalloc
