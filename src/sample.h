// ---------------------------------------------------------------------------
// File: src/sample.h
// ---------------------------------------------------------------------------
//
// Sample is one media sample of an Allocator (allocator.h): IMediaSample2
// (and so IMediaSample and IUnknown, all through one pointer) over a fixed
// buffer the allocator owns.
//
// Lifetime: the allocator creates and destroys samples; a client holds a
// sample through COM references. When the count returns to zero the sample
// recycles itself (clears flags, media type, type-specific flags and stream
// id; SAMPLE.RECYCLE.1) and hands itself back through the allocator's
// ReleaseBuffer, which may destroy the allocator and the sample with it.
// Threading: thread-safe; the fields sit behind a per-sample lock so even
// concurrent calls on one sample are linearizable. Errors: the HRESULTs of
// SPEC.md's SAMPLE.* rules; a failed call changes nothing.

#ifndef DSALLOC_SRC_SAMPLE_H_
#define DSALLOC_SRC_SAMPLE_H_

#include <atomic>

#include <dsalloc/strmif.h>

#include "internal/mutex.h"

namespace dsalloc {

// A cache line each (the pool is an array of them): two threads cycling on
// one pool hold neighbouring samples, and without the alignment their
// counts and flags would share lines (bench contention/dsalloc).
class alignas(64) Sample final : public IMediaSample2 {
 public:
  Sample() = default;
  ~Sample();
  Sample(const Sample&) = delete;
  Sample& operator=(const Sample&) = delete;

  // Binds a fresh sample to its allocator and buffer. lActual starts at size.
  void Attach(IMemAllocator* owner, BYTE* buffer, LONG size);

  // For the allocator, under its lock: the current count, and the hand-out
  // of a free sample (count 0 -> 1).
  ULONG RefCount() const { return refs_.load(std::memory_order_acquire); }
  void HandOut() { refs_.store(1, std::memory_order_release); }

  // Whether the sample is on its allocator's free list. Only the allocator
  // reads or writes it, under the allocator's lock.
  bool on_free_list = false;

  // IUnknown
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;

  // IMediaSample
  HRESULT STDMETHODCALLTYPE GetPointer(BYTE** ppBuffer) override;
  LONG STDMETHODCALLTYPE GetSize() override;
  HRESULT STDMETHODCALLTYPE GetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) override;
  HRESULT STDMETHODCALLTYPE SetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) override;
  HRESULT STDMETHODCALLTYPE IsSyncPoint() override;
  HRESULT STDMETHODCALLTYPE SetSyncPoint(BOOL bIsSyncPoint) override;
  HRESULT STDMETHODCALLTYPE IsPreroll() override;
  HRESULT STDMETHODCALLTYPE SetPreroll(BOOL bIsPreroll) override;
  LONG STDMETHODCALLTYPE GetActualDataLength() override;
  HRESULT STDMETHODCALLTYPE SetActualDataLength(LONG length) override;
  HRESULT STDMETHODCALLTYPE GetMediaType(AM_MEDIA_TYPE** ppMediaType) override;
  HRESULT STDMETHODCALLTYPE SetMediaType(AM_MEDIA_TYPE* pMediaType) override;
  HRESULT STDMETHODCALLTYPE IsDiscontinuity() override;
  HRESULT STDMETHODCALLTYPE SetDiscontinuity(BOOL bDiscontinuity) override;
  HRESULT STDMETHODCALLTYPE GetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) override;
  HRESULT STDMETHODCALLTYPE SetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) override;

  // IMediaSample2
  HRESULT STDMETHODCALLTYPE GetProperties(DWORD cbProperties, BYTE* pbProperties) override;
  HRESULT STDMETHODCALLTYPE SetProperties(DWORD cbProperties, const BYTE* pbProperties) override;

 private:
  HRESULT IsFlag(DWORD flag);
  HRESULT SetFlag(DWORD flag, BOOL on);
  // Called by Release when the count reached 0: only this thread can see
  // the sample then, so it needs no lock.
  void Recycle() NO_THREAD_SAFETY_ANALYSIS;

  // Set once by Attach, before the sample is published; constant after.
  IMemAllocator* owner_ = nullptr;
  BYTE* buffer_ = nullptr;
  LONG size_ = 0;

  std::atomic<ULONG> refs_{0};

  internal::Mutex mu_;
  DWORD flags_ GUARDED_BY(mu_) = 0;  // AM_SAMPLE_* bits
  DWORD type_specific_flags_ GUARDED_BY(mu_) = 0;
  DWORD stream_id_ GUARDED_BY(mu_) = AM_STREAM_MEDIA;
  LONG actual_ GUARDED_BY(mu_) = 0;
  REFERENCE_TIME start_ GUARDED_BY(mu_) = 0;
  REFERENCE_TIME stop_ GUARDED_BY(mu_) = 0;
  bool media_time_valid_ GUARDED_BY(mu_) = false;
  LONGLONG media_start_ GUARDED_BY(mu_) = 0;
  LONGLONG media_stop_ GUARDED_BY(mu_) = 0;  // SAMPLE.SETMEDIATIME.3: all 64 bits
  AM_MEDIA_TYPE* media_type_ GUARDED_BY(mu_) = nullptr;
};

}  // namespace dsalloc

#endif  // DSALLOC_SRC_SAMPLE_H_
