// ---------------------------------------------------------------------------
// File: harness/driver/client_book.h
// ---------------------------------------------------------------------------
//
// Not a public header (see driver_core.h). ClientBook is the Driver's
// record of what the client holds: the observed ids (driver.h, Naming
// samples), the references the client holds on each sample and on the
// allocator's interfaces, the IUnknown identity the allocator first gave,
// the server locks (IClassFactory::LockServer) it holds, and the
// Completions of blocked GetBuffer calls not yet collected.
// It makes no COM call: the Core calls AddRef/Release and tells the book,
// or takes a reference out of the book and releases it.
//
// Guards: its one mutex guards all of the above; it is never held while
// calling into the implementation (a NotifyRelease a call triggers needs
// it, from a reaction, possibly on another thread).
// Threading: every method is thread-safe. Lifetime: the Core's.
// Errors: none; an id never observed reads as no sample, no reference.

#ifndef DSALLOC_HARNESS_DRIVER_CLIENT_BOOK_H_
#define DSALLOC_HARNESS_DRIVER_CLIENT_BOOK_H_

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "driver_support.h"
#include "harness/annotated_mutex.h"

namespace dsalloc::harness::driver_internal {

class ClientBook {
 public:
  ClientBook() = default;
  ClientBook(const ClientBook&) = delete;
  ClientBook& operator=(const ClientBook&) = delete;

  // --- samples, by observed id ---
  // Registers a sample GetBuffer returned; the client holds it if hr
  // succeeded. `in_flight`: returned to a blocked call whose result the
  // checker has not collected yet, so a reaction must not release it (op.h
  // kReleaseSample). Returns its observed id, -1 for none.
  int RegisterReturnedSample(HRESULT hr, IMediaSample* got, bool in_flight = false)
      HARNESS_EXCLUDES(mu_);
  // Ends in_flight for observed id `id` (-1: nothing).
  void MarkSampleCollected(int id) HARNESS_EXCLUDES(mu_);
  uint32_t SampleRefs(int id) const HARNESS_EXCLUDES(mu_);
  // True if SampleRefs(id) == refs for every (id, refs) listed, under one
  // lock.
  bool SampleRefsAre(const std::vector<std::pair<int, uint32_t>>& expected) const
      HARNESS_EXCLUDES(mu_);
  // The pointer behind an observed id, held or not, or NULL.
  IMediaSample* SamplePointer(int id) const HARNESS_EXCLUDES(mu_);
  // The pointer behind an observed id the client holds, or NULL.
  IMediaSample* HeldSample(int id) const HARNESS_EXCLUDES(mu_);
  // Every sample the client holds (in flight included), once each, in
  // observed-id order.
  std::vector<IMediaSample*> HeldSamples() const HARNESS_EXCLUDES(mu_);
  // One more / one less client reference on a held sample.
  void AddSampleRef(int id) HARNESS_EXCLUDES(mu_);
  void DropSampleRef(int id) HARNESS_EXCLUDES(mu_);
  // A reaction's ReleaseSample: if the client holds `id` and it is not in
  // flight, takes one reference out of the book and returns the pointer to
  // release; else NULL.
  IMediaSample* TakeSampleRefForReaction(int id) HARNESS_EXCLUDES(mu_);
  // Takes every sample reference out of the book, one entry per reference.
  std::vector<IMediaSample*> TakeAllSampleRefs() HARNESS_EXCLUDES(mu_);

  // --- allocator references ---
  void AddAllocatorRef(IUnknown* p) HARNESS_EXCLUDES(mu_);
  // The latest reference taken out of the book, NULL if it holds none.
  IUnknown* TakeAllocatorRef() HARNESS_EXCLUDES(mu_);
  std::vector<IUnknown*> TakeAllAllocatorRefs() HARNESS_EXCLUDES(mu_);
  bool HoldsAllocator() const HARNESS_EXCLUDES(mu_);
  // COM.ALLOC.IDENTITY: the IUnknown pointer QueryInterface gave first;
  // records p when it is the first.
  void* UnknownIdentity(void* p) HARNESS_EXCLUDES(mu_);

  // --- server locks (FACTORY.LOCKSERVER) ---
  // A LockServer(TRUE) / LockServer(FALSE) that succeeded. An unlock with
  // none held undoes nothing.
  void AddServerLock() HARNESS_EXCLUDES(mu_);
  void DropServerLock() HARNESS_EXCLUDES(mu_);
  // Takes every server lock out of the book; returns how many it held.
  uint32_t TakeAllServerLocks() HARNESS_EXCLUDES(mu_);

  // --- completions ---
  void AddCompletion(const Completion& c) HARNESS_EXCLUDES(mu_);
  // Waits until at least `count` completions are in (or `hang` passes),
  // `settle` more for any extra, and takes them out; their samples are then
  // collected (no longer in flight).
  std::vector<Completion> AwaitCompletions(size_t count, std::chrono::milliseconds hang,
                                           std::chrono::milliseconds settle) HARNESS_EXCLUDES(mu_);

 private:
  struct SampleRec {
    IMediaSample* pointer = nullptr;
    uint32_t client_refs = 0;
    bool in_flight = false;
  };

  int IdOf(IMediaSample* p) HARNESS_REQUIRES(mu_);

  mutable Mutex mu_;
  std::vector<IUnknown*> alloc_refs_ HARNESS_GUARDED_BY(mu_);  // one ref each
  std::vector<SampleRec> samples_ HARNESS_GUARDED_BY(mu_);     // by observed id
  std::unordered_map<IMediaSample*, int> ids_ HARNESS_GUARDED_BY(mu_);
  void* unknown_identity_ HARNESS_GUARDED_BY(mu_) = nullptr;
  uint32_t server_locks_ HARNESS_GUARDED_BY(mu_) = 0;
  std::vector<Completion> completions_ HARNESS_GUARDED_BY(mu_);
  CondVar completions_cv_;
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_CLIENT_BOOK_H_
