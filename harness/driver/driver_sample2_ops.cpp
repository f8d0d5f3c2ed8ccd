// harness/driver/driver_sample2_ops.cpp: the Run of IMediaSample2's
// GetProperties and SetProperties on a sample the client holds, including
// how much of AM_SAMPLE2_PROPERTIES a GetProperties call wrote, and their
// group entry, ExecuteSample2Call, which looks the sample up (driver_core.h;
// Execute in driver_run.cpp sends them here).

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <variant>
#include <vector>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

namespace {

// The fields of AM_SAMPLE2_PROPERTIES as byte ranges, in order, for
// deciding how much of the structure a GetProperties call wrote.
struct FieldSpan {
  size_t start;
  size_t end;
};
#define DSALLOC_SAMPLE2_FIELD(f)                                              \
  FieldSpan {                                                                 \
    offsetof(AM_SAMPLE2_PROPERTIES, f),                                       \
        offsetof(AM_SAMPLE2_PROPERTIES, f) + sizeof(AM_SAMPLE2_PROPERTIES::f) \
  }
constexpr size_t kSample2Size = sizeof(AM_SAMPLE2_PROPERTIES);
constexpr FieldSpan kSample2Fields[] = {
    DSALLOC_SAMPLE2_FIELD(cbData),        DSALLOC_SAMPLE2_FIELD(dwTypeSpecificFlags),
    DSALLOC_SAMPLE2_FIELD(dwSampleFlags), DSALLOC_SAMPLE2_FIELD(lActual),
    DSALLOC_SAMPLE2_FIELD(tStart),        DSALLOC_SAMPLE2_FIELD(tStop),
    DSALLOC_SAMPLE2_FIELD(dwStreamId),    DSALLOC_SAMPLE2_FIELD(pMediaType),
    DSALLOC_SAMPLE2_FIELD(pbBuffer),      DSALLOC_SAMPLE2_FIELD(cbBuffer)};
#undef DSALLOC_SAMPLE2_FIELD

// If `end` is exactly the end of a field, the end of the padding after it
// (a field-by-field copy leaves padding alone, a memcpy writes it: both
// wrote the field); else `end`.
size_t WithPadding(size_t end) {
  constexpr size_t n = sizeof kSample2Fields / sizeof kSample2Fields[0];
  for (size_t i = 0; i < n; ++i) {
    if (kSample2Fields[i].end == end) {
      return i + 1 < n ? kSample2Fields[i + 1].start : kSample2Size;
    }
  }
  return end;
}

// The sample's IMediaSample2, or NULL with o.hr saying why.
IMediaSample2* QueryMediaSample2(IMediaSample* s, Outcome& o) {
  void* p = nullptr;
  o.hr = s->QueryInterface(IID_IMediaSample2, &p);
  if (SUCCEEDED(o.hr) && p == nullptr) o.hr = E_NOINTERFACE;
  return FAILED(o.hr) ? nullptr : static_cast<IMediaSample2*>(p);
}

// The caller's buffer for GetProperties is at most kRoom bytes (a
// conforming server writes at most sizeof); kCanary bytes past the room the
// caller claims are watched too, so a server that runs on past what it was
// given is seen (the whole buffer is then scanned and restored), not left
// to corrupt the next call's sentinels. A stray byte far past the room is
// seen only by a later call that claims that much room.
constexpr size_t kRoom = size_t{1} << 16;
constexpr size_t kCanary = 64;
constexpr BYTE kFirstSentinel = 0xA5;
constexpr BYTE kSecondSentinel = 0x5A;

// Two buffers filled with complementary sentinels, kept filled between
// calls: filling and scanning 64 KiB per call was most of what a
// GetProperties op cost. One pair per thread (a hung call keeps its own).
struct SentinelBuffers {
  std::vector<BYTE> first = std::vector<BYTE>(kRoom, kFirstSentinel);
  std::vector<BYTE> second = std::vector<BYTE>(kRoom, kSecondSentinel);

  bool Written(size_t i) const {
    return first[i] != kFirstSentinel || second[i] != kSecondSentinel;
  }
  // True if no byte of [begin, end) was written (memcmp of a range with
  // itself shifted by one: every byte equals the one after it).
  bool Untouched(size_t begin, size_t end) const {
    if (begin >= end) return true;
    size_t n = end - begin - 1;
    return !Written(begin) && std::memcmp(&first[begin], &first[begin + 1], n) == 0 &&
           std::memcmp(&second[begin], &second[begin + 1], n) == 0;
  }
  // The end of the last byte either call wrote, 0 if none: the structure's
  // bytes are looked at one by one, the rest only when it is not untouched.
  size_t WrittenExtent(size_t room) const {
    size_t end = Untouched(kSample2Size, std::min(kRoom, room + kCanary)) ? kSample2Size : kRoom;
    for (size_t i = end; i > 0; --i) {
      if (Written(i - 1)) return i;
    }
    return 0;
  }
  void Restore(size_t extent) {
    std::memset(first.data(), kFirstSentinel, extent);
    std::memset(second.data(), kSecondSentinel, extent);
  }
};

SentinelBuffers& ThreadsSentinelBuffers() {
  thread_local SentinelBuffers buffers;
  return buffers;
}

}  // namespace

