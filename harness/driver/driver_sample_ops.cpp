// harness/driver/driver_sample_ops.cpp: the Run of each IMediaSample call on
// a sample the client holds, and their group entry, ExecuteSampleCall, which
// looks the sample up and arms the fault scope (driver_core.h; Execute in
// driver_run.cpp sends them here); IMediaSample2's Get/SetProperties are in
// driver_sample2_ops.cpp.

#include <variant>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

namespace {

// Frees what IMediaSample::GetMediaType returned, as DeleteMediaType does,
// without needing libdsalloc (the server may be another one).
void FreeMediaTypeCopy(AM_MEDIA_TYPE* mt) {
  if (mt == nullptr) return;
  if (mt->pbFormat != nullptr) CoTaskMemFree(mt->pbFormat);
  if (mt->pUnk != nullptr) mt->pUnk->Release();
  CoTaskMemFree(mt);
}

// GetTime or GetMediaTime (`get`): which of the two out-parameters it
// wrote, each asked again with the second sentinel if it still holds the
// first (driver_support.h).
template <typename GetTimes, typename Get>
void ReadTimes(const GetTimes& c, Get get, Outcome& o) {
  int64_t start = kSentinelTime, end = kSentinelTime;
  int64_t* ps = c.null_pTimeStart ? nullptr : &start;
  int64_t* pe = c.null_pTimeEnd ? nullptr : &end;
  o.hr = get(ps, pe);
  bool start_written = start != kSentinelTime;
  bool end_written = end != kSentinelTime;
  if ((ps != nullptr && !start_written) || (pe != nullptr && !end_written)) {
    int64_t start2 = kSentinelTime2, end2 = kSentinelTime2;
    get(ps != nullptr ? &start2 : nullptr, pe != nullptr ? &end2 : nullptr);
    start_written = start_written || start2 != kSentinelTime2;
    end_written = end_written || end2 != kSentinelTime2;
  }
  if (ps != nullptr && start_written) {
    o.written |= spec::kOutStart;
    o.start = start;
  }
  if (pe != nullptr && end_written) {
    o.written |= spec::kOutEnd;
    o.end = end;
  }
}

// SetTime or SetMediaTime (`set`) with the call's times, each NULL or not.
template <typename SetTimes, typename Set>
void WriteTimes(const SetTimes& c, Set set, Outcome& o) {
  int64_t start = c.tStart, end = c.tEnd;
  o.hr = set(c.null_pTimeStart ? nullptr : &start, c.null_pTimeEnd ? nullptr : &end);
}

}  // namespace

template <>
void Core::Run(const call::SampleAddRef& c, IMediaSample* s, Outcome& o) {
  ULONG refs = s->AddRef();
  book_.AddSampleRef(c.sample);
  o.value = refs;  // COM.SAMPLE.ADDREF
}

template <>
void Core::Run(const call::SampleRelease& c, IMediaSample* s, Outcome& o) {
  book_.DropSampleRef(c.sample);
  o.value = s->Release();  // COM.SAMPLE.RELEASE; may notify
}

template <>
void Core::Run(const call::SampleQueryInterface& c, IMediaSample* s, Outcome& o) {
  void* p = Sentinel<void>();
  o.hr = s->QueryInterface(spec::ToIID(c.riid), c.null_ppv ? nullptr : &p);
  if (c.null_ppv || p == Sentinel<void>()) return;
  o.written |= spec::kOutInterface;
  if (!InterfaceOutIsValid("COM.SAMPLE.QI.MISS", o.hr, p)) return;
  if (SUCCEEDED(o.hr)) KeepSampleInterface(c, s, p);
}

template <>
void Core::Run(const call::GetPointer& c, IMediaSample* s, Outcome& o) {
  BYTE* p = Sentinel<BYTE>();
  o.hr = s->GetPointer(c.null_ppBuffer ? nullptr : &p);
  if (c.null_ppBuffer || p == Sentinel<BYTE>()) return;
  o.written |= spec::kOutPointer;
  // Alignment, stability and overlap are the checker's to judge from the
  // address (Lockstep::CheckBuffers): only it knows the model's
  // generation and layout.
  o.pointer = reinterpret_cast<uintptr_t>(p);
  o.sample = Observed(c.sample);
}

