// ---------------------------------------------------------------------------
// File: spec/model/calls.h
// ---------------------------------------------------------------------------
//
// One type per call the model knows, each declaring its arguments once.
//
// A call type holds the arguments of one COM call (or one test-callback or
// checker action), named after the SDK's parameters, and says:
//   kName        its trace name (unique within its group's line head);
//   kGroup       the object it is called on, which fixes the line's head;
//   kOom         whether a trailing "oom" (fail the next allocation inside
//                the call) belongs to its trace syntax;
//   Fields()     its arguments in trace order, as field kinds
//                (call_fields.h); the printer, the parser and the
//                round-trip tests derive everything from this list.
// A sample call's first member is `sample` (the target, printed "sample N
// Name"); a callback call's is `callback` ("callback N Name").
//
// `Call` is the variant of them all; kCalls is its name and group table.
// Consumers that care
// about every call dispatch with std::visit and an overload set (Overloaded
// below), so a call a consumer does not handle is a compile error there; a
// consumer that cares about a few says so with one explicit fallback.
//
// Threading: plain values. Errors: none (the parser rejects bad lines).

#ifndef DSALLOC_SPEC_MODEL_CALLS_H_
#define DSALLOC_SPEC_MODEL_CALLS_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <variant>

#include "spec/model/call_fields.h"
#include "spec/model/vocabulary.h"

namespace dsalloc::spec {

// std::visit(Overloaded{[](const call::Commit&) {...}, ...}, call).
template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

namespace call {

using fields::Bit;
using fields::Index;
using fields::Literal;
using fields::Named;
using fields::Num;
using fields::NumIf;
using fields::OptNum;
using fields::OutPtr;
using fields::RestBits;
using fields::Tail;
using fields::Word;

// --- IMemAllocator, IMemAllocatorCallbackTemp (and their IUnknown) ---------

struct SetProperties {  // SetProperties(pRequest, pActual)
  static constexpr std::string_view kName = "SetProperties";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = false;
  LONG cBuffers = 0;
  LONG cbBuffer = 0;
  LONG cbAlign = 0;
  LONG cbPrefix = 0;
  bool null_pRequest = false;
  bool null_pActual = false;
  static constexpr auto Fields() {
    return std::tuple{Num<&SetProperties::cBuffers>{},
                      Num<&SetProperties::cbBuffer>{},
                      Num<&SetProperties::cbAlign>{},
                      Num<&SetProperties::cbPrefix>{},
                      Word<&SetProperties::null_pRequest>{"nullrequest"},
                      Word<&SetProperties::null_pActual>{"nullactual"}};
  }
  ALLOCATOR_PROPERTIES Request() const { return {cBuffers, cbBuffer, cbAlign, cbPrefix}; }
  friend bool operator==(const SetProperties&, const SetProperties&) = default;
};

struct GetProperties {  // GetProperties(pProps)
  static constexpr std::string_view kName = "GetProperties";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = true;
  bool null_pProps = false;
  static constexpr auto Fields() { return std::tuple{Tail<&GetProperties::null_pProps>{"null"}}; }
  friend bool operator==(const GetProperties&, const GetProperties&) = default;
};

struct Commit {
  static constexpr std::string_view kName = "Commit";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = true;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const Commit&, const Commit&) = default;
};

struct Decommit {
  static constexpr std::string_view kName = "Decommit";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = false;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const Decommit&, const Decommit&) = default;
};

// GetBuffer(ppBuffer, pStartTime, pEndTime, dwFlags); `times` passes
// non-NULL start and end times.
struct GetBuffer {
  static constexpr std::string_view kName = "GetBuffer";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = true;
  bool null_ppBuffer = false;
  bool times = false;
  DWORD dwFlags = 0;
  static constexpr auto Fields() {
    return std::tuple{Bit<&GetBuffer::dwFlags>{"nowait", AM_GBF_NOWAIT},
                      RestBits<&GetBuffer::dwFlags>{"flags=", AM_GBF_NOWAIT},
                      Word<&GetBuffer::times>{"times"}, Tail<&GetBuffer::null_ppBuffer>{"null"}};
  }
  bool NoWait() const { return (dwFlags & AM_GBF_NOWAIT) != 0; }
  friend bool operator==(const GetBuffer&, const GetBuffer&) = default;
};

