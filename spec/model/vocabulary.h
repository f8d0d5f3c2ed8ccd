// ---------------------------------------------------------------------------
// File: spec/model/vocabulary.h
// ---------------------------------------------------------------------------
//
// The model's vocabulary: its limits, the call kinds and their groups
// (kOpTable: trace name, group, nullable pointers), and the small tables a
// call's arguments are drawn from (interface and class ids, reactions,
// ReleaseBuffer's and SetProperties2's pointer kinds). calls.h declares each
// call's arguments from these; op.h is the Op and its trace format.
//
// Threading: constants and pure functions. Errors: none.

#ifndef DSALLOC_SPEC_MODEL_VOCABULARY_H_
#define DSALLOC_SPEC_MODEL_VOCABULARY_H_

#include <dsalloc/strmif.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

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
inline constexpr std::string_view kIidNames[kNumIids] = {"IUnknown",
                                                         "IMemAllocator",
                                                         "IMemAllocatorCallbackTemp",
                                                         "IMemAllocatorNotifyCallbackTemp",
                                                         "IMediaSample",
                                                         "IMediaSample2",
                                                         "IClassFactory",
                                                         "IMemInputPin",
                                                         "Other"};
const IID& ToIID(Iid iid);
std::string_view IidName(Iid iid);

// Class ids for DllGetClassObject.
enum class Clsid : uint8_t { kMemoryAllocator, kOther };
inline constexpr std::string_view kClsidNames[] = {"MemoryAllocator", "Other"};
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
inline constexpr std::string_view kReactionNames[kNumReactions] = {
    "None",          "GetFreeCount",  "GetBufferNoWait", "SetNotifyNull", "SetNotifyOther",
    "SetNotifySelf", "ReleaseSample", "Commit",          "Decommit"};
std::string_view ReactionName(Reaction r);

// ReleaseBuffer's argument.
enum class BufferArg : uint8_t {
  kSample,   // sample `sample` of the current generation
  kNull,     // NULL                  -> E_POINTER (ALLOC.RELEASEBUFFER.NULL)
  kForeign,  // another allocator's sample -> E_INVALIDARG
};

// IMediaSample2::SetProperties pbBuffer field.
enum class BufferPtr : uint8_t { kNull, kOwn, kOther };
inline constexpr std::string_view kBufferPtrNames[] = {"null", "own", "other"};

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

}  // namespace dsalloc::spec

#endif  // DSALLOC_SPEC_MODEL_VOCABULARY_H_
