// ---------------------------------------------------------------------------
// File: src/internal/variant.h
// ---------------------------------------------------------------------------
//
// The one seam for deliberately broken builds of the allocator. The release
// library is built with Variant::kNone, where every Broken() test is a
// compile-time false and the bug branches vanish. With DSALLOC_BUILD_TESTS,
// src/CMakeLists.txt builds the same sources once per other value
// (-DDSALLOC_VARIANT=kLostNotify, ...) into a loadable in-process server,
// ${CMAKE_BINARY_DIR}/variants/libdsalloc_variant_<kName>.so, and the kill
// tables (cmake/DsallocKillTable.cmake) check that every checker rejects each
// of them ("a test that cannot fail is a defect"). Each value names the rule
// it breaks. Broken() is tested only in the hook headers, allocator_hooks.h
// and sample_hooks.h: one named function per point where a variant departs,
// which allocator.cpp and sample.cpp call in place of the reference step.

#ifndef DSALLOC_SRC_INTERNAL_VARIANT_H_
#define DSALLOC_SRC_INTERNAL_VARIANT_H_

namespace dsalloc::internal {

enum class Variant {
  kNone,
  kLostNotify,                      // NOTIFY.ONCE: no NotifyRelease while decommit pends
  kNotifyUnderLock,                 // THREAD.NOLOCK: callback runs under the lock
  kNotifyBeforeFree,                // NOTIFY.AFTERFREE: notify before the sample is back
  kSetNotifyNoAddRef,               // ALLOC.SETNOTIFY.1: new callback not AddRef'd
  kOldCallbackKept,                 // ALLOC.SETNOTIFY.1: old callback never Released
  kUnsyncCallbackRead,              // NOTIFY.SNAPSHOT: no snapshot reference
  kLeakedSelfRef,                   // LIFE.SELFREF: self-reference kept after decommit
  kFreeWithOutstanding,             // LIFE.FREEMEM: Decommit frees with samples out
  kFreeCountOffByOne,               // ALLOC.FREECOUNT: one too many while samples out
  kPhantomWaiter,                   // ALLOC.GETBUFFER.NOWAIT: NOWAIT leaves a waiter
  kDecommitWakesOne,                // ALLOC.DECOMMIT.WAKE: only the oldest waiter wakes
  kRecycleKeepsFlags,               // SAMPLE.RECYCLE.1: flags and media type survive
  kWrongHresult,                    // SAMPLE.LENGTH.RANGE: size+1 accepted
  kMisalignedBuffer,                // ALLOC.SAMPLE.LAYOUT: prefix starts one byte late
  kQueryInterfaceMissKeepsPointer,  // COM.ALLOC.QI.MISS: *ppv not NULLed
  kOverlappingBuffers,              // ALLOC.SAMPLE.LAYOUT: buffers overlap by a byte
};

#ifndef DSALLOC_VARIANT
#define DSALLOC_VARIANT kNone
#endif

inline constexpr Variant kVariant = Variant::DSALLOC_VARIANT;

constexpr bool Broken(Variant v) { return kVariant == v; }

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_VARIANT_H_
