// spec/model/step_sample2.cpp: the model's IMediaSample2 calls
// (step_engine.h): the AM_SAMPLE2_PROPERTIES image a sample gives and takes.

#include <algorithm>
#include <cstddef>

#include "spec/model/step_engine.h"

namespace dsalloc::spec::step_internal {
namespace {

constexpr DWORD kSample2Size = sizeof(AM_SAMPLE2_PROPERTIES);

// Byte offset just past each AM_SAMPLE2_PROPERTIES field (SEMANTICS 1.4).
constexpr DWORD kEndTypeFlags = offsetof(AM_SAMPLE2_PROPERTIES, dwSampleFlags);
constexpr DWORD kEndFlags = offsetof(AM_SAMPLE2_PROPERTIES, lActual);
constexpr DWORD kEndActual = offsetof(AM_SAMPLE2_PROPERTIES, tStart);
constexpr DWORD kEndStart = offsetof(AM_SAMPLE2_PROPERTIES, tStop);
constexpr DWORD kEndStop = offsetof(AM_SAMPLE2_PROPERTIES, dwStreamId);
constexpr DWORD kEndStream = offsetof(AM_SAMPLE2_PROPERTIES, dwStreamId) + sizeof(DWORD);
constexpr DWORD kEndMediaType = offsetof(AM_SAMPLE2_PROPERTIES, pMediaType) + sizeof(void*);
constexpr DWORD kEndBuffer = offsetof(AM_SAMPLE2_PROPERTIES, pbBuffer) + sizeof(void*);
constexpr DWORD kEndSize = offsetof(AM_SAMPLE2_PROPERTIES, cbBuffer) + sizeof(LONG);

}  // namespace

template <>
bool Engine::Apply(const call::GetProperties2& c, SampleState& x) {
  if (c.cbProperties == 0) return Succeed("SAMPLE2.GETPROPS.ZERO");
  if (c.null_pbProperties) {
    if (portable_) return false;
    return Fail(E_POINTER, "SAMPLE2.GETPROPS.NULL");
  }
  // SAMPLE2.GETPROPS.IMAGE
  DWORD bytes = std::min(c.cbProperties, kSample2Size);
  Sample2Image& im = o_.sample2;
  im.cbData = bytes;
  if (portable_ && bytes != kSample2Size && ch_.Pick(2) == 1) {
    im.cbData = kSample2Size;  // Wine: always sizeof
  }
  im.dwTypeSpecificFlags = x.type_flags;
  im.dwSampleFlags = x.flags;
  im.lActual = x.actual;
  im.tStart = x.t_start;
  im.tStop = x.t_stop;
  im.dwStreamId = x.stream_id;
  im.media_type = x.media_type;
  im.pbBuffer = BufferPtr::kOwn;
  im.cbBuffer = s_.props.cbBuffer;
  o_.bytes = bytes;
  o_.written |= kOutSample2;
  return Succeed("SAMPLE2.GETPROPS.IMAGE");
}

template <>
bool Engine::Apply(const call::SetProperties2& c, SampleState& x) {
  if (c.cbProperties < sizeof(DWORD)) return Succeed("SAMPLE2.SETPROPS.SHORT");
  if (c.null_pbProperties) {
    if (portable_) return false;
    return Fail(E_POINTER, "SAMPLE2.SETPROPS.NULL");
  }
  const Sample2Image& im = c.image;
  // Portable: Wine copies the raw bytes without any check; only full-size,
  // valid calls that set no media type have a common meaning (the checks
  // below take the invalid ones out of the domain).
  if (portable_ &&
      (c.cbProperties < kSample2Size || im.cbData != kSample2Size || im.media_type != -1 ||
       x.media_type != -1 || (im.dwSampleFlags & AM_SAMPLE_TYPECHANGED) || oom_)) {
    return false;
  }
  if (im.cbData > kSample2Size) return Fail(E_INVALIDARG, "SAMPLE2.SETPROPS.CBDATA");
  DWORD eff = std::min(c.cbProperties, im.cbData);
  auto has = [eff](DWORD end) { return end <= eff; };
  std::string_view rule;
  HRESULT hr = S_OK;
  if (has(kEndFlags)) {
    // SAMPLE2.SETPROPS.FLAGS
    if ((im.dwSampleFlags & ~DWORD{0x1FF}) || (im.dwSampleFlags & 0x20)) {
      hr = E_INVALIDARG;
      rule = "SAMPLE2.SETPROPS.FLAGS";
    } else if ((im.dwSampleFlags & AM_SAMPLE_TIMEVALID) && !(x.flags & AM_SAMPLE_TIMEVALID) &&
               !has(kEndStop)) {
      hr = E_INVALIDARG;  // SAMPLE2.SETPROPS.TIMEVALID (tStop, not tStart)
      rule = "SAMPLE2.SETPROPS.TIMEVALID";
    }
  }
  if (SUCCEEDED(hr) && has(kEndBuffer) && im.pbBuffer == BufferPtr::kOther) {
    hr = E_INVALIDARG;
    rule = "SAMPLE2.SETPROPS.BUFFER";
  }
  if (SUCCEEDED(hr) && has(kEndSize) && im.cbBuffer != 0 && im.cbBuffer != s_.props.cbBuffer) {
    hr = E_INVALIDARG;
    rule = "SAMPLE2.SETPROPS.SIZE";
  }
  if (SUCCEEDED(hr) && has(kEndSize) && has(kEndActual) && im.cbBuffer < im.lActual) {
    hr = E_INVALIDARG;  // SAMPLE2.SETPROPS.ACTUAL: passed cbBuffer < lActual
    rule = "SAMPLE2.SETPROPS.ACTUAL";
  }
  bool set_type =
      has(kEndMediaType) && has(kEndFlags) && (im.dwSampleFlags & AM_SAMPLE_TYPECHANGED);
  if (SUCCEEDED(hr) && set_type) {
    if (im.media_type < 0) {
      hr = E_POINTER;
      rule = "SAMPLE2.SETPROPS.TYPE";
    } else if (oom_) {
      hr = E_OUTOFMEMORY;
      rule = "SAMPLE2.SETPROPS.TYPE";
    }
  }
  if (FAILED(hr)) {
    // Portable: Wine validates nothing (SAMPLE2.SETPROPS.FLAGS, .BUFFER,
    // .SIZE, .ACTUAL: not checked), so only calls that pass every check
    // are in the domain.
    if (portable_) return false;
    return Fail(hr, rule);  // GEN.ATOMIC: checks before changes
  }
  // SAMPLE2.SETPROPS.ASSIGN
  if (has(kEndStream)) x.stream_id = im.dwStreamId;
  if (has(kEndFlags)) {
    x.flags = im.dwSampleFlags;
    x.type_flags = im.dwTypeSpecificFlags;
  } else if (has(kEndTypeFlags)) {
    x.type_flags = im.dwTypeSpecificFlags;
  }
  if (has(kEndActual)) x.actual = im.lActual;
  if (has(kEndStop)) x.t_stop = im.tStop;
  if (has(kEndStart)) x.t_start = im.tStart;
  if (set_type) x.media_type = im.media_type;
  // SAMPLE2.SETPROPS.TYPEFIX: TYPECHANGED iff a type is stored.
  if (x.media_type >= 0) {
    x.flags |= AM_SAMPLE_TYPECHANGED;
  } else {
    x.flags &= ~static_cast<DWORD>(AM_SAMPLE_TYPECHANGED);
  }
  return Succeed("SAMPLE2.SETPROPS.ASSIGN");
}

// --- dispatch (step_engine.h): after every specialization above ---------------

bool Engine::ApplySample2Call(const Call& call) { return ApplyGroups<OpGroup::kSample2>(call); }

}  // namespace dsalloc::spec::step_internal
