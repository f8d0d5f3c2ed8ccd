// harness/driver/driver_sample_ops.cpp: the IMediaSample ops on a sample the client
// holds (driver_core.h); IMediaSample2's Get/SetProperties are in
// driver_sample2_ops.cpp.

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

}  // namespace

void Core::ExecuteSampleOp(const Op& op, IMediaSample* s, Outcome& o) {
  FaultScope fault(impl_.arm_allocation_failure, op.oom && op.kind != OpKind::kGetProperties2 &&
                                                     op.kind != OpKind::kSetProperties2);
  auto flag = [&](HRESULT hr) { o.hr = hr; };
  switch (op.kind) {
    case OpKind::kSampleAddRef: {
      ULONG refs = s->AddRef();
      book_.AddSampleRef(op.sample);
      o.value = refs;  // COM.SAMPLE.ADDREF
      return;
    }
    case OpKind::kSampleRelease: {
      book_.DropSampleRef(op.sample);
      o.value = s->Release();  // COM.SAMPLE.RELEASE; may notify
      return;
    }
    case OpKind::kSampleQueryInterface: {
      void* p = Sentinel<void>();
      o.hr = s->QueryInterface(spec::ToIID(op.iid), op.null_ptr1 ? nullptr : &p);
      if (op.null_ptr1 || p == Sentinel<void>()) return;
      o.written |= spec::kOutInterface;
      if (!InterfaceOutIsValid("COM.SAMPLE.QI.MISS", o.hr, p)) return;
      if (SUCCEEDED(o.hr)) KeepSampleInterface(op, s, p);
      return;
    }
    case OpKind::kGetPointer: {
      BYTE* p = Sentinel<BYTE>();
      o.hr = s->GetPointer(op.null_ptr1 ? nullptr : &p);
      if (op.null_ptr1 || p == Sentinel<BYTE>()) return;
      o.written |= spec::kOutPointer;
      // Alignment, stability and overlap are the checker's to judge from
      // the address (Lockstep::CheckBufferPlacement): only it knows the
      // model's generation and layout.
      o.pointer = reinterpret_cast<uintptr_t>(p);
      o.sample = Observed(op.sample);
      return;
    }
    case OpKind::kGetSize:
      o.value = s->GetSize();
      return;
    case OpKind::kGetTime:
    case OpKind::kGetMediaTime: {
      int64_t start = kSentinelTime, end = kSentinelTime;
      int64_t* ps = op.null_ptr1 ? nullptr : &start;
      int64_t* pe = op.null_ptr2 ? nullptr : &end;
      auto get = [&](int64_t* a, int64_t* b) {
        return op.kind == OpKind::kGetTime ? s->GetTime(a, b) : s->GetMediaTime(a, b);
      };
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
      return;
    }
    case OpKind::kSetTime:
    case OpKind::kSetMediaTime: {
      int64_t start = op.t0, end = op.t1;
      int64_t* ps = op.null_ptr1 ? nullptr : &start;
      int64_t* pe = op.null_ptr2 ? nullptr : &end;
      o.hr = op.kind == OpKind::kSetTime ? s->SetTime(ps, pe) : s->SetMediaTime(ps, pe);
      return;
    }
    case OpKind::kIsSyncPoint:
      return flag(s->IsSyncPoint());
    case OpKind::kSetSyncPoint:
      return flag(s->SetSyncPoint(op.value));
    case OpKind::kIsPreroll:
      return flag(s->IsPreroll());
    case OpKind::kSetPreroll:
      return flag(s->SetPreroll(op.value));
    case OpKind::kIsDiscontinuity:
      return flag(s->IsDiscontinuity());
    case OpKind::kSetDiscontinuity:
      return flag(s->SetDiscontinuity(op.value));
    case OpKind::kGetActualDataLength:
      o.value = s->GetActualDataLength();
      return;
    case OpKind::kSetActualDataLength:
      return flag(s->SetActualDataLength(op.value));
    case OpKind::kGetMediaType: {
      AM_MEDIA_TYPE* mt = Sentinel<AM_MEDIA_TYPE>();
      o.hr = s->GetMediaType(op.null_ptr1 ? nullptr : &mt);
      if (op.null_ptr1 || mt == Sentinel<AM_MEDIA_TYPE>()) return;
      o.written |= spec::kOutMediaType;
      o.media_type = static_cast<int8_t>(spec::MediaTypeId(mt));  // -1: NULL
      FreeMediaTypeCopy(mt);  // SAMPLE.GETTYPE.COPY: the caller owns it
      return;
    }
    case OpKind::kSetMediaType: {
      if (op.value >= spec::kNumMediaTypes) {
        o.hr = E_INVALIDARG;
        return;
      }
      AM_MEDIA_TYPE mt;
      if (op.value >= 0) mt = spec::MakeMediaType(op.value);
      o.hr = s->SetMediaType(op.value < 0 ? nullptr : &mt);
      return;
    }
    case OpKind::kGetProperties2:
      GetProperties2(op, s, o);
      return;
    case OpKind::kSetProperties2:
      SetProperties2(op, s, o);
      return;
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
      o.hr = E_UNEXPECTED;
      return;
  }
}

}  // namespace dsalloc::harness::driver_internal
