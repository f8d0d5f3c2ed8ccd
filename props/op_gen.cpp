// props/op_gen.cpp: model-guided generators (op_gen.h), written against
// Choices (choices.h); the rc::Gen adapters are in rapidcheck_choices.cpp.
// One draw per statement: the order of draws is part of a seed's meaning.

#include "op_gen.h"

#include <climits>
#include <cstddef>
#include <vector>

namespace dsalloc::props {
namespace {

namespace call = spec::call;
using spec::Op;

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
  call::GetBuffer get;
  uint8_t thread = 0;
  // Ignored flag bits (ALLOC.GETBUFFER.FLAGS) and times, now and then.
  if (c.OneIn(4)) {
    get.dwFlags = c.Element<DWORD>(
        {AM_GBF_PREVFRAMESKIPPED, AM_GBF_NOTASYNCPOINT, AM_GBF_NODDSURFACELOCK, 0x80000000u});
  }
  get.times = c.OneIn(4);
  get.null_ppBuffer = c.OneIn(20);
  bool wont_block_caller = s.state != spec::AllocState::kCommitted || !s.free_list.empty();
  int mode = c.InRange(0, 2);
  if (mode == 0 || (mode == 1 && !wont_block_caller)) {
    get.dwFlags |= AM_GBF_NOWAIT;
  } else if (mode == 2) {
    // A blocking call on a client thread that is free to block
    // (ALLOC.GETBUFFER.WAIT); the driver runs it on a worker.
    std::vector<uint8_t> idle;
    for (uint8_t t = 1; t <= 3; ++t) {
      if (!Waiting(s, t)) idle.push_back(t);
    }
    if (idle.empty()) {
      get.dwFlags |= AM_GBF_NOWAIT;
    } else {
      thread = c.ElementOf(idle);
    }
  }
  return spec::MakeOp(get, thread);
}

Op DrawReaction(Choices& c, const spec::State&) {
  call::SetReaction r;
  r.callback = c.InRange<int8_t>(0, spec::kNumCallbacks - 1);
  r.reaction = c.Element<spec::Reaction>(
      {spec::Reaction::kNone, spec::Reaction::kGetFreeCount, spec::Reaction::kGetBufferNoWait,
       spec::Reaction::kSetNotifyNull, spec::Reaction::kSetNotifyOther,
       spec::Reaction::kSetNotifySelf, spec::Reaction::kReleaseSample, spec::Reaction::kCommit,
       spec::Reaction::kDecommit});
  if (r.reaction == spec::Reaction::kSetNotifyOther) {
    r.arg = c.InRange(0, spec::kNumCallbacks - 1);
  } else if (r.reaction == spec::Reaction::kReleaseSample) {
    r.arg = c.InRange(0, 3);
  }
  r.persistent = c.OneIn(4);
  return spec::MakeOp(r);
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

// --- the methods of a held sample (DrawSampleOp) ----------------------------
// Each draws the arguments of one call on `sample`; `rare_null` is the
// NULL out-pointer DrawSampleOp drew for whichever call takes one.
using SampleDraw = Op (*)(Choices& c, const spec::State& s, int32_t sample, bool rare_null);

// A call whose only argument is its sample.
template <typename C>
Op DrawPlain(Choices&, const spec::State&, int32_t sample, bool) {
  return spec::MakeOp(C{sample});
}

Op DrawSampleQueryInterface(Choices& c, const spec::State&, int32_t sample, bool rare_null) {
  call::SampleQueryInterface qi{sample};
  qi.riid = DrawIid(c);
  qi.null_ppv = rare_null;
  return spec::MakeOp(qi);
}

Op DrawGetPointer(Choices&, const spec::State&, int32_t sample, bool rare_null) {
  return spec::MakeOp(call::GetPointer{sample, rare_null});
}

// GetTime, GetMediaTime: either out-pointer may be NULL.
template <typename C>
Op DrawGetTimes(Choices& c, const spec::State&, int32_t sample, bool rare_null) {
  C get{sample};
  get.null_pTimeStart = rare_null;
  get.null_pTimeEnd = c.OneIn(15);
  return spec::MakeOp(get);
}

// SetTime, SetMediaTime: NULL start or end now and then, times near zero or
// at the edges of 64 bits.
template <typename C>
Op DrawSetTimes(Choices& c, const spec::State&, int32_t sample, bool) {
  C set{sample};
  set.null_pTimeStart = c.OneIn(5);
  set.null_pTimeEnd = c.OneIn(4);
  if (!set.null_pTimeStart) set.tStart = DrawTime(c);
  if (!set.null_pTimeEnd) set.tEnd = DrawTime(c);
  return spec::MakeOp(set);
}

// SetSyncPoint, SetPreroll, SetDiscontinuity: a BOOL, any value.
template <typename C, int32_t C::*kFlag>
Op DrawSetFlag(Choices& c, const spec::State&, int32_t sample, bool) {
  C set{sample};
  set.*kFlag = c.Element<int32_t>({0, 1, 1, -1, 42});
  return spec::MakeOp(set);
}

Op DrawSetActualDataLength(Choices& c, const spec::State& s, int32_t sample, bool) {
  call::SetActualDataLength set{sample};
  set.lLen = c.Pick({4, 1}) == 0 ? c.InRange<int32_t>(0, s.props.cbBuffer)
                                 : c.Element<int32_t>({-1, s.props.cbBuffer + 1, INT_MAX, INT_MIN});
  return spec::MakeOp(set);
}

Op DrawGetMediaType(Choices& c, const spec::State&, int32_t sample, bool rare_null) {
  call::GetMediaType get{sample, rare_null};
  const bool oom = c.OneIn(10);
  return spec::MakeOp(get, 0, oom);
}

Op DrawSetMediaType(Choices& c, const spec::State&, int32_t sample, bool) {
  call::SetMediaType set{sample};
  set.media_type = c.InRange<int32_t>(-1, spec::kNumMediaTypes - 1);
  const bool oom = set.media_type >= 0 && c.OneIn(10);
  return spec::MakeOp(set, 0, oom);
}

Op DrawGetProperties2(Choices& c, const spec::State&, int32_t sample, bool rare_null) {
  call::GetProperties2 get{sample};
  get.cbProperties =
      c.Element<DWORD>({0, 4, 12, 16, 36, 48, kSample2Size, kSample2Size, kSample2Size + 8});
  get.null_pbProperties = rare_null;
  return spec::MakeOp(get);
}

// IMediaSample2::SetProperties payload: usually a plausible image, with one
// field made hostile now and then (SAMPLE2.SETPROPS.*).
Op DrawSetProperties2(Choices& c, const spec::State& s, int32_t sample, bool) {
  call::SetProperties2 set;
  set.sample = sample;
  switch (c.Pick({3, 2, 1})) {
    case 0:
      set.cbProperties = kSample2Size;
      break;
    case 1:
      set.cbProperties = c.Element<DWORD>({0, 4, 8, 12, 16, 24, 32, 36, 48, 56, 64});
      break;
    default:
      set.cbProperties = c.Element<DWORD>({kSample2Size + 1, 1000});
      break;
  }
  spec::Sample2Image& im = set.image;
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
  set.null_pbProperties = c.OneIn(25);
  const bool oom = c.OneIn(20);
  return spec::MakeOp(set, 0, oom);
}

// A method of a held sample other than Release (DrawReleaseSample): the
// sample, then the method, then a NULL out-pointer for those that take one.
Op DrawSampleOp(Choices& c, const spec::State& s) {
  const int32_t sample = DrawHeldSample(c, s);
  const SampleDraw draw = c.WeightedElement<SampleDraw>({
      {2, DrawPlain<call::SampleAddRef>},
      {1, DrawSampleQueryInterface},
      {2, DrawGetPointer},
      {1, DrawPlain<call::GetSize>},
      {2, DrawGetTimes<call::GetTime>},
      {3, DrawSetTimes<call::SetTime>},
      {1, DrawPlain<call::IsSyncPoint>},
      {1, DrawSetFlag<call::SetSyncPoint, &call::SetSyncPoint::bIsSyncPoint>},
      {1, DrawPlain<call::IsPreroll>},
      {1, DrawSetFlag<call::SetPreroll, &call::SetPreroll::bIsPreroll>},
      {1, DrawPlain<call::IsDiscontinuity>},
      {1, DrawSetFlag<call::SetDiscontinuity, &call::SetDiscontinuity::bDiscontinuity>},
      {1, DrawPlain<call::GetActualDataLength>},
      {2, DrawSetActualDataLength},
      {2, DrawGetMediaType},
      {3, DrawSetMediaType},
      {2, DrawGetTimes<call::GetMediaTime>},
      {2, DrawSetTimes<call::SetMediaTime>},
      {2, DrawGetProperties2},
      {3, DrawSetProperties2},
  });
  const bool rare_null = c.OneIn(15);
  return draw(c, s, sample, rare_null);
}

Op DrawReleaseBuffer(Choices& c, const spec::State& s) {
  call::ReleaseBuffer release;
  int pick = c.InRange(0, 3);
  if (pick == 0) {
    release.pBuffer = spec::BufferArg::kNull;
  } else if (pick == 1) {
    release.pBuffer = spec::BufferArg::kForeign;
  } else if (!s.samples.empty()) {
    // Held or free: both are misuse (ALLOC.RELEASEBUFFER.MISUSE).
    release.sample = c.InRange<int32_t>(0, static_cast<int32_t>(s.samples.size()) - 1);
  } else {
    release.pBuffer = spec::BufferArg::kNull;
  }
  return spec::MakeOp(release);
}

Op DrawAllocatorCom(Choices& c, const spec::State& s) {
  int pick = c.InRange(0, 9);
  if (pick < 3) return spec::MakeOp(call::AddRef{});
  if (pick < 5) {
    // Releasing the client's last reference ends the allocator's client
    // life (LIFE.SELFREF keeps it alive while committed): keep it rare.
    if (s.client_refs == 1 && !c.OneIn(6)) return spec::MakeOp(call::AddRef{});
    return spec::MakeOp(call::Release{});
  }
  call::QueryInterface qi;
  qi.riid = DrawIid(c);
  qi.null_ppv = c.OneIn(15);
  return spec::MakeOp(qi);
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
  // Even odds at every size: a sized draw (InRange) at the kit's size 50
  // never reached 4 or 5, so the kit's sequential phase never drew
  // ReleaseAllocator (GenOp.DrawsEveryCall).
  const int pick = static_cast<int>(c.Index(6));
  if (pick >= 4 && !holding.empty()) {
    return spec::MakeOp(call::CallbackReleaseAllocator{c.ElementOf(holding)});
  }
  if (pick == 3 && !alive.empty()) {
    return spec::MakeOp(call::CallbackHoldAllocator{c.ElementOf(alive)});
  }
  int8_t target = held.empty() ? int8_t{0} : c.ElementOf(held);
  if (s.callback >= 0 && s.callbacks[s.callback].client_held && pick < 2) target = s.callback;
  return spec::MakeOp(call::CallbackRelease{target});
}

// --- the in-process server (DrawFactory) ------------------------------------

Op DrawDllGetClassObject(Choices& c, const spec::State&) {
  call::DllGetClassObject get;
  get.rclsid = c.Element<spec::Clsid>({spec::Clsid::kMemoryAllocator, spec::Clsid::kOther});
  get.riid = c.Element<spec::Iid>({spec::Iid::kIClassFactory, spec::Iid::kIUnknown,
                                   spec::Iid::kIMemAllocator, spec::Iid::kIMemAllocatorCallbackTemp,
                                   spec::Iid::kOther});
  get.null_ppv = c.OneIn(10);
  return spec::MakeOp(get);
}

Op DrawCreateInstance(Choices& c, const spec::State&) {
  call::CreateInstance create;
  create.riid = DrawIid(c);
  create.outer = c.OneIn(5);
  create.null_ppv = c.OneIn(10);
  return spec::MakeOp(create);
}

// With locks held, mostly an unlock; with none, mostly a lock, and now and
// then an unlock with none held (strict: ignored; portable: not checked,
// InDomain drops it). Locks left held are undone by the driver's Teardown,
// so DllCanUnloadNow stays judged by the model.
Op DrawLockServer(Choices& c, const spec::State& s) {
  return spec::MakeOp(
      call::LockServer{s.server_locks > 0 ? c.Element({0, 0, 1}) : c.Element({1, 1, 1, 0})});
}

Op DrawFactory(Choices& c, const spec::State& s) {
  using Draw = Op (*)(Choices&, const spec::State&);
  const Draw draw = c.Element<Draw>(
      {DrawDllGetClassObject, DrawCreateInstance, DrawLockServer,
       [](Choices&, const spec::State&) { return spec::MakeOp(call::DllCanUnloadNow{}); }});
  return draw(c, s);
}

Op DrawSetPropertiesOp(Choices& c, const spec::State&) {
  const ALLOCATOR_PROPERTIES p = DrawAllocatorProperties(c);
  call::SetProperties set{p.cBuffers, p.cbBuffer, p.cbAlign, p.cbPrefix};
  set.null_pRequest = c.OneIn(25);
  set.null_pActual = c.OneIn(25);
  return spec::MakeOp(set);
}

Op DrawReleaseSample(Choices& c, const spec::State& s) {
  return spec::MakeOp(call::SampleRelease{DrawHeldSample(c, s)});
}

// A callback the client let go of may be passed only while installed
// (COM.CALLBACK.CLIENT): then SetNotify(same) with the allocator's last
// reference (ALLOC.SETNOTIFY.SAME).
Op DrawSetNotify(Choices& c, const spec::State& s) {
  std::vector<int8_t> usable{-1};
  for (int8_t cb = 0; cb < spec::kNumCallbacks; ++cb) {
    if (s.callbacks[cb].client_held || s.callback == cb) usable.push_back(cb);
  }
  return spec::MakeOp(call::SetNotify{c.ElementOf(usable)});
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
         return spec::MakeOp(call::GetProperties{c.OneIn(15)});
       }},
      {weight(alive, decommitted ? 6 : 2),
       [](Choices& c, const spec::State&) {
         const bool oom = c.OneIn(12);
         return spec::MakeOp(call::Commit{}, 0, oom);
       }},
      {weight(alive, 2),
       [](Choices&, const spec::State&) { return spec::MakeOp(call::Decommit{}); }},
      {weight(alive, 8), DrawGetBuffer},
      {weight(held, 10), DrawReleaseSample},
      {weight(held, 12), DrawSampleOp},
      {weight(alive, 1), DrawReleaseBuffer},
      {weight(alive, 3), DrawSetNotify},
      {weight(alive, 2),
       [](Choices& c, const spec::State&) {
         return spec::MakeOp(call::GetFreeCount{c.OneIn(15)});
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
