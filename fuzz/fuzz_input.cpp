// fuzz/fuzz_input.cpp: records <-> trace lines (fuzz_input.h). Byte 0
// picks the line: a call of spec::Call or a Repeat block's bound (the
// selectors below). A call's arguments take the places
// its declaration implies (field_codec.h), unless it has a decoder (Read)
// and an encoder (Write) of its own below: the calls whose encoding was
// chosen by hand (folded sizes, compact times, a target in another byte).

#include "fuzz_input.h"

#include "fuzz/field_codec.h"
#include "fuzz/record.h"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstring>
#include <iterator>
#include <utility>
#include <variant>

namespace dsalloc::fuzz {
namespace {

namespace call = spec::call;
using record::In;
using record::kBitExtended;
using record::kBitOom;
using record::kThreadShift;
using record::Out;
using spec::Call;
using spec::Op;
using spec::Trace;
using spec::TraceLine;

// Byte 0 selects one of kFirstExtended lines: spec::Call's calls up to
// DllCanUnloadNow, then "Repeat N {" and "}" (selectors 37 and 38: the
// format was made when they were calls); or, with byte 1's extended bit,
// one of the calls after them: CallbackRelease and the calls that came with
// it (COM.CALLBACK.CLIENT, LIFE.CYCLE), and every call appended to
// spec::Call since. Inputs written before the extended bit existed decode as
// they did, and a call appended later changes no canonical record
// (fuzz_input.h CanonicalizeSelectors).
constexpr int kRepeatOpenSelector = static_cast<int>(spec::kIndexOf<call::DllCanUnloadNow>) + 1;
constexpr int kRepeatCloseSelector = kRepeatOpenSelector + 1;
constexpr int kFirstExtended = kRepeatCloseSelector + 1;
constexpr int kFirstExtendedCall = static_cast<int>(spec::kIndexOf<call::CallbackRelease>);
constexpr int kNumExtended = static_cast<int>(spec::kNumCalls) - kFirstExtendedCall;
// The first modulus is part of the format: a call inserted before
// CallbackRelease would change what byte 0 selects in every record.
// Append new calls instead.
static_assert(kFirstExtended == 39 && kFirstExtendedCall == kRepeatOpenSelector,
              "a call inserted before CallbackRelease changes every fuzz input: append it");
static_assert(kNumExtended <= 128,
              "an extended selector is below 128 (byte 0 of a canonical record)");
// Repeat N without the boolean bit: 1 <= N <= kSmallRepeat.
constexpr uint32_t kSmallRepeat = 16;

// IMediaSample2::SetProperties times travel as two int16 halves of field G:
// a value within +-kSmallTime is the time itself, any other indexes (its
// low three bits) this table of boundary and overflowing times.
constexpr int kSmallTime = 30000;
constexpr REFERENCE_TIME kBigTimes[8] = {INT64_MIN,           INT64_MAX,
                                         INT64_MIN + 1,       INT64_MAX - 1,
                                         int64_t{1} << 32,    (int64_t{1} << 31) + 7,
                                         -(int64_t{1} << 32), int64_t{1} << 62};

REFERENCE_TIME Time16(uint16_t bits) {
  int16_t v = static_cast<int16_t>(bits);
  if (v >= -kSmallTime && v <= kSmallTime) return v;
  return kBigTimes[bits & 7];
}

// The int16 that decodes to t; *exact cleared when there is none.
uint16_t PutTime16(REFERENCE_TIME t, bool* exact) {
  if (t >= -kSmallTime && t <= kSmallTime) return static_cast<uint16_t>(static_cast<int16_t>(t));
  for (uint16_t i = 0; i < 8; ++i) {
    if (kBigTimes[i] == t) return static_cast<uint16_t>(0x7FF8 | i);
  }
  if (exact != nullptr) *exact = false;
  return 0;
}

// An argument with `range` meaningful values: in range as is, else folded.
int32_t Fold(int32_t v, int32_t range) {
  if (v >= 0 && v < range) return v;
  return static_cast<int32_t>(static_cast<uint32_t>(v) % static_cast<uint32_t>(range));
}

// ALLOC.COMMIT.SIZE: a request whose arithmetic fits in 32 bits but whose
// pool would exceed kMaxCommitBytes gets fewer or smaller buffers, so the
// Commit it leads to stays cheap. Overflowing requests are kept: a
// conforming server refuses them without allocating.
void CapRequest(ALLOCATOR_PROPERTIES& p) {
  if (p.cBuffers <= 0 || p.cbBuffer <= 0) return;
  int64_t align = std::max<int64_t>(p.cbAlign, 1);
  int64_t prefix = std::max<int64_t>(p.cbPrefix, 0);
  auto rounded = [&] { return (int64_t{p.cbBuffer} + prefix + align - 1) / align * align; };
  if (rounded() > INT32_MAX || rounded() * p.cBuffers > INT32_MAX) return;
  if (rounded() * p.cBuffers <= kMaxCommitBytes) return;
  if (rounded() > kMaxCommitBytes / 16) {
    p.cbBuffer = 1 + p.cbBuffer % 4096;
    if (p.cbPrefix > 0) p.cbPrefix %= 4096;
    prefix = std::max<int64_t>(p.cbPrefix, 0);
  }
  if (rounded() > kMaxCommitBytes) {
    p.cbAlign = 1;  // a huge alignment alone (above 64 KiB: VFW_E_BADALIGN)
    align = 1;
  }
  if (rounded() * p.cBuffers > kMaxCommitBytes) {
    p.cBuffers = static_cast<LONG>(std::max<int64_t>(1, kMaxCommitBytes / rounded()));
  }
}

template <typename C, typename... Cs>
concept OneOf = (std::same_as<C, Cs> || ...);

// --- decoders: what the record says beyond the call's target (DecodeAs
// reads a sample call's `sample` and a callback call's `callback` from s) --

// Every call without a decoder of its own: the places its fields imply.
template <typename C>
void Read(const In& in, C& c) {
  record::ReadFields(in, c);
}

// reads a sample call's `sample` and a callback call's `callback` from s) --

void Read(const In& in, call::SetProperties& c) {
  ALLOCATOR_PROPERTIES p = {in.Field(0), in.Field(1), in.Field(2), in.Field(3)};
  CapRequest(p);
  c.cBuffers = p.cBuffers;
  c.cbBuffer = p.cbBuffer;
  c.cbAlign = p.cbAlign;
  c.cbPrefix = p.cbPrefix;
  c.null_pRequest = in.Null1();
  c.null_pActual = in.Null2();
}

void Read(const In& in, call::GetBuffer& c) {
  c.dwFlags = static_cast<DWORD>(in.Field(0)) & ~static_cast<DWORD>(AM_GBF_NOWAIT);
  if (!in.Blocking()) c.dwFlags |= AM_GBF_NOWAIT;
  c.times = in.Bool();
  c.null_ppBuffer = in.Null1();
}

void Read(const In& in, call::ReleaseBuffer& c) {
  switch (in.T() % 4) {
    case 2:
      c.pBuffer = spec::BufferArg::kNull;
      break;
    case 3:
      c.pBuffer = spec::BufferArg::kForeign;
      break;
    default:
      c.sample = in.S() % kSampleRange;
  }
}

void Read(const In& in, call::SetNotify& c) {
  c.callback = static_cast<int8_t>(in.S() % (spec::kNumCallbacks + 1) - 1);
}

void Read(const In& in, call::SetReaction& c) {
  c.reaction = static_cast<spec::Reaction>(in.T() % spec::kNumReactions);
  if (c.reaction == spec::Reaction::kSetNotifyOther) {
    c.arg = Fold(in.Field(0), spec::kNumCallbacks);
  } else if (c.reaction == spec::Reaction::kReleaseSample) {
    c.arg = Fold(in.Field(0), kSampleRange);
  }
  c.persistent = in.Bool();
}

void Read(const In& in, call::SetMediaType& c) {
  c.media_type = in.T() % (spec::kNumMediaTypes + 1) - 1;
}

void Read(const In& in, call::SetProperties2& c) {
  c.cbProperties = static_cast<DWORD>(in.Field(0));
  spec::Sample2Image& im = c.image;
  im.cbData = static_cast<DWORD>(in.Field(1));
  im.dwTypeSpecificFlags = static_cast<DWORD>(in.Field(2));
  im.dwSampleFlags = static_cast<DWORD>(in.Field(3));
  im.lActual = in.Field(4);
  im.cbBuffer = in.Field(5);
  uint32_t times = static_cast<uint32_t>(in.Field(6));
  im.tStart = Time16(static_cast<uint16_t>(times));
  im.tStop = Time16(static_cast<uint16_t>(times >> 16));
  const uint8_t t = in.T();
  im.media_type = static_cast<int8_t>(t % (spec::kNumMediaTypes + 1) - 1);
  im.pbBuffer = static_cast<spec::BufferPtr>(((t >> 2) & 3) % 3);
  im.dwStreamId = t >> 4;
  c.null_pbProperties = in.Null1();
}

void Read(const In& in, call::DllGetClassObject& c) {
  c.rclsid = (in.T() & 1) ? spec::Clsid::kOther : spec::Clsid::kMemoryAllocator;
  c.riid = static_cast<spec::Iid>(in.S() % spec::kNumIids);
  c.null_ppv = in.Null1();
}

void Read(const In& in, call::CreateInstance& c) {
  c.riid = static_cast<spec::Iid>(in.S() % spec::kNumIids);
  c.outer = in.Bool();
  c.null_ppv = in.Null1();
}

void Read(const In& in, spec::RepeatOpen& c) {
  // A few rounds unless the boolean bit asks for up to kMaxRepeat.
  uint32_t range = in.Bool() ? spec::kMaxRepeat : kSmallRepeat;
  c.count = 1 + static_cast<int32_t>(static_cast<uint32_t>(in.Field(0)) % range);
}

// --- encoders: the inverse of each decoder (EncodeAs writes the selector,
// the target, the thread and the oom bit) --------------------------------

template <typename C>
void Write(const C& c, Out& out) {
  record::WriteFields(c, out);
}

void Write(const call::SetProperties& c, Out& out) {
  out.Field(0, c.cBuffers);
  out.Field(1, c.cbBuffer);
  out.Field(2, c.cbAlign);
  out.Field(3, c.cbPrefix);
  out.Null1(c.null_pRequest);
  out.Null2(c.null_pActual);
}

void Write(const call::GetBuffer& c, Out& out) {
  out.Field(0, static_cast<int32_t>(c.dwFlags & ~static_cast<DWORD>(AM_GBF_NOWAIT)));
  out.Blocking(!c.NoWait());
  out.Bool(c.times);
  out.Null1(c.null_ppBuffer);
}

void Write(const call::ReleaseBuffer& c, Out& out) {
  out.s = static_cast<uint8_t>(c.sample);
  out.t = c.pBuffer == spec::BufferArg::kNull ? 2 : c.pBuffer == spec::BufferArg::kForeign ? 3 : 0;
}

void Write(const call::SetNotify& c, Out& out) { out.s = static_cast<uint8_t>(c.callback + 1); }

void Write(const call::SetReaction& c, Out& out) {
  out.t = static_cast<uint8_t>(c.reaction);
  out.Field(0, c.arg);
  out.Bool(c.persistent);
}

void Write(const call::SetMediaType& c, Out& out) {
  out.t = static_cast<uint8_t>(c.media_type + 1);
}

void Write(const call::SetProperties2& c, Out& out) {
  const spec::Sample2Image& im = c.image;
  out.Field(0, static_cast<int32_t>(c.cbProperties));
  out.Field(1, static_cast<int32_t>(im.cbData));
  out.Field(2, static_cast<int32_t>(im.dwTypeSpecificFlags));
  out.Field(3, static_cast<int32_t>(im.dwSampleFlags));
  out.Field(4, im.lActual);
  out.Field(5, im.cbBuffer);
  uint32_t times =
      PutTime16(im.tStart, out.exact) | (uint32_t{PutTime16(im.tStop, out.exact)} << 16);
  out.Field(6, static_cast<int32_t>(times));
  out.t = static_cast<uint8_t>((im.media_type + 1) | (static_cast<int>(im.pbBuffer) << 2) |
                               ((im.dwStreamId & 15) << 4));
  out.Null1(c.null_pbProperties);
}

void Write(const call::DllGetClassObject& c, Out& out) {
  out.s = static_cast<uint8_t>(c.riid);
  out.t = c.rclsid == spec::Clsid::kOther ? 1 : 0;
  out.Null1(c.null_ppv);
}

void Write(const call::CreateInstance& c, Out& out) {
  out.s = static_cast<uint8_t>(c.riid);
  out.Bool(c.outer);
  out.Null1(c.null_ppv);
}

void Write(const spec::RepeatOpen& c, Out& out) {
  out.Field(0, c.count - 1);
  out.Bool(c.count > static_cast<int32_t>(kSmallRepeat));
}

// --- the record as a whole -------------------------------------------------

// The calls whose fault injection the model describes (as props/op_gen.cpp);
// for the others the oom bit means nothing.
template <typename C>
bool TakesOom(const C&) {
  return OneOf<C, call::Commit, call::GetMediaType, call::SetProperties2>;
}
bool TakesOom(const call::SetMediaType& c) { return c.media_type >= 0; }

template <typename C>
TraceLine DecodeAs(const In& in) {
  C c{};
  if constexpr (spec::SampleCall<C>) c.sample = in.S() % kSampleRange;
  if constexpr (spec::CallbackCall<C>) {
    c.callback = static_cast<int8_t>(in.S() % spec::kNumCallbacks);
  }
  Read(in, c);
  return spec::MakeOp(c, in.Thread(), TakesOom(c) && in.Oom());
}

// A block's bounds are on no client thread and take no oom: those bits
// mean nothing in their records.
TraceLine DecodeRepeatOpen(const In& in) {
  spec::RepeatOpen open;
  Read(in, open);
  return open;
}
TraceLine DecodeRepeatClose(const In&) { return spec::RepeatClose{}; }

// Selector (byte 0, and kFirstExtended + byte 0 with the extended bit) ->
// the decoder of that line.
using DecodeFn = TraceLine (*)(const In&);
template <size_t... I>
constexpr std::array<DecodeFn, kFirstExtended + kNumExtended> MakeDecoders(
    std::index_sequence<I...>) {
  std::array<DecodeFn, kFirstExtended + kNumExtended> decoders{};
  constexpr DecodeFn kCallDecoders[] = {&DecodeAs<std::variant_alternative_t<I, Call>>...};
  for (int i = 0; i < kRepeatOpenSelector; ++i) decoders[i] = kCallDecoders[i];
  decoders[kRepeatOpenSelector] = DecodeRepeatOpen;
  decoders[kRepeatCloseSelector] = DecodeRepeatClose;
  for (int e = 0; e < kNumExtended; ++e) {
    decoders[kFirstExtended + e] = kCallDecoders[kFirstExtendedCall + e];
  }
  return decoders;
}
constexpr auto kDecoders = MakeDecoders(std::make_index_sequence<spec::kNumCalls>());

// Byte 0 and the extended bit of a line of selector `selector`.
void PutSelector(int selector, Out& out) {
  const bool extended = selector >= kFirstExtended;
  out.r[0] = static_cast<uint8_t>(extended ? selector - kFirstExtended : selector);
  out.Set(kBitExtended, extended);
}

template <typename C>
void EncodeAs(const C& c, Out& out) {
  constexpr int kIndex = static_cast<int>(spec::kIndexOf<C>);
  PutSelector(kIndex >= kFirstExtendedCall ? kIndex - kFirstExtendedCall + kFirstExtended : kIndex,
              out);
  if constexpr (spec::SampleCall<C>) out.s = static_cast<uint8_t>(c.sample);
  if constexpr (spec::CallbackCall<C>) out.s = static_cast<uint8_t>(c.callback);
  Write(c, out);
}

void CapRepeats(Trace& trace) {
  struct Block {
    size_t at;      // index of its "Repeat"
    size_t length;  // ops in it
    int32_t count;  // its N
  };
  std::vector<Block> blocks;
  size_t once = 0;  // ops run if every block ran once
  int depth = 0;    // 0: outside a block; > 1: inside an ignored inner one
  for (size_t i = 0; i < trace.size(); ++i) {
    const TraceLine& line = trace[i];
    if (std::holds_alternative<Op>(line)) {
      ++once;
      if (depth > 0) ++blocks.back().length;
    } else if (const auto* open = std::get_if<spec::RepeatOpen>(&line)) {
      if (depth++ == 0) blocks.push_back({i, 0, open->count});
    } else if (depth > 0) {
      --depth;
    }
  }
  size_t left = kMaxRunOps > once ? kMaxRunOps - once : 0;
  for (const Block& b : blocks) {
    size_t extra = b.length == 0 ? 0 : left / b.length;  // rounds beyond the first
    size_t rounds = std::min<size_t>(static_cast<size_t>(b.count), 1 + extra);
    if (b.length > 0) trace[b.at] = spec::RepeatOpen{static_cast<int32_t>(rounds)};
    left -= (rounds - 1) * b.length;
  }
}

}  // namespace

TraceLine DecodeRecord(const uint8_t* r) {
  const int selector =
      (r[1] & kBitExtended) ? kFirstExtended + r[0] % kNumExtended : r[0] % kFirstExtended;
  return kDecoders[static_cast<size_t>(selector)](In(r));
}

Trace Decode(const uint8_t* data, size_t size) {
  Trace trace;
  trace.reserve((size + kRecordSize - 1) / kRecordSize);
  for (size_t at = 0; at < size; at += kRecordSize) {
    uint8_t record[kRecordSize] = {};
    std::memcpy(record, data + at, std::min(kRecordSize, size - at));
    trace.push_back(DecodeRecord(record));
  }
  return trace;
}

void EncodeRecord(const TraceLine& line, uint8_t* r, bool* exact) {
  std::memset(r, 0, kRecordSize);
  Out out{r, exact};
  if (const auto* op = std::get_if<Op>(&line)) {
    out.bits = static_cast<uint8_t>((op->thread & 3) << kThreadShift);
    out.Set(kBitOom, op->oom);
    std::visit([&](const auto& c) { EncodeAs(c, out); }, op->call);
  } else if (const auto* open = std::get_if<spec::RepeatOpen>(&line)) {
    PutSelector(kRepeatOpenSelector, out);
    Write(*open, out);
  } else {
    PutSelector(kRepeatCloseSelector, out);
  }
  r[1] = out.bits;
  r[2] = out.s;
  r[3] = out.t;
  if (exact != nullptr && !(DecodeRecord(r) == line)) *exact = false;
}

std::vector<uint8_t> Encode(const Trace& trace, bool* exact) {
  std::vector<uint8_t> bytes(trace.size() * kRecordSize);
  for (size_t i = 0; i < trace.size(); ++i) EncodeRecord(trace[i], &bytes[i * kRecordSize], exact);
  return bytes;
}

bool CanonicalizeSelector(uint8_t* r) {
  if ((r[1] & kBitExtended) == 0 || r[0] < kNumExtended) return false;
  r[0] = static_cast<uint8_t>(r[0] % kNumExtended);
  return true;
}

size_t CanonicalizeSelectors(uint8_t* data, size_t size) {
  size_t changed = 0;
  for (size_t at = 0; at + 1 < size; at += kRecordSize) {
    if (CanonicalizeSelector(data + at)) ++changed;
  }
  return changed;
}

Trace DecodeDifferential(const uint8_t* data, size_t size) {
  Trace trace = Decode(data, size);
  if (trace.size() > kMaxOps) trace.resize(kMaxOps);
  CapRepeats(trace);
  return trace;
}

}  // namespace dsalloc::fuzz