template <>
void Core::Run(const call::GetSize&, IMediaSample* s, Outcome& o) {
  o.value = s->GetSize();
}

template <>
void Core::Run(const call::GetTime& c, IMediaSample* s, Outcome& o) {
  ReadTimes(
      c, [s](int64_t* a, int64_t* b) { return s->GetTime(a, b); }, o);
}

template <>
void Core::Run(const call::SetTime& c, IMediaSample* s, Outcome& o) {
  WriteTimes(
      c, [s](int64_t* a, int64_t* b) { return s->SetTime(a, b); }, o);
}

template <>
void Core::Run(const call::IsSyncPoint&, IMediaSample* s, Outcome& o) {
  o.hr = s->IsSyncPoint();
}

template <>
void Core::Run(const call::SetSyncPoint& c, IMediaSample* s, Outcome& o) {
  o.hr = s->SetSyncPoint(c.bIsSyncPoint);
}

template <>
void Core::Run(const call::IsPreroll&, IMediaSample* s, Outcome& o) {
  o.hr = s->IsPreroll();
}

template <>
void Core::Run(const call::SetPreroll& c, IMediaSample* s, Outcome& o) {
  o.hr = s->SetPreroll(c.bIsPreroll);
}

template <>
void Core::Run(const call::IsDiscontinuity&, IMediaSample* s, Outcome& o) {
  o.hr = s->IsDiscontinuity();
}

template <>
void Core::Run(const call::SetDiscontinuity& c, IMediaSample* s, Outcome& o) {
  o.hr = s->SetDiscontinuity(c.bDiscontinuity);
}

template <>
void Core::Run(const call::GetActualDataLength&, IMediaSample* s, Outcome& o) {
  o.value = s->GetActualDataLength();
}

template <>
void Core::Run(const call::SetActualDataLength& c, IMediaSample* s, Outcome& o) {
  o.hr = s->SetActualDataLength(c.lLen);
}

template <>
void Core::Run(const call::GetMediaType& c, IMediaSample* s, Outcome& o) {
  AM_MEDIA_TYPE* mt = Sentinel<AM_MEDIA_TYPE>();
  o.hr = s->GetMediaType(c.null_ppMediaType ? nullptr : &mt);
  if (c.null_ppMediaType || mt == Sentinel<AM_MEDIA_TYPE>()) return;
  o.written |= spec::kOutMediaType;
  o.media_type = static_cast<int8_t>(spec::MediaTypeId(mt));  // -1: NULL
  FreeMediaTypeCopy(mt);  // SAMPLE.GETTYPE.COPY: the caller owns it
}

template <>
void Core::Run(const call::SetMediaType& c, IMediaSample* s, Outcome& o) {
  if (c.media_type >= spec::kNumMediaTypes) {
    o.hr = E_INVALIDARG;
    return;
  }
  AM_MEDIA_TYPE mt;
  if (c.media_type >= 0) mt = spec::MakeMediaType(c.media_type);
  o.hr = s->SetMediaType(c.media_type < 0 ? nullptr : &mt);
}

template <>
void Core::Run(const call::GetMediaTime& c, IMediaSample* s, Outcome& o) {
  ReadTimes(
      c, [s](int64_t* a, int64_t* b) { return s->GetMediaTime(a, b); }, o);
}

template <>
void Core::Run(const call::SetMediaTime& c, IMediaSample* s, Outcome& o) {
  WriteTimes(
      c, [s](int64_t* a, int64_t* b) { return s->SetMediaTime(a, b); }, o);
}

// --- the group's entry -------------------------------------------------------

void Core::ExecuteSampleCall(const spec::Call& call, bool oom, Outcome& o) {
  std::visit(
      [&]<typename T>(const T& c) {
        if constexpr (InGroup<T, spec::OpGroup::kSample>) {
          IMediaSample* s = CallableSample(c.sample, o);
          if (s == nullptr) return;
          FaultScope fault(impl_.arm_allocation_failure, oom);
          Run(c, s, o);
        } else {
          o.hr = E_UNEXPECTED;  // another group's: Execute sends none here
        }
      },
      call);
}

}  // namespace dsalloc::harness::driver_internal
