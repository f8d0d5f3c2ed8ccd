// ---------------------------------------------------------------------------
// File: conform/soak_core.h
// ---------------------------------------------------------------------------
//
// Not a public header: the soak's internal state (class Soak), shared by
// the pieces of soak.h's implementation and included by nothing else.
//
// Threads: RunSoak's thread is the watchdog; one controller thread sets the
// allocator up, runs the epochs and tears down; `threads` workers make the
// traffic. Workers and controller meet at a rendezvous (mu_, epoch_,
// arrived_) between epochs, where nobody is inside a call on the allocator:
// only there are callbacks switched, counts compared and (with every sample
// in the controller's hands) decommits done.
//
// Every call into the implementation runs inside the calling thread's
// CallSlot (soak_call_slot.h): the watchdog reports a call that stays
// inside longer than stuck_bound.
//
// Where the pieces live:
//   soak.cpp            - RunSoak: the threads, the watchdog loop, the end
//   soak_plan.h         - the numbers: pool, epochs, chores, quotas, seeds
//   soak_call_slot.h    - CallSlot, one thread's window on the watchdog
//   soak_owner_table.h  - OwnerTable, which holder owns each sample
//   soak_callback.cpp   - SoakCallback, the counting NotifyRelease callback
//   soak_traffic.cpp    - GetBuffer and sample Release with their checks;
//                         the workers' cycles and epochs
//   soak_controller.cpp - the rendezvous, the controller's epochs, Setup
//                         and Teardown of the allocator
//   soak_decommit.cpp   - the decommits between epochs, with and without
//                         samples out, and the pool size they change
//   soak_setnotify.cpp  - SetNotify: installing, churning and racing
//                         callbacks
//   soak_checks.cpp     - the failure list; the counts checked at a
//                         rendezvous, from inside NotifyRelease and at the end
//   soak_watchdog.cpp   - Watchdog: stuck calls charged to their rules
//   soak_report.cpp     - the SoakReport and its summary
//
// Lifetime: one Soak per RunSoak; if a thread is stuck it is kept forever
// (harness/keep_forever.h) with everything the allocator may still use.

#ifndef DSALLOC_CONFORM_SOAK_CORE_H_
#define DSALLOC_CONFORM_SOAK_CORE_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/annotated_mutex.h"
#include "harness/implementation.h"
#include "soak.h"
#include "soak_call_slot.h"
#include "soak_callback.h"
#include "soak_owner_table.h"
#include "soak_plan.h"

namespace dsalloc::conform::soak_internal {

using Clock = std::chrono::steady_clock;

// "S_OK", "VFW_E_TIMEOUT", ... for the messages.
std::string Hr(HRESULT hr);

// Call names the watchdog (soak_watchdog.cpp) explains when it finds one stuck.
inline constexpr char kBlockingGetBuffer[] = "GetBuffer(blocking)";
inline constexpr char kFreeCountInsideNotify[] = "GetFreeCount from inside NotifyRelease";

// A sample a thread holds, with the marker it wrote at both ends of the
// buffer (data null when the buffer is not to be checked).
struct Held {
  IMediaSample* sample;
  BYTE* data;
  LONG size;
  BYTE marker;
};

// One thread's traffic state. Plain fields: written by its thread, read by
// the controller after the rendezvous (ordered by mu_).
struct Traffic {
  int index = 0;
  uint64_t rng = 0;
  std::vector<Held> held;
  long long cycles = 0;
  long long releases = 0;  // successful final Releases (count reached 0)
  long long blocking_gets = 0;
  long long nowait_gets = 0;
  long long nowait_misses = 0;
  long long decommit_wakes = 0;
  BYTE next_marker = 1;
};

struct TrafficTotals;  // soak_report.cpp

// What the workers do in the epoch the controller starts.
enum class EpochKind { kCycle, kDecommitWait, kExit };

class Soak {
 public:
  Soak(const harness::Implementation& impl, const SoakOptions& options);

  // --- For RunSoak and the watchdog (soak.cpp, soak_watchdog.cpp) ----------
  int threads() const { return threads_; }
  int slot_count() const { return threads_ + 1; }  // workers, then the controller
  CallSlot& slot(int i) { return slots_[i]; }
  long long cycles_done() const { return cycles_done_.load(); }
  bool aborted() const { return abort_.load(); }
  bool leak() const { return leak_.load(); }
  void ControllerMain();
  void WorkerMain(int index);
  // A hang: stop touching the implementation, everyone leaves.
  void Abort();
  SoakReport Report(double seconds);

