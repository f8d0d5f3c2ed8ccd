// fuzz/fuzz_input.cpp: records <-> ops (fuzz_input.h).

#include "fuzz_input.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace dsalloc::fuzz {
namespace {

using spec::Op;
using spec::OpGroup;
using spec::OpKind;

// Byte 1.
constexpr uint8_t kBitNull1 = 1 << 0;
constexpr uint8_t kBitNull2 = 1 << 1;
constexpr uint8_t kBitOom = 1 << 2;
constexpr int kThreadShift = 3;  // two bits
constexpr uint8_t kBitBlocking = 1 << 5;
constexpr uint8_t kBitBool = 1 << 6;
// Byte 0 selects among the ops that existed before the callback-lifetime
// ops (kOpTable up to "}"), unless this bit says it selects among those
// (COM.CALLBACK.CLIENT, LIFE.CYCLE): every input written before they came
// (the seed corpora, the regressions) decodes as it did.
constexpr uint8_t kBitExtended = 1 << 7;
constexpr int kFirstExtended = static_cast<int>(OpKind::kCallbackRelease);
constexpr int kNumExtended = spec::kNumOpKinds - kFirstExtended;
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

int32_t Field(const uint8_t* r, int i) {
  uint32_t v = 0;
  for (int k = 3; k >= 0; --k) v = (v << 8) | r[4 + 4 * i + k];
  return static_cast<int32_t>(v);
}

void PutField(uint8_t* r, int i, int32_t value) {
  uint32_t v = static_cast<uint32_t>(value);
  for (int k = 0; k < 4; ++k) r[4 + 4 * i + k] = static_cast<uint8_t>(v >> (8 * k));
}

int64_t Time(const uint8_t* r, int i) {
  uint64_t lo = static_cast<uint32_t>(Field(r, i));
  uint64_t hi = static_cast<uint32_t>(Field(r, i + 1));
  return static_cast<int64_t>(lo | (hi << 32));
}

void PutTime(uint8_t* r, int i, int64_t t) {
  uint64_t v = static_cast<uint64_t>(t);
  PutField(r, i, static_cast<int32_t>(static_cast<uint32_t>(v)));
  PutField(r, i + 1, static_cast<int32_t>(static_cast<uint32_t>(v >> 32)));
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

bool HasPtr1(OpKind kind) { return !spec::Info(kind).ptr1.empty(); }
bool HasPtr2(OpKind kind) { return !spec::Info(kind).ptr2.empty(); }
// The ops whose fault injection the model describes (as props/op_gen.cpp).
bool TakesOom(const Op& op) {
  if (op.kind == OpKind::kSetMediaType) return op.value >= 0;
  return op.kind == OpKind::kCommit || op.kind == OpKind::kGetMediaType ||
         op.kind == OpKind::kSetProperties2;
}

void CapRepeats(std::vector<Op>& ops) {
  struct Block {
    size_t at;      // index of its "Repeat"
    size_t length;  // API ops in it
  };
  std::vector<Block> blocks;
  size_t once = 0;  // ops run if every block ran once
  int depth = 0;    // 0: outside a block; > 1: inside an ignored inner one
  for (size_t i = 0; i < ops.size(); ++i) {
    if (spec::GroupOf(ops[i].kind) != OpGroup::kControl) {
      ++once;
      if (depth > 0) ++blocks.back().length;
    } else if (ops[i].kind == OpKind::kRepeat) {
      if (depth++ == 0) blocks.push_back({i, 0});
    } else if (depth > 0) {
      --depth;
    }
  }
  size_t left = kMaxRunOps > once ? kMaxRunOps - once : 0;
  for (const Block& b : blocks) {
    Op& repeat = ops[b.at];
    size_t extra = b.length == 0 ? 0 : left / b.length;  // rounds beyond the first
    size_t rounds = std::min<size_t>(static_cast<size_t>(repeat.value), 1 + extra);
    if (b.length > 0) repeat.value = static_cast<int32_t>(rounds);
    left -= (rounds - 1) * b.length;
  }
}

}  // namespace

Op DecodeRecord(const uint8_t* r) {
  Op op;
  const uint8_t bits = r[1];
  op.kind = (bits & kBitExtended) ? static_cast<OpKind>(kFirstExtended + r[0] % kNumExtended)
                                  : static_cast<OpKind>(r[0] % kFirstExtended);
  const uint8_t s = r[2];
  const uint8_t t = r[3];
  op.thread = (bits >> kThreadShift) & 3;
  if (spec::IsSampleOp(op.kind)) op.sample = s % kSampleRange;
  switch (op.kind) {
    case OpKind::kSetProperties:
      op.props = {Field(r, 0), Field(r, 1), Field(r, 2), Field(r, 3)};
      CapRequest(op.props);
      break;
    case OpKind::kGetBuffer:
      op.flags = static_cast<DWORD>(Field(r, 0)) & ~static_cast<DWORD>(AM_GBF_NOWAIT);
      if (!(bits & kBitBlocking)) op.flags |= AM_GBF_NOWAIT;
      op.times = (bits & kBitBool) != 0;
      break;
    case OpKind::kReleaseBuffer:
      switch (t % 4) {
        case 2:
          op.buffer_arg = spec::BufferArg::kNull;
          break;
        case 3:
          op.buffer_arg = spec::BufferArg::kForeign;
          break;
        default:
          op.sample = s % kSampleRange;
      }
      break;
    case OpKind::kSetNotify:
      op.callback = static_cast<int8_t>(s % (spec::kNumCallbacks + 1) - 1);
      break;
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      op.callback = static_cast<int8_t>(s % spec::kNumCallbacks);
      break;
    case OpKind::kQueryInterface:
    case OpKind::kSampleQueryInterface:
      op.iid = static_cast<spec::Iid>(t % spec::kNumIids);
      break;
    case OpKind::kSetReaction:
      op.callback = static_cast<int8_t>(s % spec::kNumCallbacks);
      op.reaction = static_cast<spec::Reaction>(t % spec::kNumReactions);
      if (op.reaction == spec::Reaction::kSetNotifyOther) {
        op.arg = Fold(Field(r, 0), spec::kNumCallbacks);
      } else if (op.reaction == spec::Reaction::kReleaseSample) {
        op.arg = Fold(Field(r, 0), kSampleRange);
      }
      op.persistent = (bits & kBitBool) != 0;
      break;
    case OpKind::kSetTime:
    case OpKind::kSetMediaTime:
      if (!(bits & kBitNull1)) op.t0 = Time(r, 0);
      if (!(bits & kBitNull2)) op.t1 = Time(r, 2);
      break;
    case OpKind::kSetSyncPoint:
    case OpKind::kSetPreroll:
    case OpKind::kSetDiscontinuity:
    case OpKind::kSetActualDataLength:
    case OpKind::kLockServer:
      op.value = Field(r, 0);
      break;
    case OpKind::kSetMediaType:
      op.value = t % (spec::kNumMediaTypes + 1) - 1;
      break;
    case OpKind::kGetProperties2:
      op.cb = static_cast<DWORD>(Field(r, 0));
      break;
    case OpKind::kSetProperties2: {
      op.cb = static_cast<DWORD>(Field(r, 0));
      spec::Sample2Image& im = op.image;
      im.cbData = static_cast<DWORD>(Field(r, 1));
      im.dwTypeSpecificFlags = static_cast<DWORD>(Field(r, 2));
      im.dwSampleFlags = static_cast<DWORD>(Field(r, 3));
      im.lActual = Field(r, 4);
      im.cbBuffer = Field(r, 5);
      uint32_t times = static_cast<uint32_t>(Field(r, 6));
      im.tStart = Time16(static_cast<uint16_t>(times));
      im.tStop = Time16(static_cast<uint16_t>(times >> 16));
      im.media_type = static_cast<int8_t>(t % (spec::kNumMediaTypes + 1) - 1);
      im.pbBuffer = static_cast<spec::BufferPtr>(((t >> 2) & 3) % 3);
      im.dwStreamId = t >> 4;
      break;
    }
    case OpKind::kDllGetClassObject:
      op.clsid = (t & 1) ? spec::Clsid::kOther : spec::Clsid::kMemoryAllocator;
      op.iid = static_cast<spec::Iid>(s % spec::kNumIids);
      break;
    case OpKind::kCreateInstance:
      op.iid = static_cast<spec::Iid>(s % spec::kNumIids);
      op.outer = (bits & kBitBool) != 0;
      break;
    case OpKind::kRepeat: {
      // A few rounds unless the boolean bit asks for up to kMaxRepeat.
      uint32_t range = (bits & kBitBool) ? spec::kMaxRepeat : kSmallRepeat;
      op.value = 1 + static_cast<int32_t>(static_cast<uint32_t>(Field(r, 0)) % range);
      op.thread = 0;
      break;
    }
    case OpKind::kRepeatEnd:
      op.thread = 0;
      break;
    case OpKind::kGetProperties:
    case OpKind::kCommit:
    case OpKind::kDecommit:
    case OpKind::kGetFreeCount:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kGetPointer:
    case OpKind::kGetSize:
    case OpKind::kGetTime:
    case OpKind::kIsSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kGetActualDataLength:
    case OpKind::kGetMediaType:
    case OpKind::kGetMediaTime:
    case OpKind::kDllCanUnloadNow:
      break;  // no arguments beyond the pointer bits
  }
  if (HasPtr1(op.kind)) op.null_ptr1 = (bits & kBitNull1) != 0;
  if (HasPtr2(op.kind)) op.null_ptr2 = (bits & kBitNull2) != 0;
  if (TakesOom(op)) op.oom = (bits & kBitOom) != 0;
  return op;
}

std::vector<Op> Decode(const uint8_t* data, size_t size) {
  std::vector<Op> ops;
  ops.reserve((size + kRecordSize - 1) / kRecordSize);
  for (size_t at = 0; at < size; at += kRecordSize) {
    uint8_t record[kRecordSize] = {};
    std::memcpy(record, data + at, std::min(kRecordSize, size - at));
    ops.push_back(DecodeRecord(record));
  }
  return ops;
}

void EncodeRecord(const Op& op, uint8_t* r, bool* exact) {
  std::memset(r, 0, kRecordSize);
  const int kind = static_cast<int>(op.kind);
  r[0] = static_cast<uint8_t>(kind >= kFirstExtended ? kind - kFirstExtended : kind);
  uint8_t bits = static_cast<uint8_t>((op.thread & 3) << kThreadShift);
  if (kind >= kFirstExtended) bits |= kBitExtended;
  if (op.null_ptr1) bits |= kBitNull1;
  if (op.null_ptr2) bits |= kBitNull2;
  if (op.oom) bits |= kBitOom;
  uint8_t s = static_cast<uint8_t>(op.sample);
  uint8_t t = 0;
  switch (op.kind) {
    case OpKind::kSetProperties:
      PutField(r, 0, op.props.cBuffers);
      PutField(r, 1, op.props.cbBuffer);
      PutField(r, 2, op.props.cbAlign);
      PutField(r, 3, op.props.cbPrefix);
      break;
    case OpKind::kGetBuffer:
      PutField(r, 0, static_cast<int32_t>(op.flags & ~static_cast<DWORD>(AM_GBF_NOWAIT)));
      if (!(op.flags & AM_GBF_NOWAIT)) bits |= kBitBlocking;
      if (op.times) bits |= kBitBool;
      break;
    case OpKind::kReleaseBuffer:
      t = op.buffer_arg == spec::BufferArg::kNull      ? 2
          : op.buffer_arg == spec::BufferArg::kForeign ? 3
                                                       : 0;
      break;
    case OpKind::kSetNotify:
      s = static_cast<uint8_t>(op.callback + 1);
      break;
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      s = static_cast<uint8_t>(op.callback);
      break;
    case OpKind::kQueryInterface:
    case OpKind::kSampleQueryInterface:
      t = static_cast<uint8_t>(op.iid);
      break;
    case OpKind::kSetReaction:
      s = static_cast<uint8_t>(op.callback);
      t = static_cast<uint8_t>(op.reaction);
      PutField(r, 0, op.arg);
      if (op.persistent) bits |= kBitBool;
      break;
    case OpKind::kSetTime:
    case OpKind::kSetMediaTime:
      PutTime(r, 0, op.t0);
      PutTime(r, 2, op.t1);
      break;
    case OpKind::kSetSyncPoint:
    case OpKind::kSetPreroll:
    case OpKind::kSetDiscontinuity:
    case OpKind::kSetActualDataLength:
    case OpKind::kLockServer:
      PutField(r, 0, op.value);
      break;
    case OpKind::kSetMediaType:
      t = static_cast<uint8_t>(op.value + 1);
      break;
    case OpKind::kGetProperties2:
      PutField(r, 0, static_cast<int32_t>(op.cb));
      break;
    case OpKind::kSetProperties2: {
      const spec::Sample2Image& im = op.image;
      PutField(r, 0, static_cast<int32_t>(op.cb));
      PutField(r, 1, static_cast<int32_t>(im.cbData));
      PutField(r, 2, static_cast<int32_t>(im.dwTypeSpecificFlags));
      PutField(r, 3, static_cast<int32_t>(im.dwSampleFlags));
      PutField(r, 4, im.lActual);
      PutField(r, 5, im.cbBuffer);
      uint32_t times = PutTime16(im.tStart, exact) | (uint32_t{PutTime16(im.tStop, exact)} << 16);
      PutField(r, 6, static_cast<int32_t>(times));
      t = static_cast<uint8_t>((im.media_type + 1) | (static_cast<int>(im.pbBuffer) << 2) |
                               ((im.dwStreamId & 15) << 4));
      break;
    }
    case OpKind::kDllGetClassObject:
      s = static_cast<uint8_t>(op.iid);
      t = op.clsid == spec::Clsid::kOther ? 1 : 0;
      break;
    case OpKind::kCreateInstance:
      s = static_cast<uint8_t>(op.iid);
      if (op.outer) bits |= kBitBool;
      break;
    case OpKind::kRepeat:
      PutField(r, 0, op.value - 1);
      if (op.value > static_cast<int32_t>(kSmallRepeat)) bits |= kBitBool;
      break;
    case OpKind::kRepeatEnd:
      break;
    case OpKind::kGetProperties:
    case OpKind::kCommit:
    case OpKind::kDecommit:
    case OpKind::kGetFreeCount:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kGetPointer:
    case OpKind::kGetSize:
    case OpKind::kGetTime:
    case OpKind::kIsSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kGetActualDataLength:
    case OpKind::kGetMediaType:
    case OpKind::kGetMediaTime:
    case OpKind::kDllCanUnloadNow:
      break;
  }
  r[1] = bits;
  r[2] = s;
  r[3] = t;
  if (exact != nullptr && !(DecodeRecord(r) == op)) *exact = false;
}

std::vector<uint8_t> Encode(const std::vector<Op>& ops, bool* exact) {
  std::vector<uint8_t> bytes(ops.size() * kRecordSize);
  for (size_t i = 0; i < ops.size(); ++i) EncodeRecord(ops[i], &bytes[i * kRecordSize], exact);
  return bytes;
}

std::vector<spec::Op> DecodeDifferential(const uint8_t* data, size_t size) {
  std::vector<spec::Op> ops = Decode(data, size);
  if (ops.size() > kMaxOps) ops.resize(kMaxOps);
  CapRepeats(ops);
  return ops;
}

}  // namespace dsalloc::fuzz
