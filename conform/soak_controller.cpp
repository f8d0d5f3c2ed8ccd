// conform/soak_controller.cpp: the soak's controller (soak_core.h): the
// rendezvous, the loop of epochs with the chores between them, and the
// allocator's setup and teardown.

#include "soak_core.h"

namespace dsalloc::conform::soak_internal {

using harness::MutexLock;

Soak::Soak(const harness::Implementation& impl, const SoakOptions& options)
    : impl_(impl),
      options_(options),
      threads_(std::max(2, options.threads)),
      slots_(new CallSlot[static_cast<size_t>(threads_) + 1]),
      traffic_(static_cast<size_t>(threads_) + 1),
      quota_(static_cast<size_t>(threads_), 0) {
  uint64_t s = options.seed;
  rng_ = SplitMix(s);
  for (int i = 0; i <= threads_; ++i) {
    traffic_[static_cast<size_t>(i)].index = i;
    traffic_[static_cast<size_t>(i)].rng = SplitMix(s) | 1;
  }
}

// --- The rendezvous ------------------------------------------------------------

void Soak::StartEpoch(EpochKind kind) {
  awake_.store(0);
  {
    MutexLock lock(mu_);
    kind_ = kind;
    arrived_ = 0;
    ++epoch_;
  }
  cv_.NotifyAll();
}

bool Soak::AwaitArrivals() {
  MutexLock lock(mu_);
  while (arrived_ < threads_ && !abort_.load()) lock.Wait(ctrl_cv_);
  return !abort_.load();
}

bool Soak::RunEpoch(EpochKind kind) {
  StartEpoch(kind);
  if (kind == EpochKind::kExit) return true;
  return AwaitArrivals();
}

void Soak::Abort() {
  {
    MutexLock lock(mu_);
    abort_.store(true);
    stop_.store(true);
  }
  cv_.NotifyAll();
  ctrl_cv_.NotifyAll();
  leak_.store(true);
}

// --- The epochs ----------------------------------------------------------------

void Soak::ControllerMain() {
  tls_slot = &slots_[threads_];
  if (!Setup()) {
    AbandonAfterFailedSetup();
    return;
  }
  const long long total = std::max(0LL, options_.cycles);
  while (!stop_.load() && cycles_done_.load() < total) {
    ++epochs_;
    const Chore chore = ChoreBefore(epochs_);
    if (chore == Chore::kDecommitWithWaiters) {
      DecommitWithWaiters();
      if (abort_.load()) return;
      if (stop_.load()) break;
    } else if (chore == Chore::kQuiescentDecommit) {
      QuiescentDecommit();
      if (stop_.load()) break;
    }
    Churn();
    CheckQuiescent("after SetNotify");
    if (stop_.load()) break;
    if (!RunTrafficEpoch(EpochCycles(total - cycles_done_.load(), threads_))) return;
    CheckQuiescent("at a rendezvous");
  }
  if (abort_.load()) return;
  Teardown();
}

// One epoch of traffic, `cycles` shared among the workers; false on a hang.
bool Soak::RunTrafficEpoch(long long cycles) {
  {
    MutexLock lock(mu_);
    for (int i = 0; i < threads_; ++i) quota_[static_cast<size_t>(i)] = Quota(cycles, threads_, i);
  }
  StartEpoch(EpochKind::kCycle);
  // Half the epochs that start with a disposable callback installed remove
  // it while the workers release (RaceRemoval).
  if ((SplitMix(rng_) & 1) != 0) RaceRemoval();
  return AwaitArrivals();
}

// --- Setup -----------------------------------------------------------------------

// The allocator, its pool committed, the first callback installed (when it
// has IMemAllocatorCallbackTemp). False on a failure, which is recorded.
bool Soak::Setup() {
  idle_at_start_ = impl_.can_unload_now != nullptr && impl_.can_unload_now() == S_OK;
  if (!CreateAllocator() || !QueryCallbackInterface()) return false;
  ALLOCATOR_PROPERTIES request, actual;
  if (!RequestPool("SetProperties", &request, &actual)) return false;
  if (actual.cBuffers < 1 || actual.cBuffers > 16 || actual.cbBuffer < 1) {
    FailPropsNotBack(request, "", actual);
    return false;
  }
  UsePool(actual);
  if (!CommitChecked("first Commit")) return false;
  if (cb_alloc_ != nullptr) CreateCallbacks();
  return true;
}

bool Soak::CreateAllocator() {
  void* pv = nullptr;
  HRESULT hr = MySlot().Watched("CreateAllocator", nullptr,
                                [&] { return impl_.CreateAllocator(IID_IMemAllocator, &pv); });
  if (hr != S_OK || pv == nullptr) {
    Fail("LIFE.CREATE",
         "CreateAllocator(IID_IMemAllocator): expected S_OK and an allocator, "
         "observed " +
             Hr(hr));
    return false;
  }
  alloc_ = static_cast<IMemAllocator*>(pv);
  return true;
}

// IMemAllocatorCallbackTemp, or notify counting not applicable (an
// allocator may lack it: E_NOINTERFACE); false on any other answer.
bool Soak::QueryCallbackInterface() {
  void* pv = nullptr;
  HRESULT hr = MySlot().Watched("QueryInterface(IID_IMemAllocatorCallbackTemp)", nullptr, [&] {
    return alloc_->QueryInterface(IID_IMemAllocatorCallbackTemp, &pv);
  });
  if (hr == S_OK && pv != nullptr) {
    cb_alloc_ = static_cast<IMemAllocatorCallbackTemp*>(pv);
  } else if (hr == E_NOINTERFACE) {
    notify_na_ = "IMemAllocatorCallbackTemp: E_NOINTERFACE";
  } else {
    notify_na_ = "IMemAllocatorCallbackTemp: " + Hr(hr);
    Fail("COM.ALLOC.QI.CALLBACK",
         "QueryInterface(IID_IMemAllocatorCallbackTemp): expected "
         "S_OK or E_NOINTERFACE, observed " +
             Hr(hr));
    return false;
  }
  return true;
}

// The kCallbacks the soak holds throughout, the first one installed.
void Soak::CreateCallbacks() {
  for (int i = 0; i < kCallbacks; ++i) {
    callbacks_.push_back(std::make_unique<SoakCallback>(this, i));
  }
  expected_notifies_.assign(kCallbacks, 0);
  raced_slack_.assign(kCallbacks, 0);
  Install(callbacks_[0].get());
}

// Setup failed: the workers sent home, whatever was made released.
void Soak::AbandonAfterFailedSetup() {
  RunEpoch(EpochKind::kExit);
  if (alloc_ != nullptr) {
    if (cb_alloc_ != nullptr) cb_alloc_->Release();
    alloc_->Release();
  }
  for (const auto& cb : callbacks_) cb->ReleaseOwn();
}

// --- Teardown ----------------------------------------------------------------------

// The end: workers gone, callback removed, decommitted, every reference
// returned (GEN.NOLEAK).
void Soak::Teardown() {
  RunEpoch(EpochKind::kExit);
  CheckQuiescent("at the end");
  if (cb_alloc_ != nullptr) {
    Install(nullptr);
    CheckQuiescent("after SetNotify(NULL)");
  }
  if (alloc_ == nullptr) return;
  ExpectHr("ALLOC.DECOMMIT.2", "final Decommit", S_OK, CallDecommit());
  if (!CheckAllocatorDestroyed(ReleaseAllocator())) return;
  for (const auto& cb : callbacks_) {
    CheckCallbackLetGo(*cb);
    cb->ReleaseOwn();
  }
}

// The soak's references on the allocator: what its final Release returns.
ULONG Soak::ReleaseAllocator() {
  CallSlot& slot = MySlot();
  if (cb_alloc_ != nullptr) {
    slot.Watched("IMemAllocatorCallbackTemp::Release", nullptr,
                 [&] { return cb_alloc_->Release(); });
  }
  return slot.Watched("IMemAllocator::Release (final)", nullptr, [&] { return alloc_->Release(); });
}

}  // namespace dsalloc::conform::soak_internal
