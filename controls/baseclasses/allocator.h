// controls/baseclasses/allocator.h
//
// The control's CLSID_MemoryAllocator: the DirectShow base classes'
// CMemAllocator as SEMANTICS.md describes it (sections 2.2, 2.4-2.8, 3,
// 6.1-6.5, 6.15), written independently of dsalloc's src/, with the base
// classes' hazards fixed (see ../README.md for the list and the sources).
//
// Threading: every method may be called from any thread. One mutex guards
// all allocator state; one condition variable stands in for the base
// classes' semaphore (every release and every Decommit wakes all blocked
// GetBuffer callers, which re-check the free list). No foreign code runs
// under the mutex: NotifyRelease, a callback's AddRef/Release, and the
// final Release of the self-reference all run after it is dropped.
//
// Lifetime: COM reference counted. A successful Commit from D takes one
// reference on the allocator itself, dropped when the decommit completes
// (S2.2, S2.7, S6.5), so outstanding samples keep it alive. Buffers and
// sample objects are kept after Decommit, as CMemAllocator::Free is a no-op
// (S2.7): they are freed at destruction or when a Commit after a
// SetProperties reallocates.

#ifndef DSALLOC_CONTROLS_BASECLASSES_ALLOCATOR_H_
#define DSALLOC_CONTROLS_BASECLASSES_ALLOCATOR_H_

#include <dsalloc/strmif.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace ctl_baseclasses {

class Sample;

class Allocator final : public IMemAllocatorCallbackTemp {
 public:
  Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // IUnknown (the IMemAllocator identity; IID_IUnknown answers with a
  // separate non-delegating unknown, as in the base classes, S1.11)
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;

  // IMemAllocator
  HRESULT STDMETHODCALLTYPE SetProperties(ALLOCATOR_PROPERTIES* pRequest,
                                          ALLOCATOR_PROPERTIES* pActual) override;
  HRESULT STDMETHODCALLTYPE GetProperties(ALLOCATOR_PROPERTIES* pProps) override;
  HRESULT STDMETHODCALLTYPE Commit() override;
  HRESULT STDMETHODCALLTYPE Decommit() override;
  HRESULT STDMETHODCALLTYPE GetBuffer(IMediaSample** ppBuffer, REFERENCE_TIME* pStartTime,
                                      REFERENCE_TIME* pEndTime, DWORD dwFlags) override;
  HRESULT STDMETHODCALLTYPE ReleaseBuffer(IMediaSample* pBuffer) override;

  // IMemAllocatorCallbackTemp
  HRESULT STDMETHODCALLTYPE SetNotify(IMemAllocatorNotifyCallbackTemp* pNotify) override;
  HRESULT STDMETHODCALLTYPE GetFreeCount(LONG* plBuffersFree) override;

 private:
  // The base classes' non-delegating unknown: a distinct IUnknown pointer
  // that shares the allocator's reference count.
  struct Identity final : public IUnknown {
    explicit Identity(Allocator* a) : owner(a) {}
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
    ULONG STDMETHODCALLTYPE AddRef() override;
    ULONG STDMETHODCALLTYPE Release() override;
    Allocator* const owner;
  };

  // One installed callback plus the snapshots ReleaseBuffer took of it. The
  // allocator holds one COM reference on the callback per holder; the
  // holder's own count (the installation and each snapshot in progress) is
  // changed under the mutex or by its last user, and the callback is
  // released outside the mutex when that count reaches 0.
  struct NotifyHolder {
    IMemAllocatorNotifyCallbackTemp* callback;
    std::atomic<long> uses;
  };
  static void DropHolder(NotifyHolder* holder);

  ~Allocator();

  // All of these REQUIRE mu_ held.
  HRESULT AllocLocked();     // CMemAllocator::Alloc (S2.7)
  void ReallyFreeLocked();   // CMemAllocator::ReallyFree (S2.7)
  Sample* PopLocked();       // head of the LIFO free list (S2.5)
  void WakeWaitersLocked();  // "release the semaphore `waiting` times"
  LONG FreeLocked() const { return free_listed_ + untouched_; }
  bool IsOurSampleLocked(IMediaSample* p, Sample** out) const;

  std::atomic<ULONG> refs_{1};
  Identity identity_{this};

  std::mutex mu_;
  std::condition_variable wake_;
  uint64_t wake_generation_ = 0;  // bumped by every wake-all
  uint64_t decommit_epoch_ = 0;   // bumped by every Decommit in C or P
  long waiting_ = 0;              // threads blocked in GetBuffer

  ALLOCATOR_PROPERTIES props_{0, 0, 0, 0};
  bool committed_ = false;
  bool decommit_pending_ = false;
  bool changed_ = false;

  // The current allocation ("generation"). Sample objects live in slots_;
  // slots [0, untouched_) have never been handed out and are not yet
  // constructed: they are the bottom of the LIFO free list in index order
  // (sample 0 pushed first, S2.5), so constructing them on first use is
  // indistinguishable from constructing them all at Commit, and a huge
  // cBuffers costs address space, not touched memory.
  void* raw_block_ = nullptr;
  std::size_t raw_block_bytes_ = 0;
  BYTE* block_ = nullptr;  // raw_block_ rounded up to a multiple of cbAlign
  void* slots_ = nullptr;  // room for slot_count_ Sample objects
  LONG slot_count_ = 0;    // m_lAllocated
  LONG untouched_ = 0;
  LONG stride_ = 0;  // (cbBuffer + cbPrefix) rounded to cbAlign
  LONG buffer_size_ = 0;
  LONG prefix_ = 0;
  Sample* free_head_ = nullptr;  // constructed free samples, LIFO
  LONG free_listed_ = 0;

  NotifyHolder* notify_ = nullptr;
};

}  // namespace ctl_baseclasses

#endif  // DSALLOC_CONTROLS_BASECLASSES_ALLOCATOR_H_
