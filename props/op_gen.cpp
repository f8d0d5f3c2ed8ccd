// props/op_gen.cpp: model-guided generators (op_gen.h).

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

rc::Gen<ALLOCATOR_PROPERTIES> GenValidProperties() {
  return rc::gen::exec([] {
    ALLOCATOR_PROPERTIES p;
    p.cBuffers = *rc::gen::inRange<LONG>(1, 5);
    p.cbBuffer = *rc::gen::weightedOneOf<LONG>(
        {{4, rc::gen::inRange<LONG>(1, 257)}, {1, rc::gen::element<LONG>(4096, 65536)}});
    p.cbAlign = *rc::gen::element<LONG>(1, 1, 2, 4, 8, 16, 64, 4096, 65536);
    p.cbPrefix = *rc::gen::weightedOneOf<LONG>(
        {{3, rc::gen::just<LONG>(0)}, {1, rc::gen::inRange<LONG>(1, 33)}});
    return p;
  });
}

bool AnyHeld(const spec::State& s) {
  for (const spec::SampleState& x : s.samples) {
    if (x.refs > 0) return true;
  }
  return false;
}

rc::Gen<int32_t> GenHeldSample(const spec::State& s) {
  std::vector<int32_t> held;
  for (size_t i = 0; i < s.samples.size(); ++i) {
    if (s.samples[i].refs > 0) held.push_back(static_cast<int32_t>(i));
  }
  return rc::gen::elementOf(held);
}

bool Waiting(const spec::State& s, uint8_t thread) {
  for (uint8_t t : s.waiters) {
    if (t == thread) return true;
  }
  return false;
}

rc::Gen<Op> GenGetBuffer(const spec::State& s) {
  return rc::gen::exec([s] {
    Op op;
    op.kind = OpKind::kGetBuffer;
    // Ignored flag bits (ALLOC.GETBUFFER.FLAGS) and times, now and then.
    if (*rc::gen::inRange(0, 4) == 0) {
      op.flags = *rc::gen::element<DWORD>(AM_GBF_PREVFRAMESKIPPED, AM_GBF_NOTASYNCPOINT,
                                          AM_GBF_NODDSURFACELOCK, 0x80000000u);
    }
    op.times = *rc::gen::inRange(0, 4) == 0;
    op.null_ptr1 = *rc::gen::inRange(0, 20) == 0;
    bool wont_block_caller = s.state != spec::AllocState::kCommitted || !s.free_list.empty();
    int mode = *rc::gen::inRange(0, 3);
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
        op.thread = *rc::gen::elementOf(idle);
      }
    }
    return op;
  });
}

rc::Gen<Op> GenReaction() {
  return rc::gen::exec([] {
    Op op;
    op.kind = OpKind::kSetReaction;
    op.callback = *rc::gen::inRange<int8_t>(0, spec::kNumCallbacks);
    op.reaction = *rc::gen::element(spec::Reaction::kNone, spec::Reaction::kGetFreeCount,
                                    spec::Reaction::kGetBufferNoWait,
                                    spec::Reaction::kSetNotifyNull, spec::Reaction::kSetNotifyOther,
                                    spec::Reaction::kSetNotifySelf, spec::Reaction::kReleaseSample,
                                    spec::Reaction::kCommit, spec::Reaction::kDecommit);
    if (op.reaction == spec::Reaction::kSetNotifyOther) {
      op.arg = *rc::gen::inRange(0, spec::kNumCallbacks);
    } else if (op.reaction == spec::Reaction::kReleaseSample) {
      op.arg = *rc::gen::inRange(0, 4);
    }
    op.persistent = *rc::gen::inRange(0, 4) == 0;
    return op;
  });
}

spec::Iid GenIid() {
  return *rc::gen::element(spec::Iid::kIUnknown, spec::Iid::kIMemAllocator,
                           spec::Iid::kIMemAllocatorCallbackTemp,
                           spec::Iid::kIMemAllocatorNotifyCallbackTemp, spec::Iid::kIMediaSample,
                           spec::Iid::kIMediaSample2, spec::Iid::kIClassFactory,
                           spec::Iid::kIMemInputPin, spec::Iid::kOther);
}

int64_t GenTime() {
  return *rc::gen::weightedOneOf<int64_t>(
      {{4, rc::gen::inRange<int64_t>(-5, 1000)},
       {1, rc::gen::element<int64_t>(INT64_MIN, INT64_MAX, int64_t{1} << 32,
                                     (int64_t{1} << 31) + 7)}});
}

