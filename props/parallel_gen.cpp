// props/parallel_gen.cpp: the generator of parallel cases (see
// parallel_gen.h), written against Choices (choices.h). Shared by the
// parallel properties (GenParallelCase, rapidcheck_choices.cpp) and
// dsalloc-conform (DrawParallelCase with a SeededChoices). One draw per
// statement: the order of draws is part of a seed's meaning.

#include "parallel_gen.h"

#include <vector>

#include "spec/model/op.h"

namespace dsalloc::props::parallel {
namespace {

namespace call = spec::call;
using spec::Op;

// min..max ops from `draw` (the count sized, as rc::gen::inRange was).
template <typename Draw>
std::vector<Op> DrawOps(Choices& c, int min, int max, Draw draw) {
  int n = c.InRange(min, max);
  std::vector<Op> ops;
  for (int i = 0; i < n; ++i) ops.push_back(draw(c));
  return ops;
}

// Small allocators: 1-4 buffers, so threads compete for them; sizes that
// alignment rounds up, and (not for the first one of a prefix) 0, which
// Commit refuses (VFW_E_SIZENOTSET).
Op DrawSetProperties(Choices& c, bool allow_zero = true) {
  int count = c.InRange(1, 4);
  LONG size = allow_zero ? c.WeightedElement<LONG>({{1, 0}, {2, 1}, {3, 64}, {2, 100}, {2, 4096}})
                         : c.Element<LONG>({1, 64, 100, 4096});
  LONG align = c.Element<LONG>({1, 16, 64});
  LONG prefix = c.WeightedElement<LONG>({{5, 0}, {1, 8}});
  return spec::MakeOp(call::SetProperties{count, size, align, prefix});
}

Op DrawSetNotify(Choices& c) {
  return spec::MakeOp(call::SetNotify{c.InRange<int8_t>(-1, spec::kNumCallbacks - 1)});
}

Op DrawQueryInterface(Choices& c) {
  call::QueryInterface qi;
  qi.riid = c.Element<spec::Iid>({spec::Iid::kIUnknown, spec::Iid::kIMemAllocator,
                                  spec::Iid::kIMemAllocatorCallbackTemp, spec::Iid::kIMediaSample});
  return spec::MakeOp(qi);
}

// Which sample a sample op names: a slot or index in [first, last], drawn
// as rc::gen::inRange(first, last + 1) was (one value: no draw).
struct Samples {
  int first;
  int last;
};

// The methods of DrawSampleMethod, each drawing its arguments for `sample`.
using MethodDraw = Op (*)(Choices& c, int32_t sample);

// A method whose only argument is its sample.
template <typename C>
Op Plain(Choices&, int32_t sample) {
  return spec::MakeOp(C{sample});
}

Op SetActualDataLength(Choices& c, int32_t sample) {
  // 65 and 101: one past a common cbBuffer (SAMPLE.LENGTH.RANGE).
  return spec::MakeOp(
      call::SetActualDataLength{sample, c.Element<int32_t>({0, 10, 64, 65, 100, 101, 5000})});
}

Op SetSyncPoint(Choices& c, int32_t sample) {
  return spec::MakeOp(call::SetSyncPoint{sample, c.Bool() ? 1 : 0});
}

Op SetTime(Choices& c, int32_t sample) {
  int form = c.InRange(0, 2);
  call::SetTime set{sample};
  set.null_pTimeStart = form == 0;  // SetTime(NULL, ...)
  set.null_pTimeEnd = form == 1;    // SetTime(start, NULL)
  if (!set.null_pTimeStart) set.tStart = 100;
  if (form == 2) set.tEnd = 200;
  return spec::MakeOp(set);
}

Op SetMediaType(Choices& c, int32_t sample) {
  return spec::MakeOp(call::SetMediaType{sample, c.InRange(-1, spec::kNumMediaTypes - 1)});
}

// Sample methods other than Release on a sample from `samples`, each method
// equally likely (as rc::gen::oneOf); the sample is drawn after the method.
Op DrawSampleMethod(Choices& c, Samples samples) {
  const MethodDraw method = c.Element<MethodDraw>({
      Plain<call::SampleAddRef>,
      Plain<call::GetPointer>,
      Plain<call::GetActualDataLength>,
      SetActualDataLength,
      Plain<call::IsSyncPoint>,
      SetSyncPoint,
      SetTime,
      Plain<call::GetTime>,
      SetMediaType,
      Plain<call::GetMediaType>,
  });
  int s = c.InRange(samples.first, samples.last);
  return method(c, s);
}

Op GetBuffer(bool nowait) {
  call::GetBuffer get;
  if (nowait) get.dwFlags = AM_GBF_NOWAIT;
  return spec::MakeOp(get);
}

// GetBuffer, blocking now and then: a blocking one waits for another
// thread's release (ALLOC.RELEASEBUFFER.HANDOFF, THREAD.NOLOSTWAKE) or, if
// none comes, for the runner's Decommit (ALLOC.DECOMMIT.WAKE); too many
// would make most runs end in that Decommit, which costs a quiet spell.
Op DrawGetBuffer(Choices& c) { return GetBuffer(c.WeightedElement<bool>({{3, true}, {1, false}})); }

// A call with no arguments to draw.
template <typename C>
Op DrawPlain(Choices&) {
  return spec::MakeOp(C{});
}

using Draw = Op (*)(Choices&);

// Allocator ops of a parallel list (no Release: see DrawChunk).
Op DrawAllocatorOp(Choices& c) {
  const Draw draw = c.WeightedElement<Draw>({{3, DrawGetBuffer},
                                             {3, DrawPlain<call::GetFreeCount>},
                                             {3, DrawSetNotify},
                                             {2, DrawPlain<call::Decommit>},
                                             {2, DrawPlain<call::Commit>},
                                             {1, DrawPlain<call::GetProperties>},
                                             {1, [](Choices& c) { return DrawSetProperties(c); }},
                                             {1, DrawQueryInterface}});
  return draw(c);
}

// A few ops that belong together. Mostly "use a sample": GetBuffer, 0-2
// sample methods on it, usually its Release (the release is what races with
// the other threads' GetBuffer, GetFreeCount, SetNotify and Decommit),
// sometimes with a Decommit before it, so that the release completes a
// pending decommit (ALLOC.RELEASEBUFFER.COMPLETE, NOTIFY.ONCE in P).
// `own` is the slot the chunk's own GetBuffer will fill.
std::vector<Op> DrawChunk(Choices& c, int32_t own) {
  switch (c.Pick({6, 5, 1, 1})) {
    case 0: {
      std::vector<Op> ops = {DrawGetBuffer(c)};
      std::vector<Op> methods = DrawOps(c, 0, 2, [own](Choices& c2) {
        return DrawSampleMethod(c2, {own, own});
      });
      ops.insert(ops.end(), methods.begin(), methods.end());
      int end = c.WeightedElement<int>({{1, 0}, {4, 1}, {1, 2}});
      if (end == 2) ops.push_back(spec::MakeOp(call::Decommit{}));
      if (end >= 1) ops.push_back(spec::MakeOp(call::SampleRelease{own}));
      return ops;
    }
    case 1:
      return {DrawAllocatorOp(c)};
    case 2:
      // A sample op on an earlier slot (maybe released: then skipped).
      if (c.Pick({2, 1}) == 0) {
        return {spec::MakeOp(call::SampleRelease{c.InRange(0, 2)})};
      }
      return {DrawSampleMethod(c, {0, 2})};
    default:
      // The client's count never reaches 0 in parallel: a Release always
      // follows this thread's own AddRef (and the runner skips any other).
      return {spec::MakeOp(call::AddRef{}), spec::MakeOp(call::Release{})};
  }
}

// One thread's list: 1-4 chunks, at most 6 ops. Samples are slots
// (parallel_runner.h: slot k = the sample the thread's k-th GetBuffer got).
// Never: reactions, oom, NULL pointers.
std::vector<Op> DrawThreadList(Choices& c) {
  int chunks = c.InRange(1, 4);
  std::vector<Op> ops;
  int get_buffers = 0;
  for (int i = 0; i < chunks; ++i) {
    // Chunks past the sixth op would be cut off unseen: not drawn.
    if (ops.size() == 6) break;
    for (const Op& op : DrawChunk(c, get_buffers)) {
      if (ops.size() == 6) break;
      if (spec::Is<call::GetBuffer>(op.call)) ++get_buffers;
      ops.push_back(op);
    }
  }
  return ops;
}

// One prefix op (thread 0, model indices; the Lockstep skips ops outside
// the model's domain). No reactions: they would fire in the parallel phase.
Op DrawPrefixOp(Choices& c) {
  const Draw draw = c.WeightedElement<Draw>(
      {{4, [](Choices&) { return GetBuffer(true); }},
       {3, DrawSetNotify},
       {2, [](Choices& c) { return spec::MakeOp(call::SampleRelease{c.InRange(0, 3)}); }},
       {1,
        [](Choices& c) {
          return DrawSampleMethod(c, {0, 3});
        }},
       {1, DrawPlain<call::Decommit>},
       {1, DrawPlain<call::Commit>},
       {1, [](Choices& c) { return DrawSetProperties(c); }},
       // COM.CALLBACK.CLIENT: the client lets go of a callback.
       {1, [](Choices& c) {
          return spec::MakeOp(call::CallbackRelease{c.InRange<int8_t>(0, spec::kNumCallbacks - 1)});
        }}});
  return draw(c);
}

// 0-8 ops; usually SetProperties + Commit first, often a callback, so most
// cases start committed with a callback to notify, some samples held, or a
// decommit pending. A third of the installed callbacks are then let go of
// by the client (COM.CALLBACK.CLIENT), so the allocator holds the last
// reference while the threads race releases against SetNotify.
std::vector<Op> DrawPrefix(Choices& c) {
  if (c.Pick({1, 6}) == 0) return DrawOps(c, 0, 8, DrawPrefixOp);
  Op props = DrawSetProperties(c, false);
  int callback = c.InRange(-1, spec::kNumCallbacks - 1);
  bool let_go = c.WeightedElement<bool>({{2, false}, {1, true}});
  std::vector<Op> ops = {props, spec::MakeOp(call::Commit{})};
  if (callback >= 0) {
    auto cb = static_cast<int8_t>(callback);
    ops.push_back(spec::MakeOp(call::SetNotify{cb}));
    if (let_go) ops.push_back(spec::MakeOp(call::CallbackRelease{cb}));
  }
  std::vector<Op> rest = DrawOps(c, 0, 5, DrawPrefixOp);
  ops.insert(ops.end(), rest.begin(), rest.end());
  return ops;
}

}  // namespace

ParallelCase DrawParallelCase(Choices& c) {
  std::vector<Op> prefix = DrawPrefix(c);
  int n = c.InRange(2, kMaxParallelThreads);
  std::vector<std::vector<Op>> threads;
  for (int t = 0; t < n; ++t) threads.push_back(DrawThreadList(c));
  ParallelCase result{std::move(prefix), std::move(threads), {}};
  PassOnlyHeldCallbacks(result);  // COM.CALLBACK.CLIENT
  return result;
}

}  // namespace dsalloc::props::parallel
