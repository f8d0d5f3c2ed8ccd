// conform/soak.cpp: the soak phase (soak.h).
//
// Threads: RunSoak's thread is the watchdog; one controller thread sets the
// allocator up, runs the epochs and tears down; `threads` workers make the
// traffic. Workers and controller meet at a rendezvous (mu_, epoch_,
// arrived_) between epochs, where nobody is inside a call on the allocator:
// only there are callbacks switched, counts compared and (with every sample
// in the controller's hands) decommits done.
//
// Every call into the implementation runs inside a CallSlot: the thread's
// sequence number is odd while it is inside, and the watchdog reports a
// number that stays odd and unchanged for longer than stuck_bound.

#include "soak.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <comkit/notify_callback_base.h>

#include "harness/annotated_mutex.h"
#include "harness/keep_forever.h"
#include "spec/model/outcome.h"

namespace dsalloc::conform {
namespace {

using Clock = std::chrono::steady_clock;
using harness::CondVar;
using harness::Mutex;
using harness::MutexLock;

constexpr size_t kMaxFailures = 16;
constexpr LONG kBufferSize = 1024;
constexpr long long kCyclesPerEpoch = 1024;  // per worker
constexpr long long kDecommitEvery = 4;      // epochs; a quiescent one half-way
constexpr int kCallbacks = 3;
constexpr int kReentrantEvery = 16;  // NotifyRelease calls GetFreeCount
constexpr int kRacesPerEpoch = 8;    // SetNotify(NULL) calls of a RaceRemoval

std::string Hr(HRESULT hr) { return spec::HresultName(hr); }

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// One thread's window on the watchdog. Written by its thread only.
struct CallSlot {
  std::atomic<uint64_t> seq{0};  // odd: inside a call
  std::atomic<const char*> call{""};
  std::atomic<const char*> rule{nullptr};  // broken beyond GEN.NOHANG if stuck here

