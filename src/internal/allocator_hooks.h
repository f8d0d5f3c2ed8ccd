// ---------------------------------------------------------------------------
// File: src/internal/allocator_hooks.h
// ---------------------------------------------------------------------------
//
// AllocatorHooks: the points where a broken variant (variant.h) departs from
// the reference Allocator. Each hook is named for its point and does exactly
// the reference step in the release build (Variant::kNone), where its
// Broken() tests are compile-time false: the hooks inline to the reference
// code and cost nothing. Only allocator.cpp includes this header, so only it
// (with sample.cpp) is compiled once per variant.

#ifndef DSALLOC_SRC_INTERNAL_ALLOCATOR_HOOKS_H_
#define DSALLOC_SRC_INTERNAL_ALLOCATOR_HOOKS_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "allocator.h"
#include "internal/mutex.h"
#include "internal/variant.h"

namespace dsalloc::internal {

struct AllocatorHooks {
  using Callback = IMemAllocatorNotifyCallbackTemp;

  // --- QueryInterface --------------------------------------------------------

  // What a miss leaves in *ppv: NULL (COM.ALLOC.QI.MISS).
  static void ClearOnMiss(void** ppv) {
    if (Broken(Variant::kQueryInterfaceMissKeepsPointer)) return;
    *ppv = nullptr;
  }

  // --- The pool --------------------------------------------------------------

  // Where the first prefix starts, given the aligned start of the block
  // (ALLOC.SAMPLE.LAYOUT). In bounds: the block has `align` spare bytes.
  static uintptr_t FirstPrefix(uintptr_t aligned, size_t align) {
    if (Broken(Variant::kMisalignedBuffer) && align > 1) return aligned + 1;
    return aligned;
  }

  // The distance from one prefix to the next (ALLOC.SAMPLE.LAYOUT). A
  // shorter stride that stays aligned is seen only by the overlap check.
  static int64_t Stride(int64_t stride, size_t align) {
    if (Broken(Variant::kOverlappingBuffers) && stride > static_cast<int64_t>(align)) {
      return stride - static_cast<int64_t>(align);
    }
    return stride;
  }

  // --- Decommit and the self-reference ---------------------------------------

  // Whether a Decommit in C completes at once: only with no sample out
  // (ALLOC.DECOMMIT.2, ALLOC.DECOMMIT.3, LIFE.FREEMEM).
  static bool DecommitCompletes(LONG outstanding) {
    return outstanding == 0 || Broken(Variant::kFreeWithOutstanding);
  }

  // What a Decommit that leaves samples out (-> DecommitPending) does to the
  // buffer memory: nothing; it is freed only at destruction or when a
  // Commit reallocates (LIFE.FREEMEM).
  static void AfterDecommitPends(Allocator& a) REQUIRES(a.mu_) {
    if (!Broken(Variant::kBufferFreedAtDecommit)) return;
    // The samples keep their (now dangling) buffer pointers; block_ is
    // cleared so that no later free of it is a double free.
    std::free(a.block_);
    a.block_ = nullptr;
  }

  // Whether Decommit goes on to wake the next waiter after one: always
  // (ALLOC.DECOMMIT.WAKE).
  static constexpr bool DecommitWakesNext() { return !Broken(Variant::kDecommitWakesOne); }

  // Whether the pool may be decommitted with samples out or lost; never in
  // the reference (LIFE.FREEMEM), so CheckInvariantsLocked asserts it.
  static constexpr bool DecommitsWithSamplesOut() {
    return Broken(Variant::kPhantomWaiter) || Broken(Variant::kFreeWithOutstanding);
  }

  // Where a completed decommit drops the self-reference (LIFE.SELFREF); may
  // destroy the allocator.
  static void ReleaseSelfReference(Allocator& a) {
    if (Broken(Variant::kLeakedSelfRef)) return;
    a.Release();
  }

  // --- GetBuffer and ReleaseBuffer -------------------------------------------

  // What a GetBuffer(AM_GBF_NOWAIT) that found no sample leaves behind:
  // nothing (ALLOC.GETBUFFER.NOWAIT).
  static void AfterNoWaitMiss(Allocator& a) REQUIRES(a.mu_) {
    if (Broken(Variant::kPhantomWaiter)) ++a.phantom_waiters_;
  }

  // How a released sample no waiter takes returns to the pool: pushed on the
  // free list (ALLOC.RELEASEBUFFER.PUSH).
  static void ReturnToFreeList(Allocator& a, Sample* sample) REQUIRES(a.mu_) {
    if (Broken(Variant::kPhantomWaiter) && a.phantom_waiters_ > 0) {
      --a.phantom_waiters_;  // handed to nobody: the sample is lost
      return;
    }
    a.PushFree(sample);
  }

