// fuzz/concurrent_input.cpp: bytes <-> parallel cases (concurrent_input.h).

#include "concurrent_input.h"

#include <algorithm>
#include <concepts>
#include <cstring>
#include <variant>

#include "fuzz_input.h"

namespace dsalloc::fuzz {
namespace {

namespace call = spec::call;
using spec::Call;
using spec::Op;

template <typename C, typename... Cs>
concept OneOf = (std::same_as<C, Cs> || ...);

// ThreadCall(c): the call a thread list makes in place of c. The parallel
// runner checks no domain (a NULL out-pointer that native code crashes on
// would be run as it is), so thread lists keep to the vocabulary the
// parallel properties use (props/parallel_gen.cpp): no reactions, factory
// ops, fault injection or NULL pointers; small valid allocator properties;
// sample calls on slots.
//
// Every other call (reactions, the callbacks' references, factory calls,
// the other sample calls) is outside that vocabulary: it becomes
// GetFreeCount, so the op count stays. So does a Repeat block's bound (a
// line of the prefix).
template <typename C>
Call ThreadCall(const C&) {
  return call::GetFreeCount{};
}

template <OneOf<call::Commit, call::Decommit, call::GetProperties, call::AddRef, call::Release> C>
Call ThreadCall(const C&) {
  return C{};
}

template <OneOf<call::SampleAddRef, call::SampleRelease, call::GetPointer,
                call::GetActualDataLength, call::IsSyncPoint, call::GetTime, call::GetMediaType>
              C>
Call ThreadCall(const C& c) {
  C out{};
  out.sample = c.sample % kSlotRange;
  return out;
}

Call ThreadCall(const call::GetBuffer& c) {
  return call::GetBuffer{false, false, c.dwFlags & AM_GBF_NOWAIT};
}

Call ThreadCall(const call::SetProperties& c) {
  // Small valid requests (1-4 buffers, so threads compete); a value already
  // small and valid is kept (the seeds' traces use them).
  auto fold = [](LONG v, LONG lo, LONG hi) {
    return v >= lo && v <= hi ? v : lo + static_cast<LONG>(static_cast<ULONG>(v) % (hi - lo + 1));
  };
  LONG align = c.cbAlign == 1 || c.cbAlign == 16 || c.cbAlign == 64 ? c.cbAlign
               : (static_cast<ULONG>(c.cbAlign) & 1) != 0           ? 1
                                                                    : 16;
  return call::SetProperties{fold(c.cBuffers, 1, 4),
                             fold(c.cbBuffer, 0, 4096),
                             align,
                             fold(c.cbPrefix, 0, 8),
                             false,
                             false};
}

Call ThreadCall(const call::QueryInterface& c) {
  const bool kept = c.riid == spec::Iid::kIMediaSample || c.riid == spec::Iid::kIMemAllocator ||
                    c.riid == spec::Iid::kIMemAllocatorCallbackTemp;
  return call::QueryInterface{kept ? c.riid : spec::Iid::kIUnknown, false};
}

Call ThreadCall(const call::SetNotify& c) { return c; }

Call ThreadCall(const call::SetActualDataLength& c) {
  constexpr int32_t kLengths[] = {0, 10, 64, 65, 100, 101, 5000};
  return call::SetActualDataLength{c.sample % kSlotRange,
                                   kLengths[static_cast<uint32_t>(c.lLen) % 7]};
}

Call ThreadCall(const call::SetSyncPoint& c) {
  return call::SetSyncPoint{c.sample % kSlotRange, c.bIsSyncPoint != 0 ? 1 : 0};
}

Call ThreadCall(const call::SetTime& c) {
  call::SetTime out = c;
  out.sample = c.sample % kSlotRange;
  return out;
}

Call ThreadCall(const call::SetMediaType& c) {
  return call::SetMediaType{c.sample % kSlotRange, c.media_type};
}

Call ForThread(const Call& in) {
  return std::visit([](const auto& c) { return ThreadCall(c); }, in);
}

// An op the prefix may hold: the same vocabulary as a thread list (the
// threads' calls must stay in the domain of every state the prefix can
// leave: a Commit of 657,930 buffers after a hostile SetProperties is
// outside the portable domain, and the runner does not check it), on the
// checker's thread. The client may also let go of a callback there
// (COM.CALLBACK.CLIENT), so that the threads race a release that notifies it
// against a SetNotify that destroys it.
Op ForPrefix(const Call& in) {
  if (spec::Is<call::CallbackRelease>(in)) return spec::MakeOp(in);
  return spec::MakeOp(ForThread(in));
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
  const spec::Trace lines = Decode(records.data(), records.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto* line_op = std::get_if<Op>(&lines[i]);
    if (line_op == nullptr) {
      if (in.c.prefix.size() < kMaxPrefix)
        in.c.prefix.push_back(spec::MakeOp(call::GetFreeCount{}));
      continue;
    }
    const Op& op = *line_op;
    if (op.thread == 0) {
      if (in.c.prefix.size() < kMaxPrefix) in.c.prefix.push_back(ForPrefix(op.call));
      continue;
    }
    int t = (op.thread - 1) % threads;
    auto& list = in.c.threads[static_cast<size_t>(t)];
    if (list.size() < kMaxPerThread) {
      list.push_back(spec::MakeOp(ForThread(op.call), static_cast<uint8_t>(t + 1)));
      in.c.hints[static_cast<size_t>(t)].push_back(HintOf(data, size, 1 + i * kRecordSize));
    }
  }
  props::parallel::PassOnlyHeldCallbacks(in.c);
  return in;
}

size_t CanonicalizeConcurrentSelectors(uint8_t* data, size_t size) {
  size_t changed = 0;
  for (size_t at = 1; at + 2 < size; at += kRecordSize) {
    const bool prefix = ((data[at + 1] >> 3) & 3) == 0;
    if (prefix && CanonicalizeSelector(data + at)) ++changed;
  }
  return changed;
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
  std::vector<uint8_t> records = Encode(spec::TraceOf(ops), exact);
  for (size_t i = c.prefix.size(); i < hints.size(); ++i) {
    uint8_t& bits = records[i * kRecordSize + 1];
    bits = static_cast<uint8_t>((bits & 0x7B) | ((hints[i] & 1) << 7) | ((hints[i] & 2) << 1));
  }
  bytes.insert(bytes.end(), records.begin(), records.end());
  return bytes;
}

}  // namespace dsalloc::fuzz
