// spec/model/step_sample.cpp: the model's IMediaSample calls, and the
// sample's IUnknown (step_engine.h). Each runs on the sample it names,
// `x`, which a client holds (step_domain.cpp).

#include <climits>

#include "spec/model/step_engine.h"

namespace dsalloc::spec::step_internal {
namespace {

constexpr DWORD kTimeFlags = AM_SAMPLE_TIMEVALID | AM_SAMPLE_STOPVALID;

}  // namespace

// --- IUnknown ----------------------------------------------------------------------

template <>
bool Engine::Apply(const call::SampleAddRef&, SampleState& x) {
  o_.value = ++x.refs;  // COM.SAMPLE.ADDREF
  return Succeed("COM.SAMPLE.ADDREF");
}

template <>
bool Engine::Apply(const call::SampleRelease& c, SampleState& x) {
  o_.value = x.refs - 1;  // COM.SAMPLE.RELEASE
  Rule("COM.SAMPLE.RELEASE");
  SampleRelease(c.sample, 0);
  return true;
}

template <>
bool Engine::Apply(const call::SampleQueryInterface& c, SampleState& x) {
  if (c.null_ppv) {
    if (portable_) return false;
    return Fail(E_POINTER, "COM.SAMPLE.QI.NULL");
  }
  o_.written |= kOutInterface;
  if (c.riid == Iid::kIUnknown || c.riid == Iid::kIMediaSample || c.riid == Iid::kIMediaSample2) {
    ++x.refs;
    return Succeed("COM.SAMPLE.QI");
  }
  return Fail(E_NOINTERFACE, "COM.SAMPLE.QI.MISS");
}

// --- the buffer ----------------------------------------------------------------------

template <>
bool Engine::Apply(const call::GetPointer& c, SampleState&) {
  if (c.null_ppBuffer) {
    if (portable_) return false;
    return Fail(E_POINTER, "SAMPLE.POINTER.NULL");
  }
  o_.written |= kOutPointer;
  o_.sample = s_.Handle(c.sample);
  // ALLOC.SAMPLE.LAYOUT (portable: Wine does not align buffers).
  o_.pointer_align = portable_ ? 1u : static_cast<uint32_t>(s_.props.cbAlign);
  return Succeed("SAMPLE.POINTER");
}

template <>
bool Engine::Apply(const call::GetSize&, SampleState&) {
  o_.value = s_.props.cbBuffer;
  return Succeed("SAMPLE.SIZE");
}

template <>
bool Engine::Apply(const call::GetActualDataLength&, SampleState& x) {
  o_.value = x.actual;
  return Succeed("SAMPLE.LENGTH.GET");
}

template <>
bool Engine::Apply(const call::SetActualDataLength& c, SampleState& x) {
  if (c.lLen < 0 || c.lLen > s_.props.cbBuffer) {
    return Fail(VFW_E_BUFFER_OVERFLOW, "SAMPLE.LENGTH.RANGE");
  }
  x.actual = c.lLen;
  return Succeed("SAMPLE.LENGTH.SET");
}

// --- stream time -------------------------------------------------------------------

template <>
bool Engine::Apply(const call::GetTime& c, SampleState& x) {
  if (c.null_pTimeStart || c.null_pTimeEnd) {
    if (portable_) return false;
    return Fail(E_POINTER, "SAMPLE.GETTIME.NULL");
  }
  bool stop_only = (x.flags & AM_SAMPLE_STOPVALID) && !(x.flags & AM_SAMPLE_TIMEVALID);
  if ((x.flags & AM_SAMPLE_STOPVALID) && !(stop_only && Alt(kTraitStopOnlyTime))) {
    o_.written |= kOutStart | kOutEnd;  // SAMPLE.GETTIME.1
    o_.start = x.t_start;
    o_.end = x.t_stop;
    return Succeed("SAMPLE.GETTIME.1");
  }
  if (x.flags & AM_SAMPLE_TIMEVALID) {
    o_.written |= kOutStart | kOutEnd;  // SAMPLE.GETTIME.2
    o_.start = x.t_start;
    o_.end = static_cast<int64_t>(static_cast<uint64_t>(x.t_start) + 1);
    return Succeed("SAMPLE.GETTIME.2", VFW_S_NO_STOP_TIME);
  }
  return Fail(VFW_E_SAMPLE_TIME_NOT_SET, "SAMPLE.GETTIME.3");
}

template <>
bool Engine::Apply(const call::SetTime& c, SampleState& x) {
  if (c.null_pTimeStart) {
    x.flags &= ~kTimeFlags;  // SAMPLE.SETTIME.1
    return Succeed("SAMPLE.SETTIME.1");
  }
  x.t_start = c.tStart;
  x.flags |= AM_SAMPLE_TIMEVALID;
  if (c.null_pTimeEnd) {
    x.flags &= ~static_cast<DWORD>(AM_SAMPLE_STOPVALID);  // SAMPLE.SETTIME.2
    return Succeed("SAMPLE.SETTIME.2");
  }
  x.t_stop = c.tEnd;
  x.flags |= AM_SAMPLE_STOPVALID;  // SAMPLE.SETTIME.3
  return Succeed("SAMPLE.SETTIME.3");
}

// --- flags ---------------------------------------------------------------------------

bool Engine::FlagQuery(const SampleState& x, DWORD bit) {
  return Succeed("SAMPLE.FLAGS.GET", (x.flags & bit) ? S_OK : S_FALSE);
}

bool Engine::FlagSet(SampleState& x, DWORD bit, int32_t value) {
  if (value != 0) {
    x.flags |= bit;  // SAMPLE.FLAGS.SET
  } else {
    x.flags &= ~bit;
  }
  return Succeed("SAMPLE.FLAGS.SET");
}

template <>
bool Engine::Apply(const call::IsSyncPoint&, SampleState& x) {
  return FlagQuery(x, AM_SAMPLE_SPLICEPOINT);
}

template <>
bool Engine::Apply(const call::IsPreroll&, SampleState& x) {
  return FlagQuery(x, AM_SAMPLE_PREROLL);
}

template <>
bool Engine::Apply(const call::IsDiscontinuity&, SampleState& x) {
  return FlagQuery(x, AM_SAMPLE_DATADISCONTINUITY);
}

template <>
bool Engine::Apply(const call::SetSyncPoint& c, SampleState& x) {
  return FlagSet(x, AM_SAMPLE_SPLICEPOINT, c.bIsSyncPoint);
}

template <>
bool Engine::Apply(const call::SetPreroll& c, SampleState& x) {
  return FlagSet(x, AM_SAMPLE_PREROLL, c.bIsPreroll);
}

template <>
bool Engine::Apply(const call::SetDiscontinuity& c, SampleState& x) {
  return FlagSet(x, AM_SAMPLE_DATADISCONTINUITY, c.bDiscontinuity);
}

// --- media type ----------------------------------------------------------------------

template <>
bool Engine::Apply(const call::GetMediaType& c, SampleState& x) {
  if (c.null_ppMediaType) {
    if (portable_) return false;
    return Fail(E_POINTER, "SAMPLE.GETTYPE.NULL");
  }
  o_.written |= kOutMediaType;
  o_.media_type = -1;
  if (x.media_type < 0) return Succeed("SAMPLE.GETTYPE.NONE", S_FALSE);
  if (oom_) {
    if (portable_) return false;
    return Fail(E_OUTOFMEMORY, "SAMPLE.GETTYPE.OOM");
  }
  o_.media_type = x.media_type;
  return Succeed("SAMPLE.GETTYPE.COPY");
}

template <>
bool Engine::Apply(const call::SetMediaType& c, SampleState& x) {
  if (c.media_type < 0) {
    x.media_type = -1;  // SAMPLE.SETTYPE.NULL
    x.flags &= ~static_cast<DWORD>(AM_SAMPLE_TYPECHANGED);
    return Succeed("SAMPLE.SETTYPE.NULL");
  }
  if (oom_) {
    if (portable_) return false;
    return Fail(E_OUTOFMEMORY, "SAMPLE.SETTYPE.OOM");  // nothing changes
  }
  x.media_type = static_cast<int8_t>(c.media_type);
  x.flags |= AM_SAMPLE_TYPECHANGED;
  return Succeed("SAMPLE.SETTYPE.COPY");
}

// --- media time ----------------------------------------------------------------------

template <>
bool Engine::Apply(const call::GetMediaTime& c, SampleState& x) {
  if (c.null_pTimeStart || c.null_pTimeEnd) {
    if (portable_) return false;
    return Fail(E_POINTER, "SAMPLE.GETMEDIATIME.NULL");
  }
  if (!x.media_time_valid) {
    return Fail(VFW_E_MEDIA_TIME_NOT_SET, "SAMPLE.GETMEDIATIME.2");
  }
  o_.written |= kOutStart | kOutEnd;
  o_.start = x.mt_start;
  o_.end = x.mt_stop;
  uint64_t span = static_cast<uint64_t>(x.mt_stop) - static_cast<uint64_t>(x.mt_start);
  int64_t sspan = static_cast<int64_t>(span);
  if ((sspan > INT32_MAX || sspan < INT32_MIN) && Alt(kTraitMediaTime32)) {
    // Base classes keep the end as a 32-bit offset (SEMANTICS 6.10).
    o_.end = static_cast<int64_t>(static_cast<uint64_t>(x.mt_start) +
                                  static_cast<uint64_t>(static_cast<int64_t>(
                                      static_cast<int32_t>(static_cast<uint32_t>(span)))));
  }
  return Succeed("SAMPLE.GETMEDIATIME.1");
}

template <>
bool Engine::Apply(const call::SetMediaTime& c, SampleState& x) {
  if (c.null_pTimeStart) {
    x.media_time_valid = false;  // SAMPLE.SETMEDIATIME.1
    return Succeed("SAMPLE.SETMEDIATIME.1");
  }
  if (c.null_pTimeEnd) return Fail(E_POINTER, "SAMPLE.SETMEDIATIME.2");
  // SAMPLE.MEDIATIME.INDEPENDENT: media times never touch the stream
  // time fields or flags (and SetTime never touches these).
  x.mt_start = c.tStart;
  x.mt_stop = c.tEnd;
  x.media_time_valid = true;
  return Succeed("SAMPLE.SETMEDIATIME.3");
}

// --- dispatch (step_engine.h): after every specialization above ---------------

bool Engine::ApplySampleCall(const Call& call) { return ApplyGroups<OpGroup::kSample>(call); }

}  // namespace dsalloc::spec::step_internal