template <>
void Core::Run(const call::GetProperties2& c, IMediaSample* s, bool oom, Outcome& o) {
  IMediaSample2* s2 = QueryMediaSample2(s, o);
  if (s2 == nullptr) return;
  const DWORD cb = c.cbProperties;
  if (c.null_pbProperties) {
    FaultScope fault(impl_.arm_allocation_failure, oom);
    o.hr = s2->GetProperties(cb, nullptr);
    s2->Release();
    return;
  }
  // The caller claims cb bytes; the buffer holds kRoom (a conforming server
  // writes at most sizeof), so a server that writes cb bytes stays inside
  // it unless cb is larger still.
  size_t room = std::max<size_t>(kSample2Size, std::min<size_t>(cb, kRoom));
  SentinelBuffers& buffers = ThreadsSentinelBuffers();
  BYTE* first = buffers.first.data();
  BYTE* second = buffers.second.data();
  {
    FaultScope fault(impl_.arm_allocation_failure, oom);
    o.hr = s2->GetProperties(cb, first);
  }
  // A second call with the complementary sentinel: a byte is written iff it
  // differs from the sentinel in either call (none can equal both).
  HRESULT again = s2->GetProperties(cb, second);
  size_t extent = buffers.WrittenExtent(room);
  AM_SAMPLE2_PROPERTIES image;
  std::memcpy(&image, first, std::min(extent, kSample2Size));
  buffers.Restore(extent);
  size_t written = extent;
  if (written > 0 && written < kSample2Size) {
    written = std::min<size_t>(WithPadding(written), std::max<size_t>(cb, written));
  }
  if (written == 0 || FAILED(o.hr) || FAILED(again)) {
    if (written > 0) {
      o.written |= spec::kOutSample2;
      o.bytes = static_cast<uint32_t>(written);
    }
    s2->Release();
    return;
  }
  // SAMPLE2.GETPROPS.IMAGE: the model describes the whole image; bytes
  // beyond `written` come from a full read (same state, nothing changed).
  if (written < kSample2Size) {
    AM_SAMPLE2_PROPERTIES full;
    std::memset(&full, 0, sizeof full);
    s2->GetProperties(static_cast<DWORD>(kSample2Size), reinterpret_cast<BYTE*>(&full));
    std::memcpy(reinterpret_cast<BYTE*>(&image) + written,
                reinterpret_cast<const BYTE*>(&full) + written, kSample2Size - written);
  }
  BYTE* own = nullptr;
  s->GetPointer(&own);
  s2->Release();
  o.written |= spec::kOutSample2;
  o.bytes = static_cast<uint32_t>(written);
  spec::Sample2Image& im = o.sample2;
  im.cbData = image.cbData;
  im.dwTypeSpecificFlags = image.dwTypeSpecificFlags;
  im.dwSampleFlags = image.dwSampleFlags;
  im.lActual = image.lActual;
  im.tStart = image.tStart;
  im.tStop = image.tStop;
  im.dwStreamId = image.dwStreamId;
  // The sample's own stored type, not a copy: compared, never freed.
  im.media_type = static_cast<int8_t>(spec::MediaTypeId(image.pMediaType));
  im.pbBuffer = image.pbBuffer == nullptr ? spec::BufferPtr::kNull
                : image.pbBuffer == own   ? spec::BufferPtr::kOwn
                                          : spec::BufferPtr::kOther;
  im.cbBuffer = image.cbBuffer;
}

template <>
void Core::Run(const call::SetProperties2& c, IMediaSample* s, bool oom, Outcome& o) {
  IMediaSample2* s2 = QueryMediaSample2(s, o);
  if (s2 == nullptr) return;
  const spec::Sample2Image& im = c.image;
  AM_MEDIA_TYPE mt;
  if (im.media_type >= 0 && im.media_type < spec::kNumMediaTypes) {
    mt = spec::MakeMediaType(im.media_type);
  }
  static BYTE other_buffer[16];  // pbBuffer = kOther: never the sample's
  BYTE* own = nullptr;
  if (im.pbBuffer == spec::BufferPtr::kOwn) s->GetPointer(&own);
  AM_SAMPLE2_PROPERTIES props;
  std::memset(&props, 0, sizeof props);
  props.cbData = im.cbData;
  props.dwTypeSpecificFlags = im.dwTypeSpecificFlags;
  props.dwSampleFlags = im.dwSampleFlags;
  props.lActual = im.lActual;
  props.tStart = im.tStart;
  props.tStop = im.tStop;
  props.dwStreamId = im.dwStreamId;
  props.pMediaType = im.media_type >= 0 ? &mt : nullptr;
  props.pbBuffer = im.pbBuffer == spec::BufferPtr::kNull  ? nullptr
                   : im.pbBuffer == spec::BufferPtr::kOwn ? own
                                                          : other_buffer;
  props.cbBuffer = im.cbBuffer;
  // As large as cb claims (capped), zero beyond the structure.
  std::vector<BYTE> bytes(
      std::max<size_t>(kSample2Size, std::min<size_t>(c.cbProperties, 1u << 16)), 0);
  std::memcpy(bytes.data(), &props, sizeof props);
  {
    FaultScope fault(impl_.arm_allocation_failure, oom);
    o.hr = s2->SetProperties(c.cbProperties, c.null_pbProperties ? nullptr : bytes.data());
  }
  s2->Release();
}

// --- the group's entry -------------------------------------------------------

void Core::ExecuteSample2Call(const spec::Call& call, bool oom, Outcome& o) {
  std::visit(
      [&]<typename T>(const T& c) {
        if constexpr (InGroup<T, spec::OpGroup::kSample2>) {
          // Each Run arms its own fault scope.
          IMediaSample* s = CallableSample(c.sample, o);
          if (s != nullptr) Run(c, s, oom, o);
        } else {
          o.hr = E_UNEXPECTED;  // another group's: Execute sends none here
        }
      },
      call);
}

}  // namespace dsalloc::harness::driver_internal
