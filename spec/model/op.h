// ---------------------------------------------------------------------------
// File: spec/model/op.h
// ---------------------------------------------------------------------------
//
// The operation vocabulary of dsalloc's executable model, and the one-line
// text trace format shared by the property tests, the fuzzers and the replay
// tool. This is the ONE place that format is defined (ToString / ParseOp
// round-trip; model_test.cpp checks it).
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
// Trace format: one op per line; tokens separated by single spaces; numbers
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
//   Repeat 1000 {  ...ops...  }       (the ops between run 1000 times;
//                                       1 <= N <= kMaxRepeat; not an API call)
// Comments (#...) and blank lines are skipped by ParseTrace.
//
// Repeat. "Repeat N {" opens a block and "}" closes it; the checker
// (harness::Lockstep) runs the block's ops N times in a row, so one short
// trace reaches bugs that show only after thousands of cycles. Blocks do
// not nest (an inner "Repeat" and its "}" are ignored), a "}" with no open
// block is ignored, and a block still open at the end of the trace ends
// there. Every other checker treats both as outside the domain.
//
// A *parallel case* (harness/parallel) is a file with the comment line
// kParallelTraceMarker: its thread-0 ops are a sequential prefix, and the
// "@T" ops (T = 1..3) are per-thread lists that start together, in which
// `sample k` means the sample thread T's k-th GetBuffer of that phase got.
// dsalloc-replay runs such a file with the parallel runner.

#ifndef DSALLOC_SPEC_MODEL_OP_H_
#define DSALLOC_SPEC_MODEL_OP_H_

#include <dsalloc/strmif.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsalloc::spec {

inline constexpr int kNumCallbacks = 3;   // test callbacks 0..2
inline constexpr int kMaxThreads = 8;     // client threads 0..7
inline constexpr int kMaxBuffers = 4096;  // Commit limit (ALLOC.COMMIT.LIMIT)
// The most samples the model holds (sample indices are uint16_t, and index
// 0xFFFF is SampleHandle::kNoSample, outcome.h): a portable Commit may
// succeed above kMaxBuffers up to here (ALLOC.COMMIT.LIMIT).
inline constexpr int kMaxModelSamples = 65535;
inline constexpr int kNumMediaTypes = 3;   // media type ids 0..2; -1 = NULL
inline constexpr int kMaxRepeat = 100000;  // Repeat N: 1 <= N <= kMaxRepeat

// Every call the model knows. The order is the order of kOpTable below and
// means nothing else: code asks GroupOf(kind), never compares kinds.
enum class OpKind : uint8_t {
  kSetProperties,
  kGetProperties,
  kCommit,
  kDecommit,
  kGetBuffer,
  kReleaseBuffer,
  kSetNotify,
  kGetFreeCount,
  kAddRef,
  kRelease,
  kQueryInterface,
  kSetReaction,
  kSampleAddRef,
  kSampleRelease,
  kSampleQueryInterface,
  kGetPointer,
  kGetSize,
  kGetTime,
  kSetTime,
  kIsSyncPoint,
  kSetSyncPoint,
  kIsPreroll,
  kSetPreroll,
  kIsDiscontinuity,
  kSetDiscontinuity,
  kGetActualDataLength,
  kSetActualDataLength,
  kGetMediaType,
  kSetMediaType,
  kGetMediaTime,
  kSetMediaTime,
  kGetProperties2,
  kSetProperties2,
  kDllGetClassObject,
  kCreateInstance,
  kLockServer,
  kDllCanUnloadNow,
  kRepeat,
  kRepeatEnd,
  kCallbackRelease,
  kCallbackHoldAllocator,
  kCallbackReleaseAllocator,
};
inline constexpr int kNumOpKinds = static_cast<int>(OpKind::kCallbackReleaseAllocator) + 1;

// Which object an op is called on, which also fixes its trace syntax.
enum class OpGroup : uint8_t {
  kAllocator,  // IMemAllocator / IMemAllocatorCallbackTemp (and its IUnknown):
               //   "Name args..."
  kSample,     // IMediaSample (and IUnknown) on sample `sample`:
               //   "sample N Name args..."
  kSample2,    // IMediaSample2 on sample `sample`: "sample N Name args..."
  kFactory,    // the in-process server (DllGetClassObject, IClassFactory):
               //   "Name args..."
  kConfig,     // test callback configuration, not an API call:
               //   "callback N react Reaction..."
  kControl,    // the checker's control flow, not an API call:
               //   "Repeat N {" and "}" (Op::value is N)
  kCallback,   // what the client or a test callback does with references
               //   (COM.CALLBACK.CLIENT, LIFE.CYCLE): "callback N Name"
};