// ReleaseBuffer's argument: "null", "foreign" or a sample index.
struct BufferTarget {
  template <typename C>
  void Print(std::string& out, const C& c) const {
    if (c.pBuffer == BufferArg::kNull) {
      fields::PutWord(out, "null");
    } else if (c.pBuffer == BufferArg::kForeign) {
      fields::PutWord(out, "foreign");
    } else {
      fields::PutNum(out, c.sample);
    }
  }
  template <typename C>
  bool Parse(fields::Tokens& t, C& c) const {
    std::string_view s = t.Next();
    if (s == "null" || s == "foreign") {
      c.pBuffer = s == "null" ? BufferArg::kNull : BufferArg::kForeign;
      return true;
    }
    return fields::ParseInt(s, &c.sample) && c.sample >= 0;
  }
};

// ReleaseBuffer(pBuffer): sample `sample` of the current generation, NULL,
// or another allocator's sample.
struct ReleaseBuffer {
  static constexpr std::string_view kName = "ReleaseBuffer";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = false;
  BufferArg pBuffer = BufferArg::kSample;
  int32_t sample = 0;
  static constexpr auto Fields() { return std::tuple{BufferTarget{}}; }
  friend bool operator==(const ReleaseBuffer&, const ReleaseBuffer&) = default;
};

struct SetNotify {  // SetNotify(pNotify): test callback 0..2, -1 = NULL
  static constexpr std::string_view kName = "SetNotify";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = false;
  int8_t callback = -1;
  static constexpr auto Fields() {
    return std::tuple{Index<&SetNotify::callback>{"null", "", kNumCallbacks - 1}};
  }
  friend bool operator==(const SetNotify&, const SetNotify&) = default;
};

struct GetFreeCount {  // GetFreeCount(plBuffersFree)
  static constexpr std::string_view kName = "GetFreeCount";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = true;
  bool null_plBuffersFree = false;
  static constexpr auto Fields() {
    return std::tuple{Tail<&GetFreeCount::null_plBuffersFree>{"null"}};
  }
  friend bool operator==(const GetFreeCount&, const GetFreeCount&) = default;
};

struct AddRef {
  static constexpr std::string_view kName = "AddRef";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = false;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const AddRef&, const AddRef&) = default;
};

struct Release {
  static constexpr std::string_view kName = "Release";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = false;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const Release&, const Release&) = default;
};

struct QueryInterface {  // QueryInterface(riid, ppv)
  static constexpr std::string_view kName = "QueryInterface";
  static constexpr OpGroup kGroup = OpGroup::kAllocator;
  static constexpr bool kOom = true;
  Iid riid = Iid::kIUnknown;
  bool null_ppv = false;
  static constexpr auto Fields() {
    return std::tuple{Named<&QueryInterface::riid>{kIidNames},
                      Tail<&QueryInterface::null_ppv>{"null"}};
  }
  friend bool operator==(const QueryInterface&, const QueryInterface&) = default;
};

// --- test callback configuration: "callback N react Reaction [arg]" --------

struct SetReaction {
  static constexpr std::string_view kName = "react";
  static constexpr OpGroup kGroup = OpGroup::kConfig;
  static constexpr bool kOom = false;
  int8_t callback = 0;
  Reaction reaction = Reaction::kNone;
  int32_t arg = 0;  // SetNotifyOther's callback, ReleaseSample's sample
  bool persistent = false;
  static bool HasArg(const SetReaction& c) {
    return c.reaction == Reaction::kSetNotifyOther || c.reaction == Reaction::kReleaseSample;
  }
  static constexpr auto Fields() {
    return std::tuple{Named<&SetReaction::reaction>{kReactionNames},
                      NumIf<SetReaction, &SetReaction::arg>{&SetReaction::HasArg},
                      Word<&SetReaction::persistent>{"persistent"}};
  }
  friend bool operator==(const SetReaction&, const SetReaction&) = default;
};

// --- IMediaSample (and its IUnknown) on sample `sample` ---------------------

struct SampleAddRef {
  static constexpr std::string_view kName = "AddRef";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const SampleAddRef&, const SampleAddRef&) = default;
};

