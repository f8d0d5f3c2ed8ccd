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
//
// Which variants are concurrency bugs (the kit may report them as
// THREAD.SAFE; every other one must be reported under the rule it breaks)
// is DSALLOC_CONCURRENCY_VARIANTS in src/CMakeLists.txt, with the reasons.
//
// Two lists. DSALLOC_VARIANTS (the values from kLostNotify to
// kOverlappingBuffers, and kSetNotifyReleaseFirst) are the kill-table
// variants: every checker of the tree must kill each. DSALLOC_KIT_VARIANTS
// (from kBufferFreedAtDecommit to kGetPropertiesOverrun)
// are built the same way, into the same folder, for the conformance kit
// (conform/); today's checkers are not expected to see them, so no kill
// table runs them. Each kit variant is a bug under the profiles named in its
// comment (and in DSALLOC_KIT_VARIANT_PROFILE_<kName>, src/CMakeLists.txt):
//   kBufferFreedAtDecommit       strict, portable. A Decommit that leaves
//                                samples outstanding frees the buffer block
//                                at once; the samples live on and GetPointer
//                                still gives the old (now dangling) address,
//                                so only a checker that touches the bytes
//                                under ASan sees it. The block is never
//                                allocated again: the pool keeps the dangling
//                                buffers until SetProperties and a Commit
//                                make new ones.
//   kLoseOneNotifyInThousand     strict, portable. Each allocator counts the
//                                releases that find a callback installed;
//                                the 1000th, 2000th, ... calls no
//                                NotifyRelease (the snapshot reference is
//                                not taken, so the counts stay balanced).
//                                Only a soak of 1000+ notifying releases on
//                                one allocator sees it.
//   kReleaseBufferAcceptsForeign strict only. ReleaseBuffer of a pointer that
//                                is not one of this allocator's samples
//                                (another allocator's, a foreign object)
//                                returns S_OK and does nothing else: no push,
//                                no notification. A held or already free own
//                                sample still gets E_INVALIDARG. Under the
//                                portable profile the call is not checked
//                                (ALLOC.RELEASEBUFFER.MISUSE).
// kSetNotifyReleaseFirst, described here with the kit's, is in every kill
// table since every checker's client can let go of a callback (issue 21):
//   kSetNotifyReleaseFirst       strict, portable. SetNotify(p) swaps p in,
//                                Releases the old callback, and only then
//                                AddRefs p. Harmless while the client holds
//                                its own reference on p; with p the
//                                installed callback and the allocator
//                                holding its last reference, p is destroyed
//                                and then AddRef'd (ALLOC.SETNOTIFY.SAME,
//                                COM.CALLBACK.DEAD). Only a checker whose
//                                client can let go of a callback sees it.
//   kGetPropertiesOverrun        strict, portable. IMediaSample2::
//                                GetProperties writes min(cb, sizeof + 8)
//                                bytes: the image, then zeros past the end
//                                of the structure when the caller's cb
//                                leaves room (a structure-size mismatch).
//                                Only a checker that watches the bytes past
//                                the structure sees it.

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
  // The conformance kit's variants (DSALLOC_KIT_VARIANTS), see above.
  kBufferFreedAtDecommit,        // LIFE.FREEMEM: Decommit frees the buffers of samples out
  kLoseOneNotifyInThousand,      // NOTIFY.ONCE: every 1000th notification is dropped
  kReleaseBufferAcceptsForeign,  // ALLOC.RELEASEBUFFER.MISUSE: foreign sample -> S_OK
  kGetPropertiesOverrun,         // SAMPLE2.GETPROPS.IMAGE: 8 bytes past the structure
  kSetNotifyReleaseFirst,        // ALLOC.SETNOTIFY.SAME: old Released before new AddRef'd
};

#ifndef DSALLOC_VARIANT
#define DSALLOC_VARIANT kNone
#endif

inline constexpr Variant kVariant = Variant::DSALLOC_VARIANT;

constexpr bool Broken(Variant v) { return kVariant == v; }

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_VARIANT_H_
