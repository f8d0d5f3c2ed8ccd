// harness/driver/driver_allocator_ops.cpp: the Run of each IMemAllocator and
// IMemAllocatorCallbackTemp call, and of each test-callback action, on the
// calling thread, and their group entry, ExecuteAllocatorCall, which passes
// their gates (driver_core.h; Execute in driver_run.cpp sends them here).
// Sample calls are in driver_sample_ops.cpp and driver_sample2_ops.cpp, the
// server's in driver_factory_ops.cpp.

#include <string>
#include <variant>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

namespace {

// Field by field: memcmp would feed libFuzzer's comparison hook per call.
bool SameFields(const ALLOCATOR_PROPERTIES& a, const ALLOCATOR_PROPERTIES& b) {
  return a.cBuffers == b.cBuffers && a.cbBuffer == b.cbBuffer && a.cbAlign == b.cbAlign &&
         a.cbPrefix == b.cbPrefix;
}

}  // namespace

// --- IMemAllocator -------------------------------------------------------------

template <>
void Core::Run(const call::SetProperties& c, bool oom, Outcome& o) {
  ALLOCATOR_PROPERTIES request = c.Request();
  ALLOCATOR_PROPERTIES actual = kSentinelProps;
  FaultScope fault(impl_.arm_allocation_failure, oom);
  o.hr = alloc_->SetProperties(c.null_pRequest ? nullptr : &request,
                               c.null_pActual ? nullptr : &actual);
  if (!c.null_pActual && !SameFields(actual, kSentinelProps)) {
    o.written |= spec::kOutProps;  // ALLOC.PROPS.ZERO: even on failure
    o.props = actual;
  }
}

template <>
void Core::Run(const call::GetProperties& c, bool oom, Outcome& o) {
  ALLOCATOR_PROPERTIES props = kSentinelProps;
  FaultScope fault(impl_.arm_allocation_failure, oom);
  o.hr = alloc_->GetProperties(c.null_pProps ? nullptr : &props);
  if (!c.null_pProps && !SameFields(props, kSentinelProps)) {
    o.written |= spec::kOutProps;
    o.props = props;
  }
}

template <>
void Core::Run(const call::Commit&, bool oom, Outcome& o) {
  FaultScope fault(impl_.arm_allocation_failure, oom);
  o.hr = alloc_->Commit();
}

template <>
void Core::Run(const call::Decommit&, bool oom, Outcome& o) {
  FaultScope fault(impl_.arm_allocation_failure, oom);
  o.hr = alloc_->Decommit();
}

// A GetBuffer that cannot block, or one the checker expects to return
// (driver_run.cpp); those that may block run on a worker (driver_workers.cpp).
template <>
void Core::Run(const call::GetBuffer& c, bool oom, Outcome& o) {
  IMediaSample* got = nullptr;
  HRESULT hr;
  {
    FaultScope fault(impl_.arm_allocation_failure, oom);
    hr = CallGetBuffer(c, &got);
  }
  FillGetBuffer(c, hr, got, book_.RegisterReturnedSample(hr, got), o);
}

template <>
void Core::Run(const call::ReleaseBuffer& c, bool oom, Outcome& o) {
  IMediaSample* arg = nullptr;
  if (c.pBuffer == spec::BufferArg::kSample) {
    // Any sample of the current generation, held or free (step.h).
    arg = SamplePointer(c.sample);
    if (arg == nullptr) {
      o.hr = E_UNEXPECTED;  // never observed: a checker bug
      return;
    }
  } else if (c.pBuffer == spec::BufferArg::kForeign) {
    HRESULT hr = foreign_.Get(&arg);
    if (FAILED(hr)) {
      o.hr = hr;
      return;
    }
  }
  FaultScope fault(impl_.arm_allocation_failure, oom);
  o.hr = alloc_->ReleaseBuffer(arg);
  if (c.pBuffer == spec::BufferArg::kForeign && SUCCEEDED(o.hr)) foreign_.NoteAccepted();
}

template <>
void Core::Run(const call::SetNotify& c, bool oom, Outcome& o) {
  if (c.callback < -1 || c.callback >= spec::kNumCallbacks) {
    o.hr = E_INVALIDARG;
    return;
  }
  FaultScope fault(impl_.arm_allocation_failure, oom);
  o.hr = CallSetNotify(c.callback);
}

