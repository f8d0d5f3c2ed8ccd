// ---------------------------------------------------------------------------
// File: spec/model/op.h
// ---------------------------------------------------------------------------
//
// The operation vocabulary of dsalloc's executable model, and the text of
// one op in the trace format shared by the property tests, the fuzzers and
// the replay tool (ToString / ParseOp round-trip; model_test.cpp checks
// it). A trace's lines, Repeat blocks included, are trace.h's.
//
// The world the model describes: one allocator (CLSID_MemoryAllocator)
// created with one client reference, its samples, three test callbacks
// (ids 0..2, IMemAllocatorNotifyCallbackTemp objects owned by the driver)
// and up to kMaxThreads client threads. An Op is one call made by the
// client (thread `thread`) on one of these objects. Re-entrant calls are not
// Ops: each callback carries a Reaction (set with `callback N react ...`)
// that it performs inside every NotifyRelease it receives.
//
// Naming objects:
//   - a sample is named by its index in the current allocation generation
//     (0 .. cBuffers-1); Commit outcomes report the generation, so a driver
//     maps (generation, index) to the real IMediaSample* it got from
//     GetBuffer (SampleHandle in outcome.h);
//   - media types are ids into a small fixed table (MakeMediaType below);
//     -1 means a NULL AM_MEDIA_TYPE*;
//   - interface ids come from the Iid table; `null` means ppv == NULL.
//
// Trace format: one op per line (or a Repeat bound: trace.h); tokens separated by single spaces; numbers
// in decimal (flags may be 0x-hex); '-' is a NULL in-pointer, '*' a valid
// out-pointer. An optional prefix "@T " names the calling thread (T > 0).
// A trailing "oom" asks the driver to fail the next allocation inside the
// call (fault injection; ignored by implementations without the hook).
//   SetProperties 2 4096 16 0 [nullrequest] [nullactual]
//   GetProperties [null]              Commit [oom]          Decommit
//   GetBuffer [nowait] [flags=0x3] [times] [null]
//   ReleaseBuffer 1 | ReleaseBuffer null | ReleaseBuffer foreign
//   SetNotify 2 | SetNotify null      GetFreeCount [null]
//   AddRef | Release | QueryInterface IMemAllocatorCallbackTemp [null]
//   callback 1 react GetBufferNoWait [persistent]
//   callback 0 react SetNotifyOther 2 | callback 2 react ReleaseSample 1
//   callback 1 Release                (the client drops its own reference)
//   callback 1 HoldAllocator          (the callback AddRefs the allocator and
//                                      keeps that reference: LIFE.CYCLE)
//   callback 1 ReleaseAllocator       (the callback releases one it holds)
//   sample 1 AddRef | sample 1 Release | sample 1 QueryInterface IUnknown
//   sample 1 GetPointer [null] | sample 1 GetSize
//   sample 1 GetTime * * | sample 1 SetTime 100 - | sample 1 SetTime - -
//   sample 1 IsSyncPoint | sample 1 SetSyncPoint 1   (Preroll, Discontinuity)
//   sample 1 GetActualDataLength | sample 1 SetActualDataLength 17
//   sample 1 GetMediaType [null] [oom] | sample 1 SetMediaType 2 | ... -
//   sample 1 GetMediaTime * - | sample 1 SetMediaTime 5 9
//   sample 1 GetProperties2 64 [null]
//   sample 1 SetProperties2 64 cbData=64 tsf=0 flags=0x11 actual=5
//            start=1 stop=2 stream=0 type=- buffer=own size=0 [null] [oom]
//   DllGetClassObject MemoryAllocator IClassFactory [null]
//   CreateInstance IMemAllocator [outer] [null] | DllCanUnloadNow
//   LockServer 1 | LockServer 0       (IClassFactory::LockServer(TRUE/FALSE))
//   Repeat 1000 {  ...ops...  }       (a block of a trace, not an op: trace.h)
// Comments (#...) and blank lines are skipped by ParseTrace (trace.h).
//
// A *parallel case* (harness/parallel) is a file with the comment line
// kParallelTraceMarker: its thread-0 ops are a sequential prefix, and the
// "@T" ops (T = 1..3) are per-thread lists that start together, in which
// `sample k` means the sample thread T's k-th GetBuffer of that phase got.
// dsalloc-replay runs such a file with the parallel runner.

#ifndef DSALLOC_SPEC_MODEL_OP_H_
#define DSALLOC_SPEC_MODEL_OP_H_

#include <dsalloc/strmif.h>

#include "spec/model/calls.h"
#include "spec/model/vocabulary.h"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsalloc::spec {

// One operation: a call (calls.h) made by client thread `thread`; `oom`
// asks the driver to fail the next allocation inside it (fault injection,
// for the calls whose syntax takes it: the call's kOom).
struct Op {
  Call call = call::Commit{};
  uint8_t thread = 0;  // calling client thread, 0..kMaxThreads-1
  bool oom = false;
  friend bool operator==(const Op&, const Op&) = default;
};

// The op that makes call `c` on client thread `thread`.
inline Op MakeOp(const Call& c, uint8_t thread = 0, bool oom = false) { return Op{c, thread, oom}; }

// A GetBuffer that may wait for a sample, made on thread 0: the checker's
// own thread, which it would block while the pool is empty.
inline bool MayBlockThread0(const Op& op) {
  const auto* get = std::get_if<call::GetBuffer>(&op.call);
  return get != nullptr && op.thread == 0 && !get->null_ppBuffer && !get->NoWait();
}

// Call alternative `index` (its row in kCalls) with every argument at its
// default.
Call DefaultCall(size_t index);

// One trace line (no newline). Round-trips: ParseOp(ToString(op)) == op for
// every op whose unused fields are at their defaults.
std::string ToString(const Op& op);
std::optional<Op> ParseOp(std::string_view line);
// A whole trace (Repeat blocks included): trace.h.
inline constexpr std::string_view kParallelTraceMarker = "# dsalloc-trace: parallel";

// Media type table. MakeMediaType(id) returns a type whose pbFormat (if any)
// points at static storage; implementations must deep-copy it. Id 2 has a
// format block, ids 0 and 1 have none; none has a pUnk.
AM_MEDIA_TYPE MakeMediaType(int id);
// The id whose contents equal *mt (deep compare), -1 for NULL, -2 if none.
int MediaTypeId(const AM_MEDIA_TYPE* mt);

}  // namespace dsalloc::spec

#endif  // DSALLOC_SPEC_MODEL_OP_H_
