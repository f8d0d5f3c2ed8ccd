// ---------------------------------------------------------------------------
// File: harness/driver/foreign_sample.h
// ---------------------------------------------------------------------------
//
// Not a public header (see driver_core.h). ForeignSample is the sample of
// "ReleaseBuffer foreign" (op.h): one sample of a second, private allocator
// of the same server, which the allocator under test must refuse
// (ALLOC.RELEASEBUFFER.MISUSE).
//
// Guards: its mutex guards the private allocator, its sample and whether
// the allocator under test accepted the sample; it is never held while
// calling into the implementation.
// Threading: every method is thread-safe; when two threads ask for the
// sample at once, both get the one made first. Lifetime: made on first
// use, released by Drop (Teardown); if the allocator under test accepted
// it, it may hand it out later, so Drop keeps both forever instead
// (keep_forever.h). Errors: Get returns the server's HRESULT.

#ifndef DSALLOC_HARNESS_DRIVER_FOREIGN_SAMPLE_H_
#define DSALLOC_HARNESS_DRIVER_FOREIGN_SAMPLE_H_

#include "harness/annotated_mutex.h"
#include "harness/implementation.h"

namespace dsalloc::harness::driver_internal {

class ForeignSample {
 public:
  // `impl` must outlive this object.
  explicit ForeignSample(const Implementation& impl) : impl_(impl) {}
  ForeignSample(const ForeignSample&) = delete;
  ForeignSample& operator=(const ForeignSample&) = delete;

  // The sample (no reference for the caller), made on first use.
  HRESULT Get(IMediaSample** out) HARNESS_EXCLUDES(mu_);
  // The allocator under test accepted it in ReleaseBuffer.
  void NoteAccepted() HARNESS_EXCLUDES(mu_);
  // Releases the sample and its allocator (or keeps them forever, above).
  void Drop() HARNESS_EXCLUDES(mu_);

 private:
  const Implementation& impl_;
  Mutex mu_;
  IMemAllocator* alloc_ HARNESS_GUARDED_BY(mu_) = nullptr;
  IMediaSample* sample_ HARNESS_GUARDED_BY(mu_) = nullptr;
  bool accepted_ HARNESS_GUARDED_BY(mu_) = false;
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_FOREIGN_SAMPLE_H_