  // --- For the callbacks (soak_callback.cpp) -------------------------------
  const SoakCallback* installed() const { return installed_.load(); }
  // The callback the controller's SetNotify now running was given.
  const SoakCallback* setnotify_target() const { return setnotify_target_.load(); }
  // The reentrant call NotifyRelease makes now and then (NOTIFY.REENTRANT).
  void ReentrantFreeCount();
  // While the controller releases samples alone: the exact free count seen
  // from inside NotifyRelease (NOTIFY.AFTERFREE, ALLOC.FREECOUNT). False
  // when not in that phase or not on the controller's thread.
  bool SerialFreeCount();

  // --- The failure list (soak_checks.cpp) ----------------------------------
  // Records a failure (once; kMaxFailures at most, the rest counted) and
  // asks everyone to stop.
  void Fail(const std::string& rule, const std::string& message);
  // Whether a failure of `rule` is on the list already (later checks of the
  // same count would only repeat it).
  bool Failed(const std::string& rule);

 private:
  // --- Calls into the implementation (soak_traffic.cpp) --------------------
  CallSlot& MySlot() { return *tls_slot; }
  // The controller's own samples (decommits): the last Traffic.
  Traffic& ControllerTraffic() { return traffic_[static_cast<size_t>(threads_)]; }
  bool Acquire(Traffic& t, DWORD flags, const char* hang_rule, HRESULT* hr_out);
  void CountOut(IMediaSample* sample);
  void MarkBuffer(Held* held);
  void ReleaseHeld(Traffic& t, size_t pos);
  void AddRefThenRelease(IMediaSample* sample);
  void ReleaseAll(Traffic& t);

  // --- Worker side (soak_traffic.cpp) --------------------------------------
  void Cycle(Traffic& t);
  void GetOne(Traffic& t, uint64_t r);
  void RunCycles(Traffic& t, long long quota);
  void WaitThroughDecommit(Traffic& t);
  // The next epoch's kind and this worker's quota; false on a hang.
  bool AwaitEpoch(int index, long long* seen, EpochKind* kind, long long* quota);
  void Arrive();

  // --- Controller side (soak_controller.cpp) -------------------------------
  bool Setup();
  bool CreateAllocator();
  bool QueryCallbackInterface();
  void CreateCallbacks();
  void AbandonAfterFailedSetup();
  void Teardown();
  ULONG ReleaseAllocator();
  bool RunTrafficEpoch(long long cycles);
  bool RunEpoch(EpochKind kind);
  void StartEpoch(EpochKind kind);
  bool AwaitArrivals();

  // --- Decommits and the pool (soak_decommit.cpp) --------------------------
  // SetProperties for a new pool of DrawPoolSize() buffers of kBufferSize
  // (ALLOC.PROPS.STORE fails unless S_OK, `what` naming the call); the
  // request and what came back for the caller's own check.
  bool RequestPool(const char* what, ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual);
  // ALLOC.PROPS.STORE when SetProperties(request, with `more_args` after
  // its two sizes) gave back `actual`.
  void FailPropsNotBack(const ALLOCATOR_PROPERTIES& request, const char* more_args,
                        const ALLOCATOR_PROPERTIES& actual);
  // The pool from now on (and its range, for the summary).
  void UsePool(const ALLOCATOR_PROPERTIES& actual);
  // Commit, watched: ALLOC.COMMIT.3 fails unless S_OK (`what` names it).
  bool CommitChecked(const char* what);
  HRESULT CallDecommit();
  void QuiescentDecommit();
  void DecommitWithWaiters();
  bool HoldEverySample(Traffic& mine);
  bool DecommitUnderWaiters();
  void ReleaseAloneWhilePending(Traffic& mine);

  // --- SetNotify (soak_setnotify.cpp) --------------------------------------
  void Install(SoakCallback* callback);
  // A fresh callback (Churn, RaceRemoval), not installed yet.
  SoakCallback* NewDisposable();
  // SetNotify(callback) during an epoch (RaceRemoval): no Account(), which
  // reads the workers' counters; false on a failure.
  bool SetNotifyRacing(SoakCallback* callback);
  HRESULT CallSetNotify(SoakCallback* callback, const char* what);
  void Churn();
  void ChurnDisposable();
  void RaceRemoval();

