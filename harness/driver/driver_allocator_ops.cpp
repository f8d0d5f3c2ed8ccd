// harness/driver/driver_allocator_ops.cpp: Execute, which runs one op on the
// calling thread and fills its Outcome (driver_core.h): the IMemAllocator
// and IMemAllocatorCallbackTemp ops here, sample ops in
// driver_sample_ops.cpp, factory ops in driver_factory_ops.cpp.

#include <string>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

namespace {

// Field by field: memcmp would feed libFuzzer's comparison hook per call.
bool SameFields(const ALLOCATOR_PROPERTIES& a, const ALLOCATOR_PROPERTIES& b) {
  return a.cBuffers == b.cBuffers && a.cbBuffer == b.cbBuffer && a.cbAlign == b.cbAlign &&
         a.cbPrefix == b.cbPrefix;
}

}  // namespace

void Core::Execute(const Op& op, Outcome& o) {
  if (spec::GroupOf(op.kind) == spec::OpGroup::kControl) {
    o.hr = E_UNEXPECTED;  // Repeat blocks are run by the checker (op.h)
    return;
  }
  bool factory_op = spec::GroupOf(op.kind) == spec::OpGroup::kFactory;
  if (!factory_op && (alloc_ == nullptr || torn_down_.load())) {
    // No allocator (creation failed), or the world has ended (Teardown
    // released it): calling it could touch freed memory.
    o.hr = E_UNEXPECTED;
    return;
  }
  if (!SettleProbe()) {
    // GEN.NOHANG: the allocator has held its lock since a NotifyRelease
    // that returned long ago; nothing can be called safely any more.
    AddViolation("GEN.NOHANG", "a lock probe has not returned within " +
                                   std::to_string(options_.hang_timeout.count()) +
                                   " ms: the allocator's lock is never released");
    o.hr = E_UNEXPECTED;
    return;
  }
  switch (op.kind) {
    case OpKind::kSetProperties: {
      ALLOCATOR_PROPERTIES request = op.props;
      ALLOCATOR_PROPERTIES actual = kSentinelProps;
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = alloc_->SetProperties(op.null_ptr1 ? nullptr : &request,
                                   op.null_ptr2 ? nullptr : &actual);
      if (!op.null_ptr2 && !SameFields(actual, kSentinelProps)) {
        o.written |= spec::kOutProps;  // ALLOC.PROPS.ZERO: even on failure
        o.props = actual;
      }
      return;
    }
    case OpKind::kGetProperties: {
      ALLOCATOR_PROPERTIES props = kSentinelProps;
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = alloc_->GetProperties(op.null_ptr1 ? nullptr : &props);
      if (!op.null_ptr1 && !SameFields(props, kSentinelProps)) {
        o.written |= spec::kOutProps;
        o.props = props;
      }
      return;
    }
    case OpKind::kCommit: {
      {
        FaultScope fault(impl_.arm_allocation_failure, op.oom);
        o.hr = alloc_->Commit();
      }
      return;
    }
    case OpKind::kDecommit: {
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = alloc_->Decommit();
      return;
    }
    case OpKind::kGetBuffer: {
      IMediaSample* got = nullptr;
      HRESULT hr;
      {
        FaultScope fault(impl_.arm_allocation_failure, op.oom);
        hr = CallGetBuffer(op, &got);
      }
      FillGetBuffer(op, hr, got, book_.RegisterReturnedSample(hr, got), o);
      return;
    }
    case OpKind::kReleaseBuffer: {
      IMediaSample* arg = nullptr;
      if (op.buffer_arg == spec::BufferArg::kSample) {
        // Any sample of the current generation, held or free (step.h).
        arg = SamplePointer(op.sample);
        if (arg == nullptr) {
          o.hr = E_UNEXPECTED;  // never observed: a checker bug
          return;
        }
      } else if (op.buffer_arg == spec::BufferArg::kForeign) {
        HRESULT hr = foreign_.Get(&arg);
        if (FAILED(hr)) {
          o.hr = hr;
          return;
        }
      }
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = alloc_->ReleaseBuffer(arg);
      if (op.buffer_arg == spec::BufferArg::kForeign && SUCCEEDED(o.hr)) {
        foreign_.NoteAccepted();
      }
      return;
    }
    case OpKind::kSetNotify: {
      if (op.callback < -1 || op.callback >= spec::kNumCallbacks) {
        o.hr = E_INVALIDARG;
        return;
      }
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = CallSetNotify(op.callback);
      return;
    }
    case OpKind::kGetFreeCount: {
      LONG n = kSentinelLong;
      auto get_free_count = [&](LONG* p) {
        return WithCallbackTemp([&](IMemAllocatorCallbackTemp* t) { return t->GetFreeCount(p); });
      };
      {
        FaultScope fault(impl_.arm_allocation_failure, op.oom);
        o.hr = get_free_count(op.null_ptr1 ? nullptr : &n);
      }
      bool written = n != kSentinelLong;
      if (!op.null_ptr1 && !written) {
        LONG again = kSentinelLong2;
        get_free_count(&again);
        written = again != kSentinelLong2;
      }
      if (!op.null_ptr1 && written) {
        o.written |= spec::kOutCount;
        o.value = n;
      }
      return;
    }
    case OpKind::kAddRef: {
      ULONG refs = alloc_->AddRef();
      book_.AddAllocatorRef(alloc_);
      o.value = refs;  // COM.ALLOC.ADDREF
      return;
    }
    case OpKind::kRelease: {
      IUnknown* p = book_.TakeAllocatorRef();
      if (p == nullptr) {
        o.hr = E_UNEXPECTED;  // the client holds none: a checker bug
        return;
      }
      o.value = p->Release();  // COM.ALLOC.RELEASE, LIFE.DESTROY
      return;
    }
    case OpKind::kQueryInterface: {
      void* p = Sentinel<void>();
      o.hr = alloc_->QueryInterface(spec::ToIID(op.iid), op.null_ptr1 ? nullptr : &p);
      if (op.null_ptr1 || p == Sentinel<void>()) return;
      o.written |= spec::kOutInterface;
      if (!InterfaceOutIsValid("COM.ALLOC.QI.MISS", o.hr, p)) return;
      if (SUCCEEDED(o.hr)) KeepAllocatorInterface(op.iid, p);
      return;
    }
    case OpKind::kSetReaction:
      if (op.callback < 0 || op.callback >= spec::kNumCallbacks) {
        o.hr = E_INVALIDARG;
        return;
      }
      callbacks_[op.callback]->SetReaction(op.reaction, op.arg, op.persistent);
      o.hr = S_OK;  // NOTIFY.REENTRANT
      return;
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator: {
      if (op.callback < 0 || op.callback >= spec::kNumCallbacks) {
        o.hr = E_INVALIDARG;
        return;
      }
      TestCallback* cb = callbacks_[op.callback];
      if (op.kind == OpKind::kCallbackRelease) {
        cb->ClientRelease();  // COM.CALLBACK.CLIENT; may destroy it
      } else if (op.kind == OpKind::kCallbackHoldAllocator) {
        alloc_->AddRef();  // LIFE.CYCLE: the callback's own reference
        cb->HoldAllocator(alloc_);
      } else {
        cb->ReleaseAllocator();  // LIFE.CYCLE; may destroy the allocator
      }
      o.hr = S_OK;
      return;
    }
    case OpKind::kDllGetClassObject:
    case OpKind::kCreateInstance:
    case OpKind::kLockServer:
    case OpKind::kDllCanUnloadNow:
      ExecuteFactoryOp(op, o);
      return;
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
      o.hr = E_UNEXPECTED;  // not reached: handled above
      return;
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kSampleQueryInterface:
    case OpKind::kGetPointer:
    case OpKind::kGetSize:
    case OpKind::kGetTime:
    case OpKind::kSetTime:
    case OpKind::kIsSyncPoint:
    case OpKind::kSetSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kSetPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kSetDiscontinuity:
    case OpKind::kGetActualDataLength:
    case OpKind::kSetActualDataLength:
    case OpKind::kGetMediaType:
    case OpKind::kSetMediaType:
    case OpKind::kGetMediaTime:
    case OpKind::kSetMediaTime:
    case OpKind::kGetProperties2:
    case OpKind::kSetProperties2: {
      IMediaSample* s = book_.HeldSample(op.sample);
      if (s == nullptr) {
        // Not held by the client: outside the domain (step.h), and the
        // pointer may be dangling.
        o.hr = E_UNEXPECTED;
        return;
      }
      ExecuteSampleOp(op, s, o);
      return;
    }
  }
}

}  // namespace dsalloc::harness::driver_internal