template <>
void Core::Run(const call::GetFreeCount& c, bool oom, Outcome& o) {
  LONG n = kSentinelLong;
  auto get_free_count = [&](LONG* p) {
    return WithCallbackTemp([&](IMemAllocatorCallbackTemp* t) { return t->GetFreeCount(p); });
  };
  {
    FaultScope fault(impl_.arm_allocation_failure, oom);
    o.hr = get_free_count(c.null_plBuffersFree ? nullptr : &n);
  }
  bool written = n != kSentinelLong;
  if (!c.null_plBuffersFree && !written) {
    LONG again = kSentinelLong2;
    get_free_count(&again);
    written = again != kSentinelLong2;
  }
  if (!c.null_plBuffersFree && written) {
    o.written |= spec::kOutCount;
    o.value = n;
  }
}

template <>
void Core::Run(const call::AddRef&, bool, Outcome& o) {
  ULONG refs = alloc_->AddRef();
  book_.AddAllocatorRef(alloc_);
  o.value = refs;  // COM.ALLOC.ADDREF
}

template <>
void Core::Run(const call::Release&, bool, Outcome& o) {
  IUnknown* p = book_.TakeAllocatorRef();
  if (p == nullptr) {
    o.hr = E_UNEXPECTED;  // the client holds none: a checker bug
    return;
  }
  o.value = p->Release();  // COM.ALLOC.RELEASE, LIFE.DESTROY
}

template <>
void Core::Run(const call::QueryInterface& c, bool, Outcome& o) {
  void* p = Sentinel<void>();
  o.hr = alloc_->QueryInterface(spec::ToIID(c.riid), c.null_ppv ? nullptr : &p);
  if (c.null_ppv || p == Sentinel<void>()) return;
  o.written |= spec::kOutInterface;
  if (!InterfaceOutIsValid("COM.ALLOC.QI.MISS", o.hr, p)) return;
  if (SUCCEEDED(o.hr)) KeepAllocatorInterface(c.riid, p);
}

// --- the test callbacks ------------------------------------------------------

TestCallback* Core::CallbackOf(int callback, Outcome& o) {
  if (callback >= 0 && callback < spec::kNumCallbacks) return callbacks_[callback];
  o.hr = E_INVALIDARG;
  return nullptr;
}

template <>
void Core::Run(const call::SetReaction& c, bool, Outcome& o) {
  TestCallback* cb = CallbackOf(c.callback, o);
  if (cb == nullptr) return;
  cb->SetReaction(c.reaction, c.arg, c.persistent);
  o.hr = S_OK;  // NOTIFY.REENTRANT
}

template <>
void Core::Run(const call::CallbackRelease& c, bool, Outcome& o) {
  TestCallback* cb = CallbackOf(c.callback, o);
  if (cb == nullptr) return;
  cb->ClientRelease();  // COM.CALLBACK.CLIENT; may destroy it
  o.hr = S_OK;
}

template <>
void Core::Run(const call::CallbackHoldAllocator& c, bool, Outcome& o) {
  TestCallback* cb = CallbackOf(c.callback, o);
  if (cb == nullptr) return;
  alloc_->AddRef();  // LIFE.CYCLE: the callback's own reference
  cb->HoldAllocator(alloc_);
  o.hr = S_OK;
}

template <>
void Core::Run(const call::CallbackReleaseAllocator& c, bool, Outcome& o) {
  TestCallback* cb = CallbackOf(c.callback, o);
  if (cb == nullptr) return;
  cb->ReleaseAllocator();  // LIFE.CYCLE; may destroy the allocator
  o.hr = S_OK;
}

// --- the group's entry -------------------------------------------------------

void Core::ExecuteAllocatorCall(const spec::Call& call, bool oom, Outcome& o) {
  std::visit(
      [&]<typename T>(const T& c) {
        if constexpr (InGroup<T, spec::OpGroup::kAllocator, spec::OpGroup::kConfig,
                              spec::OpGroup::kCallback>) {
          if (AllocatorCallable(o) && ProbeSettled(o)) Run(c, oom, o);
        } else {
          o.hr = E_UNEXPECTED;  // another group's: Execute sends none here
        }
      },
      call);
}

}  // namespace dsalloc::harness::driver_internal