  void Enter(const char* what, const char* hang_rule) {
    call.store(what, std::memory_order_relaxed);
    rule.store(hang_rule, std::memory_order_relaxed);
    seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  void Leave() { seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
};

thread_local CallSlot* tls_slot = nullptr;

// Which holder owns each sample pointer: open addressing, keys never
// removed (Reset only at a rendezvous), so Claim is exact without a lock.
class OwnerTable {
 public:
  static constexpr int kSize = 64;

  // False if s is owned already; true when claimed (or the table is full).
  bool Claim(IMediaSample* s) {
    int i = Find(s, true);
    return i < 0 || owned_[i].exchange(1, std::memory_order_acq_rel) == 0;
  }
  void Disclaim(IMediaSample* s) {
    int i = Find(s, false);
    if (i >= 0) owned_[i].store(0, std::memory_order_release);
  }
  void Reset() {
    for (int i = 0; i < kSize; ++i) {
      key_[i].store(nullptr, std::memory_order_relaxed);
      owned_[i].store(0, std::memory_order_relaxed);
    }
  }

 private:
  int Find(IMediaSample* s, bool insert) {
    size_t start = (reinterpret_cast<uintptr_t>(s) >> 4) % kSize;
    for (int probe = 0; probe < kSize; ++probe) {
      int j = static_cast<int>((start + static_cast<size_t>(probe)) % kSize);
      IMediaSample* k = key_[j].load(std::memory_order_acquire);
      if (k == s) return j;
      if (k != nullptr) continue;
      if (!insert) return -1;
      if (key_[j].compare_exchange_strong(k, s, std::memory_order_acq_rel) || k == s) return j;
    }
    return -1;
  }

  std::atomic<IMediaSample*> key_[kSize] = {};
  std::atomic<int> owned_[kSize] = {};
};

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

class Soak;

// A counting NotifyRelease callback that checks the rules on every call
// (identity: comkit::NotifyCallbackBase). The soak holds one reference on the
// first kCallbacks from creation until teardown, so their count never
// reaches 0 before that. A disposable one (Churn) the soak lets go of as
// soon as it is installed: the allocator then holds its last reference
// (COM.CALLBACK.CLIENT), and the SetNotify that replaces it destroys it; a
// call after that, or its death during a NotifyRelease, is reported
// (COM.CALLBACK.DEAD).
class SoakCallback final : public comkit::NotifyCallbackBase {
 public:
  SoakCallback(Soak* soak, int index) : soak_(soak), index_(index) {}

  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;
  HRESULT STDMETHODCALLTYPE NotifyRelease() override;

  long refs() const { return refs_.load(); }
  long long notified() const { return notified_.load(); }
  int index() const { return index_; }
  // The soak's own Release (teardown, or a disposable one's right after it
  // is installed), once, if the count allows it.
  void ReleaseOwn() {
    if (released_by_soak_.load() || refs_.load() <= 0) return;
    released_by_soak_.store(true);
    Release();
  }
  // The soak let go of it: its count is the allocator's alone.
  bool released_by_soak() const { return released_by_soak_.load(); }
  // Removed by a SetNotify(NULL) racing the workers' releases
  // (RaceRemoval): releases already under way may still notify it.
  void MarkRaced() { raced_.store(true); }
  bool raced() const { return raced_.load(); }

 private:
  // A call on it after the soak let go and its count reached 0: destroyed
  // (COM.CALLBACK.DEAD), under the rule of the step that made the call.
  void DeadCall(const char* rule, const std::string& what);

  Soak* const soak_;
  const int index_;
  std::atomic<long> refs_{1};
  std::atomic<long long> notified_{0};
  std::atomic<int> notifying_{0};  // NotifyRelease calls now running
  std::atomic<bool> released_by_soak_{false};
  std::atomic<bool> raced_{false};
};

enum class EpochKind { kCycle, kDecommitWait, kExit };

class Soak {
 public:
  Soak(const harness::Implementation& impl, const SoakOptions& options)
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

  int threads() const { return threads_; }
  int slot_count() const { return threads_ + 1; }
  CallSlot& slot(int i) { return slots_[i]; }
  long long cycles_done() const { return cycles_done_.load(); }
  bool aborted() const { return abort_.load(); }
  bool leak() const { return leak_.load(); }
  const SoakCallback* installed() const { return installed_.load(); }
  // The callback the controller's SetNotify now running was given.
  const SoakCallback* setnotify_target() const { return setnotify_target_.load(); }

  void Fail(const std::string& rule, const std::string& message) {
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

  // Whether a failure of `rule` is on the list already (later checks of the
  // same count would only repeat it).
  bool Failed(const std::string& rule) {
    MutexLock lock(failures_mu_);
    for (const auto& f : failures_) {
      if (f.first == rule) return true;
    }
    return false;
  }

  // A hang: stop touching the implementation, everyone leaves.
  void Abort() {
    {
      MutexLock lock(mu_);
      abort_.store(true);
      stop_.store(true);
    }
    cv_.NotifyAll();
    ctrl_cv_.NotifyAll();
    leak_.store(true);
  }

  void ControllerMain();
  void WorkerMain(int index);

  // The reentrant call NotifyRelease makes now and then (NOTIFY.REENTRANT).
  // GetFreeCount from inside a NotifyRelease, under the slot's outer call.
  HRESULT NestedFreeCount(CallSlot& s, LONG* free_count);
  void ReentrantFreeCount();
  // While the controller releases samples alone: the exact free count seen
  // from inside NotifyRelease (NOTIFY.AFTERFREE, ALLOC.FREECOUNT). False
  // when not in that phase or not on the controller's thread.
  bool SerialFreeCount();

  SoakReport Report(double seconds);

 private:
  // --- Calls into the implementation, each inside the thread's slot --------
  CallSlot& MySlot() { return *tls_slot; }

  bool Acquire(Traffic& t, DWORD flags, const char* hang_rule, HRESULT* hr_out);
  void ReleaseHeld(Traffic& t, size_t pos);
  void ReleaseAll(Traffic& t) {
    while (!t.held.empty() && !abort_.load(std::memory_order_relaxed)) {
      ReleaseHeld(t, t.held.size() - 1);
    }
  }

  // --- Worker side -----------------------------------------------------------
  void Cycle(Traffic& t);
  void WaitThroughDecommit(Traffic& t);

  // --- Controller side -------------------------------------------------------
  bool Setup();
  void Teardown();
  bool RunEpoch(EpochKind kind);
  void StartEpoch(EpochKind kind);
  bool AwaitArrivals();
  void Account();
  void CheckQuiescent(const char* where);
  void Install(SoakCallback* callback);
  // A fresh callback (Churn, RaceRemoval), not installed yet.
  SoakCallback* NewDisposable();
  // SetNotify(callback) during an epoch (RaceRemoval): no Account(), which
  // reads the workers' counters; false on a failure.
  bool SetNotifyRacing(SoakCallback* callback);
  HRESULT CallSetNotify(SoakCallback* callback, const char* what);
  void Churn();
  void RaceRemoval();
  void QuiescentDecommit();
  void DecommitWithWaiters();
  bool ExpectHr(const char* rule, const char* call, HRESULT expected, HRESULT observed) {
    if (observed == expected) return true;
    Fail(rule, std::string(call) + ": expected " + Hr(expected) + ", observed " + Hr(observed));
    return false;
  }

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
  Mutex mu_;
  CondVar cv_;       // workers wait for the next epoch
  CondVar ctrl_cv_;  // the controller waits for arrivals
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

  Mutex failures_mu_;
  std::vector<std::pair<std::string, std::string>> failures_ HARNESS_GUARDED_BY(failures_mu_);
  size_t failures_dropped_ HARNESS_GUARDED_BY(failures_mu_) = 0;
};

// --- SoakCallback ---------------------------------------------------------

void SoakCallback::DeadCall(const char* rule, const std::string& what) {
  soak_->Fail(rule, "callback #" + std::to_string(index_) +
                        " (let go of by the soak, the allocator held its last reference): "
                        "expected no call after its count reached 0 (destroyed), observed " +
                        what);
}

ULONG SoakCallback::AddRef() {
  long before = refs_.fetch_add(1);
  if (before <= 0 && released_by_soak_.load()) {
    // Inside SetNotify(this): it released the callback it was given before
    // its AddRef (ALLOC.SETNOTIFY.SAME).
    DeadCall(soak_->setnotify_target() == this ? "ALLOC.SETNOTIFY.SAME" : "COM.CALLBACK.DEAD",
             "AddRef");
  } else if (before <= 0) {
    soak_->Fail("COM.CALLBACK.REFS", "callback #" + std::to_string(index_) +
                                         ": expected no call after its final Release, "
                                         "observed AddRef at count " +
                                         std::to_string(before));
  }
  return static_cast<ULONG>(before + 1);
}

ULONG SoakCallback::Release() {
  long after = refs_.fetch_sub(1) - 1;
  if (after == 0 && released_by_soak_.load() && notifying_.load() > 0) {
    DeadCall("NOTIFY.SNAPSHOT", "its count reach 0 while a NotifyRelease on it was running");
  } else if (after < 0 && released_by_soak_.load()) {
    DeadCall("COM.CALLBACK.DEAD", "Release");
  } else if (after < 0) {
    soak_->Fail("COM.CALLBACK.REFS", "callback #" + std::to_string(index_) +
                                         ": expected no call after its final Release, "
                                         "observed Release at count 0");
  } else if (after == 0 && !released_by_soak_.load()) {
    soak_->Fail("COM.CALLBACK.REFS",
                "callback #" + std::to_string(index_) +
                    ": expected the allocator to release only references it took, observed "
                    "the count reach 0 while the soak still held its own reference");
  }
  return static_cast<ULONG>(std::max(after, 0L));
}

HRESULT SoakCallback::NotifyRelease() {
  notifying_.fetch_add(1);
  if (refs_.load() <= 0 && released_by_soak_.load()) {
    DeadCall("NOTIFY.SNAPSHOT", "NotifyRelease");
  } else if (refs_.load() <= 0) {
    soak_->Fail("COM.CALLBACK.REFS", "callback #" + std::to_string(index_) +
                                         ": expected no call after its final Release, "
                                         "observed NotifyRelease");
  }
  const SoakCallback* now = soak_->installed();
  if (now != this && !raced_.load()) {
    soak_->Fail("NOTIFY.ONCE",
                "expected NotifyRelease only on the installed callback (" +
                    (now == nullptr ? std::string("none") : "#" + std::to_string(now->index())) +
                    "), observed it on callback #" + std::to_string(index_));
  }
  long long n = notified_.fetch_add(1) + 1;
  if (!soak_->SerialFreeCount() && n % kReentrantEvery == 0) soak_->ReentrantFreeCount();
  notifying_.fetch_sub(1);
  return S_OK;
}

// --- Calls into the implementation -------------------------------------------

HRESULT Soak::NestedFreeCount(CallSlot& s, LONG* free_count) {
  // Still inside the outer call (seq stays odd); only the name changes.
  const char* call = s.call.load(std::memory_order_relaxed);
  const char* rule = s.rule.load(std::memory_order_relaxed);
  s.call.store("GetFreeCount from inside NotifyRelease", std::memory_order_relaxed);
  s.rule.store("THREAD.NOLOCK", std::memory_order_relaxed);
  HRESULT hr = cb_alloc_->GetFreeCount(free_count);
  s.call.store(call, std::memory_order_relaxed);
  s.rule.store(rule, std::memory_order_relaxed);
  return hr;
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

// GetBuffer with `flags`; on S_OK the sample joins t.held (bound, owner and
// buffer checks). Returns whether a sample was obtained; *hr_out the HRESULT.
bool Soak::Acquire(Traffic& t, DWORD flags, const char* hang_rule, HRESULT* hr_out) {
  CallSlot& slot = MySlot();
  // A non-NULL value that must be cleared on failure (ALLOC.GETBUFFER.CLEAR).
  IMediaSample* sample = reinterpret_cast<IMediaSample*>(&t);
  const bool blocking = (flags & AM_GBF_NOWAIT) == 0;
  slot.Enter(blocking ? "GetBuffer(blocking)" : "GetBuffer(AM_GBF_NOWAIT)", hang_rule);
  HRESULT hr = alloc_->GetBuffer(&sample, nullptr, nullptr, flags);
  slot.Leave();
  *hr_out = hr;
  if (hr != S_OK) {
    if (sample != nullptr) {
      Fail("ALLOC.GETBUFFER.CLEAR",
           "GetBuffer returned " + Hr(hr) + ": expected *ppBuffer NULL, observed it left set");
    }
    return false;
  }
  if (sample == nullptr) {
    Fail("ALLOC.GETBUFFER.POP", "GetBuffer: expected a sample with S_OK, observed NULL");
    return false;
  }
  int out = out_.fetch_add(1) + 1;
  if (out > cbuffers_) {
    Fail("ALLOC.BOUND", "expected at most " + std::to_string(cbuffers_) +
                            " samples out, observed " + std::to_string(out));
  }
  if (!owners_.Claim(sample)) {
    Fail("ALLOC.BOUND",
         "expected each sample to have one owner, observed GetBuffer hand out "
         "a sample another holder still holds");
  }
  Held held{sample, nullptr, 0, t.next_marker};
  t.next_marker = static_cast<BYTE>(t.next_marker * 7 + 13);
  slot.Enter("IMediaSample::GetPointer", nullptr);
  HRESULT pointer_hr = sample->GetPointer(&held.data);
  slot.Leave();
  slot.Enter("IMediaSample::GetSize", nullptr);
  held.size = sample->GetSize();
  slot.Leave();
  if (pointer_hr != S_OK || held.data == nullptr) {
    Fail("SAMPLE.POINTER", "GetPointer: expected S_OK and a buffer, observed " + Hr(pointer_hr));
    held.data = nullptr;
  } else if (held.size != cbbuffer_) {
    Fail("SAMPLE.SIZE", "GetSize: expected " + std::to_string(cbbuffer_) + ", observed " +
                            std::to_string(held.size));
    held.data = nullptr;
  } else {
    held.data[0] = held.marker;
    held.data[held.size - 1] = held.marker;
  }
  t.held.push_back(held);
  return true;
}

void Soak::ReleaseHeld(Traffic& t, size_t pos) {
  CallSlot& slot = MySlot();
  Held held = t.held[pos];
  t.held[pos] = t.held.back();
  t.held.pop_back();
  if (held.data != nullptr &&
      (held.data[0] != held.marker || held.data[held.size - 1] != held.marker)) {
    Fail("ALLOC.BOUND",
         "expected a held sample's buffer to be written only by its owner, "
         "observed its first or last byte changed (shared or overlapping buffers)");
  }
  owners_.Disclaim(held.sample);
  out_.fetch_sub(1);
  if ((t.rng & 0x300) == 0) {
    // Now and then an extra reference first: only the last Release returns
    // the sample (COM.SAMPLE.ADDREF, COM.SAMPLE.RELEASE).
    slot.Enter("IMediaSample::AddRef", nullptr);
    ULONG up = held.sample->AddRef();
    slot.Leave();
    slot.Enter("IMediaSample::Release", nullptr);
    ULONG down = held.sample->Release();
    slot.Leave();
    if (up != 2 || down != 1) {
      Fail("COM.SAMPLE.RELEASE",
           "AddRef then Release on a held sample: expected 2 then 1, "
           "observed " +
               std::to_string(up) + " then " + std::to_string(down));
    }
  }
  slot.Enter("IMediaSample::Release", nullptr);
  ULONG count = held.sample->Release();
  slot.Leave();
  ++t.releases;
  if (count != 0) {
    Fail("COM.SAMPLE.RELEASE",
         "final Release of a sample: expected 0, observed " + std::to_string(count));
  }
}

// --- Worker side ---------------------------------------------------------------

// One cycle: one GetBuffer (blocking only while holding nothing, so the
// workers cannot deadlock each other), then release some of what is held.
void Soak::Cycle(Traffic& t) {
  t.rng ^= t.rng << 13;
  t.rng ^= t.rng >> 7;
  t.rng ^= t.rng << 17;
  const uint64_t r = t.rng;
  if (t.held.size() < static_cast<size_t>(cbuffers_)) {
    const bool blocking = t.held.empty() && (r & 3) != 0;
    HRESULT hr;
    if (blocking) {
      ++t.blocking_gets;
      if (!Acquire(t, 0, "THREAD.NOLOSTWAKE", &hr) && !stop_.load()) {
        Fail("ALLOC.GETBUFFER.WAIT",
             "blocking GetBuffer while committed: expected S_OK, "
             "observed " +
                 Hr(hr));
      }
    } else {
      ++t.nowait_gets;
      if (!Acquire(t, AM_GBF_NOWAIT, nullptr, &hr)) {
        if (hr == VFW_E_TIMEOUT) {
          ++t.nowait_misses;
        } else if (!stop_.load()) {
          Fail("ALLOC.GETBUFFER.NOWAIT",
               "GetBuffer(AM_GBF_NOWAIT) while committed: expected "
               "S_OK or VFW_E_TIMEOUT, observed " +
                   Hr(hr));
        }
      }
    }
  }
  size_t n = t.held.size();
  if (n == 0) return;
  // Now and then give the CPU away while holding samples: on a loaded
  // machine the workers would otherwise run their epochs one after the
  // other, and nobody would ever wait for a sample.
  if (((r >> 40) & 15) == 0) std::this_thread::yield();
  size_t k = static_cast<size_t>((r >> 8) % (n + 1));
  if (k == 0 && n == static_cast<size_t>(cbuffers_)) k = 1;
  for (size_t i = 0; i < k; ++i) {
    ReleaseHeld(t, static_cast<size_t>((r >> (16 + (4 * i) % 44)) % t.held.size()));
  }
}

// The worker's part of DecommitWithWaiters: block in GetBuffer (every sample
// is in the controller's hands) until Decommit wakes it.
void Soak::WaitThroughDecommit(Traffic& t) {
  entered_wait_.fetch_add(1);
  HRESULT hr;
  if (Acquire(t, 0, "ALLOC.DECOMMIT.WAKE", &hr)) {
    Fail("ALLOC.DECOMMIT.WAKE",
         "GetBuffer blocked when Decommit ran: expected "
         "VFW_E_NOT_COMMITTED, observed S_OK with a sample");
    ReleaseAll(t);
    return;
  }
  ++t.decommit_wakes;
  if (hr != VFW_E_NOT_COMMITTED && !(options_.portable && hr == VFW_E_TIMEOUT)) {
    Fail("ALLOC.DECOMMIT.WAKE",
         "GetBuffer blocked when Decommit ran: expected "
         "VFW_E_NOT_COMMITTED, observed " +
             Hr(hr));
  }
}

void Soak::WorkerMain(int index) {
  tls_slot = &slots_[index];
  Traffic& t = traffic_[static_cast<size_t>(index)];
  long long seen = 0;
  for (;;) {
    EpochKind kind;
    long long quota;
    {
      MutexLock lock(mu_);
      while (epoch_ == seen && !abort_.load()) lock.Wait(cv_);
      if (abort_.load()) return;
      seen = epoch_;
      kind = kind_;
      quota = quota_[static_cast<size_t>(index)];
    }
    if (kind == EpochKind::kExit) return;
    if (kind == EpochKind::kCycle) {
      // Start together, so that the workers' traffic overlaps.
      awake_.fetch_add(1);
      while (awake_.load() < threads_ && !abort_.load()) std::this_thread::yield();
      for (long long i = 0; i < quota && !stop_.load(std::memory_order_relaxed); ++i) {
        Cycle(t);
        ++t.cycles;
      }
      ReleaseAll(t);
    } else {
      WaitThroughDecommit(t);
    }
    if (abort_.load()) return;
    {
      MutexLock lock(mu_);
      ++arrived_;
    }
    ctrl_cv_.NotifyAll();
  }
}

// --- Controller side -----------------------------------------------------------

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
  if (out_.load() != 0) {
    Fail("ALLOC.BOUND", std::string(where) + ": the soak's count of samples out is " +
                            std::to_string(out_.load()) + " (soak bookkeeping)");
  }
  const SoakCallback* now = installed_.load();
  for (const auto& cb : callbacks_) {
    const long long expected = expected_notifies_[static_cast<size_t>(cb->index())];
    // A callback removed while releases raced it: each of those may or may
    // not have notified it (NOTIFY.SNAPSHOT: installed during the release).
    const long long slack = raced_slack_[static_cast<size_t>(cb->index())];
    if ((cb->notified() < expected || cb->notified() > expected + slack) &&
        !Failed("NOTIFY.ONCE")) {
      Fail("NOTIFY.ONCE", std::string(where) + ": callback #" + std::to_string(cb->index()) +
                              ": expected " + std::to_string(expected) +
                              (slack > 0 ? " to " + std::to_string(expected + slack) : "") +
                              " NotifyRelease calls (one per release made while it was "
                              "installed), observed " +
                              std::to_string(cb->notified()));
    }
    // The allocator's if installed, the soak's unless it let go
    // (COM.CALLBACK.CLIENT: a replaced disposable callback is destroyed).
    const bool soaks = !cb->released_by_soak();
    const long want = (cb.get() == now ? 1 : 0) + (soaks ? 1 : 0);
    if (cb->refs() != want && !Failed("COM.CALLBACK.REFS")) {
      Fail(soaks ? "COM.CALLBACK.REFS" : "COM.CALLBACK.CLIENT",
           std::string(where) + ": callback #" + std::to_string(cb->index()) + " (" +
               (cb.get() == now ? "installed" : "not installed") +
               (soaks ? "" : ", let go of by the soak") + "): expected " + std::to_string(want) +
               " references (" +
               (want == 2   ? "the soak's and the allocator's"
                : want == 0 ? "none: destroyed"
                : soaks     ? "the soak's only"
                            : "the allocator's only") +
               "), observed " + std::to_string(cb->refs()));
    }
  }
  if (cb_alloc_ != nullptr) {
    CallSlot& slot = MySlot();
    LONG free_count = -1;
    slot.Enter("GetFreeCount", nullptr);
    HRESULT hr = cb_alloc_->GetFreeCount(&free_count);
    slot.Leave();
    if ((hr != S_OK || free_count != cbuffers_) && !Failed("ALLOC.RELEASEBUFFER.PUSH")) {
      Fail("ALLOC.RELEASEBUFFER.PUSH",
           std::string(where) + ": every sample released: expected GetFreeCount S_OK and " +
               std::to_string(cbuffers_) + ", observed " + Hr(hr) + " and " +
               std::to_string(free_count) +
               " (a release that reached no waiter and not the free list, e.g. a phantom "
               "waiter left by a NOWAIT miss, ALLOC.GETBUFFER.NOWAIT)");
    }
  }
}

void Soak::Install(SoakCallback* callback) {
  if (cb_alloc_ == nullptr) return;
  Account();
  HRESULT hr = CallSetNotify(callback, "SetNotify");
  if (ExpectHr("ALLOC.SETNOTIFY.1", "SetNotify", S_OK, hr)) installed_.store(callback);
}

// SetNotify churn: another callback, NULL, the installed one again (also
// when the allocator holds its last reference: ALLOC.SETNOTIFY.SAME), or a
// fresh disposable callback the soak lets go of once it is installed
// (COM.CALLBACK.CLIENT), so that the next churn destroys it.
void Soak::Churn() {
  if (callbacks_.empty()) return;
  const uint64_t r = SplitMix(rng_);
  const int pick = static_cast<int>(r % (kCallbacks + 3));
  if (pick == kCallbacks + 1) {
    SoakCallback* fresh = NewDisposable();
    Install(fresh);
    if (installed_.load() != fresh) return;
    fresh->ReleaseOwn();
    // Once more, now that the allocator holds its last reference: the
    // AddRef must come before the Release (ALLOC.SETNOTIFY.SAME).
    Install(fresh);
    return;
  }
  SoakCallback* target = nullptr;
  if (pick == kCallbacks + 2) {
    target = installed_.load();  // the same again (NULL again if none)
  } else if (pick < kCallbacks) {
    target = callbacks_[static_cast<size_t>(pick)].get();
  }
  Install(target);
}

// While the workers release samples: SetNotify(NULL) on a disposable
// callback, so that the allocator's Release of its last reference races
// the releases that notify it. None of them may call it once it is
// destroyed, and it may not die while one of them notifies it
// (NOTIFY.SNAPSHOT, COM.CALLBACK.DEAD: the base classes' unsynchronised
// read does both). Only on the controller's thread, with the epoch started.
void Soak::RaceRemoval() {
  SoakCallback* cb = installed_.load();
  if (cb == nullptr || !cb->released_by_soak() || cb_alloc_ == nullptr) return;
  while (awake_.load() < threads_ && !abort_.load()) std::this_thread::yield();
  for (int round = 0; !stop_.load(); ++round) {
    cb->MarkRaced();
    raced_.push_back(cb);
    if (!SetNotifyRacing(nullptr)) return;
    ++races_;
    if (round + 1 == kRacesPerEpoch) return;
    // A fresh one, let go of at once, for the next round.
    SoakCallback* fresh = NewDisposable();
    fresh->MarkRaced();  // installed during the epoch: its count is a bound
    raced_.push_back(fresh);
    if (!SetNotifyRacing(fresh)) return;
    fresh->ReleaseOwn();
    cb = fresh;
  }
}

SoakCallback* Soak::NewDisposable() {
  const int index = static_cast<int>(callbacks_.size());
  callbacks_.push_back(std::make_unique<SoakCallback>(this, index));
  expected_notifies_.push_back(0);
  raced_slack_.push_back(0);
  ++disposables_;
  return callbacks_.back().get();
}

// One SetNotify call, watched: the call slot (a stuck call is named) and
// the target (what a callback destroyed meanwhile was given to), counted.
HRESULT Soak::CallSetNotify(SoakCallback* callback, const char* what) {
  CallSlot& slot = MySlot();
  setnotify_target_.store(callback);
  slot.Enter(what, nullptr);
  HRESULT hr = cb_alloc_->SetNotify(callback);
  slot.Leave();
  setnotify_target_.store(nullptr);
  ++setnotify_calls_;
  return hr;
}

bool Soak::SetNotifyRacing(SoakCallback* callback) {
  HRESULT hr = CallSetNotify(callback, "SetNotify during the traffic");
  if (!ExpectHr(callback == nullptr ? "ALLOC.SETNOTIFY.NULL" : "ALLOC.SETNOTIFY.1",
                "SetNotify during the traffic", S_OK, hr)) {
    return false;
  }
  installed_.store(callback);
  return true;
}

// Decommit and Commit with nothing out (ALLOC.DECOMMIT.2, ALLOC.COMMIT.3).
void Soak::QuiescentDecommit() {
  CallSlot& slot = MySlot();
  slot.Enter("Decommit", nullptr);
  HRESULT hr = alloc_->Decommit();
  slot.Leave();
  if (!ExpectHr("ALLOC.DECOMMIT.2", "Decommit with no sample out", S_OK, hr)) return;
  HRESULT get_hr;
  Traffic& mine = traffic_[static_cast<size_t>(threads_)];
  if (Acquire(mine, AM_GBF_NOWAIT, nullptr, &get_hr)) ReleaseAll(mine);
  ExpectHr("ALLOC.GETBUFFER.NOTCOMMITTED", "GetBuffer(AM_GBF_NOWAIT) after Decommit",
           VFW_E_NOT_COMMITTED, get_hr);
  // Another pool size for the next epochs (ALLOC.PROPS.STORE, ALLOC.COMMIT.REALLOC).
  ALLOCATOR_PROPERTIES request{static_cast<LONG>(2 + SplitMix(rng_) % 3), kBufferSize, 1, 0};
  ALLOCATOR_PROPERTIES actual{};
  slot.Enter("SetProperties", nullptr);
  hr = alloc_->SetProperties(&request, &actual);
  slot.Leave();
  if (!ExpectHr("ALLOC.PROPS.STORE", "SetProperties while decommitted", S_OK, hr)) return;
  if (actual.cBuffers != request.cBuffers || actual.cbBuffer != request.cbBuffer) {
    Fail("ALLOC.PROPS.STORE", "SetProperties(" + std::to_string(request.cBuffers) + ", " +
                                  std::to_string(request.cbBuffer) +
                                  ", 1, 0): expected them "
                                  "back, observed " +
                                  std::to_string(actual.cBuffers) + ", " +
                                  std::to_string(actual.cbBuffer));
    return;
  }
  cbuffers_ = actual.cBuffers;
  cbbuffer_ = actual.cbBuffer;
  min_cbuffers_ = min_cbuffers_ == 0 ? cbuffers_ : std::min(min_cbuffers_, cbuffers_);
  max_cbuffers_ = std::max(max_cbuffers_, cbuffers_);
  slot.Enter("Commit", nullptr);
  hr = alloc_->Commit();
  slot.Leave();
  ExpectHr("ALLOC.COMMIT.3", "Commit after Decommit", S_OK, hr);
  owners_.Reset();
  ++quiescent_decommits_;
}

// Every sample in the controller's hands, every worker blocked in GetBuffer:
// Decommit must wake them all (ALLOC.DECOMMIT.WAKE); the samples are then
// released in the pending state, notifying as any release (NOTIFY.ONCE).
void Soak::DecommitWithWaiters() {
  Traffic& mine = traffic_[static_cast<size_t>(threads_)];
  if (installed_.load() == nullptr && !callbacks_.empty()) Install(callbacks_[0].get());
  for (LONG i = 0; i < cbuffers_; ++i) {
    HRESULT hr;
    if (!Acquire(mine, AM_GBF_NOWAIT, nullptr, &hr)) {
      Fail("ALLOC.GETBUFFER.POP", "every sample released, GetBuffer(AM_GBF_NOWAIT) #" +
                                      std::to_string(i + 1) + " of " + std::to_string(cbuffers_) +
                                      ": expected S_OK, observed " + Hr(hr));
      ReleaseAll(mine);
      return;
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
  entered_wait_.store(0);
  StartEpoch(EpochKind::kDecommitWait);
  // Let every worker reach its GetBuffer; a late one sees the decommit at
  // once, which gives the same result.
  while (entered_wait_.load() < threads_ && !abort_.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::microseconds(500));
  CallSlot& slot = MySlot();
  slot.Enter("Decommit", nullptr);
  HRESULT decommit_hr = alloc_->Decommit();
  slot.Leave();
  ExpectHr("ALLOC.DECOMMIT.3", "Decommit with samples out and waiters", S_OK, decommit_hr);
  if (!AwaitArrivals()) return;
  // In P, alone; the last release completes the decommit.
  for (int released = 1; !mine.held.empty() && !abort_.load(); ++released) {
    serial_free_.store(released);
    ReleaseHeld(mine, mine.held.size() - 1);
  }
  serial_free_.store(-1);
  ++decommits_with_waiters_;
  CheckQuiescent("after a decommit with waiters");
  slot.Enter("Commit", nullptr);
  HRESULT commit_hr = alloc_->Commit();
  slot.Leave();
  ExpectHr("ALLOC.COMMIT.3", "Commit after the decommit completed", S_OK, commit_hr);
  owners_.Reset();
}

bool Soak::Setup() {
  CallSlot& slot = MySlot();
  idle_at_start_ = impl_.can_unload_now != nullptr && impl_.can_unload_now() == S_OK;
  void* pv = nullptr;
  slot.Enter("CreateAllocator", nullptr);
  HRESULT hr = impl_.CreateAllocator(IID_IMemAllocator, &pv);
  slot.Leave();
  if (hr != S_OK || pv == nullptr) {
    Fail("LIFE.CREATE",
         "CreateAllocator(IID_IMemAllocator): expected S_OK and an allocator, "
         "observed " +
             Hr(hr));
    return false;
  }
  alloc_ = static_cast<IMemAllocator*>(pv);
  pv = nullptr;
  slot.Enter("QueryInterface(IID_IMemAllocatorCallbackTemp)", nullptr);
  hr = alloc_->QueryInterface(IID_IMemAllocatorCallbackTemp, &pv);
  slot.Leave();
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
  ALLOCATOR_PROPERTIES request{static_cast<LONG>(2 + SplitMix(rng_) % 3), kBufferSize, 1, 0};
  ALLOCATOR_PROPERTIES actual{};
  slot.Enter("SetProperties", nullptr);
  hr = alloc_->SetProperties(&request, &actual);
  slot.Leave();
  if (!ExpectHr("ALLOC.PROPS.STORE", "SetProperties", S_OK, hr)) return false;
  if (actual.cBuffers < 1 || actual.cBuffers > 16 || actual.cbBuffer < 1) {
    Fail("ALLOC.PROPS.STORE", "SetProperties(" + std::to_string(request.cBuffers) + ", " +
                                  std::to_string(request.cbBuffer) +
                                  "): expected them back, "
                                  "observed " +
                                  std::to_string(actual.cBuffers) + ", " +
                                  std::to_string(actual.cbBuffer));
    return false;
  }
  cbuffers_ = actual.cBuffers;
  cbbuffer_ = actual.cbBuffer;
  min_cbuffers_ = min_cbuffers_ == 0 ? cbuffers_ : std::min(min_cbuffers_, cbuffers_);
  max_cbuffers_ = std::max(max_cbuffers_, cbuffers_);
  slot.Enter("Commit", nullptr);
  hr = alloc_->Commit();
  slot.Leave();
  if (!ExpectHr("ALLOC.COMMIT.3", "first Commit", S_OK, hr)) return false;
  if (cb_alloc_ != nullptr) {
    for (int i = 0; i < kCallbacks; ++i) {
      callbacks_.push_back(std::make_unique<SoakCallback>(this, i));
    }
    expected_notifies_.assign(kCallbacks, 0);
    raced_slack_.assign(kCallbacks, 0);
    Install(callbacks_[0].get());
  }
  return true;
}

// The end: workers gone, callback removed, decommitted, every reference
// returned (GEN.NOLEAK).
void Soak::Teardown() {
  RunEpoch(EpochKind::kExit);
  CheckQuiescent("at the end");
  CallSlot& slot = MySlot();
  if (cb_alloc_ != nullptr) {
    Install(nullptr);
    CheckQuiescent("after SetNotify(NULL)");
  }
  if (alloc_ == nullptr) return;
  slot.Enter("Decommit", nullptr);
  HRESULT hr = alloc_->Decommit();
  slot.Leave();
  ExpectHr("ALLOC.DECOMMIT.2", "final Decommit", S_OK, hr);
  if (cb_alloc_ != nullptr) {
    slot.Enter("IMemAllocatorCallbackTemp::Release", nullptr);
    cb_alloc_->Release();
    slot.Leave();
  }
  slot.Enter("IMemAllocator::Release (final)", nullptr);
  ULONG count = alloc_->Release();
  slot.Leave();
  // COM.ALLOC.RELEASE: the count Release returns is strict only; under
  // portable an object still alive shows through DllCanUnloadNow instead
  // (when the server was idle when the soak began).
  bool alive = options_.portable ? idle_at_start_ && impl_.can_unload_now() != S_OK : count != 0;
  if (alive) {
    Fail("GEN.NOLEAK",
         "final Release of the allocator (decommitted, every sample back, no "
         "callback): expected 0 (portable: DllCanUnloadNow S_OK), observed " +
             std::to_string(count));
    leak_.store(true);  // it may still call a callback: keep them
    return;
  }
  for (const auto& cb : callbacks_) {
    const long want = cb->released_by_soak() ? 0 : 1;
    if (cb->refs() != want && !Failed("COM.CALLBACK.REFS")) {
      Fail("COM.CALLBACK.REFS", "allocator destroyed: callback #" + std::to_string(cb->index()) +
                                    ": expected " +
                                    (want == 1 ? "only the soak's reference" : "none (destroyed)") +
                                    ", observed " + std::to_string(cb->refs()));
    }
    cb->ReleaseOwn();
  }
}

void Soak::ControllerMain() {
  tls_slot = &slots_[threads_];
  if (!Setup()) {
    RunEpoch(EpochKind::kExit);
    if (alloc_ != nullptr) {
      if (cb_alloc_ != nullptr) cb_alloc_->Release();
      alloc_->Release();
    }
    for (const auto& cb : callbacks_) cb->ReleaseOwn();
    return;
  }
  const long long total = std::max(0LL, options_.cycles);
  while (!stop_.load() && cycles_done_.load() < total) {
    ++epochs_;
    if (epochs_ % kDecommitEvery == 0) {
      DecommitWithWaiters();
      if (abort_.load()) return;
      if (stop_.load()) break;
    } else if (epochs_ % kDecommitEvery == kDecommitEvery / 2) {
      QuiescentDecommit();
      if (stop_.load()) break;
    }
    Churn();
    CheckQuiescent("after SetNotify");
    if (stop_.load()) break;
    const long long remaining = total - cycles_done_.load();
    const long long this_epoch = std::min(remaining, kCyclesPerEpoch * threads_);
    {
      MutexLock lock(mu_);
      for (int i = 0; i < threads_; ++i) {
        quota_[static_cast<size_t>(i)] = this_epoch / threads_ + (i < this_epoch % threads_);
      }
    }
    StartEpoch(EpochKind::kCycle);
    // Half the epochs that start with a disposable callback installed remove
    // it while the workers release (RaceRemoval).
    if ((SplitMix(rng_) & 1) != 0) RaceRemoval();
    if (!AwaitArrivals()) return;
    CheckQuiescent("at a rendezvous");
  }
  if (abort_.load()) return;
  Teardown();
}

SoakReport Soak::Report(double seconds) {
  SoakReport report;
  {
    MutexLock lock(failures_mu_);
    report.failures = failures_;
    if (failures_dropped_ > 0) {
      report.failures.emplace_back(
          "", std::to_string(failures_dropped_) + " further failures not listed");
    }
  }
  report.passed = report.failures.empty();
  report.notify_checked = cb_alloc_ != nullptr;
  report.cycles_done = cycles_done_.load();
  report.seconds = seconds;
  long long releases = 0, blocking = 0, nowait = 0, misses = 0, wakes = 0;
  for (const Traffic& t : traffic_) {
    releases += t.releases;
    blocking += t.blocking_gets;
    nowait += t.nowait_gets;
    misses += t.nowait_misses;
    wakes += t.decommit_wakes;
  }
  long long notified = 0;
  for (const auto& cb : callbacks_) notified += cb->notified();
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.2f s (%.0f cycles/s)", seconds,
                seconds > 0 ? static_cast<double>(report.cycles_done) / seconds : 0.0);
  std::string s = impl_.name + ": " + std::to_string(report.cycles_done) + " of " +
                  std::to_string(options_.cycles) + " cycles on " + std::to_string(threads_) +
                  " workers in " + rate + "; cBuffers " + std::to_string(min_cbuffers_) +
                  (max_cbuffers_ != min_cbuffers_ ? "-" + std::to_string(max_cbuffers_) : "") +
                  ", cbBuffer " + std::to_string(cbbuffer_) + "; " + std::to_string(blocking) +
                  " blocking and " + std::to_string(nowait) + " NOWAIT GetBuffer calls (" +
                  std::to_string(misses) + " misses), " + std::to_string(releases) + " releases; ";
  if (cb_alloc_ != nullptr || notify_na_.empty()) {
    s += std::to_string(notified) + " NotifyRelease calls counted exactly on " +
         std::to_string(callbacks_.size()) + " callbacks (" + std::to_string(disposables_) +
         " let go of once installed, " + std::to_string(races_) +
         " removed while releases raced) at " + std::to_string(epochs_) + " rendezvous, " +
         std::to_string(setnotify_calls_) + " SetNotify calls; ";
  } else {
    s += "notify counting not applicable (" + notify_na_ + "); ";
  }
  s += std::to_string(decommits_with_waiters_) + " decommits with every sample out (" +
       std::to_string(wakes) + " waiters woken), " + std::to_string(quiescent_decommits_) +
       " with none out; ";
  s += report.passed ? std::string("passed")
                     : std::to_string(report.failures.size()) + " failure(s), first " +
                           report.failures.front().first;
  if (aborted()) s += "; stopped by a hang (threads detached, allocator leaked)";
  report.summary = s;
  return report;
}

}  // namespace

SoakReport RunSoak(const harness::Implementation& impl, const SoakOptions& options) {
  const auto start = Clock::now();
  auto soak = std::make_unique<Soak>(impl, options);
  const int n = soak->slot_count();  // workers, then the controller

  // The finish flags outlive RunSoak if a thread is detached: shared with it.
  struct Done {
    Mutex mu;
    CondVar cv;
    std::vector<char> finished HARNESS_GUARDED_BY(mu);
    int count HARNESS_GUARDED_BY(mu) = 0;
  };
  auto done = std::make_shared<Done>();
  {
    MutexLock lock(done->mu);
    done->finished.assign(static_cast<size_t>(n), 0);
  }

  std::vector<std::thread> threads;
  Soak* raw = soak.get();
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([raw, done, i, n] {
      if (i == n - 1) {
        raw->ControllerMain();
      } else {
        raw->WorkerMain(i);
      }
      {
        MutexLock lock(done->mu);
        done->finished[static_cast<size_t>(i)] = 1;
        ++done->count;
      }
      done->cv.NotifyAll();
    });
  }

  // The watchdog.
  const auto bound = options.stuck_bound;
  const auto poll = std::clamp<std::chrono::milliseconds>(bound / 8, std::chrono::milliseconds(1),
                                                          std::chrono::milliseconds(20));
  std::vector<uint64_t> last_seq(static_cast<size_t>(n), 0);
  std::vector<Clock::time_point> since(static_cast<size_t>(n), start);
  long long reported_progress = -1;
  Clock::time_point abort_deadline{};
  for (;;) {
    {
      MutexLock lock(done->mu);
      if (done->count == n) break;
      lock.WaitUntil(done->cv, Clock::now() + poll);
      if (done->count == n) break;
    }
    const auto now = Clock::now();
    if (soak->aborted()) {
      if (now >= abort_deadline) break;
      continue;
    }
    // Stuck calls. A GetBuffer blocked behind another stuck call (a
    // deadlock holding the allocator's lock) is a consequence: then only
    // the others are charged with their rules.
    std::vector<int> stuck;
    bool other_than_wait = false;
    for (int i = 0; i < n; ++i) {
      CallSlot& slot = soak->slot(i);
      const uint64_t seq = slot.seq.load(std::memory_order_acquire);
      const size_t k = static_cast<size_t>(i);
      if ((seq & 1) == 0 || seq != last_seq[k]) {
        last_seq[k] = seq;
        since[k] = now;
        continue;
      }
      if (now - since[k] <= bound) continue;
      stuck.push_back(i);
      if (std::string(slot.call.load(std::memory_order_relaxed)) != "GetBuffer(blocking)") {
        other_than_wait = true;
      }
    }
    std::string also;
    for (int i : stuck) {
      CallSlot& slot = soak->slot(i);
      const std::string call = slot.call.load(std::memory_order_relaxed);
      const std::string who =
          i == n - 1 ? std::string("the controller") : "worker " + std::to_string(i);
      if (other_than_wait && call == "GetBuffer(blocking)") {
        also += (also.empty() ? "" : ", ") + who + " in " + call;
        continue;
      }
      std::string message =
          "expected " + call + " to return within " + std::to_string(bound.count()) + " ms";
      if (call == "GetBuffer(blocking)") {
        message +=
            " (once a sample is released or Decommit runs; every other thread "
            "finishes its epoch and releases what it holds)";
      } else if (call == "GetFreeCount from inside NotifyRelease") {
        message +=
            " (NotifyRelease calls back into the allocator, NOTIFY.REENTRANT; a lock "
            "held across the callback deadlocks here)";
      }
      message += ", observed " + who + " still inside it";
      if (const char* rule = slot.rule.load(std::memory_order_relaxed)) {
        soak->Fail(rule, message);
      }
      soak->Fail("GEN.NOHANG", message);
    }
    if (!also.empty()) {
      soak->Fail("GEN.NOHANG", "blocked behind the stuck call(s) above: " + also);
    }
    if (!stuck.empty()) {
      soak->Abort();
      abort_deadline = Clock::now() + std::min(bound, std::chrono::milliseconds(500));
    }
    const long long progress = soak->cycles_done();
    if (options.progress && progress != reported_progress) {
      reported_progress = progress;
      options.progress(progress, options.cycles);
    }
  }

  bool detached = false;
  {
    MutexLock lock(done->mu);
    for (int i = 0; i < n; ++i) {
      std::thread& t = threads[static_cast<size_t>(i)];
      if (done->finished[static_cast<size_t>(i)]) {
        lock.Unlock();
        t.join();
        lock.Lock();
      } else {
        t.detach();
        detached = true;
      }
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (options.progress) options.progress(soak->cycles_done(), options.cycles);
  SoakReport report = soak->Report(seconds);
  if (detached || soak->leak() || soak->aborted()) {
    // Stuck threads and the allocator may still use the soak's objects.
    harness::KeepForever(std::move(soak));
  }
  return report;
}

}  // namespace dsalloc::conform