struct SampleRelease {
  static constexpr std::string_view kName = "Release";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const SampleRelease&, const SampleRelease&) = default;
};

struct SampleQueryInterface {
  static constexpr std::string_view kName = "QueryInterface";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = true;
  int32_t sample = 0;
  Iid riid = Iid::kIUnknown;
  bool null_ppv = false;
  static constexpr auto Fields() {
    return std::tuple{Named<&SampleQueryInterface::riid>{kIidNames},
                      Tail<&SampleQueryInterface::null_ppv>{"null"}};
  }
  friend bool operator==(const SampleQueryInterface&, const SampleQueryInterface&) = default;
};

struct GetPointer {
  static constexpr std::string_view kName = "GetPointer";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = true;
  int32_t sample = 0;
  bool null_ppBuffer = false;
  static constexpr auto Fields() { return std::tuple{Tail<&GetPointer::null_ppBuffer>{"null"}}; }
  friend bool operator==(const GetPointer&, const GetPointer&) = default;
};

struct GetSize {
  static constexpr std::string_view kName = "GetSize";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const GetSize&, const GetSize&) = default;
};

struct GetTime {  // GetTime(pTimeStart, pTimeEnd): "*" or "-" each
  static constexpr std::string_view kName = "GetTime";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  bool null_pTimeStart = false;
  bool null_pTimeEnd = false;
  static constexpr auto Fields() {
    return std::tuple{OutPtr<&GetTime::null_pTimeStart>{}, OutPtr<&GetTime::null_pTimeEnd>{}};
  }
  friend bool operator==(const GetTime&, const GetTime&) = default;
};

struct SetTime {  // SetTime(pTimeStart, pTimeEnd): a time or "-" each
  static constexpr std::string_view kName = "SetTime";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  bool null_pTimeStart = false;
  bool null_pTimeEnd = false;
  REFERENCE_TIME tStart = 0;
  REFERENCE_TIME tEnd = 0;
  static constexpr auto Fields() {
    return std::tuple{OptNum<&SetTime::null_pTimeStart, &SetTime::tStart>{},
                      OptNum<&SetTime::null_pTimeEnd, &SetTime::tEnd>{}};
  }
  friend bool operator==(const SetTime&, const SetTime&) = default;
};

struct IsSyncPoint {
  static constexpr std::string_view kName = "IsSyncPoint";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const IsSyncPoint&, const IsSyncPoint&) = default;
};

struct SetSyncPoint {
  static constexpr std::string_view kName = "SetSyncPoint";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  int32_t bIsSyncPoint = 0;  // a BOOL: any value, as callers may pass
  static constexpr auto Fields() { return std::tuple{Num<&SetSyncPoint::bIsSyncPoint>{}}; }
  friend bool operator==(const SetSyncPoint&, const SetSyncPoint&) = default;
};

struct IsPreroll {
  static constexpr std::string_view kName = "IsPreroll";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const IsPreroll&, const IsPreroll&) = default;
};

struct SetPreroll {
  static constexpr std::string_view kName = "SetPreroll";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  int32_t bIsPreroll = 0;
  static constexpr auto Fields() { return std::tuple{Num<&SetPreroll::bIsPreroll>{}}; }
  friend bool operator==(const SetPreroll&, const SetPreroll&) = default;
};

struct IsDiscontinuity {
  static constexpr std::string_view kName = "IsDiscontinuity";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const IsDiscontinuity&, const IsDiscontinuity&) = default;
};

struct SetDiscontinuity {
  static constexpr std::string_view kName = "SetDiscontinuity";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  int32_t bDiscontinuity = 0;
  static constexpr auto Fields() { return std::tuple{Num<&SetDiscontinuity::bDiscontinuity>{}}; }
  friend bool operator==(const SetDiscontinuity&, const SetDiscontinuity&) = default;
};

struct GetActualDataLength {
  static constexpr std::string_view kName = "GetActualDataLength";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const GetActualDataLength&, const GetActualDataLength&) = default;
};

struct SetActualDataLength {
  static constexpr std::string_view kName = "SetActualDataLength";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  int32_t lLen = 0;
  static constexpr auto Fields() { return std::tuple{Num<&SetActualDataLength::lLen>{}}; }
  friend bool operator==(const SetActualDataLength&, const SetActualDataLength&) = default;
};

