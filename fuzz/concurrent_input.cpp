// fuzz/concurrent_input.cpp: bytes <-> parallel cases (concurrent_input.h).

#include "concurrent_input.h"

#include <algorithm>
#include <cstring>

#include "fuzz_input.h"

namespace dsalloc::fuzz {
namespace {

using spec::Op;
using spec::OpKind;

// An op a thread list may hold. The parallel runner checks no domain (a
// NULL out-pointer that native code crashes on would be run as it is), so
// thread lists keep to the vocabulary the parallel properties use
// (props/parallel_gen.cpp): no reactions, factory ops, fault injection or
// NULL pointers; small valid allocator properties; sample ops on slots.
// Anything else becomes GetFreeCount, so the op count stays.
Op ForThread(const Op& in, int thread) {
  Op op;
  op.kind = OpKind::kGetFreeCount;
  switch (in.kind) {
    case OpKind::kGetBuffer:
      op = spec::MakeGetBuffer((in.flags & AM_GBF_NOWAIT) != 0);
      break;
    case OpKind::kSetProperties: {
      // Small valid requests (1-4 buffers, so threads compete); a value
      // already small and valid is kept (the seeds' traces use them).
      const ALLOCATOR_PROPERTIES& p = in.props;
      auto fold = [](LONG v, LONG lo, LONG hi) {
        return v >= lo && v <= hi ? v
                                  : lo + static_cast<LONG>(static_cast<ULONG>(v) % (hi - lo + 1));
      };
      LONG align = p.cbAlign == 1 || p.cbAlign == 16 || p.cbAlign == 64 ? p.cbAlign
                   : (static_cast<ULONG>(p.cbAlign) & 1) != 0           ? 1
                                                                        : 16;
      op = spec::MakeSetProperties(fold(p.cBuffers, 1, 4), fold(p.cbBuffer, 0, 4096), align,
                                   fold(p.cbPrefix, 0, 8));
      break;
    }
    case OpKind::kQueryInterface:
      op = spec::MakeSimple(in.kind);
      op.iid = in.iid == spec::Iid::kIMediaSample || in.iid == spec::Iid::kIMemAllocator ||
                       in.iid == spec::Iid::kIMemAllocatorCallbackTemp
                   ? in.iid
                   : spec::Iid::kIUnknown;
      break;
    case OpKind::kSetNotify:
      op = spec::MakeSetNotify(in.callback);
      break;
    case OpKind::kCommit:
    case OpKind::kDecommit:
    case OpKind::kGetProperties:
    case OpKind::kAddRef:
    case OpKind::kRelease:
      op = spec::MakeSimple(in.kind);
      break;
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kGetPointer:
    case OpKind::kGetActualDataLength:
    case OpKind::kIsSyncPoint:
    case OpKind::kGetTime:
    case OpKind::kGetMediaType:
      op = spec::MakeSampleOp(in.kind, in.sample % kSlotRange);
      break;
    case OpKind::kSetActualDataLength: {
      constexpr int32_t kLengths[] = {0, 10, 64, 65, 100, 101, 5000};
      op = spec::MakeSampleOp(in.kind, in.sample % kSlotRange);
      op.value = kLengths[static_cast<uint32_t>(in.value) % 7];
      break;
    }
    case OpKind::kSetSyncPoint:
      op = spec::MakeSampleOp(in.kind, in.sample % kSlotRange);
      op.value = in.value != 0 ? 1 : 0;
      break;
    case OpKind::kSetTime:
      op = spec::MakeSampleOp(in.kind, in.sample % kSlotRange);
      op.null_ptr1 = in.null_ptr1;
      op.null_ptr2 = in.null_ptr2;
      op.t0 = in.t0;
      op.t1 = in.t1;
      break;
    case OpKind::kSetMediaType:
      op = spec::MakeSampleOp(in.kind, in.sample % kSlotRange);
      op.value = in.value;
      break;
    case OpKind::kReleaseBuffer:
    case OpKind::kGetFreeCount:
    case OpKind::kSetReaction:
    case OpKind::kSampleQueryInterface:
    case OpKind::kGetSize:
    case OpKind::kIsPreroll:
    case OpKind::kSetPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kSetDiscontinuity:
    case OpKind::kGetMediaTime:
    case OpKind::kSetMediaTime:
    case OpKind::kGetProperties2:
    case OpKind::kSetProperties2:
    case OpKind::kDllGetClassObject:
    case OpKind::kCreateInstance:
    case OpKind::kLockServer:
    case OpKind::kDllCanUnloadNow:
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      break;  // GetFreeCount
  }
  op.thread = static_cast<uint8_t>(thread);
  return op;
}

// An op the prefix may hold: the same vocabulary as a thread list (the
// threads' calls must stay in the domain of every state the prefix can
// leave: a Commit of 657,930 buffers after a hostile SetProperties is
// outside the portable domain, and the runner does not check it), on the
// checker's thread. The client may also let go of a callback there
// (COM.CALLBACK.CLIENT), so that the threads race a release that notifies it
// against a SetNotify that destroys it.
Op ForPrefix(const Op& op) {
  if (op.kind == OpKind::kCallbackRelease) return spec::MakeCallbackOp(op.kind, op.callback);
  return ForThread(op, 0);
}

// A thread-list record's schedule hint (concurrent_input.h): byte 1's bits
// 7 and 2 (unused, and fault injection, which thread lists drop). `at` is
// the record's offset; a short last record may end before its byte 1
// (Decode reads it as zeros).
props::parallel::ScheduleHint HintOf(const uint8_t* data, size_t size, size_t at) {
  const uint8_t bits = at + 1 < size ? data[at + 1] : 0;
  return static_cast<props::parallel::ScheduleHint>(((bits >> 7) & 1) | ((bits >> 1) & 2));
}

}  // namespace

ConcurrentInput DecodeConcurrent(const uint8_t* data, size_t size) {
  ConcurrentInput in;
  const uint8_t head = size > 0 ? data[0] : 0;
  const int threads = 2 + (head & 1);
  in.schedule_seed = head >> 1;
  in.c.threads.resize(static_cast<size_t>(threads));
  in.c.hints.resize(static_cast<size_t>(threads));
  // Bit 7 of a thread record's byte 1 is its schedule hint, not the
  // extended op selector of fuzz_input.h: cleared before decoding, so the
  // selector works in prefix records only.
  std::vector<uint8_t> records(data + (size > 0 ? 1 : 0), data + size);
  for (size_t at = 0; at + 1 < records.size(); at += kRecordSize) {
    uint8_t& bits = records[at + 1];
    if (((bits >> 3) & 3) != 0) bits &= 0x7F;
  }
  std::vector<Op> ops = Decode(records.data(), records.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.thread == 0) {
      if (in.c.prefix.size() < kMaxPrefix) in.c.prefix.push_back(ForPrefix(op));
      continue;
    }
    int t = (op.thread - 1) % threads;
    auto& list = in.c.threads[static_cast<size_t>(t)];
    if (list.size() < kMaxPerThread) {
      list.push_back(ForThread(op, t + 1));
      in.c.hints[static_cast<size_t>(t)].push_back(HintOf(data, size, 1 + i * kRecordSize));
    }
  }
  props::parallel::PassOnlyHeldCallbacks(in.c);
  return in;
}

