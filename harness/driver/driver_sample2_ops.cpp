// harness/driver/driver_sample2_ops.cpp: IMediaSample2::GetProperties and
// SetProperties on a sample the client holds (driver_core.h), including how
// much of AM_SAMPLE2_PROPERTIES a GetProperties call wrote.

#include <algorithm>
#include <cstddef>
#include <cstring>
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

}  // namespace

void Core::GetProperties2(const Op& op, IMediaSample* s, Outcome& o) {
  IMediaSample2* s2 = QueryMediaSample2(s, o);
  if (s2 == nullptr) return;
  // The buffer is as large as the caller claims (capped: a conforming
  // server writes at most sizeof), so a server that writes cb bytes stays
  // inside it.
  size_t room = std::max<size_t>(kSample2Size, std::min<size_t>(op.cb, 1u << 16));
  std::vector<BYTE> first(room, 0xA5), second(room, 0x5A);
  if (op.null_ptr1) {
    FaultScope fault(impl_.arm_allocation_failure, op.oom);
    o.hr = s2->GetProperties(op.cb, nullptr);
    s2->Release();
    return;
  }
  {
    FaultScope fault(impl_.arm_allocation_failure, op.oom);
    o.hr = s2->GetProperties(op.cb, first.data());
  }
  // A second call with the complementary sentinel: a byte is written iff it
  // differs from the sentinel in either call (none can equal both).
  HRESULT again = s2->GetProperties(op.cb, second.data());
  size_t written = 0;
  for (size_t i = room; i > 0; --i) {
    if (first[i - 1] != 0xA5 || second[i - 1] != 0x5A) {
      written = i;
      break;
    }
  }
  if (written > 0 && written < kSample2Size) {
    written = std::min<size_t>(WithPadding(written), std::max<size_t>(op.cb, written));
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
  AM_SAMPLE2_PROPERTIES image;
  if (written < kSample2Size) {
    AM_SAMPLE2_PROPERTIES full;
    std::memset(&full, 0, sizeof full);
    s2->GetProperties(static_cast<DWORD>(kSample2Size), reinterpret_cast<BYTE*>(&full));
    std::memcpy(&image, &full, sizeof image);
  }
  std::memcpy(&image, first.data(), std::min(written, kSample2Size));
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

void Core::SetProperties2(const Op& op, IMediaSample* s, Outcome& o) {
  IMediaSample2* s2 = QueryMediaSample2(s, o);
  if (s2 == nullptr) return;
  const spec::Sample2Image& im = op.image;
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
  std::vector<BYTE> bytes(std::max<size_t>(kSample2Size, std::min<size_t>(op.cb, 1u << 16)), 0);
  std::memcpy(bytes.data(), &props, sizeof props);
  {
    FaultScope fault(impl_.arm_allocation_failure, op.oom);
    o.hr = s2->SetProperties(op.cb, op.null_ptr1 ? nullptr : bytes.data());
  }
  s2->Release();
}

}  // namespace dsalloc::harness::driver_internal