// IMediaSample2::SetProperties payload: usually a plausible image, with one
// field made hostile now and then (SAMPLE2.SETPROPS.*).
void FillSetProperties2(const spec::State& s, const spec::SampleState& x, Op& op) {
  op.cb = *rc::gen::weightedOneOf<DWORD>(
      {{3, rc::gen::just(kSample2Size)},
       {2, rc::gen::element<DWORD>(0, 4, 8, 12, 16, 24, 32, 36, 48, 56, 64)},
       {1, rc::gen::element<DWORD>(kSample2Size + 1, 1000)}});
  spec::Sample2Image& im = op.image;
  im.cbData = *rc::gen::weightedOneOf<DWORD>(
      {{4, rc::gen::just(kSample2Size)}, {1, rc::gen::element<DWORD>(0, 16, 1000)}});
  im.dwTypeSpecificFlags = *rc::gen::element<DWORD>(0, 0, 1, 0xFFFFFFFFu);
  im.dwSampleFlags = *rc::gen::weightedOneOf<DWORD>(
      {{4, rc::gen::inRange<DWORD>(0, 0x200)},
       {1, rc::gen::element<DWORD>(0x20, 0x200, 0x400, 0xFFFFFFFFu)}});
  im.lActual = *rc::gen::weightedOneOf<LONG>(
      {{3, rc::gen::inRange<LONG>(0, s.props.cbBuffer + 1)},
       {1, rc::gen::element<LONG>(-1, s.props.cbBuffer + 1, INT_MAX)}});
  im.tStart = GenTime();
  im.tStop = GenTime();
  im.dwStreamId = *rc::gen::element<DWORD>(0, 0, 1, 7);
  im.media_type = *rc::gen::inRange<int8_t>(-1, spec::kNumMediaTypes);
  im.pbBuffer =
      *rc::gen::element(spec::BufferPtr::kOwn, spec::BufferPtr::kNull, spec::BufferPtr::kOther);
  im.cbBuffer =
      *rc::gen::element<LONG>(0, s.props.cbBuffer, s.props.cbBuffer, s.props.cbBuffer + 1, -1);
  op.null_ptr1 = *rc::gen::inRange(0, 25) == 0;
  op.oom = *rc::gen::inRange(0, 20) == 0;
  (void)x;
}

