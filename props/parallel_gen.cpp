// props/parallel_gen.cpp: the generator of parallel cases (see
// parallel_gen.h). Shared by the parallel properties and dsalloc-conform.

#include "parallel_gen.h"

#include <vector>

#include "model/op.h"

namespace dsalloc::props::parallel {
namespace {

namespace gen = rc::gen;
using spec::Op;
using spec::OpKind;

// min..max ops from `op`.
rc::Gen<std::vector<Op>> GenOps(int min, int max, rc::Gen<Op> op) {
  return gen::mapcat(gen::inRange(min, max + 1), [op](int n) {
    return gen::container<std::vector<Op>>(static_cast<size_t>(n), op);
  });
}

// Small allocators: 1-4 buffers, so threads compete for them; sizes that
// alignment rounds up, and (not for the first one of a prefix) 0, which
// Commit refuses (VFW_E_SIZENOTSET).
rc::Gen<Op> GenSetProperties(bool allow_zero = true) {
  return gen::apply([](int count, LONG size, LONG align,
                       LONG prefix) { return spec::MakeSetProperties(count, size, align, prefix); },
                    gen::inRange(1, 5),
                    allow_zero
                        ? gen::weightedElement<LONG>({{1, 0}, {2, 1}, {3, 64}, {2, 100}, {2, 4096}})
                        : gen::element<LONG>(1, 64, 100, 4096),
                    gen::element<LONG>(1, 16, 64), gen::weightedElement<LONG>({{5, 0}, {1, 8}}));
}

rc::Gen<Op> GenSetNotify() {
  return gen::map(gen::inRange(-1, spec::kNumCallbacks),
                  [](int cb) { return spec::MakeSetNotify(static_cast<int8_t>(cb)); });
}

rc::Gen<Op> GenQueryInterface() {
  return gen::map(gen::element(spec::Iid::kIUnknown, spec::Iid::kIMemAllocator,
                               spec::Iid::kIMemAllocatorCallbackTemp, spec::Iid::kIMediaSample),
                  [](spec::Iid iid) {
                    Op op = spec::MakeSimple(OpKind::kQueryInterface);
                    op.iid = iid;
                    return op;
                  });
}

// Sample methods other than Release on sample (slot or index) `s`.
rc::Gen<Op> GenSampleMethod(rc::Gen<int> sample) {
  return gen::oneOf(
      gen::map(sample, [](int s) { return spec::MakeSampleOp(OpKind::kSampleAddRef, s); }),
      gen::map(sample, [](int s) { return spec::MakeSampleOp(OpKind::kGetPointer, s); }),
      gen::map(sample, [](int s) { return spec::MakeSampleOp(OpKind::kGetActualDataLength, s); }),
      gen::apply(
          [](int s, int32_t len) {
            Op op = spec::MakeSampleOp(OpKind::kSetActualDataLength, s);
            op.value = len;
            return op;
          },
          // 65 and 101: one past a common cbBuffer (SAMPLE.LENGTH.RANGE).
          sample, gen::element<int32_t>(0, 10, 64, 65, 100, 101, 5000)),
      gen::map(sample, [](int s) { return spec::MakeSampleOp(OpKind::kIsSyncPoint, s); }),
      gen::apply(
          [](int s, bool on) {
            Op op = spec::MakeSampleOp(OpKind::kSetSyncPoint, s);
            op.value = on ? 1 : 0;
            return op;
          },
          sample, gen::arbitrary<bool>()),
      gen::apply(
          [](int s, int form) {
            Op op = spec::MakeSampleOp(OpKind::kSetTime, s);
            op.null_ptr1 = form == 0;  // SetTime(NULL, ...)
            op.null_ptr2 = form == 1;  // SetTime(start, NULL)
            if (!op.null_ptr1) op.t0 = 100;
            if (form == 2) op.t1 = 200;
            return op;
          },
          sample, gen::inRange(0, 3)),
      gen::map(sample, [](int s) { return spec::MakeSampleOp(OpKind::kGetTime, s); }),
      gen::apply(
          [](int s, int type) {
            Op op = spec::MakeSampleOp(OpKind::kSetMediaType, s);
            op.value = type;
            return op;
          },
          sample, gen::inRange(-1, spec::kNumMediaTypes)),
      gen::map(sample, [](int s) { return spec::MakeSampleOp(OpKind::kGetMediaType, s); }));
}

// GetBuffer, blocking now and then: a blocking one waits for another
// thread's release (ALLOC.RELEASEBUFFER.HANDOFF, THREAD.NOLOSTWAKE) or, if
// none comes, for the runner's Decommit (ALLOC.DECOMMIT.WAKE); too many
// would make most runs end in that Decommit, which costs a quiet spell.
rc::Gen<Op> GenGetBuffer() {
  return gen::map(gen::weightedElement<bool>({{3, true}, {1, false}}),
                  [](bool nowait) { return spec::MakeGetBuffer(nowait); });
}

// Allocator ops of a parallel list (no Release: see GenChunk).
rc::Gen<Op> GenAllocatorOp() {
  return gen::weightedOneOf<Op>({
      {3, GenGetBuffer()},
      {3, gen::just(spec::MakeSimple(OpKind::kGetFreeCount))},
      {3, GenSetNotify()},
      {2, gen::just(spec::MakeSimple(OpKind::kDecommit))},
      {2, gen::just(spec::MakeSimple(OpKind::kCommit))},
      {1, gen::just(spec::MakeSimple(OpKind::kGetProperties))},
      {1, GenSetProperties()},
      {1, GenQueryInterface()},
  });
}

// A slot placeholder: "the slot of this chunk's own GetBuffer", resolved by
// GenThreadList.
constexpr int32_t kOwnSlot = -1;

// A few ops that belong together. Mostly "use a sample": GetBuffer, 0-2
// sample methods on it, usually its Release (the release is what races with
// the other threads' GetBuffer, GetFreeCount, SetNotify and Decommit),
// sometimes with a Decommit before it, so that the release completes a
// pending decommit (ALLOC.RELEASEBUFFER.COMPLETE, NOTIFY.ONCE in P).
rc::Gen<std::vector<Op>> GenChunk() {
  rc::Gen<Op> method = GenSampleMethod(gen::just(kOwnSlot));
  return gen::weightedOneOf<std::vector<Op>>({
      {6, gen::apply(
              [](Op get, std::vector<Op> methods, int end) {
                std::vector<Op> ops = {get};
                ops.insert(ops.end(), methods.begin(), methods.end());
                if (end == 2) ops.push_back(spec::MakeSimple(OpKind::kDecommit));
                if (end >= 1) ops.push_back(spec::MakeSampleOp(OpKind::kSampleRelease, kOwnSlot));
                return ops;
              },
              GenGetBuffer(), GenOps(0, 2, method),
              gen::weightedElement<int>({{1, 0}, {4, 1}, {1, 2}}))},
      {5, gen::map(GenAllocatorOp(), [](Op op) { return std::vector<Op>{op}; })},
      // A sample op on an earlier slot (maybe released: then skipped).
      {1,
       gen::map(
           gen::weightedOneOf<Op>({
               {2, gen::map(gen::inRange(0, 3),
                            [](int s) { return spec::MakeSampleOp(OpKind::kSampleRelease, s); })},
               {1, GenSampleMethod(gen::inRange(0, 3))},
           }),
           [](Op op) { return std::vector<Op>{op}; })},
      // The client's count never reaches 0 in parallel: a Release always
      // follows this thread's own AddRef (and the runner skips any other).
      {1, gen::just(std::vector<Op>{spec::MakeSimple(OpKind::kAddRef),
                                    spec::MakeSimple(OpKind::kRelease)})},
  });
}

// One thread's list: 1-4 chunks, at most 6 ops. Samples are slots
// (parallel_runner.h: slot k = the sample the thread's k-th GetBuffer got).
// Never: reactions, oom, NULL pointers.
rc::Gen<std::vector<Op>> GenThreadList() {
  return gen::map(gen::mapcat(gen::inRange(1, 5),
                              [](int n) {
                                return gen::container<std::vector<std::vector<Op>>>(
                                    static_cast<size_t>(n), GenChunk());
                              }),
                  [](const std::vector<std::vector<Op>>& chunks) {
                    std::vector<Op> ops;
                    int get_buffers = 0;
                    for (const std::vector<Op>& chunk : chunks) {
                      int own = get_buffers;
                      for (Op op : chunk) {
                        if (ops.size() == 6) return ops;
                        if (op.kind == OpKind::kGetBuffer) ++get_buffers;
                        if (op.sample == kOwnSlot) op.sample = own;
                        ops.push_back(op);
                      }
                    }
                    return ops;
                  });
}

// One prefix op (thread 0, model indices; the Lockstep skips ops outside
// the model's domain). No reactions: they would fire in the parallel phase.
rc::Gen<Op> GenPrefixOp() {
  rc::Gen<int> index = gen::inRange(0, 4);
  return gen::weightedOneOf<Op>({
      {4, gen::just(spec::MakeGetBuffer(true))},
      {3, GenSetNotify()},
      {2, gen::map(index, [](int s) { return spec::MakeSampleOp(OpKind::kSampleRelease, s); })},
      {1, GenSampleMethod(index)},
      {1, gen::just(spec::MakeSimple(OpKind::kDecommit))},
      {1, gen::just(spec::MakeSimple(OpKind::kCommit))},
      {1, GenSetProperties()},
      // COM.CALLBACK.CLIENT: the client lets go of a callback.
      {1, gen::map(gen::inRange(0, spec::kNumCallbacks),
                   [](int cb) {
                     return spec::MakeCallbackOp(OpKind::kCallbackRelease, static_cast<int8_t>(cb));
                   })},
  });
}

// 0-8 ops; usually SetProperties + Commit first, often a callback, so most
// cases start committed with a callback to notify, some samples held, or a
// decommit pending. A third of the installed callbacks are then let go of
// by the client (COM.CALLBACK.CLIENT), so the allocator holds the last
// reference while the threads race releases against SetNotify.
rc::Gen<std::vector<Op>> GenPrefix() {
  return gen::weightedOneOf<std::vector<Op>>({
      {1, GenOps(0, 8, GenPrefixOp())},
      {6, gen::apply(
              [](Op props, int callback, bool let_go, std::vector<Op> rest) {
                std::vector<Op> ops = {props, spec::MakeSimple(OpKind::kCommit)};
                if (callback >= 0) {
                  auto cb = static_cast<int8_t>(callback);
                  ops.push_back(spec::MakeSetNotify(cb));
                  if (let_go) ops.push_back(spec::MakeCallbackOp(OpKind::kCallbackRelease, cb));
                }
                ops.insert(ops.end(), rest.begin(), rest.end());
                return ops;
              },
              GenSetProperties(false), gen::inRange(-1, spec::kNumCallbacks),
              gen::weightedElement<bool>({{2, false}, {1, true}}), GenOps(0, 5, GenPrefixOp()))},
  });
}

}  // namespace

rc::Gen<ParallelCase> GenParallelCase() {
  return gen::apply(
      [](std::vector<Op> prefix, std::vector<std::vector<Op>> threads) {
        ParallelCase c{std::move(prefix), std::move(threads), {}};
        PassOnlyHeldCallbacks(c);  // COM.CALLBACK.CLIENT
        return c;
      },
      GenPrefix(), gen::mapcat(gen::inRange(2, kMaxParallelThreads + 1), [](int n) {
        return gen::container<std::vector<std::vector<Op>>>(static_cast<size_t>(n),
                                                            GenThreadList());
      }));
}

}  // namespace dsalloc::props::parallel
