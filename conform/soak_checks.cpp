// conform/soak_checks.cpp: what the soak checks beyond each call's own
// result (soak_core.h): the failure list, the counts that must add up at a
// rendezvous, the free count seen from inside NotifyRelease, and the
// references left at the end.

#include "soak_core.h"
#include "spec/model/outcome.h"

namespace dsalloc::conform::soak_internal {

using harness::MutexLock;

std::string Hr(HRESULT hr) { return spec::HresultName(hr); }

// --- The failure list ------------------------------------------------------------

void Soak::Fail(const std::string& rule, const std::string& message) {
  {
    MutexLock lock(failures_mu_);
    const auto entry = std::make_pair(rule, message);
    if (std::find(failures_.begin(), failures_.end(), entry) != failures_.end()) {
      // Reported already (a callback called again and again, say).
    } else if (failures_.size() < kMaxFailures) {
      failures_.push_back(entry);
    } else {
      ++failures_dropped_;
    }
  }
  stop_.store(true);
}

bool Soak::Failed(const std::string& rule) {
  MutexLock lock(failures_mu_);
  for (const auto& f : failures_) {
    if (f.first == rule) return true;
  }
  return false;
}

bool Soak::ExpectHr(const char* rule, const char* call, HRESULT expected, HRESULT observed) {
  if (observed == expected) return true;
  Fail(rule, std::string(call) + ": expected " + Hr(expected) + ", observed " + Hr(observed));
  return false;
}

// --- From inside NotifyRelease ---------------------------------------------------

HRESULT Soak::NestedFreeCount(CallSlot& s, LONG* free_count) {
  return s.Nested(kFreeCountInsideNotify, "THREAD.NOLOCK",
                  [&] { return cb_alloc_->GetFreeCount(free_count); });
}

void Soak::ReentrantFreeCount() {
  if (cb_alloc_ == nullptr || tls_slot == nullptr) return;
  LONG free_count = -1;
  HRESULT hr = NestedFreeCount(*tls_slot, &free_count);
  if (hr != S_OK || free_count < 0 || free_count > cbuffers_) {
    Fail("NOTIFY.REENTRANT", "GetFreeCount from inside NotifyRelease: expected S_OK and 0.." +
                                 std::to_string(cbuffers_) + ", observed " + Hr(hr) + " and " +
                                 std::to_string(free_count));
  }
}

bool Soak::SerialFreeCount() {
  const int expected = serial_free_.load();
  if (expected < 0 || cb_alloc_ == nullptr || tls_slot != &slots_[threads_]) return false;
  LONG free_count = -1;
  HRESULT hr = NestedFreeCount(*tls_slot, &free_count);
  if (hr != S_OK || free_count != expected) {
    Fail(hr == S_OK && free_count < expected ? "NOTIFY.AFTERFREE" : "ALLOC.FREECOUNT",
         "decommit pending, the soak alone releasing sample " + std::to_string(expected) + " of " +
             std::to_string(cbuffers_) +
             ": expected GetFreeCount from inside NotifyRelease to give S_OK and " +
             std::to_string(expected) + " (the released sample back first), observed " + Hr(hr) +
             " and " + std::to_string(free_count));
  }
  return true;
}

// --- At a rendezvous -------------------------------------------------------------

// Books the releases made since the last call against the callback
// installed meanwhile. Only at a rendezvous or on the controller's thread.
void Soak::Account() {
  long long total = 0;
  long long cycles = 0;
  for (const Traffic& t : traffic_) {
    total += t.releases;
    cycles += t.cycles;
  }
  if (SoakCallback* cb = installed_.load()) {
    expected_notifies_[static_cast<size_t>(cb->index())] += total - accounted_releases_;
  }
  for (SoakCallback* cb : raced_) {
    raced_slack_[static_cast<size_t>(cb->index())] += total - accounted_releases_;
  }
  raced_.clear();
  accounted_releases_ = total;
  cycles_done_.store(cycles);
}

// Counts at a rendezvous: exact, since nobody is inside a call.
void Soak::CheckQuiescent(const char* where) {
  Account();
  CheckNoneOut(where);
  const SoakCallback* now = installed_.load();
  for (const auto& cb : callbacks_) {
    CheckNotifyCount(where, *cb);
    CheckReferences(where, *cb, cb.get() == now);
  }
  if (cb_alloc_ != nullptr) CheckEverySampleFree(where);
}

void Soak::CheckNoneOut(const char* where) {
  if (out_.load() != 0) {
    Fail("ALLOC.BOUND", std::string(where) + ": the soak's count of samples out is " +
                            std::to_string(out_.load()) + " (soak bookkeeping)");
  }
}

// NOTIFY.ONCE: one NotifyRelease per release made while cb was installed.
void Soak::CheckNotifyCount(const char* where, const SoakCallback& cb) {
  const long long expected = expected_notifies_[static_cast<size_t>(cb.index())];
  // A callback removed while releases raced it: each of those may or may
  // not have notified it (NOTIFY.SNAPSHOT: installed during the release).
  const long long slack = raced_slack_[static_cast<size_t>(cb.index())];
  if ((cb.notified() < expected || cb.notified() > expected + slack) && !Failed("NOTIFY.ONCE")) {
    Fail("NOTIFY.ONCE", std::string(where) + ": callback #" + std::to_string(cb.index()) +
                            ": expected " + std::to_string(expected) +
                            (slack > 0 ? " to " + std::to_string(expected + slack) : "") +
                            " NotifyRelease calls (one per release made while it was "
                            "installed), observed " +
                            std::to_string(cb.notified()));
  }
}

namespace {

// Whose references a callback's count of `want` stands for.
const char* ReferenceHolders(long want, bool soaks) {
  if (want == 2) return "the soak's and the allocator's";
  if (want == 0) return "none: destroyed";
  return soaks ? "the soak's only" : "the allocator's only";
}

}  // namespace

// The allocator's reference if installed, the soak's unless it let go
// (COM.CALLBACK.REFS; COM.CALLBACK.CLIENT: a replaced disposable callback
// is destroyed).
void Soak::CheckReferences(const char* where, const SoakCallback& cb, bool installed) {
  const bool soaks = !cb.released_by_soak();
  const long want = (installed ? 1 : 0) + (soaks ? 1 : 0);
  if (cb.refs() != want && !Failed("COM.CALLBACK.REFS")) {
    Fail(soaks ? "COM.CALLBACK.REFS" : "COM.CALLBACK.CLIENT",
         std::string(where) + ": callback #" + std::to_string(cb.index()) + " (" +
             (installed ? "installed" : "not installed") +
             (soaks ? "" : ", let go of by the soak") + "): expected " + std::to_string(want) +
             " references (" + ReferenceHolders(want, soaks) + "), observed " +
             std::to_string(cb.refs()));
  }
}

// Every sample back on the free list (ALLOC.RELEASEBUFFER.PUSH).
void Soak::CheckEverySampleFree(const char* where) {
  LONG free_count = -1;
  HRESULT hr = MySlot().Watched("GetFreeCount", nullptr,
                                [&] { return cb_alloc_->GetFreeCount(&free_count); });
  if ((hr != S_OK || free_count != cbuffers_) && !Failed("ALLOC.RELEASEBUFFER.PUSH")) {
    Fail("ALLOC.RELEASEBUFFER.PUSH",
         std::string(where) + ": every sample released: expected GetFreeCount S_OK and " +
             std::to_string(cbuffers_) + ", observed " + Hr(hr) + " and " +
             std::to_string(free_count) +
             " (a release that reached no waiter and not the free list, e.g. a phantom "
             "waiter left by a NOWAIT miss, ALLOC.GETBUFFER.NOWAIT)");
  }
}

// --- At the end --------------------------------------------------------------------

bool Soak::CheckAllocatorDestroyed(ULONG count) {
  // COM.ALLOC.RELEASE: the count Release returns is strict only; under
  // portable an object still alive shows through DllCanUnloadNow instead
  // (when the server was idle when the soak began).
  bool alive = options_.portable ? idle_at_start_ && impl_.can_unload_now() != S_OK : count != 0;
  if (!alive) return true;
  Fail("GEN.NOLEAK",
       "final Release of the allocator (decommitted, every sample back, no "
       "callback): expected 0 (portable: DllCanUnloadNow S_OK), observed " +
           std::to_string(count));
  leak_.store(true);  // it may still call a callback: keep them
  return false;
}

void Soak::CheckCallbackLetGo(const SoakCallback& cb) {
  const long want = cb.released_by_soak() ? 0 : 1;
  if (cb.refs() != want && !Failed("COM.CALLBACK.REFS")) {
    Fail("COM.CALLBACK.REFS", "allocator destroyed: callback #" + std::to_string(cb.index()) +
                                  ": expected " +
                                  (want == 1 ? "only the soak's reference" : "none (destroyed)") +
                                  ", observed " + std::to_string(cb.refs()));
  }
}

}  // namespace dsalloc::conform::soak_internal