// One row per op: its trace name, its group, and what Op::null_ptr1 /
// Op::null_ptr2 mean for it (the C parameter passed as NULL; "" = the op
// has no such pointer and the field stays false).
struct OpInfo {
  OpKind kind;
  std::string_view name;
  OpGroup group;
  std::string_view ptr1;
  std::string_view ptr2;
};

// THE op vocabulary. Add a row here (in enum order) for a new op; see
// spec/README.md "Adding an operation" for the rest of the recipe.
inline constexpr OpInfo kOpTable[] = {
    // kind                            name                   group
    {OpKind::kSetProperties, "SetProperties", OpGroup::kAllocator, "pRequest", "pActual"},
    {OpKind::kGetProperties, "GetProperties", OpGroup::kAllocator, "pProps", ""},
    {OpKind::kCommit, "Commit", OpGroup::kAllocator, "", ""},
    {OpKind::kDecommit, "Decommit", OpGroup::kAllocator, "", ""},
    {OpKind::kGetBuffer, "GetBuffer", OpGroup::kAllocator, "ppBuffer", ""},
    {OpKind::kReleaseBuffer, "ReleaseBuffer", OpGroup::kAllocator, "", ""},
    {OpKind::kSetNotify, "SetNotify", OpGroup::kAllocator, "", ""},
    {OpKind::kGetFreeCount, "GetFreeCount", OpGroup::kAllocator, "plBuffersFree", ""},
    {OpKind::kAddRef, "AddRef", OpGroup::kAllocator, "", ""},
    {OpKind::kRelease, "Release", OpGroup::kAllocator, "", ""},
    {OpKind::kQueryInterface, "QueryInterface", OpGroup::kAllocator, "ppv", ""},
    {OpKind::kSetReaction, "react", OpGroup::kConfig, "", ""},
    {OpKind::kSampleAddRef, "AddRef", OpGroup::kSample, "", ""},
    {OpKind::kSampleRelease, "Release", OpGroup::kSample, "", ""},
    {OpKind::kSampleQueryInterface, "QueryInterface", OpGroup::kSample, "ppv", ""},
    {OpKind::kGetPointer, "GetPointer", OpGroup::kSample, "ppBuffer", ""},
    {OpKind::kGetSize, "GetSize", OpGroup::kSample, "", ""},
    {OpKind::kGetTime, "GetTime", OpGroup::kSample, "pTimeStart", "pTimeEnd"},
    {OpKind::kSetTime, "SetTime", OpGroup::kSample, "pTimeStart", "pTimeEnd"},
    {OpKind::kIsSyncPoint, "IsSyncPoint", OpGroup::kSample, "", ""},
    {OpKind::kSetSyncPoint, "SetSyncPoint", OpGroup::kSample, "", ""},
    {OpKind::kIsPreroll, "IsPreroll", OpGroup::kSample, "", ""},
    {OpKind::kSetPreroll, "SetPreroll", OpGroup::kSample, "", ""},
    {OpKind::kIsDiscontinuity, "IsDiscontinuity", OpGroup::kSample, "", ""},
    {OpKind::kSetDiscontinuity, "SetDiscontinuity", OpGroup::kSample, "", ""},
    {OpKind::kGetActualDataLength, "GetActualDataLength", OpGroup::kSample, "", ""},
    {OpKind::kSetActualDataLength, "SetActualDataLength", OpGroup::kSample, "", ""},
    {OpKind::kGetMediaType, "GetMediaType", OpGroup::kSample, "ppMediaType", ""},
    {OpKind::kSetMediaType, "SetMediaType", OpGroup::kSample, "", ""},
    {OpKind::kGetMediaTime, "GetMediaTime", OpGroup::kSample, "pTimeStart", "pTimeEnd"},
    {OpKind::kSetMediaTime, "SetMediaTime", OpGroup::kSample, "pTimeStart", "pTimeEnd"},
    {OpKind::kGetProperties2, "GetProperties2", OpGroup::kSample2, "pbProperties", ""},
    {OpKind::kSetProperties2, "SetProperties2", OpGroup::kSample2, "pbProperties", ""},
    {OpKind::kDllGetClassObject, "DllGetClassObject", OpGroup::kFactory, "ppv", ""},
    {OpKind::kCreateInstance, "CreateInstance", OpGroup::kFactory, "ppv", ""},
    {OpKind::kLockServer, "LockServer", OpGroup::kFactory, "", ""},
    {OpKind::kDllCanUnloadNow, "DllCanUnloadNow", OpGroup::kFactory, "", ""},
    {OpKind::kRepeat, "Repeat", OpGroup::kControl, "", ""},
    {OpKind::kRepeatEnd, "}", OpGroup::kControl, "", ""},
    {OpKind::kCallbackRelease, "Release", OpGroup::kCallback, "", ""},
    {OpKind::kCallbackHoldAllocator, "HoldAllocator", OpGroup::kCallback, "", ""},
    {OpKind::kCallbackReleaseAllocator, "ReleaseAllocator", OpGroup::kCallback, "", ""},
};

