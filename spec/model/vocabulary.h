// ---------------------------------------------------------------------------
// File: spec/model/vocabulary.h
// ---------------------------------------------------------------------------
//
// The model's vocabulary: its limits, the groups calls belong to, and the
// small tables a call's arguments are drawn from (interface and class ids, reactions,
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
  kCallback,   // what the client or a test callback does with references
               //   (COM.CALLBACK.CLIENT, LIFE.CYCLE): "callback N Name"
};

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
