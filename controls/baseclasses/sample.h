// controls/baseclasses/sample.h
//
// The control's media sample: IMediaSample2 over one buffer of the
// allocator's block, with the base classes' CMediaSample behaviour as
// SEMANTICS.md sections 3 (release path), 4 and 6.10-6.13 describe it.
//
// Threading: the base classes' samples are unsynchronised (one owner at a
// time); this one guards its fields with its own mutex, so concurrent calls
// on one sample are safe. The mutex is never held while the allocator's
// lock is taken (Release recycles, unlocks, then calls ReleaseBuffer), and
// a replaced media type is deleted after it is dropped. The reference count
// is atomic.
//
// Lifetime: the object lives in the allocator's sample array and is
// destroyed by the allocator only (never by its own Release).

#ifndef DSALLOC_CONTROLS_BASECLASSES_SAMPLE_H_
#define DSALLOC_CONTROLS_BASECLASSES_SAMPLE_H_

#include <dsalloc/strmif.h>

#include <atomic>
#include <mutex>

namespace ctl_baseclasses {

class Allocator;

// The base classes' internal "media time valid" flag (SEMANTICS 1.4): never
// visible through IMediaSample2.
inline constexpr DWORD kMediaTimeValid = 0x20;
// Sample_ValidFlags of [MS-AMH] (SEMANTICS 1.4).
inline constexpr DWORD kValidFlags = 0x1FF;

class Sample final : public IMediaSample2 {
 public:
  Sample(Allocator* owner, BYTE* buffer, LONG size);
  ~Sample();
  Sample(const Sample&) = delete;
  Sample& operator=(const Sample&) = delete;

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

  // For the allocator, under its lock.
  ULONG RefCount() const { return refs_.load(std::memory_order_acquire); }
  void GiveFirstReference() { refs_.store(1, std::memory_order_release); }
  Sample* next_free = nullptr;  // intrusive LIFO free list
  bool on_free_list = false;

 private:
  bool HasFlag(DWORD flag) const { return (flags_ & flag) != 0; }
  void SetFlag(DWORD flag, BOOL on);

  std::mutex mu_;  // guards every field below refs_
  Allocator* const owner_;
  BYTE* const buffer_;
  const LONG size_;
  std::atomic<ULONG> refs_{0};

  LONG actual_;      // lActual, starts at size (S4.1)
  DWORD flags_ = 0;  // AM_SAMPLE_* plus kMediaTimeValid
  DWORD type_specific_flags_ = 0;
  DWORD stream_id_ = 0;
  REFERENCE_TIME start_ = 0;  // zero-initialised (S6.9)
  REFERENCE_TIME end_ = 0;
  LONGLONG media_start_ = 0;
  LONG media_end_offset_ = 0;            // 32-bit offset from start (S6.10)
  AM_MEDIA_TYPE* media_type_ = nullptr;  // set <=> TYPECHANGED (S4.9.10)
};

}  // namespace ctl_baseclasses

#endif  // DSALLOC_CONTROLS_BASECLASSES_SAMPLE_H_