// Row k of kOpTable is OpKind k, for every kind: each kind is listed exactly
// once, in enum order, so kOpTable[k] is the lookup.
constexpr bool OpTableMatchesEnum() {
  if (std::size(kOpTable) != static_cast<size_t>(kNumOpKinds)) return false;
  for (size_t i = 0; i < std::size(kOpTable); ++i) {
    if (static_cast<size_t>(kOpTable[i].kind) != i) return false;
  }
  return true;
}
static_assert(OpTableMatchesEnum(), "kOpTable must list every OpKind exactly once, in enum order");

constexpr const OpInfo& Info(OpKind kind) { return kOpTable[static_cast<size_t>(kind)]; }
constexpr OpGroup GroupOf(OpKind kind) { return Info(kind).group; }
// IMediaSample or IMediaSample2: the op names a sample through Op::sample.
constexpr bool IsSampleOp(OpKind kind) {
  return GroupOf(kind) == OpGroup::kSample || GroupOf(kind) == OpGroup::kSample2;
}

// Interface ids a QueryInterface may ask for. kOther is an unrelated GUID.
enum class Iid : uint8_t {
  kIUnknown,
  kIMemAllocator,
  kIMemAllocatorCallbackTemp,
  kIMemAllocatorNotifyCallbackTemp,
  kIMediaSample,
  kIMediaSample2,
  kIClassFactory,
  kIMemInputPin,
  kOther,
};
inline constexpr int kNumIids = static_cast<int>(Iid::kOther) + 1;
const IID& ToIID(Iid iid);
std::string_view IidName(Iid iid);

// Class ids for DllGetClassObject.
enum class Clsid : uint8_t { kMemoryAllocator, kOther };
const CLSID& ToCLSID(Clsid clsid);

// What a test callback does inside each NotifyRelease it receives
// (NOTIFY.REENTRANT). One-shot unless `persistent`: a one-shot reaction
// reverts to kNone before it runs.
enum class Reaction : uint8_t {
  kNone,             // just count the call
  kGetFreeCount,     // IMemAllocatorCallbackTemp::GetFreeCount(&n)
  kGetBufferNoWait,  // GetBuffer(&p, NULL, NULL, AM_GBF_NOWAIT); the sample,
                     // if any, is then held by the client like any other
  kSetNotifyNull,    // SetNotify(NULL)
  kSetNotifyOther,   // SetNotify(callback `arg`)
  kSetNotifySelf,    // SetNotify(this)
  kReleaseSample,    // sample `arg` (current generation): if the client holds
                     // a reference, IMediaSample::Release once; else nothing.
                     // A sample this op handed to a blocked GetBuffer is not
                     // held yet (its thread has not returned)
  kCommit,           // IMemAllocator::Commit()
  kDecommit,         // IMemAllocator::Decommit()
};
inline constexpr int kNumReactions = static_cast<int>(Reaction::kDecommit) + 1;
std::string_view ReactionName(Reaction r);

// ReleaseBuffer's argument.
enum class BufferArg : uint8_t {
  kSample,   // sample `sample` of the current generation
  kNull,     // NULL                  -> E_POINTER (ALLOC.RELEASEBUFFER.NULL)
  kForeign,  // another allocator's sample -> E_INVALIDARG
};

// IMediaSample2::SetProperties pbBuffer field.
enum class BufferPtr : uint8_t { kNull, kOwn, kOther };