  // --- The summary's parts (soak_report.cpp) -------------------------------
  std::string TrafficFigures(const SoakReport& report, const TrafficTotals& sum) const;
  std::string NotifyFigures() const;
  std::string DecommitFigures(long long wakes) const;

  // --- Checks (soak_checks.cpp) --------------------------------------------
  bool ExpectHr(const char* rule, const char* call, HRESULT expected, HRESULT observed);
  // GetFreeCount from inside a NotifyRelease, under the slot's outer call.
  HRESULT NestedFreeCount(CallSlot& s, LONG* free_count);
  void Account();
  void CheckQuiescent(const char* where);
  void CheckNoneOut(const char* where);
  void CheckNotifyCount(const char* where, const SoakCallback& cb);
  void CheckReferences(const char* where, const SoakCallback& cb, bool installed);
  void CheckEverySampleFree(const char* where);
  // GEN.NOLEAK on the allocator's final Release, which returned `count`.
  bool CheckAllocatorDestroyed(ULONG count);
  // COM.CALLBACK.REFS once the allocator is destroyed: the soak's own
  // reference left, or none.
  void CheckCallbackLetGo(const SoakCallback& cb);

  const harness::Implementation& impl_;
  const SoakOptions options_;
  const int threads_;
  std::unique_ptr<CallSlot[]> slots_;
  std::vector<Traffic> traffic_;  // [threads_] is the controller's
  uint64_t rng_;                  // controller only

  IMemAllocator* alloc_ = nullptr;
  IMemAllocatorCallbackTemp* cb_alloc_ = nullptr;  // null: notify counting n/a
  std::string notify_na_;                          // why, when n/a
  LONG cbuffers_ = 0;
  LONG cbbuffer_ = 0;
  LONG min_cbuffers_ = 0;  // pool sizes used (controller only)
  LONG max_cbuffers_ = 0;
  std::vector<std::unique_ptr<SoakCallback>> callbacks_;
  std::atomic<SoakCallback*> installed_{nullptr};
  std::atomic<const SoakCallback*> setnotify_target_{nullptr};
  long long disposables_ = 0;  // disposable callbacks installed (controller only)
  long long races_ = 0;        // RaceRemoval calls (controller only)
  // The callbacks RaceRemoval installed or removed in the epoch now
  // running, and per callback the releases of such epochs: each may or may
  // not have notified it (controller only).
  std::vector<SoakCallback*> raced_;
  std::vector<long long> raced_slack_;
  std::vector<long long> expected_notifies_;  // controller only
  long long accounted_releases_ = 0;          // controller only
  std::atomic<int> out_{0};                   // ALLOC.BOUND
  OwnerTable owners_;

  // The rendezvous.
  harness::Mutex mu_;
  harness::CondVar cv_;       // workers wait for the next epoch
  harness::CondVar ctrl_cv_;  // the controller waits for arrivals
  long long epoch_ HARNESS_GUARDED_BY(mu_) = 0;
  EpochKind kind_ HARNESS_GUARDED_BY(mu_) = EpochKind::kCycle;
  int arrived_ HARNESS_GUARDED_BY(mu_) = 0;
  std::vector<long long> quota_ HARNESS_GUARDED_BY(mu_);
  std::atomic<int> entered_wait_{0};
  std::atomic<int> awake_{0};         // workers started on this epoch
  std::atomic<int> serial_free_{-1};  // >= 0: SerialFreeCount's expectation

  std::atomic<bool> stop_{false};   // orderly: finish the epoch, tear down
  std::atomic<bool> abort_{false};  // a hang: touch nothing more
  std::atomic<bool> leak_{false};   // the allocator may still use callbacks
  bool idle_at_start_ = false;      // DllCanUnloadNow said S_OK before Setup
  std::atomic<long long> cycles_done_{0};

  // Figures for the summary (controller only).
  long long epochs_ = 0;
  long long setnotify_calls_ = 0;
  long long decommits_with_waiters_ = 0;
  long long quiescent_decommits_ = 0;

  harness::Mutex failures_mu_;
  std::vector<std::pair<std::string, std::string>> failures_ HARNESS_GUARDED_BY(failures_mu_);
  size_t failures_dropped_ HARNESS_GUARDED_BY(failures_mu_) = 0;
};

}  // namespace dsalloc::conform::soak_internal

#endif  // DSALLOC_CONFORM_SOAK_CORE_H_