struct GetMediaType {
  static constexpr std::string_view kName = "GetMediaType";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = true;
  int32_t sample = 0;
  bool null_ppMediaType = false;
  static constexpr auto Fields() {
    return std::tuple{Tail<&GetMediaType::null_ppMediaType>{"null"}};
  }
  friend bool operator==(const GetMediaType&, const GetMediaType&) = default;
};

struct SetMediaType {  // SetMediaType(pMediaType): a media type id, -1 = NULL
  static constexpr std::string_view kName = "SetMediaType";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = true;
  int32_t sample = 0;
  int32_t media_type = -1;
  static constexpr auto Fields() { return std::tuple{Index<&SetMediaType::media_type>{"-"}}; }
  friend bool operator==(const SetMediaType&, const SetMediaType&) = default;
};

struct GetMediaTime {
  static constexpr std::string_view kName = "GetMediaTime";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  bool null_pTimeStart = false;
  bool null_pTimeEnd = false;
  static constexpr auto Fields() {
    return std::tuple{OutPtr<&GetMediaTime::null_pTimeStart>{},
                      OutPtr<&GetMediaTime::null_pTimeEnd>{}};
  }
  friend bool operator==(const GetMediaTime&, const GetMediaTime&) = default;
};

struct SetMediaTime {
  static constexpr std::string_view kName = "SetMediaTime";
  static constexpr OpGroup kGroup = OpGroup::kSample;
  static constexpr bool kOom = false;
  int32_t sample = 0;
  bool null_pTimeStart = false;
  bool null_pTimeEnd = false;
  LONGLONG tStart = 0;
  LONGLONG tEnd = 0;
  static constexpr auto Fields() {
    return std::tuple{OptNum<&SetMediaTime::null_pTimeStart, &SetMediaTime::tStart>{},
                      OptNum<&SetMediaTime::null_pTimeEnd, &SetMediaTime::tEnd>{}};
  }
  friend bool operator==(const SetMediaTime&, const SetMediaTime&) = default;
};

// --- IMediaSample2 on sample `sample` ---------------------------------------

struct GetProperties2 {  // IMediaSample2::GetProperties(cbProperties, pbProperties)
  static constexpr std::string_view kName = "GetProperties2";
  static constexpr OpGroup kGroup = OpGroup::kSample2;
  static constexpr bool kOom = true;
  int32_t sample = 0;
  DWORD cbProperties = 0;
  bool null_pbProperties = false;
  static constexpr auto Fields() {
    return std::tuple{Num<&GetProperties2::cbProperties>{},
                      Tail<&GetProperties2::null_pbProperties>{"null"}};
  }
  friend bool operator==(const GetProperties2&, const GetProperties2&) = default;
};

// IMediaSample2::SetProperties(cbProperties, pbProperties); `image` is the
// AM_SAMPLE2_PROPERTIES pbProperties points at, pointers abstracted.
struct SetProperties2 {
  static constexpr std::string_view kName = "SetProperties2";
  static constexpr OpGroup kGroup = OpGroup::kSample2;
  static constexpr bool kOom = true;
  int32_t sample = 0;
  DWORD cbProperties = 0;
  Sample2Image image;
  bool null_pbProperties = false;
  static constexpr auto Fields() {
    using S = SetProperties2;
    using I = Sample2Image;
    return std::tuple{Num<&S::cbProperties>{},
                      Num<&S::image, &I::cbData>{"cbData="},
                      Num<&S::image, &I::dwTypeSpecificFlags>{"tsf="},
                      Num<&S::image, &I::dwSampleFlags>{"flags=", true},
                      Num<&S::image, &I::lActual>{"actual="},
                      Num<&S::image, &I::tStart>{"start="},
                      Num<&S::image, &I::tStop>{"stop="},
                      Num<&S::image, &I::dwStreamId>{"stream="},
                      Index<&S::image, &I::media_type>{"-", "type="},
                      Named<&S::image, &I::pbBuffer>{kBufferPtrNames, "buffer="},
                      Num<&S::image, &I::cbBuffer>{"size="},
                      Tail<&S::null_pbProperties>{"null"}};
  }
  friend bool operator==(const SetProperties2&, const SetProperties2&) = default;
};