// The AM_SAMPLE2_PROPERTIES image passed to IMediaSample2::SetProperties,
// with pointers abstracted (media type id, buffer pointer kind).
struct Sample2Image {
  DWORD cbData = 0;
  DWORD dwTypeSpecificFlags = 0;
  DWORD dwSampleFlags = 0;
  LONG lActual = 0;
  REFERENCE_TIME tStart = 0;
  REFERENCE_TIME tStop = 0;
  DWORD dwStreamId = 0;
  int8_t media_type = -1;  // -1 = NULL pMediaType
  BufferPtr pbBuffer = BufferPtr::kNull;
  LONG cbBuffer = 0;
  friend bool operator==(const Sample2Image&, const Sample2Image&) = default;
};

// One operation. Only the fields its kind uses are meaningful; the others
// keep their defaults so that == and the trace round-trip are exact.
struct Op {
  OpKind kind = OpKind::kCommit;
  uint8_t thread = 0;  // calling client thread, 0..kMaxThreads-1
  // The op's first and second nullable pointer parameter is passed as NULL.
  // Which C parameter that is comes from the op's kOpTable row (OpInfo::ptr1,
  // ptr2): pRequest/pActual for SetProperties, ppv, ppBuffer, pTimeStart/
  // pTimeEnd... An op whose row names none keeps them false.
  bool null_ptr1 = false;
  bool null_ptr2 = false;
  bool oom = false;                           // driver fails the next allocation in this call
  int32_t sample = 0;                         // sample index (current generation)
  ALLOCATOR_PROPERTIES props = {0, 0, 0, 0};  // SetProperties request
  DWORD flags = 0;                            // GetBuffer dwFlags
  bool times = false;                         // GetBuffer passes non-NULL start/end times
  BufferArg buffer_arg = BufferArg::kSample;  // ReleaseBuffer
  int8_t callback = -1;                       // SetNotify (-1 = NULL), SetReaction and
                                              // kCallback ops' target
  Reaction reaction = Reaction::kNone;        // SetReaction
  int32_t arg = 0;                            // SetReaction argument
  bool persistent = false;                    // SetReaction
  Iid iid = Iid::kIUnknown;                   // QueryInterface, factory
  Clsid clsid = Clsid::kMemoryAllocator;
  bool outer = false;      // CreateInstance with pUnkOuter
  int64_t t0 = 0, t1 = 0;  // SetTime / SetMediaTime values (unless null_ptr*)
  int32_t value = 0;       // SetActualDataLength, Set*(BOOL), LockServer's
                           // fLock, media type id (SetMediaType; -1 = NULL),
                           // Repeat's N
  DWORD cb = 0;            // Get/SetProperties2 cbProperties
  Sample2Image image;      // SetProperties2 payload
  friend bool operator==(const Op& a, const Op& b);  // every field
};

// Convenience constructors for the common ops (tests, generators).
Op MakeSetProperties(LONG c, LONG size, LONG align, LONG prefix);
Op MakeSimple(OpKind kind);  // Commit, Decommit...
Op MakeGetBuffer(bool nowait, uint8_t thread = 0);
Op MakeSampleOp(OpKind kind, int32_t sample);  // sample methods
Op MakeReleaseBuffer(int32_t sample);
Op MakeSetNotify(int8_t callback);  // -1 = NULL
Op MakeReaction(int8_t callback, Reaction r, int32_t arg = 0, bool persistent = false);
Op MakeCallbackOp(OpKind kind, int8_t callback);  // "callback N Release" ...

// One trace line (no newline). Round-trips: ParseOp(ToString(op)) == op for
// every op whose unused fields are at their defaults.
std::string ToString(const Op& op);
std::optional<Op> ParseOp(std::string_view line);
// A whole trace; nullopt (and *bad_line set, 1-based) on the first bad line.
std::optional<std::vector<Op>> ParseTrace(std::string_view text, int* bad_line = nullptr);
std::string_view OpKindName(OpKind kind);
inline constexpr std::string_view kParallelTraceMarker = "# dsalloc-trace: parallel";

// Media type table. MakeMediaType(id) returns a type whose pbFormat (if any)
// points at static storage; implementations must deep-copy it. Id 2 has a
// format block, ids 0 and 1 have none; none has a pUnk.
AM_MEDIA_TYPE MakeMediaType(int id);
// The id whose contents equal *mt (deep compare), -1 for NULL, -2 if none.
int MediaTypeId(const AM_MEDIA_TYPE* mt);

}  // namespace dsalloc::spec

#endif  // DSALLOC_SPEC_MODEL_OP_H_