rc::Gen<Op> GenSampleOp(const spec::State& s) {
  return rc::gen::exec([s] {
    Op op;
    op.sample = *GenHeldSample(s);
    const spec::SampleState& x = s.samples[static_cast<size_t>(op.sample)];
    op.kind = *rc::gen::weightedElement<OpKind>({
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
    bool rare_null = *rc::gen::inRange(0, 15) == 0;
    switch (op.kind) {
      case OpKind::kSampleQueryInterface:
        op.iid = GenIid();
        op.null_ptr1 = rare_null;
        break;
      case OpKind::kGetPointer:
        op.null_ptr1 = rare_null;
        break;
      case OpKind::kGetTime:
      case OpKind::kGetMediaTime:
        op.null_ptr1 = rare_null;
        op.null_ptr2 = *rc::gen::inRange(0, 15) == 0;
        break;
      case OpKind::kSetTime:
      case OpKind::kSetMediaTime:
        op.null_ptr1 = *rc::gen::inRange(0, 5) == 0;
        op.null_ptr2 = *rc::gen::inRange(0, 4) == 0;
        if (!op.null_ptr1) op.t0 = GenTime();
        if (!op.null_ptr2) op.t1 = GenTime();
        break;
      case OpKind::kSetSyncPoint:
      case OpKind::kSetPreroll:
      case OpKind::kSetDiscontinuity:
        op.value = *rc::gen::element<int32_t>(0, 1, 1, -1, 42);
        break;
      case OpKind::kSetActualDataLength:
        op.value = *rc::gen::weightedOneOf<int32_t>(
            {{4, rc::gen::inRange<int32_t>(0, s.props.cbBuffer + 1)},
             {1, rc::gen::element<int32_t>(-1, s.props.cbBuffer + 1, INT_MAX, INT_MIN)}});
        break;
      case OpKind::kGetMediaType:
        op.null_ptr1 = rare_null;
        op.oom = *rc::gen::inRange(0, 10) == 0;
        break;
      case OpKind::kSetMediaType:
        op.value = *rc::gen::inRange<int32_t>(-1, spec::kNumMediaTypes);
        op.oom = op.value >= 0 && *rc::gen::inRange(0, 10) == 0;
        break;
      case OpKind::kGetProperties2:
        op.cb = *rc::gen::element<DWORD>(0, 4, 12, 16, 36, 48, kSample2Size, kSample2Size,
                                         kSample2Size + 8);
        op.null_ptr1 = rare_null;
        break;
      case OpKind::kSetProperties2:
        FillSetProperties2(s, x, op);
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
  });
}

rc::Gen<Op> GenReleaseBuffer(const spec::State& s) {
  return rc::gen::exec([s] {
    Op op;
    op.kind = OpKind::kReleaseBuffer;
    int pick = *rc::gen::inRange(0, 4);
    if (pick == 0) {
      op.buffer_arg = spec::BufferArg::kNull;
    } else if (pick == 1) {
      op.buffer_arg = spec::BufferArg::kForeign;
    } else if (!s.samples.empty()) {
      // Held or free: both are misuse (ALLOC.RELEASEBUFFER.MISUSE).
      op.sample = *rc::gen::inRange<int32_t>(0, static_cast<int32_t>(s.samples.size()));
    } else {
      op.buffer_arg = spec::BufferArg::kNull;
    }
    return op;
  });
}

rc::Gen<Op> GenAllocatorCom(const spec::State& s) {
  return rc::gen::exec([s] {
    Op op;
    int pick = *rc::gen::inRange(0, 10);
    if (pick < 3) {
      op.kind = OpKind::kAddRef;
    } else if (pick < 5) {
      // Releasing the client's last reference ends the allocator's client
      // life (LIFE.SELFREF keeps it alive while committed): keep it rare.
      op.kind = OpKind::kRelease;
      if (s.client_refs == 1 && *rc::gen::inRange(0, 6) != 0) op.kind = OpKind::kAddRef;
    } else {
      op.kind = OpKind::kQueryInterface;
      op.iid = GenIid();
      op.null_ptr1 = *rc::gen::inRange(0, 15) == 0;
    }
    return op;
  });
}

// The callbacks' lifetime (COM.CALLBACK.CLIENT, LIFE.CYCLE): the client lets
// go of a callback, mostly the installed one (then the allocator holds the
// last reference and its Release destroys it); a live callback takes a
// reference on the allocator (the documented cycle) or gives one back.
rc::Gen<Op> GenCallbackLifetime(const spec::State& s) {
  return rc::gen::exec([s] {
    std::vector<int8_t> held, alive, holding;
    for (int8_t c = 0; c < spec::kNumCallbacks; ++c) {
      const spec::CallbackState& cb = s.callbacks[c];
      if (cb.client_held) held.push_back(c);
      if (!cb.Dead()) alive.push_back(c);
      if (cb.alloc_refs > 0) holding.push_back(c);
    }
    int pick = *rc::gen::inRange(0, 6);
    if (pick >= 4 && !holding.empty()) {
      return spec::MakeCallbackOp(OpKind::kCallbackReleaseAllocator, *rc::gen::elementOf(holding));
    }
    if (pick == 3 && !alive.empty()) {
      return spec::MakeCallbackOp(OpKind::kCallbackHoldAllocator, *rc::gen::elementOf(alive));
    }
    int8_t target = held.empty() ? 0 : *rc::gen::elementOf(held);
    if (s.callback >= 0 && s.callbacks[s.callback].client_held && pick < 2) target = s.callback;
    return spec::MakeCallbackOp(OpKind::kCallbackRelease, target);
  });
}

rc::Gen<Op> GenFactory(const spec::State& s) {
  return rc::gen::exec([s] {
    Op op;
    op.kind = *rc::gen::element(OpKind::kDllGetClassObject, OpKind::kCreateInstance,
                                OpKind::kLockServer, OpKind::kDllCanUnloadNow);
    if (op.kind == OpKind::kDllGetClassObject) {
      op.clsid = *rc::gen::element(spec::Clsid::kMemoryAllocator, spec::Clsid::kOther);
      op.iid = *rc::gen::element(spec::Iid::kIClassFactory, spec::Iid::kIUnknown,
                                 spec::Iid::kIMemAllocator, spec::Iid::kIMemAllocatorCallbackTemp,
                                 spec::Iid::kOther);
      op.null_ptr1 = *rc::gen::inRange(0, 10) == 0;
    } else if (op.kind == OpKind::kCreateInstance) {
      op.iid = GenIid();
      op.outer = *rc::gen::inRange(0, 5) == 0;
      op.null_ptr1 = *rc::gen::inRange(0, 10) == 0;
    } else if (op.kind == OpKind::kLockServer) {
      // With locks held, mostly an unlock; with none, mostly a lock, and now
      // and then an unlock with none held (strict: ignored; portable: not
      // checked, InDomain drops it). Locks left held are undone by the
      // driver's Teardown, so DllCanUnloadNow stays judged by the model.
      op.value = s.server_locks > 0 ? *rc::gen::element(0, 0, 1) : *rc::gen::element(1, 1, 1, 0);
    }
    return op;
  });
}

}  // namespace

rc::Gen<ALLOCATOR_PROPERTIES> GenAllocatorProperties() {
  return rc::gen::weightedOneOf<ALLOCATOR_PROPERTIES>(
      {{6, GenValidProperties()}, {1, rc::gen::elementOf(HostileProperties())}});
}

rc::Gen<Op> GenOp(const spec::State& s) {
  bool alive = !s.destroyed && s.client_refs > 0;
  bool held = AnyHeld(s);
  bool decommitted = s.state == spec::AllocState::kDecommitted;
  auto weight = [](bool on, size_t w) { return on ? w : size_t{0}; };

  auto set_properties = rc::gen::exec([] {
    Op op = spec::MakeSetProperties(0, 0, 0, 0);
    op.props = *GenAllocatorProperties();
    op.null_ptr1 = *rc::gen::inRange(0, 25) == 0;
    op.null_ptr2 = *rc::gen::inRange(0, 25) == 0;
    return op;
  });
  auto simple = [](OpKind kind, bool null_sometimes, bool oom_sometimes) {
    return rc::gen::exec([=] {
      Op op = spec::MakeSimple(kind);
      if (null_sometimes) op.null_ptr1 = *rc::gen::inRange(0, 15) == 0;
      if (oom_sometimes) op.oom = *rc::gen::inRange(0, 12) == 0;
      return op;
    });
  };
  auto release_sample =
      rc::gen::exec([s] { return spec::MakeSampleOp(OpKind::kSampleRelease, *GenHeldSample(s)); });
  // A callback the client let go of may be passed only while installed
  // (COM.CALLBACK.CLIENT): then SetNotify(same) with the allocator's last
  // reference (ALLOC.SETNOTIFY.SAME).
  auto set_notify = rc::gen::exec([s] {
    std::vector<int8_t> usable{-1};
    for (int8_t c = 0; c < spec::kNumCallbacks; ++c) {
      if (s.callbacks[c].client_held || s.callback == c) usable.push_back(c);
    }
    return spec::MakeSetNotify(*rc::gen::elementOf(usable));
  });
  bool callbacks_live = false;
  for (const spec::CallbackState& cb : s.callbacks) callbacks_live |= !cb.Dead();

  // Sample ops stay possible after the client released the allocator (its
  // samples keep it alive: LIFE.SAMPLEALIVE); allocator ops do not.
  return rc::gen::weightedOneOf<Op>({
      {weight(alive, decommitted ? 6 : 1), set_properties},
      {weight(alive, 1), simple(OpKind::kGetProperties, true, false)},
      {weight(alive, decommitted ? 6 : 2), simple(OpKind::kCommit, false, true)},
      {weight(alive, 2), simple(OpKind::kDecommit, false, false)},
      {weight(alive, 8), GenGetBuffer(s)},
      {weight(held, 10), release_sample},
      {weight(held, 12), GenSampleOp(s)},
      {weight(alive, 1), GenReleaseBuffer(s)},
      {weight(alive, 3), set_notify},
      {weight(alive, 2), simple(OpKind::kGetFreeCount, true, false)},
      {weight(alive, 2), GenReaction()},
      {weight(alive, 2), GenAllocatorCom(s)},
      {weight(callbacks_live, 1), GenCallbackLifetime(s)},
      {1, GenFactory(s)},
  });
}

}  // namespace dsalloc::props