  // What ReleaseBuffer returns for a pointer that is none of this
  // allocator's samples: E_INVALIDARG, with nothing changed
  // (ALLOC.RELEASEBUFFER.MISUSE, strict).
  static constexpr HRESULT ForeignReleaseResult() {
    return Broken(Variant::kReleaseBufferAcceptsForeign) ? S_OK : E_INVALIDARG;
  }

  // --- The release's notification --------------------------------------------

  // Before the lock is taken and the sample is back: the reference does
  // nothing here (NOTIFY.AFTERFREE).
  static void BeforeSampleReturns(Allocator& a) EXCLUDES(a.mu_) {
    if (!Broken(Variant::kNotifyBeforeFree)) return;
    Callback* early;
    {
      MutexLock lock(a.mu_);
      early = a.notify_;
      if (early != nullptr) early->AddRef();
    }
    Allocator::Deliver(early);
  }

  // How the callback to notify is read: under the lock, with a reference the
  // release holds for the call (NOTIFY.SNAPSHOT). Null: nobody to notify.
  static Callback* SnapshotCallback(Allocator& a) REQUIRES(a.mu_) {
    if (Broken(Variant::kNotifyBeforeFree) || Broken(Variant::kUnsyncCallbackRead)) {
      return nullptr;
    }
    Callback* callback = a.notify_;
    if (callback == nullptr) return nullptr;
    if (Broken(Variant::kLoseOneNotifyInThousand) && ++a.notifying_releases_ % 1000 == 0) {
      return nullptr;  // NOTIFY.ONCE broken: this release notifies nobody
    }
    callback->AddRef();
    return callback;
  }

  // The last point under the lock: the reference delivers nothing here
  // (THREAD.NOLOCK).
  static void BeforeUnlock([[maybe_unused]] Allocator& a, Callback*& callback) REQUIRES(a.mu_) {
    if (!Broken(Variant::kNotifyUnderLock)) return;
    Allocator::Deliver(callback);
    callback = nullptr;
  }

  // Where the notification is delivered: after the unlock, once, to the
  // snapshot (NOTIFY.ONCE); `was_pending` is whether the release found a
  // decommit pending.
  static void DeliverAfterUnlock(Allocator& a, Callback* callback,
                                 [[maybe_unused]] bool was_pending) EXCLUDES(a.mu_) {
    if (Broken(Variant::kUnsyncCallbackRead)) {
      // The base classes' unsynchronised read: no lock, no reference held.
      if (Callback* racy = RacyCallback(a)) racy->NotifyRelease();
    }
    if (Broken(Variant::kLostNotify) && was_pending && callback != nullptr) {
      callback->Release();  // drops the notification, keeps the counts right
      return;
    }
    Allocator::Deliver(callback);
  }

  // --- SetNotify -------------------------------------------------------------

  // How SetNotify takes its reference on the new callback (ALLOC.SETNOTIFY.1).
  static void AddRefNewCallback(Callback* callback) {
    if (Broken(Variant::kSetNotifyNoAddRef) || Broken(Variant::kSetNotifyReleaseFirst)) return;
    callback->AddRef();
  }

  // After the old callback is released: nothing, unless the new one's
  // AddRef was put off until now (ALLOC.SETNOTIFY.SAME broken: with the
  // installed callback and the allocator holding its only reference, the
  // Release above destroyed it).
  static void AddRefNewCallbackLate(Callback* callback) {
    if (Broken(Variant::kSetNotifyReleaseFirst)) callback->AddRef();
  }

  // How SetNotify drops the old callback (ALLOC.SETNOTIFY.1).
  static void ReleaseOldCallback(Callback* callback) {
    if (Broken(Variant::kOldCallbackKept)) return;
    callback->Release();
  }

  // --- GetFreeCount ----------------------------------------------------------

  // The count GetFreeCount reports, given the true one (ALLOC.FREECOUNT).
  static LONG ReportedFreeCount(LONG free_count, LONG outstanding) {
    if (Broken(Variant::kFreeCountOffByOne) && outstanding > 0) {
      return static_cast<LONG>(static_cast<uint32_t>(free_count) + 1u);  // wraps as LONG does
    }
    return free_count;
  }

 private:
  static Callback* RacyCallback(const Allocator& a) NO_THREAD_SAFETY_ANALYSIS { return a.notify_; }
};

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_ALLOCATOR_HOOKS_H_
