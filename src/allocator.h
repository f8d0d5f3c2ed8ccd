// ---------------------------------------------------------------------------
// File: src/allocator.h
// ---------------------------------------------------------------------------
//
// Allocator is dsalloc's CLSID_MemoryAllocator: IMemAllocator and
// IMemAllocatorCallbackTemp (and IUnknown, all through one pointer) over a
// fixed pool of Samples (sample.h) cut from one aligned block.
//
//                | Commit          | Decommit                  | last sample back
//   Decommitted  | -> Committed    | S_OK, no change           | -
//   Committed    | S_OK            | -> Decommitted, or        | -
//                |                 |    DecommitPending        |
//   DecommitPend.| -> Committed    | S_OK, stays               | -> Decommitted
//
// Lifetime: from a successful Commit until the decommit completes the
// allocator holds one reference to itself (LIFE.SELFREF), so samples a
// client still holds keep it alive; the last sample back completes the
// decommit, notifies, then drops that reference. Samples and their memory
// live until the next Commit after SetProperties, or destruction.
// Threading: thread-safe. GetBuffer blocks (without spinning) in FIFO order;
// a release hands its sample straight to the oldest waiter; Decommit wakes
// every waiter with VFW_E_NOT_COMMITTED.
// Callbacks: NotifyRelease runs once per ReleaseBuffer, on the releasing
// thread, after the sample is back, with no allocator lock held
// (THREAD.NOLOCK), on a reference the allocator took for the call
// (NOTIFY.SNAPSHOT); it may call any method, SetNotify included.
// Errors: the HRESULTs of SPEC.md's ALLOC.* and NOTIFY.* rules; a failed
// call changes nothing but its cleared out-parameters.

#ifndef DSALLOC_SRC_ALLOCATOR_H_
#define DSALLOC_SRC_ALLOCATOR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <dsalloc/strmif.h>

#include "internal/mutex.h"
#include "internal/server_lock.h"
#include "internal/wait_word.h"
#include "sample.h"

namespace dsalloc {
namespace internal {
struct AllocatorHooks;  // internal/allocator_hooks.h: where variants depart
}

class Allocator final : public IMemAllocatorCallbackTemp {
 public:
  // Allocator::Create()
  //
  // A new allocator queried for riid (E_NOINTERFACE, nothing leaked, if it
  // does not answer riid). ppv NULL: E_POINTER.
  static HRESULT Create(REFIID riid, void** ppv) noexcept;

  // IUnknown
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
  enum class State { kDecommitted, kCommitted, kDecommitPending };

  // A thread blocked in GetBuffer; lives on that thread's stack, linked
  // into the FIFO while it waits.
  // Served or cancelled under the allocator's lock, then Signal()ed; the
  // waiter sleeps on `signalled` outside the lock.
  struct Waiter {
    Sample* granted = nullptr;  // set by the release that serves it
    bool cancelled = false;     // set by Decommit
    Waiter* next = nullptr;
    std::atomic<int> signalled{0};
    // REQUIRES the allocator's lock, which the waiter takes before its
    // Waiter goes out of scope: so the wake-up is done when it does.
    void Signal() {
      signalled.store(1, std::memory_order_release);
      internal::WakeOne(signalled);
    }
  };

  friend struct internal::AllocatorHooks;

  Allocator();
  ~Allocator();

  // Calls NotifyRelease on a snapshot (NOTIFY.SNAPSHOT), ignoring its result,
  // then drops the snapshot's reference. Null: does nothing.
  static void Deliver(IMemAllocatorNotifyCallbackTemp* snapshot);

  // The sample behind p if p is one of this allocator's samples, else null.
  // Never dereferences p.
  Sample* OwnSample(IMediaSample* p) const REQUIRES(mu_);
  // Replaces the pool with a fresh one for props_; on failure (an HRESULT)
  // the old pool is untouched.
  HRESULT AllocatePool() REQUIRES(mu_);
  void PushFree(Sample* sample) REQUIRES(mu_);
  void EnqueueWaiter(Waiter* waiter) REQUIRES(mu_);
  Waiter* DequeueWaiter() REQUIRES(mu_);
  LONG OutstandingLocked() const REQUIRES(mu_);
  void CheckInvariantsLocked() const REQUIRES(mu_);

  internal::ServerReference server_reference_;
  std::atomic<ULONG> refs_{1};

  // What every GetBuffer and ReleaseBuffer touches, in one cache line of
  // its own: under contention the lock's line is the one that moves
  // between cores, and it brings these along (bench contention/dsalloc).
  alignas(64) mutable internal::Mutex mu_;
  State state_ GUARDED_BY(mu_) = State::kDecommitted;
  LONG sample_count_ GUARDED_BY(mu_) = 0;
  // The pool: sample_count_ Samples over one block. Replaced only in D.
  std::unique_ptr<Sample[]> samples_ GUARDED_BY(mu_);
  std::vector<Sample*> free_list_ GUARDED_BY(mu_);  // back() is the head
  Waiter* waiters_head_ GUARDED_BY(mu_) = nullptr;
  IMemAllocatorNotifyCallbackTemp* notify_ GUARDED_BY(mu_) = nullptr;

  // The rest, touched by the other calls.
  alignas(64) Waiter* waiters_tail_ GUARDED_BY(mu_) = nullptr;
  ALLOCATOR_PROPERTIES props_ GUARDED_BY(mu_) = {0, 0, 0, 0};
  bool props_changed_ GUARDED_BY(mu_) = false;
  void* block_ GUARDED_BY(mu_) = nullptr;     // calloc'd; buffers inside
  LONG phantom_waiters_ GUARDED_BY(mu_) = 0;  // Variant::kPhantomWaiter only
  // Releases that found a callback; Variant::kLoseOneNotifyInThousand only.
  uint32_t notifying_releases_ GUARDED_BY(mu_) = 0;
};

}  // namespace dsalloc

#endif  // DSALLOC_SRC_ALLOCATOR_H_
