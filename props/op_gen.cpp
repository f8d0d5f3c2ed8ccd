// props/op_gen.cpp: model-guided generators (op_gen.h), written against
// Choices (choices.h); the rc::Gen adapters are in rapidcheck_choices.cpp.
// One draw per statement: the order of draws is part of a seed's meaning.

#include "op_gen.h"

#include <climits>
#include <cstddef>
#include <vector>

namespace dsalloc::props {
namespace {

using spec::Op;
using spec::OpKind;

constexpr DWORD kSample2Size = sizeof(AM_SAMPLE2_PROPERTIES);

// Hostile requests, none of which may allocate anything big. Strict refuses
// each somewhere between SetProperties and Commit; under portable a Commit
// of 4097 one-byte buffers may succeed (ALLOC.COMMIT.LIMIT), and the
// requests whose rounding overflows are outside the domain (ALLOC.PROPS.ROUND).
const std::vector<ALLOCATOR_PROPERTIES>& HostileProperties() {
  static const std::vector<ALLOCATOR_PROPERTIES> kHostile = {
      {0, 100, 1, 0},        // no count: VFW_E_SIZENOTSET at Commit
      {2, 0, 1, 0},          // no size
      {-1, 100, 1, 0},       // negative count
      {2, -5, 1, 0},         // negative size
      {2, 100, 1, -1},       // negative prefix
      {4097, 1, 1, 0},       // above ALLOC.COMMIT.LIMIT
      {2, INT_MAX, 16, 0},   // rounding overflows 32 bits
      {3, 1 << 30, 1, 0},    // count x size overflows
      {1, 16, 16, INT_MAX},  // size + prefix overflows
      {2, 64, 0, 0},         // VFW_E_BADALIGN: zero
      {2, 64, 3, 0},         // not a power of two
      {2, 64, 65537, 0},     // above 64 KiB
      {2, 64, 131072, 0},    // power of two above 64 KiB
      {2, 64, -1, 0},        // negative
      {INT_MIN, INT_MIN, INT_MIN, INT_MIN},
  };
  return kHostile;
}

ALLOCATOR_PROPERTIES DrawValidProperties(Choices& c) {
  ALLOCATOR_PROPERTIES p;
  p.cBuffers = c.InRange<LONG>(1, 4);
  p.cbBuffer = c.Pick({4, 1}) == 0 ? c.InRange<LONG>(1, 256) : c.Element<LONG>({4096, 65536});
  p.cbAlign = c.Element<LONG>({1, 1, 2, 4, 8, 16, 64, 4096, 65536});
  p.cbPrefix = c.Pick({3, 1}) == 0 ? LONG{0} : c.InRange<LONG>(1, 32);
  return p;
}

bool AnyHeld(const spec::State& s) {
  for (const spec::SampleState& x : s.samples) {
    if (x.refs > 0) return true;
  }
  return false;
}

int32_t DrawHeldSample(Choices& c, const spec::State& s) {
  std::vector<int32_t> held;
  for (size_t i = 0; i < s.samples.size(); ++i) {
    if (s.samples[i].refs > 0) held.push_back(static_cast<int32_t>(i));
  }
  return c.ElementOf(held);
}

bool Waiting(const spec::State& s, uint8_t thread) {
  for (uint8_t t : s.waiters) {
    if (t == thread) return true;
  }
  return false;
}

Op DrawGetBuffer(Choices& c, const spec::State& s) {
  Op op;
  op.kind = OpKind::kGetBuffer;
  // Ignored flag bits (ALLOC.GETBUFFER.FLAGS) and times, now and then.
  if (c.OneIn(4)) {
    op.flags = c.Element<DWORD>(
        {AM_GBF_PREVFRAMESKIPPED, AM_GBF_NOTASYNCPOINT, AM_GBF_NODDSURFACELOCK, 0x80000000u});
  }
  op.times = c.OneIn(4);
  op.null_ptr1 = c.OneIn(20);
  bool wont_block_caller = s.state != spec::AllocState::kCommitted || !s.free_list.empty();
  int mode = c.InRange(0, 2);
  if (mode == 0 || (mode == 1 && !wont_block_caller)) {
    op.flags |= AM_GBF_NOWAIT;
  } else if (mode == 2) {
    // A blocking call on a client thread that is free to block
    // (ALLOC.GETBUFFER.WAIT); the driver runs it on a worker.
    std::vector<uint8_t> idle;
    for (uint8_t t = 1; t <= 3; ++t) {
      if (!Waiting(s, t)) idle.push_back(t);
    }
    if (idle.empty()) {
      op.flags |= AM_GBF_NOWAIT;
    } else {
      op.thread = c.ElementOf(idle);
    }
  }
  return op;
}

Op DrawReaction(Choices& c, const spec::State&) {
  Op op;
  op.kind = OpKind::kSetReaction;
  op.callback = c.InRange<int8_t>(0, spec::kNumCallbacks - 1);
  op.reaction = c.Element<spec::Reaction>(
      {spec::Reaction::kNone, spec::Reaction::kGetFreeCount, spec::Reaction::kGetBufferNoWait,
       spec::Reaction::kSetNotifyNull, spec::Reaction::kSetNotifyOther,
       spec::Reaction::kSetNotifySelf, spec::Reaction::kReleaseSample, spec::Reaction::kCommit,
       spec::Reaction::kDecommit});
  if (op.reaction == spec::Reaction::kSetNotifyOther) {
    op.arg = c.InRange(0, spec::kNumCallbacks - 1);
  } else if (op.reaction == spec::Reaction::kReleaseSample) {
    op.arg = c.InRange(0, 3);
  }
  op.persistent = c.OneIn(4);
  return op;
}

spec::Iid DrawIid(Choices& c) {
  return c.Element<spec::Iid>(
      {spec::Iid::kIUnknown, spec::Iid::kIMemAllocator, spec::Iid::kIMemAllocatorCallbackTemp,
       spec::Iid::kIMemAllocatorNotifyCallbackTemp, spec::Iid::kIMediaSample,
       spec::Iid::kIMediaSample2, spec::Iid::kIClassFactory, spec::Iid::kIMemInputPin,
       spec::Iid::kOther});
}

int64_t DrawTime(Choices& c) {
  return c.Pick({4, 1}) == 0
             ? c.InRange<int64_t>(-5, 999)
             : c.Element<int64_t>({INT64_MIN, INT64_MAX, int64_t{1} << 32, (int64_t{1} << 31) + 7});
}

// IMediaSample2::SetProperties payload: usually a plausible image, with one
// field made hostile now and then (SAMPLE2.SETPROPS.*).
void FillSetProperties2(Choices& c, const spec::State& s, const spec::SampleState& x, Op& op) {
  switch (c.Pick({3, 2, 1})) {
    case 0:
      op.cb = kSample2Size;
      break;
    case 1:
      op.cb = c.Element<DWORD>({0, 4, 8, 12, 16, 24, 32, 36, 48, 56, 64});
      break;
    default:
      op.cb = c.Element<DWORD>({kSample2Size + 1, 1000});
      break;
  }
  spec::Sample2Image& im = op.image;
  im.cbData = c.Pick({4, 1}) == 0 ? kSample2Size : c.Element<DWORD>({0, 16, 1000});
  im.dwTypeSpecificFlags = c.Element<DWORD>({0, 0, 1, 0xFFFFFFFFu});
  im.dwSampleFlags = c.Pick({4, 1}) == 0 ? c.InRange<DWORD>(0, 0x1FF)
                                         : c.Element<DWORD>({0x20, 0x200, 0x400, 0xFFFFFFFFu});
  im.lActual = c.Pick({3, 1}) == 0 ? c.InRange<LONG>(0, s.props.cbBuffer)
                                   : c.Element<LONG>({-1, s.props.cbBuffer + 1, INT_MAX});
  im.tStart = DrawTime(c);
  im.tStop = DrawTime(c);
  im.dwStreamId = c.Element<DWORD>({0, 0, 1, 7});
  im.media_type = c.InRange<int8_t>(-1, spec::kNumMediaTypes - 1);
  im.pbBuffer = c.Element<spec::BufferPtr>(
      {spec::BufferPtr::kOwn, spec::BufferPtr::kNull, spec::BufferPtr::kOther});
  im.cbBuffer = c.Element<LONG>({0, s.props.cbBuffer, s.props.cbBuffer, s.props.cbBuffer + 1, -1});
  op.null_ptr1 = c.OneIn(25);
  op.oom = c.OneIn(20);
  (void)x;
}

Op DrawSampleOp(Choices& c, const spec::State& s) {
  Op op;
  op.sample = DrawHeldSample(c, s);
  const spec::SampleState& x = s.samples[static_cast<size_t>(op.sample)];
  op.kind = c.WeightedElement<OpKind>({
      {2, OpKind::kSampleAddRef},
      {1, OpKind::kSampleQueryInterface},
      {2, OpKind::kGetPointer},
      {1, OpKind::kGetSize},
      {2, OpKind::kGetTime},
      {3, OpKind::kSetTime},
      {1, OpKind::kIsSyncPoint},
      {1, OpKind::kSetSyncPoint},
      {1, OpKind::kIsPreroll},
      {1, OpKind::kSetPreroll},
      {1, OpKind::kIsDiscontinuity},
      {1, OpKind::kSetDiscontinuity},
      {1, OpKind::kGetActualDataLength},
      {2, OpKind::kSetActualDataLength},
      {2, OpKind::kGetMediaType},
      {3, OpKind::kSetMediaType},
      {2, OpKind::kGetMediaTime},
      {2, OpKind::kSetMediaTime},
      {2, OpKind::kGetProperties2},
      {3, OpKind::kSetProperties2},
  });
  bool rare_null = c.OneIn(15);
  switch (op.kind) {
    case OpKind::kSampleQueryInterface:
      op.iid = DrawIid(c);
      op.null_ptr1 = rare_null;
      break;
    case OpKind::kGetPointer:
      op.null_ptr1 = rare_null;
      break;
    case OpKind::kGetTime:
    case OpKind::kGetMediaTime:
      op.null_ptr1 = rare_null;
      op.null_ptr2 = c.OneIn(15);
      break;
    case OpKind::kSetTime:
    case OpKind::kSetMediaTime:
      op.null_ptr1 = c.OneIn(5);
      op.null_ptr2 = c.OneIn(4);
      if (!op.null_ptr1) op.t0 = DrawTime(c);
      if (!op.null_ptr2) op.t1 = DrawTime(c);
      break;
    case OpKind::kSetSyncPoint:
    case OpKind::kSetPreroll:
    case OpKind::kSetDiscontinuity:
      op.value = c.Element<int32_t>({0, 1, 1, -1, 42});
      break;
    case OpKind::kSetActualDataLength:
      op.value = c.Pick({4, 1}) == 0
                     ? c.InRange<int32_t>(0, s.props.cbBuffer)
                     : c.Element<int32_t>({-1, s.props.cbBuffer + 1, INT_MAX, INT_MIN});
      break;
    case OpKind::kGetMediaType:
      op.null_ptr1 = rare_null;
      op.oom = c.OneIn(10);
      break;
    case OpKind::kSetMediaType:
      op.value = c.InRange<int32_t>(-1, spec::kNumMediaTypes - 1);
      op.oom = op.value >= 0 && c.OneIn(10);
      break;
    case OpKind::kGetProperties2:
      op.cb =
          c.Element<DWORD>({0, 4, 12, 16, 36, 48, kSample2Size, kSample2Size, kSample2Size + 8});
      op.null_ptr1 = rare_null;
      break;
    case OpKind::kSetProperties2:
      FillSetProperties2(c, s, x, op);
      break;
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kGetSize:
    case OpKind::kIsSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kGetActualDataLength:
      break;  // no arguments
    // Not sample ops: the weighted list above never picks these.
    case OpKind::kSetProperties:
    case OpKind::kGetProperties:
    case OpKind::kCommit:
    case OpKind::kDecommit:
    case OpKind::kGetBuffer:
    case OpKind::kReleaseBuffer:
    case OpKind::kSetNotify:
    case OpKind::kGetFreeCount:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kQueryInterface:
    case OpKind::kSetReaction:
    case OpKind::kDllGetClassObject:
    case OpKind::kCreateInstance:
    case OpKind::kLockServer:
    case OpKind::kDllCanUnloadNow:
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      break;
  }
  return op;
}

Op DrawReleaseBuffer(Choices& c, const spec::State& s) {
  Op op;
  op.kind = OpKind::kReleaseBuffer;
  int pick = c.InRange(0, 3);
  if (pick == 0) {
    op.buffer_arg = spec::BufferArg::kNull;
  } else if (pick == 1) {
    op.buffer_arg = spec::BufferArg::kForeign;
  } else if (!s.samples.empty()) {
    // Held or free: both are misuse (ALLOC.RELEASEBUFFER.MISUSE).
    op.sample = c.InRange<int32_t>(0, static_cast<int32_t>(s.samples.size()) - 1);
  } else {
    op.buffer_arg = spec::BufferArg::kNull;
  }
  return op;
}

Op DrawAllocatorCom(Choices& c, const spec::State& s) {
  Op op;
  int pick = c.InRange(0, 9);
  if (pick < 3) {
    op.kind = OpKind::kAddRef;
  } else if (pick < 5) {
    // Releasing the client's last reference ends the allocator's client
    // life (LIFE.SELFREF keeps it alive while committed): keep it rare.
    op.kind = OpKind::kRelease;
    if (s.client_refs == 1 && !c.OneIn(6)) op.kind = OpKind::kAddRef;
  } else {
    op.kind = OpKind::kQueryInterface;
    op.iid = DrawIid(c);
    op.null_ptr1 = c.OneIn(15);
  }
  return op;
}

// The callbacks' lifetime (COM.CALLBACK.CLIENT, LIFE.CYCLE): the client lets
// go of a callback, mostly the installed one (then the allocator holds the
// last reference and its Release destroys it); a live callback takes a
// reference on the allocator (the documented cycle) or gives one back.
Op DrawCallbackLifetime(Choices& c, const spec::State& s) {
  std::vector<int8_t> held, alive, holding;
  for (int8_t cb_index = 0; cb_index < spec::kNumCallbacks; ++cb_index) {
    const spec::CallbackState& cb = s.callbacks[cb_index];
    if (cb.client_held) held.push_back(cb_index);
    if (!cb.Dead()) alive.push_back(cb_index);
    if (cb.alloc_refs > 0) holding.push_back(cb_index);
  }
  int pick = c.InRange(0, 5);
  if (pick >= 4 && !holding.empty()) {
    return spec::MakeCallbackOp(OpKind::kCallbackReleaseAllocator, c.ElementOf(holding));
  }
  if (pick == 3 && !alive.empty()) {
    return spec::MakeCallbackOp(OpKind::kCallbackHoldAllocator, c.ElementOf(alive));
  }
  int8_t target = held.empty() ? int8_t{0} : c.ElementOf(held);
  if (s.callback >= 0 && s.callbacks[s.callback].client_held && pick < 2) target = s.callback;
  return spec::MakeCallbackOp(OpKind::kCallbackRelease, target);
}

Op DrawFactory(Choices& c, const spec::State& s) {
  Op op;
  op.kind = c.Element<OpKind>({OpKind::kDllGetClassObject, OpKind::kCreateInstance,
                               OpKind::kLockServer, OpKind::kDllCanUnloadNow});
  if (op.kind == OpKind::kDllGetClassObject) {
    op.clsid = c.Element<spec::Clsid>({spec::Clsid::kMemoryAllocator, spec::Clsid::kOther});
    op.iid = c.Element<spec::Iid>({spec::Iid::kIClassFactory, spec::Iid::kIUnknown,
                                   spec::Iid::kIMemAllocator, spec::Iid::kIMemAllocatorCallbackTemp,
                                   spec::Iid::kOther});
    op.null_ptr1 = c.OneIn(10);
  } else if (op.kind == OpKind::kCreateInstance) {
    op.iid = DrawIid(c);
    op.outer = c.OneIn(5);
    op.null_ptr1 = c.OneIn(10);
  } else if (op.kind == OpKind::kLockServer) {
    // With locks held, mostly an unlock; with none, mostly a lock, and now
    // and then an unlock with none held (strict: ignored; portable: not
    // checked, InDomain drops it). Locks left held are undone by the
    // driver's Teardown, so DllCanUnloadNow stays judged by the model.
    op.value = s.server_locks > 0 ? c.Element({0, 0, 1}) : c.Element({1, 1, 1, 0});
  }
  return op;
}

Op DrawSetPropertiesOp(Choices& c, const spec::State&) {
  Op op = spec::MakeSetProperties(0, 0, 0, 0);
  op.props = DrawAllocatorProperties(c);
  op.null_ptr1 = c.OneIn(25);
  op.null_ptr2 = c.OneIn(25);
  return op;
}

Op DrawSimple(Choices& c, OpKind kind, bool null_sometimes, bool oom_sometimes) {
  Op op = spec::MakeSimple(kind);
  if (null_sometimes) op.null_ptr1 = c.OneIn(15);
  if (oom_sometimes) op.oom = c.OneIn(12);
  return op;
}

Op DrawReleaseSample(Choices& c, const spec::State& s) {
  return spec::MakeSampleOp(OpKind::kSampleRelease, DrawHeldSample(c, s));
}

// A callback the client let go of may be passed only while installed
// (COM.CALLBACK.CLIENT): then SetNotify(same) with the allocator's last
// reference (ALLOC.SETNOTIFY.SAME).
Op DrawSetNotify(Choices& c, const spec::State& s) {
  std::vector<int8_t> usable{-1};
  for (int8_t cb = 0; cb < spec::kNumCallbacks; ++cb) {
    if (s.callbacks[cb].client_held || s.callback == cb) usable.push_back(cb);
  }
  return spec::MakeSetNotify(c.ElementOf(usable));
}

}  // namespace

ALLOCATOR_PROPERTIES DrawAllocatorProperties(Choices& c) {
  return c.Pick({6, 1}) == 0 ? DrawValidProperties(c) : c.ElementOf(HostileProperties());
}

Op DrawOp(Choices& c, const spec::State& s) {
  bool alive = !s.destroyed && s.client_refs > 0;
  bool held = AnyHeld(s);
  bool decommitted = s.state == spec::AllocState::kDecommitted;
  auto weight = [](bool on, size_t w) { return on ? w : size_t{0}; };
  bool callbacks_live = false;
  for (const spec::CallbackState& cb : s.callbacks) callbacks_live |= !cb.Dead();

  // Sample ops stay possible after the client released the allocator (its
  // samples keep it alive: LIFE.SAMPLEALIVE); allocator ops do not.
  using Draw = Op (*)(Choices&, const spec::State&);
  struct Alternative {
    size_t weight;
    Draw draw;
  };
  const Alternative alternatives[] = {
      {weight(alive, decommitted ? 6 : 1), DrawSetPropertiesOp},
      {weight(alive, 1),
       [](Choices& c, const spec::State&) {
         return DrawSimple(c, OpKind::kGetProperties, true, false);
       }},
      {weight(alive, decommitted ? 6 : 2),
       [](Choices& c, const spec::State&) { return DrawSimple(c, OpKind::kCommit, false, true); }},
      {weight(alive, 2),
       [](Choices& c, const spec::State&) {
         return DrawSimple(c, OpKind::kDecommit, false, false);
       }},
      {weight(alive, 8), DrawGetBuffer},
      {weight(held, 10), DrawReleaseSample},
      {weight(held, 12), DrawSampleOp},
      {weight(alive, 1), DrawReleaseBuffer},
      {weight(alive, 3), DrawSetNotify},
      {weight(alive, 2),
       [](Choices& c, const spec::State&) {
         return DrawSimple(c, OpKind::kGetFreeCount, true, false);
       }},
      {weight(alive, 2), DrawReaction},
      {weight(alive, 2), DrawAllocatorCom},
      {weight(callbacks_live, 1), DrawCallbackLifetime},
      {1, DrawFactory},
  };
  size_t weights[std::size(alternatives)];
  for (size_t i = 0; i < std::size(alternatives); ++i) weights[i] = alternatives[i].weight;
  return alternatives[c.Pick(weights)].draw(c, s);
}

}  // namespace dsalloc::props