// --- the in-process server: DllGetClassObject, IClassFactory ----------------

struct DllGetClassObject {  // DllGetClassObject(rclsid, riid, ppv)
  static constexpr std::string_view kName = "DllGetClassObject";
  static constexpr OpGroup kGroup = OpGroup::kFactory;
  static constexpr bool kOom = true;
  Clsid rclsid = Clsid::kMemoryAllocator;
  Iid riid = Iid::kIUnknown;
  bool null_ppv = false;
  static constexpr auto Fields() {
    return std::tuple{Named<&DllGetClassObject::rclsid>{kClsidNames},
                      Named<&DllGetClassObject::riid>{kIidNames},
                      Tail<&DllGetClassObject::null_ppv>{"null"}};
  }
  friend bool operator==(const DllGetClassObject&, const DllGetClassObject&) = default;
};

struct CreateInstance {  // IClassFactory::CreateInstance(pUnkOuter, riid, ppv)
  static constexpr std::string_view kName = "CreateInstance";
  static constexpr OpGroup kGroup = OpGroup::kFactory;
  static constexpr bool kOom = true;
  bool outer = false;  // pUnkOuter non-NULL
  Iid riid = Iid::kIUnknown;
  bool null_ppv = false;
  static constexpr auto Fields() {
    return std::tuple{Named<&CreateInstance::riid>{kIidNames},
                      Word<&CreateInstance::outer>{"outer"},
                      Tail<&CreateInstance::null_ppv>{"null"}};
  }
  friend bool operator==(const CreateInstance&, const CreateInstance&) = default;
};

struct LockServer {  // IClassFactory::LockServer(fLock)
  static constexpr std::string_view kName = "LockServer";
  static constexpr OpGroup kGroup = OpGroup::kFactory;
  static constexpr bool kOom = false;
  int32_t fLock = 0;
  static constexpr auto Fields() { return std::tuple{Num<&LockServer::fLock>{}}; }
  friend bool operator==(const LockServer&, const LockServer&) = default;
};

struct DllCanUnloadNow {
  static constexpr std::string_view kName = "DllCanUnloadNow";
  static constexpr OpGroup kGroup = OpGroup::kFactory;
  static constexpr bool kOom = false;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const DllCanUnloadNow&, const DllCanUnloadNow&) = default;
};

// --- references to test callbacks: "callback N Name" -----------------------

struct CallbackRelease {  // the client drops its own reference (COM.CALLBACK.CLIENT)
  static constexpr std::string_view kName = "Release";
  static constexpr OpGroup kGroup = OpGroup::kCallback;
  static constexpr bool kOom = false;
  int8_t callback = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const CallbackRelease&, const CallbackRelease&) = default;
};

struct CallbackHoldAllocator {  // the callback AddRefs the allocator and keeps it (LIFE.CYCLE)
  static constexpr std::string_view kName = "HoldAllocator";
  static constexpr OpGroup kGroup = OpGroup::kCallback;
  static constexpr bool kOom = false;
  int8_t callback = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const CallbackHoldAllocator&, const CallbackHoldAllocator&) = default;
};

struct CallbackReleaseAllocator {  // the callback releases one reference it holds
  static constexpr std::string_view kName = "ReleaseAllocator";
  static constexpr OpGroup kGroup = OpGroup::kCallback;
  static constexpr bool kOom = false;
  int8_t callback = 0;
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const CallbackReleaseAllocator&,
                         const CallbackReleaseAllocator&) = default;
};

}  // namespace call

// Every call. The order is the fuzzers' byte format (fuzz/fuzz_input.h):
// a new call goes at the end. A Repeat block is not a call: it is a
// trace's (trace.h), around calls.
using Call = std::variant<
    call::SetProperties, call::GetProperties, call::Commit, call::Decommit, call::GetBuffer,
    call::ReleaseBuffer, call::SetNotify, call::GetFreeCount, call::AddRef, call::Release,
    call::QueryInterface, call::SetReaction, call::SampleAddRef, call::SampleRelease,
    call::SampleQueryInterface, call::GetPointer, call::GetSize, call::GetTime, call::SetTime,
    call::IsSyncPoint, call::SetSyncPoint, call::IsPreroll, call::SetPreroll, call::IsDiscontinuity,
    call::SetDiscontinuity, call::GetActualDataLength, call::SetActualDataLength,
    call::GetMediaType, call::SetMediaType, call::GetMediaTime, call::SetMediaTime,
    call::GetProperties2, call::SetProperties2, call::DllGetClassObject, call::CreateInstance,
    call::LockServer, call::DllCanUnloadNow, call::CallbackRelease, call::CallbackHoldAllocator,
    call::CallbackReleaseAllocator>;

