// harness/driver/driver_reactions.cpp: what happens inside every NotifyRelease
// (driver_core.h, Recording): the notification is appended to the Outcome
// of the op running on the notifying thread, the lock is probed
// (lock_probe.h), and the callback's reaction is performed.

#include <string>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

namespace {

// The Recorder of the innermost RecorderScope on this thread, or NULL.
thread_local Recorder* tls_recorder = nullptr;
// The callback id of the SetNotify this thread is inside (CallSetNotify),
// -2 when none (-1 is SetNotify(NULL)).
thread_local int tls_setnotify_target = -2;

}  // namespace

RecorderScope::RecorderScope(const void* owner, Outcome* outcome)
    : recorder_{owner, outcome, 0}, previous_(tls_recorder) {
  tls_recorder = &recorder_;
}

RecorderScope::~RecorderScope() { tls_recorder = previous_; }

void Core::OnNotifyRelease(TestCallback& callback, LONG refs) {
  Recorder* rec = tls_recorder;
  if (rec != nullptr && rec->owner != this) rec = nullptr;
  // The model consumes a one-shot reaction at entry, even one that is then
  // skipped (op.h Reaction).
  TestCallback::Pending r = callback.TakeReaction();
  size_t slot = 0;
  if (rec != nullptr) {
    Notification n;
    n.callback = static_cast<int8_t>(callback.id());
    n.refs_at_entry = refs > 0 ? static_cast<uint32_t>(refs) : 0;
    n.depth = rec->depth;
    n.reaction = r.reaction;
    slot = rec->outcome->notifications.size();
    rec->outcome->notifications.push_back(n);
  }
  if (probe_lock_.load(std::memory_order_relaxed) && !ProbeLock()) {
    // THREAD.NOLOCK: the allocator holds its lock while calling out; any
    // reaction would deadlock on it.
    AddViolation("THREAD.NOLOCK", "callback " + std::to_string(callback.id()) +
                                      ": NotifyRelease called with the allocator's lock held "
                                      "(a GetFreeCount on another thread did not return)");
    if (rec != nullptr && r.reaction != Reaction::kNone) {
      rec->outcome->notifications[slot].reaction_hr = E_ABORT;  // skipped
    }
    return;
  }
  if (r.reaction == Reaction::kNone) return;
  if (rec != nullptr) ++rec->depth;  // NOTIFY.REENTRANT: nested ones are deeper
  ReactionResult result = PerformReaction(callback, r);
  if (rec != nullptr) {
    --rec->depth;
    Notification& n = rec->outcome->notifications[slot];
    n.reaction_hr = result.hr;
    n.reaction_value = result.value;
    n.reaction_sample = Observed(result.id);
  }
}

Core::ReactionResult Core::PerformReaction(TestCallback& callback, const TestCallback::Pending& r) {
  ReactionResult out;
  switch (r.reaction) {
    case Reaction::kNone:
      break;
    case Reaction::kGetFreeCount: {
      LONG n = kSentinelLong;
      auto get_free_count = [&](LONG* p) {
        return WithCallbackTemp([&](IMemAllocatorCallbackTemp* t) { return t->GetFreeCount(p); });
      };
      out.hr = get_free_count(&n);
      if (n == kSentinelLong) {
        LONG again = kSentinelLong2;
        get_free_count(&again);
        if (again == kSentinelLong2) n = 0;  // not written
      }
      out.value = n;
      break;
    }
    case Reaction::kGetBufferNoWait: {
      IMediaSample* got = nullptr;
      out.hr = alloc_->GetBuffer(&got, nullptr, nullptr, AM_GBF_NOWAIT);
      // The sample is then held by the client like any other (op.h).
      if (SUCCEEDED(out.hr)) out.id = book_.RegisterReturnedSample(out.hr, got);
      break;
    }
    case Reaction::kSetNotifyNull:
      out.hr = CallSetNotify(-1);
      break;
    case Reaction::kSetNotifyOther:
    case Reaction::kSetNotifySelf: {
      int target = callback.id();
      if (r.reaction == Reaction::kSetNotifyOther) {
        if (r.arg < 0 || r.arg >= spec::kNumCallbacks) {
          out.hr = E_INVALIDARG;
          break;
        }
        target = r.arg;
      }
      out.hr = CallSetNotify(target);
      break;
    }
    case Reaction::kReleaseSample: {
      ReactionResolver resolver;
      {
        MutexLock lock(resolver_mu_);
        resolver = resolver_;
      }
      // The resolver may call back into the driver: no lock held.
      int id = resolver ? resolver(r.arg) : -1;
      IMediaSample* s = book_.TakeSampleRefForReaction(id);
      if (s == nullptr) {
        out.hr = S_FALSE;  // the client holds no reference: skipped
        break;
      }
      s->Release();  // may nest notifications (depth + 1)
      break;
    }
    case Reaction::kCommit:
      out.hr = alloc_->Commit();
      break;
    case Reaction::kDecommit:
      out.hr = alloc_->Decommit();
      break;
  }
  return out;
}