std::vector<uint8_t> EncodeConcurrent(const props::parallel::ParallelCase& c, bool* exact) {
  const size_t threads = std::clamp<size_t>(c.threads.size(), 2, 3);
  std::vector<Op> ops;
  for (const Op& op : c.prefix) {
    Op o = op;
    o.thread = 0;
    ops.push_back(o);
  }
  std::vector<uint8_t> hints(ops.size(), 0);
  for (size_t t = 0; t < c.threads.size(); ++t) {
    for (size_t k = 0; k < c.threads[t].size(); ++k) {
      Op o = c.threads[t][k];
      o.thread = static_cast<uint8_t>(t + 1);
      o.oom = false;  // its bit carries the hint
      ops.push_back(o);
      hints.push_back(
          t < c.hints.size() && k < c.hints[t].size() ? static_cast<uint8_t>(c.hints[t][k]) : 0);
    }
  }
  std::vector<uint8_t> bytes(1, static_cast<uint8_t>(threads - 2));
  std::vector<uint8_t> records = Encode(ops, exact);
  for (size_t i = c.prefix.size(); i < hints.size(); ++i) {
    uint8_t& bits = records[i * kRecordSize + 1];
    bits = static_cast<uint8_t>((bits & 0x7B) | ((hints[i] & 1) << 7) | ((hints[i] & 2) << 1));
  }
  bytes.insert(bytes.end(), records.begin(), records.end());
  return bytes;
}

}  // namespace dsalloc::fuzz
