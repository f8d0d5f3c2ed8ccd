// conform/soak_decommit.cpp: the decommits between epochs (soak_core.h),
// with every sample out and every worker waiting, or with nothing out and a
// new pool size; and the calls they share with Setup and Teardown.

#include <thread>

#include "soak_core.h"

namespace dsalloc::conform::soak_internal {

// --- The pool ------------------------------------------------------------------

bool Soak::RequestPool(const char* what, ALLOCATOR_PROPERTIES* request,
                       ALLOCATOR_PROPERTIES* actual) {
  *request = ALLOCATOR_PROPERTIES{DrawPoolSize(rng_), kBufferSize, 1, 0};
  *actual = ALLOCATOR_PROPERTIES{};
  HRESULT hr = MySlot().Watched("SetProperties", nullptr,
                                [&] { return alloc_->SetProperties(request, actual); });
  return ExpectHr("ALLOC.PROPS.STORE", what, S_OK, hr);
}

void Soak::FailPropsNotBack(const ALLOCATOR_PROPERTIES& request, const char* more_args,
                            const ALLOCATOR_PROPERTIES& actual) {
  Fail("ALLOC.PROPS.STORE",
       "SetProperties(" + std::to_string(request.cBuffers) + ", " +
           std::to_string(request.cbBuffer) + more_args + "): expected them back, observed " +
           std::to_string(actual.cBuffers) + ", " + std::to_string(actual.cbBuffer));
}

void Soak::UsePool(const ALLOCATOR_PROPERTIES& actual) {
  cbuffers_ = actual.cBuffers;
  cbbuffer_ = actual.cbBuffer;
  min_cbuffers_ = min_cbuffers_ == 0 ? cbuffers_ : std::min(min_cbuffers_, cbuffers_);
  max_cbuffers_ = std::max(max_cbuffers_, cbuffers_);
}

bool Soak::CommitChecked(const char* what) {
  HRESULT hr = MySlot().Watched("Commit", nullptr, [&] { return alloc_->Commit(); });
  return ExpectHr("ALLOC.COMMIT.3", what, S_OK, hr);
}

HRESULT Soak::CallDecommit() {
  return MySlot().Watched("Decommit", nullptr, [&] { return alloc_->Decommit(); });
}

// --- With nothing out ------------------------------------------------------------

// Decommit and Commit with nothing out (ALLOC.DECOMMIT.2, ALLOC.COMMIT.3).
void Soak::QuiescentDecommit() {
  if (!ExpectHr("ALLOC.DECOMMIT.2", "Decommit with no sample out", S_OK, CallDecommit())) return;
  HRESULT get_hr;
  Traffic& mine = ControllerTraffic();
  if (Acquire(mine, AM_GBF_NOWAIT, nullptr, &get_hr)) ReleaseAll(mine);
  ExpectHr("ALLOC.GETBUFFER.NOTCOMMITTED", "GetBuffer(AM_GBF_NOWAIT) after Decommit",
           VFW_E_NOT_COMMITTED, get_hr);
  // Another pool size for the next epochs (ALLOC.PROPS.STORE, ALLOC.COMMIT.REALLOC).
  ALLOCATOR_PROPERTIES request, actual;
  if (!RequestPool("SetProperties while decommitted", &request, &actual)) return;
  if (actual.cBuffers != request.cBuffers || actual.cbBuffer != request.cbBuffer) {
    FailPropsNotBack(request, ", 1, 0", actual);
    return;
  }
  UsePool(actual);
  CommitChecked("Commit after Decommit");
  owners_.Reset();
  ++quiescent_decommits_;
}

// --- With every sample out -------------------------------------------------------

// Every sample in the controller's hands, every worker blocked in GetBuffer:
// Decommit must wake them all (ALLOC.DECOMMIT.WAKE); the samples are then
// released in the pending state, notifying as any release (NOTIFY.ONCE).
void Soak::DecommitWithWaiters() {
  Traffic& mine = ControllerTraffic();
  if (installed_.load() == nullptr && !callbacks_.empty()) Install(callbacks_[0].get());
  if (!HoldEverySample(mine)) return;
  if (!DecommitUnderWaiters()) return;
  ReleaseAloneWhilePending(mine);
  ++decommits_with_waiters_;
  CheckQuiescent("after a decommit with waiters");
  CommitChecked("Commit after the decommit completed");
  owners_.Reset();
}

// Every sample into `mine` with NOWAIT calls (every one is free), and then
// one more call that must miss (ALLOC.BOUND, ALLOC.GETBUFFER.NOWAIT). False
// when a sample could not be had (recorded; nothing left held).
bool Soak::HoldEverySample(Traffic& mine) {
  for (LONG i = 0; i < cbuffers_; ++i) {
    HRESULT hr;
    if (!Acquire(mine, AM_GBF_NOWAIT, nullptr, &hr)) {
      Fail("ALLOC.GETBUFFER.POP", "every sample released, GetBuffer(AM_GBF_NOWAIT) #" +
                                      std::to_string(i + 1) + " of " + std::to_string(cbuffers_) +
                                      ": expected S_OK, observed " + Hr(hr));
      ReleaseAll(mine);
      return false;
    }
  }
  HRESULT hr;
  if (Acquire(mine, AM_GBF_NOWAIT, nullptr, &hr)) {
    Fail("ALLOC.BOUND", "all " + std::to_string(cbuffers_) +
                            " samples held: expected GetBuffer(AM_GBF_NOWAIT) to fail, "
                            "observed S_OK");
  } else {
    ExpectHr("ALLOC.GETBUFFER.NOWAIT", "GetBuffer(AM_GBF_NOWAIT) with every sample out",
             VFW_E_TIMEOUT, hr);
  }
  return true;
}

// The workers sent into a blocking GetBuffer (WaitThroughDecommit), then
// Decommit with them waiting; false on a hang.
bool Soak::DecommitUnderWaiters() {
  entered_wait_.store(0);
  StartEpoch(EpochKind::kDecommitWait);
  // Let every worker reach its GetBuffer; a late one sees the decommit at
  // once, which gives the same result.
  while (entered_wait_.load() < threads_ && !abort_.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::microseconds(500));
  ExpectHr("ALLOC.DECOMMIT.3", "Decommit with samples out and waiters", S_OK, CallDecommit());
  return AwaitArrivals();
}

// In P, alone, one sample at a time, so that NotifyRelease can check the
// exact free count (SerialFreeCount); the last release completes the
// decommit.
void Soak::ReleaseAloneWhilePending(Traffic& mine) {
  for (int released = 1; !mine.held.empty() && !abort_.load(); ++released) {
    serial_free_.store(released);
    ReleaseHeld(mine, mine.held.size() - 1);
  }
  serial_free_.store(-1);
}

}  // namespace dsalloc::conform::soak_internal