HRESULT Core::CallSetNotify(int id) {
  IMemAllocatorNotifyCallbackTemp* cb = id >= 0 ? callbacks_[id] : nullptr;
  int outer = tls_setnotify_target;
  tls_setnotify_target = id;
  HRESULT hr = WithCallbackTemp([&](IMemAllocatorCallbackTemp* t) { return t->SetNotify(cb); });
  tls_setnotify_target = outer;
  return hr;
}

void Core::OnDeadCall(TestCallback& callback, std::string_view method) {
  // COM.CALLBACK.DEAD, under the rule of the step that broke it: a
  // NotifyRelease on a dead callback, or its death while one runs, is a
  // notification without a reference (NOTIFY.SNAPSHOT); a call inside
  // SetNotify(this callback) means SetNotify destroyed the callback it was
  // given (it was installed, the allocator held the last reference) and
  // then used it (ALLOC.SETNOTIFY.SAME).
  std::string_view rule = "COM.CALLBACK.DEAD";
  if (method == "NotifyRelease" || method == "death during NotifyRelease") {
    rule = "NOTIFY.SNAPSHOT";
  } else if (tls_setnotify_target == callback.id()) {
    rule = "ALLOC.SETNOTIFY.SAME";
  }
  std::string what = method == "death during NotifyRelease"
                         ? "count reached 0 (destroyed) while a NotifyRelease on it was running"
                         : std::string(method) + " called after its count reached 0 (destroyed)";
  AddViolation(rule, "callback " + std::to_string(callback.id()) + ": " + what);
}

// --- the lock probe's Core side (lock_probe.h) ----------------------------------

bool Core::ProbeLock() {
  // The notifying thread is inside NotifyRelease, so the allocator is alive
  // (NOTIFY.BEFORESELF); this reference keeps it alive for the probe call
  // even if the probe outlives the notification (then the allocator could
  // otherwise drop its last reference while the probe is inside it). The
  // probe thread releases it; in the normal case never as the last one.
  alloc_->AddRef();
  return probe_.Ask(options_.lock_probe_timeout);
}

bool Core::SettleProbe() {
  if (probe_.Settle(options_.hang_timeout)) return true;
  must_leak_ = true;
  return false;
}

void Core::CallProbe() {
  // Any method that takes the allocator's lock will do; GetFreeCount is the
  // one the banner names, GetProperties the fallback for servers without
  // IMemAllocatorCallbackTemp. Neither changes anything.
  if (callback_temp_ != nullptr) {
    LONG n = 0;
    callback_temp_->GetFreeCount(&n);
  } else {
    ALLOCATOR_PROPERTIES props;
    alloc_->GetProperties(&props);
  }
}

}  // namespace dsalloc::harness::driver_internal