// Each call's trace name and group, in Call's order: the table every
// generic consumer reads (the parser finds a call by name in it).
struct CallInfo {
  std::string_view name;
  OpGroup group;
};
namespace call_internal {
template <size_t... I>
constexpr std::array<CallInfo, sizeof...(I)> MakeCallInfos(std::index_sequence<I...>) {
  return {{{std::variant_alternative_t<I, Call>::kName,
            std::variant_alternative_t<I, Call>::kGroup}...}};
}
template <typename T, size_t... I>
constexpr size_t IndexOf(std::index_sequence<I...>) {
  constexpr bool kSame[] = {std::is_same_v<T, std::variant_alternative_t<I, Call>>...};
  for (size_t i = 0; i < sizeof...(I); ++i) {
    if (kSame[i]) return i;
  }
  return sizeof...(I);
}
}  // namespace call_internal
inline constexpr size_t kNumCalls = std::variant_size_v<Call>;
inline constexpr std::array<CallInfo, kNumCalls> kCalls =
    call_internal::MakeCallInfos(std::make_index_sequence<kNumCalls>());
// A call type's index in Call (its row in kCalls): kIndexOf<call::Commit>.
template <typename T>
inline constexpr size_t kIndexOf = call_internal::IndexOf<T>(std::make_index_sequence<kNumCalls>());
inline constexpr const CallInfo& InfoOf(const Call& c) { return kCalls[c.index()]; }
inline constexpr OpGroup GroupOf(const Call& c) { return InfoOf(c).group; }
// IMediaSample or IMediaSample2: the call names a sample by `sample`.
inline constexpr bool IsSampleCall(const Call& c) {
  return GroupOf(c) == OpGroup::kSample || GroupOf(c) == OpGroup::kSample2;
}

// The kind of a call: its index in Call, its row in kCalls.
inline size_t KindOf(const Call& c) { return c.index(); }

// Whether a call is one of these types: Is<call::Commit>(c).
// Compared with the constant kIndexOf<T>: libstdc++'s holds_alternative
// searches the call types at run time unless the optimiser folds it, which
// the fuzzers' instrumented builds do not (2.8% of the differential
// fuzzer's time in MakePlan and StepInPlace).
template <typename T>
constexpr bool Is(const Call& c) {
  static_assert(kIndexOf<T> < kNumCalls, "not a call type of Call");
  return c.index() == kIndexOf<T>;
}

// A call on a sample (IMediaSample or IMediaSample2) names it by `sample`.
template <typename T>
concept SampleCall = requires(T c) {
  { c.sample } -> std::same_as<int32_t&>;
}
&&(T::kGroup == OpGroup::kSample || T::kGroup == OpGroup::kSample2);

// A call on a test callback names it by `callback`.
template <typename T>
concept CallbackCall = requires(T c) {
  { c.callback } -> std::same_as<int8_t&>;
}
&&(T::kGroup == OpGroup::kCallback || T::kGroup == OpGroup::kConfig);

// The sample a call names by index: a sample call's target, or
// ReleaseBuffer's pBuffer when it is a sample; nullptr when it names none.
inline int32_t* NamedSample(Call& c) {
  return std::visit(Overloaded{[]<SampleCall C>(C& x) -> int32_t* { return &x.sample; },
                               [](call::ReleaseBuffer& x) -> int32_t* {
                                 return x.pBuffer == BufferArg::kSample ? &x.sample : nullptr;
                               },
                               [](auto&) -> int32_t* { return nullptr; }},  // names none
                    c);
}
inline const int32_t* NamedSample(const Call& c) { return NamedSample(const_cast<Call&>(c)); }

}  // namespace dsalloc::spec

#endif  // DSALLOC_SPEC_MODEL_CALLS_H_
