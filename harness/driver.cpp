// harness/driver.cpp: runs model operations on a real implementation
// (driver.h).
//
// Shape. Driver::Impl owns a heap-allocated Core. The Core holds the world:
// the allocator's raw pointer, the client's references (allocator and
// samples), the observed-id table, the three test callbacks, the lazily
// started helper threads (one blocking-GetBuffer worker per client thread,
// one lock-probe thread) and the violations. Threads hold a raw Core*; if
// one of them is stuck inside the implementation at the end, it is detached
// and the Core (and whatever the implementation may still touch) is
// deliberately leaked into a graveyard reachable from a global, so the stuck
// thread never sees freed memory and LeakSanitizer does not report it.
//
// Locking rule: Core::mu_ guards the bookkeeping only and is never held
// while calling into the implementation (a NotifyRelease it triggers would
// need it, and THREAD.NOLOCK probes run on another thread). The worker and
// probe mutexes guard their mailboxes only.
//
// Recording: a thread_local Recorder points at the Outcome of the Run (or
// RunDirect) executing on this thread; NotifyRelease appends to it, so a
// notification belongs to the op on whose thread it was delivered
// (NOTIFY.THREAD). Notifications on threads without a Recorder are counted
// by the callback but belong to no Outcome.

#include "driver.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mutex.h"
#include "test_callback.h"

namespace dsalloc::harness {
namespace {

using Clock = std::chrono::steady_clock;
using spec::Completion;
using spec::Iid;
using spec::Notification;
using spec::Op;
using spec::OpKind;
using spec::Outcome;
using spec::Reaction;
using spec::SampleHandle;

// --- sentinels ------------------------------------------------------------------
// Out-parameters are pre-filled with values no implementation produces by
// accident; an out-parameter still holding its sentinel was not written.

constexpr uintptr_t kSentinelAddress =
    static_cast<uintptr_t>(0x5EB7DEAD0F00ull & UINTPTR_MAX);
constexpr LONG kSentinelLong = 0x5EB7C0DE;
constexpr int64_t kSentinelTime = 0x5EB7C0DE5EB7C0DEll;
constexpr ALLOCATOR_PROPERTIES kSentinelProps = {kSentinelLong, kSentinelLong,
                                                 kSentinelLong, kSentinelLong};

template <typename T>
T* Sentinel() {
  return reinterpret_cast<T*>(kSentinelAddress);
}

template <typename T>
bool IsReal(T* p) {
  return p != nullptr && p != Sentinel<T>();
}

bool SameBytes(const ALLOCATOR_PROPERTIES& a, const ALLOCATOR_PROPERTIES& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

SampleHandle Observed(int id) {
  if (id < 0) return SampleHandle{};
  return SampleHandle{kObservedGeneration, static_cast<uint16_t>(id)};
}

std::string PointerString(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

// --- graveyard and live drivers ---------------------------------------------------

// Keeps p reachable for the rest of the process (see the file banner).
void Bury(const void* p) {
  static Mutex* mu = new Mutex;
  static auto* graves = new std::vector<const void*>;
  MutexLock lock(*mu);
  graves->push_back(p);
}

// Live Cores per server, so Teardown asks DllCanUnloadNow only when no other
// driver's objects can keep the server busy.
Mutex& LiveMutex() {
  static Mutex* mu = new Mutex;
  return *mu;
}
std::map<uintptr_t, int>& LiveCounts() {
  static auto* counts = new std::map<uintptr_t, int>;
  return *counts;
}

// --- recording ----------------------------------------------------------------------

struct Recorder {
  const void* owner;  // the Core whose op this is
  Outcome* outcome;
  uint8_t depth;  // Notification::depth of the next notification
};
thread_local Recorder* tls_recorder = nullptr;

class RecorderScope {
 public:
  RecorderScope(const void* owner, Outcome* outcome)
      : recorder_{owner, outcome, 0}, previous_(tls_recorder) {
    tls_recorder = &recorder_;
  }
  ~RecorderScope() { tls_recorder = previous_; }
  RecorderScope(const RecorderScope&) = delete;
  RecorderScope& operator=(const RecorderScope&) = delete;

 private:
  Recorder recorder_;
  Recorder* previous_;
};

// Arms the implementation's fault hook around one call ("oom" ops): the
// next allocation fails, and the hook is disarmed afterwards whether or not
// the call allocated.
class FaultScope {
 public:
  FaultScope(ArmAllocationFailureFn arm, bool on) : arm_(on ? arm : nullptr) {
    if (arm_ != nullptr) arm_(1, 0);
  }
  ~FaultScope() {
    if (arm_ != nullptr) arm_(0, 0);
  }
  FaultScope(const FaultScope&) = delete;
  FaultScope& operator=(const FaultScope&) = delete;

 private:
  ArmAllocationFailureFn arm_;
};

// The pUnkOuter of "CreateInstance ... outer". It must be refused
// (FACTORY.AGGREGATION); it only counts, so a broken server that keeps it
// cannot crash the driver.
class OuterUnknown final : public IUnknown {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {
    if (ppv != nullptr) *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs_; }

 private:
  std::atomic<ULONG> refs_{1};
};

// Frees what IMediaSample::GetMediaType returned, as DeleteMediaType does,
// without needing libdsalloc (the server may be another one).
void FreeMediaTypeCopy(AM_MEDIA_TYPE* mt) {
  if (mt == nullptr) return;
  if (mt->pbFormat != nullptr) CoTaskMemFree(mt->pbFormat);
  if (mt->pUnk != nullptr) mt->pUnk->Release();
  CoTaskMemFree(mt);
}

// The fields of AM_SAMPLE2_PROPERTIES as byte ranges, in order, for
// deciding how much of the structure a GetProperties call wrote.
struct FieldSpan {
  size_t start;
  size_t end;
};
#define DSALLOC_SAMPLE2_FIELD(f)                 \
  FieldSpan {                                    \
    offsetof(AM_SAMPLE2_PROPERTIES, f),          \
        offsetof(AM_SAMPLE2_PROPERTIES, f) +     \
            sizeof(AM_SAMPLE2_PROPERTIES::f)     \
  }
constexpr size_t kSample2Size = sizeof(AM_SAMPLE2_PROPERTIES);
constexpr FieldSpan kSample2Fields[] = {
    DSALLOC_SAMPLE2_FIELD(cbData),     DSALLOC_SAMPLE2_FIELD(dwTypeSpecificFlags),
    DSALLOC_SAMPLE2_FIELD(dwSampleFlags), DSALLOC_SAMPLE2_FIELD(lActual),
    DSALLOC_SAMPLE2_FIELD(tStart),     DSALLOC_SAMPLE2_FIELD(tStop),
    DSALLOC_SAMPLE2_FIELD(dwStreamId), DSALLOC_SAMPLE2_FIELD(pMediaType),
    DSALLOC_SAMPLE2_FIELD(pbBuffer),   DSALLOC_SAMPLE2_FIELD(cbBuffer)};
#undef DSALLOC_SAMPLE2_FIELD

// If `end` is exactly the end of a field, the end of the padding after it
// (a field-by-field copy leaves padding alone, a memcpy writes it: both
// wrote the field); else `end`.
size_t WithPadding(size_t end) {
  constexpr size_t n = sizeof kSample2Fields / sizeof kSample2Fields[0];
  for (size_t i = 0; i < n; ++i) {
    if (kSample2Fields[i].end == end) {
      return i + 1 < n ? kSample2Fields[i + 1].start : kSample2Size;
    }
  }
  return end;
}

// --- threads ------------------------------------------------------------------------

// How long both sides of a hand-over to a helper thread (probe, worker)
// spin, yielding, before sleeping: a probe or an uncontended GetBuffer
// takes a microsecond, a futex wake-up of a sleeping thread ten or more, and
// a sequence's ops come in bursts.
constexpr std::chrono::microseconds kHandOverSpin{50};

// Yields until pred() or `spin` has passed; returns pred().
template <typename Pred>
bool SpinFor(std::chrono::microseconds spin, Pred pred) {
  if (pred()) return true;
  Clock::time_point end = Clock::now() + spin;
  do {
    std::this_thread::yield();
    if (pred()) return true;
  } while (Clock::now() < end);
  return false;
}

// A client thread T (op.h) for blocking GetBuffer calls (driver.h banner).
struct Worker {
  Mutex mu;
  CondVar cv;
  bool has_job HARNESS_GUARDED_BY(mu) = false;   // posted, not yet taken
  bool busy HARNESS_GUARDED_BY(mu) = false;      // posted or inside GetBuffer
  bool started HARNESS_GUARDED_BY(mu) = false;   // GetBuffer entered
  bool finished HARNESS_GUARDED_BY(mu) = false;  // GetBuffer returned
  bool abandoned HARNESS_GUARDED_BY(mu) = false; // Run gave up: a Completion
  bool stop HARNESS_GUARDED_BY(mu) = false;
  bool exited HARNESS_GUARDED_BY(mu) = false;
  Op op HARNESS_GUARDED_BY(mu);
  HRESULT hr HARNESS_GUARDED_BY(mu) = S_OK;
  IMediaSample* got HARNESS_GUARDED_BY(mu) = nullptr;
  int id HARNESS_GUARDED_BY(mu) = -1;
  // Copies of has_job and finished readable without the mutex (spins).
  std::atomic<bool> job_posted{false};
  std::atomic<bool> job_finished{false};
  std::thread thread;
};

// The THREAD.NOLOCK probe thread. Requests are tickets; one probe call
// started after a ticket was issued answers it (and every older one).
struct Probe {
  Mutex mu;
  CondVar cv;
  uint64_t requested HARNESS_GUARDED_BY(mu) = 0;
  uint64_t completed HARNESS_GUARDED_BY(mu) = 0;
  bool stop HARNESS_GUARDED_BY(mu) = false;
  bool exited HARNESS_GUARDED_BY(mu) = false;
  // Copies of requested/completed readable without the mutex, for the
  // short spins that save a sleep and wake-up per probe.
  std::atomic<uint64_t> posted{0};
  std::atomic<uint64_t> answered{0};
  std::thread thread;
};

// Waits up to `timeout` for a helper thread to leave its loop; joins it, or
// detaches it and returns false.
template <typename T>
bool StopThread(T& t, std::chrono::milliseconds timeout) {
  if (!t.thread.joinable()) return true;
  bool exited = false;
  {
    MutexLock lock(t.mu);
    t.stop = true;
    t.cv.NotifyAll();
    Clock::time_point deadline = Clock::now() + timeout;
    while (!t.exited && lock.WaitUntil(t.cv, deadline)) {
    }
    exited = t.exited;
  }
  if (exited) {
    t.thread.join();
  } else {
    t.thread.detach();
  }
  return exited;
}

// --- the core -------------------------------------------------------------------------

class Core final : public TestCallback::Host {
 public:
  Core(const Implementation& impl, Driver::Options options);
  ~Core();

  bool ok() const { return alloc_ != nullptr; }
  bool server_idle_at_start() const { return server_idle_at_start_; }
  const Implementation& impl() const { return impl_; }
  // True when something the implementation may still use must outlive the
  // Driver (a detached thread): the Core is then never deleted.
  bool must_leak() const { return must_leak_.load(); }

  void SetResolver(ReactionResolver resolver) HARNESS_EXCLUDES(mu_);
  Outcome Run(const Op& op);
  Outcome RunDirect(const Op& op);
  std::vector<Completion> AwaitCompletions(size_t count) HARNESS_EXCLUDES(mu_);
  uint32_t CallbackRefs(int id) const;
  uint32_t CallbackNotifications(int id) const;
  uint32_t ClientSampleRefs(int id) const HARNESS_EXCLUDES(mu_);
  IMediaSample* SamplePointer(int id) const HARNESS_EXCLUDES(mu_);
  uintptr_t LastPointer() const { return last_pointer_.load(); }
  void Teardown(bool allocator_alive) HARNESS_EXCLUDES(mu_);
  bool torn_down() const { return torn_down_.load(); }
  bool ClientHoldsAllocator() const HARNESS_EXCLUDES(mu_);
  std::vector<Violation> TakeViolations() HARNESS_EXCLUDES(mu_);
  // Stops the helper threads (joined, or detached and must_leak()).
  void StopThreads();

  // TestCallback::Host.
  void OnNotifyRelease(TestCallback& callback, LONG refs) override;
  void OnMisuse(std::string_view rule, std::string detail) override
      HARNESS_EXCLUDES(mu_);

 private:
  struct SampleRec {
    IMediaSample* pointer = nullptr;
    uint32_t client_refs = 0;
    // Handed to a blocked GetBuffer whose return the checker has not yet
    // collected (Run or AwaitCompletions): the client does not hold it yet,
    // so a reaction must not release it (op.h kReleaseSample).
    bool in_flight = false;
    const BYTE* buffer = nullptr;  // GetPointer since the last Commit
  };
  struct ReactionResult {
    HRESULT hr = S_OK;
    int32_t value = 0;
    int id = -1;
  };

  void AddViolation(std::string_view rule, std::string detail) HARNESS_EXCLUDES(mu_);

  // Every op kind, on the calling thread.
  void Execute(const Op& op, Outcome& o);
  void ExecuteSampleOp(const Op& op, IMediaSample* s, Outcome& o);
  void ExecuteFactoryOp(const Op& op, Outcome& o);
  void GetProperties2(const Op& op, IMediaSample* s, Outcome& o);
  void SetProperties2(const Op& op, IMediaSample* s, Outcome& o);
  Outcome RunOnWorker(const Op& op);
  void WorkerMain(int thread);
  void ProbeMain();

  // GetBuffer's call and its outcome, shared by the direct and worker paths.
  HRESULT CallGetBuffer(const Op& op, IMediaSample** got);
  void FillGetBuffer(const Op& op, HRESULT hr, IMediaSample* got, int id,
                     Outcome& o);
  // Registers a sample GetBuffer returned; the client holds it if hr
  // succeeded. Returns its observed id, -1 for none.
  int Adopt(HRESULT hr, IMediaSample* got, bool in_flight = false) HARNESS_EXCLUDES(mu_);
  // Ends in_flight for observed id `id` (-1: nothing).
  void Land(int id) HARNESS_EXCLUDES(mu_);
  int IdOf(IMediaSample* p) HARNESS_REQUIRES(mu_);
  // The pointer behind a held observed id, or NULL.
  IMediaSample* HeldSample(int id) HARNESS_EXCLUDES(mu_);
  void KeepAllocatorInterface(Iid iid, void* p) HARNESS_EXCLUDES(mu_);
  void KeepSampleInterface(const Op& op, IMediaSample* s, void* p)
      HARNESS_EXCLUDES(mu_);
  int BufferOwner(int id, const BYTE* p) HARNESS_EXCLUDES(mu_);
  void ForgetBuffers() HARNESS_EXCLUDES(mu_);

  // IMemAllocatorCallbackTemp calls: through the cached pointer when the
  // allocator has one identity, else through a transient QueryInterface.
  template <typename F>
  HRESULT WithCallbackTemp(F&& call);
  ReactionResult PerformReaction(TestCallback& callback,
                                 const TestCallback::Pending& r)
      HARNESS_EXCLUDES(mu_);
  // THREAD.NOLOCK: true if a call needing the allocator's lock returned
  // within lock_probe_timeout.
  bool ProbeLock() HARNESS_EXCLUDES(probe_start_mu_);
  void CallProbe();
  // Waits (bounded) until no probe call is inside the allocator. A probe
  // that timed out finishes once the allocator drops its lock; until then
  // the allocator must not be destroyed under it. False if it never did.
  bool SettleProbe();

  // ReleaseBuffer foreign: a sample of a second, private allocator.
  HRESULT ForeignSample(IMediaSample** out) HARNESS_EXCLUDES(foreign_mu_);
  void NoteForeignAccepted() HARNESS_EXCLUDES(foreign_mu_);
  void DropForeign() HARNESS_EXCLUDES(foreign_mu_);

  Worker* GetWorker(int thread) HARNESS_EXCLUDES(workers_mu_);
  bool WaitWorkersIdle() HARNESS_EXCLUDES(workers_mu_);

  const Implementation impl_;
  const Driver::Options options_;
  IMemAllocator* alloc_ = nullptr;  // fixed after construction
  IMemAllocatorCallbackTemp* callback_temp_ = nullptr;  // cached, no reference
  std::array<TestCallback*, spec::kNumCallbacks> callbacks_{};
  OuterUnknown outer_;
  std::atomic<uintptr_t> last_pointer_{0};
  std::atomic<bool> must_leak_{false};
  std::atomic<bool> torn_down_{false};
  bool registered_ = false;
  // DllCanUnloadNow said S_OK before this Core created anything. When it did
  // not (an earlier run of a broken implementation leaked an object), the
  // server's idleness says nothing about this run and is not judged.
  bool server_idle_at_start_ = false;

  mutable Mutex mu_;
  std::vector<IUnknown*> alloc_refs_ HARNESS_GUARDED_BY(mu_);  // one ref each
  std::vector<SampleRec> samples_ HARNESS_GUARDED_BY(mu_);     // by observed id
  std::unordered_map<IMediaSample*, int> ids_ HARNESS_GUARDED_BY(mu_);
  std::unordered_map<const BYTE*, int> buffer_owner_ HARNESS_GUARDED_BY(mu_);
  void* unknown_identity_ HARNESS_GUARDED_BY(mu_) = nullptr;
  ReactionResolver resolver_ HARNESS_GUARDED_BY(mu_);
  std::vector<Completion> completions_ HARNESS_GUARDED_BY(mu_);
  CondVar completions_cv_;
  std::vector<Violation> violations_ HARNESS_GUARDED_BY(mu_);

  Mutex foreign_mu_;
  IMemAllocator* foreign_alloc_ HARNESS_GUARDED_BY(foreign_mu_) = nullptr;
  IMediaSample* foreign_sample_ HARNESS_GUARDED_BY(foreign_mu_) = nullptr;
  bool foreign_accepted_ HARNESS_GUARDED_BY(foreign_mu_) = false;

  Mutex workers_mu_;
  std::array<std::unique_ptr<Worker>, spec::kMaxThreads> workers_
      HARNESS_GUARDED_BY(workers_mu_);
  Mutex probe_start_mu_;
  std::unique_ptr<Probe> probe_ HARNESS_GUARDED_BY(probe_start_mu_);
  std::atomic<Probe*> probe_ptr_{nullptr};  // probe_.get(), for SettleProbe
};

Core::Core(const Implementation& impl, Driver::Options options)
    : impl_(impl), options_(options) {
  for (int i = 0; i < spec::kNumCallbacks; ++i) {
    callbacks_[i] = new TestCallback(i, this);
  }
  if (impl_.get_class_object == nullptr) return;
  {
    MutexLock lock(LiveMutex());
    ++LiveCounts()[reinterpret_cast<uintptr_t>(impl_.can_unload_now)];
    registered_ = true;
    server_idle_at_start_ =
        impl_.can_unload_now != nullptr &&
        LiveCounts()[reinterpret_cast<uintptr_t>(impl_.can_unload_now)] == 1 &&
        impl_.can_unload_now() == S_OK;
  }
  // LIFE.CREATE: DllGetClassObject -> CreateInstance(IID_IMemAllocator).
  void* p = nullptr;
  if (FAILED(impl_.CreateAllocator(IID_IMemAllocator, &p)) || p == nullptr) return;
  alloc_ = static_cast<IMemAllocator*>(p);
  {
    MutexLock lock(mu_);
    alloc_refs_.push_back(alloc_);
  }
  // The driver's own SetNotify/GetFreeCount calls and probes must not
  // change the counts the model predicts, so they go through a pointer
  // cached here without a reference, which is sound only when it is the
  // same object pointer (COM.ALLOC.IDENTITY); otherwise each call queries.
  void* temp = nullptr;
  if (SUCCEEDED(alloc_->QueryInterface(IID_IMemAllocatorCallbackTemp, &temp)) &&
      temp != nullptr) {
    if (temp == static_cast<void*>(alloc_)) {
      callback_temp_ = static_cast<IMemAllocatorCallbackTemp*>(temp);
    }
    static_cast<IUnknown*>(temp)->Release();
  }
}

Core::~Core() {
  // Only the driver's reference left: the callback can be deleted. Anything
  // else means the allocator may still hold (and call) it: keep it alive.
  for (TestCallback* cb : callbacks_) {
    if (cb->refs() == 1) {
      delete cb;
    } else {
      cb->DetachHost();
      Bury(cb);
    }
  }
  if (registered_) {
    MutexLock lock(LiveMutex());
    --LiveCounts()[reinterpret_cast<uintptr_t>(impl_.can_unload_now)];
  }
}

void Core::AddViolation(std::string_view rule, std::string detail) {
  MutexLock lock(mu_);
  violations_.push_back(Violation{std::string(rule), std::move(detail)});
}

void Core::OnMisuse(std::string_view rule, std::string detail) {
  AddViolation(rule, std::move(detail));
}

void Core::SetResolver(ReactionResolver resolver) {
  MutexLock lock(mu_);
  resolver_ = std::move(resolver);
}

std::vector<Violation> Core::TakeViolations() {
  MutexLock lock(mu_);
  return std::exchange(violations_, {});
}

uint32_t Core::CallbackRefs(int id) const {
  if (id < 0 || id >= spec::kNumCallbacks) return 0;
  LONG refs = callbacks_[id]->refs() - 1;  // minus the driver's own
  return refs > 0 ? static_cast<uint32_t>(refs) : 0;
}

uint32_t Core::CallbackNotifications(int id) const {
  if (id < 0 || id >= spec::kNumCallbacks) return 0;
  return callbacks_[id]->notifications();
}

uint32_t Core::ClientSampleRefs(int id) const {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return 0;
  return samples_[id].client_refs;
}

IMediaSample* Core::SamplePointer(int id) const {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return nullptr;
  return samples_[id].pointer;
}

bool Core::ClientHoldsAllocator() const {
  MutexLock lock(mu_);
  return !alloc_refs_.empty();
}

// --- bookkeeping ----------------------------------------------------------------------

int Core::IdOf(IMediaSample* p) {
  auto [it, inserted] = ids_.try_emplace(p, static_cast<int>(samples_.size()));
  if (inserted) samples_.push_back(SampleRec{p, 0, false, nullptr});
  return it->second;
}

int Core::Adopt(HRESULT hr, IMediaSample* got, bool in_flight) {
  if (!IsReal(got)) return -1;
  MutexLock lock(mu_);
  int id = IdOf(got);
  if (SUCCEEDED(hr)) {
    ++samples_[id].client_refs;
    samples_[id].in_flight = in_flight;
  }
  return id;
}

void Core::Land(int id) {
  if (id < 0) return;
  MutexLock lock(mu_);
  samples_[id].in_flight = false;
}

IMediaSample* Core::HeldSample(int id) {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return nullptr;
  const SampleRec& rec = samples_[id];
  return rec.client_refs > 0 ? rec.pointer : nullptr;
}

int Core::BufferOwner(int id, const BYTE* p) {
  if (p == nullptr) return -1;
  std::string moved;
  int owner;
  {
    MutexLock lock(mu_);
    auto [it, inserted] = buffer_owner_.try_emplace(p, id);
    owner = it->second;
    SampleRec& rec = samples_[id];
    if (owner == id) {
      if (rec.buffer != nullptr && rec.buffer != p) {
        moved = "sample " + std::to_string(id) + ": GetPointer gave " +
                PointerString(p) + ", earlier " + PointerString(rec.buffer);
      }
      rec.buffer = p;
    }
  }
  // SAMPLE.POINTER: the same value every time (ALLOC.SAMPLE.LAYOUT: stable).
  if (!moved.empty()) AddViolation("SAMPLE.POINTER", std::move(moved));
  return owner;
}

void Core::ForgetBuffers() {
  // A successful Commit may have created new samples and buffers; an old
  // address may now belong to another sample legitimately.
  MutexLock lock(mu_);
  buffer_owner_.clear();
  for (SampleRec& rec : samples_) rec.buffer = nullptr;
}

void Core::KeepAllocatorInterface(Iid iid, void* p) {
  std::string broken;
  bool keep = true;
  {
    MutexLock lock(mu_);
    switch (iid) {
      case Iid::kIUnknown:
        // COM.ALLOC.IDENTITY: the IUnknown pointer may differ from the
        // others (portable) but never from one call to the next.
        if (unknown_identity_ == nullptr) unknown_identity_ = p;
        if (p != unknown_identity_) {
          broken = "QueryInterface(IUnknown) gave " + PointerString(p) +
                   ", earlier " + PointerString(unknown_identity_);
        }
        break;
      case Iid::kIMemAllocator:
      case Iid::kIMemAllocatorCallbackTemp:
        // COM.ALLOC.IDENTITY: one pointer for the allocator's interfaces.
        if (p != static_cast<void*>(alloc_)) {
          broken = "QueryInterface(" + std::string(spec::IidName(iid)) + ") gave " +
                   PointerString(p) + ", the allocator is " + PointerString(alloc_);
        }
        break;
      default:
        keep = false;  // a hit the model does not count; not the client's
        break;
    }
    // The model counts a successful QueryInterface as a client reference
    // (COM.ALLOC.QI); the driver keeps it until a Release op or Teardown.
    if (keep) alloc_refs_.push_back(static_cast<IUnknown*>(p));
  }
  if (!broken.empty()) AddViolation("COM.ALLOC.IDENTITY", std::move(broken));
  if (!keep) static_cast<IUnknown*>(p)->Release();
}

void Core::KeepSampleInterface(const Op& op, IMediaSample* s, void* p) {
  bool sample_iid = op.iid == Iid::kIUnknown || op.iid == Iid::kIMediaSample ||
                    op.iid == Iid::kIMediaSample2;
  bool same = p == static_cast<void*>(s);
  if (sample_iid && same) {
    MutexLock lock(mu_);
    ++samples_[op.sample].client_refs;  // COM.SAMPLE.QI: one more reference
    return;
  }
  if (sample_iid) {
    // COM.SAMPLE.IDENTITY: the three IIDs give GetBuffer's pointer.
    AddViolation("COM.SAMPLE.IDENTITY",
                 "sample " + std::to_string(op.sample) + ": QueryInterface(" +
                     std::string(spec::IidName(op.iid)) + ") gave " + PointerString(p) +
                     ", GetBuffer gave " + PointerString(s));
  }
  static_cast<IUnknown*>(p)->Release();
}

template <typename F>
HRESULT Core::WithCallbackTemp(F&& call) {
  if (callback_temp_ != nullptr) return call(callback_temp_);
  void* p = nullptr;
  HRESULT hr = alloc_->QueryInterface(IID_IMemAllocatorCallbackTemp, &p);
  if (FAILED(hr)) return hr;
  if (p == nullptr) return E_NOINTERFACE;
  auto* temp = static_cast<IMemAllocatorCallbackTemp*>(p);
  hr = call(temp);
  temp->Release();
  return hr;
}

// --- Run ------------------------------------------------------------------------------

Outcome Core::Run(const Op& op) {
  // Every GetBuffer that may block runs on a worker, on thread 0 too: a
  // GetBuffer that blocks when it must not (a phantom waiter took the
  // sample) then costs `settle`, not the checker's life.
  if (op.kind == OpKind::kGetBuffer && !(op.flags & AM_GBF_NOWAIT) && ok() &&
      !torn_down_.load()) {
    return RunOnWorker(op);
  }
  return RunDirect(op);
}

Outcome Core::RunDirect(const Op& op) {
  Outcome o;
  RecorderScope scope(this, &o);
  Execute(op, o);
  return o;
}

HRESULT Core::CallGetBuffer(const Op& op, IMediaSample** got) {
  // ALLOC.GETBUFFER.FLAGS: the times are ignored; any values will do.
  REFERENCE_TIME start = 100, end = 200;
  *got = Sentinel<IMediaSample>();
  return alloc_->GetBuffer(op.null_a ? nullptr : got, op.times ? &start : nullptr,
                           op.times ? &end : nullptr, op.flags);
}

void Core::FillGetBuffer(const Op& op, HRESULT hr, IMediaSample* got, int id,
                         Outcome& o) {
  o.hr = hr;
  if (op.null_a || got == Sentinel<IMediaSample>()) return;
  o.written |= spec::kOutSample;  // ALLOC.GETBUFFER.CLEAR: NULL counts
  o.sample = Observed(id);
}

Outcome Core::RunOnWorker(const Op& op) {
  Outcome o;
  Worker* w = op.thread < spec::kMaxThreads ? GetWorker(op.thread) : nullptr;
  if (w == nullptr) {
    o.hr = E_INVALIDARG;
    return o;
  }
  // Armed while Run waits: a GetBuffer still blocked afterwards allocates
  // nothing until it is woken, and later ops must not see the fault.
  FaultScope fault(impl_.arm_allocation_failure, op.oom);
  MutexLock lock(w->mu);
  if (w->busy) {
    // Thread T is still blocked: outside the model's domain (step.h).
    o.hr = E_UNEXPECTED;
    return o;
  }
  w->busy = true;
  w->has_job = true;
  w->started = false;
  w->finished = false;
  w->abandoned = false;
  w->op = op;
  w->job_finished.store(false);
  w->job_posted.store(true);
  w->cv.NotifyAll();
  lock.Unlock();
  SpinFor(kHandOverSpin, [w] { return w->job_finished.load(); });
  lock.Lock();
  // The settle time starts when GetBuffer is entered, so a worker the
  // scheduler is slow to run is not mistaken for a blocked one.
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  while (!w->started && lock.WaitUntil(w->cv, deadline)) {
  }
  deadline = Clock::now() + options_.settle;
  while (!w->finished && lock.WaitUntil(w->cv, deadline)) {
  }
  if (w->finished) {
    w->busy = false;
    int id = w->id;
    HRESULT hr = w->hr;
    IMediaSample* got = w->got;
    lock.Unlock();
    Land(id);
    FillGetBuffer(op, hr, got, id, o);
    return o;
  }
  // ALLOC.GETBUFFER.WAIT: the call is blocked; its result will be a
  // Completion (AwaitCompletions).
  w->abandoned = true;
  o.blocked = true;
  return o;
}

void Core::WorkerMain(int thread) {
  Worker& w = *[&]() {
    MutexLock lock(workers_mu_);
    return workers_[thread].get();
  }();
  for (;;) {
    SpinFor(kHandOverSpin, [&w] { return w.job_posted.load(); });
    Op op;
    {
      MutexLock lock(w.mu);
      while (!w.has_job && !w.stop) lock.Wait(w.cv);
      if (!w.has_job) {
        w.exited = true;
        w.cv.NotifyAll();
        return;
      }
      w.has_job = false;
      w.job_posted.store(false);
      w.started = true;
      op = w.op;
      w.cv.NotifyAll();
    }
    IMediaSample* got = nullptr;
    HRESULT hr = CallGetBuffer(op, &got);
    int id = Adopt(hr, got, /*in_flight=*/true);  // held once collected
    bool completion;
    {
      MutexLock lock(w.mu);
      w.hr = hr;
      w.got = got;
      w.id = id;
      w.finished = true;
      w.job_finished.store(true);
      completion = w.abandoned;
      if (completion) w.busy = false;
      w.cv.NotifyAll();
    }
    if (completion) {
      MutexLock lock(mu_);
      completions_.push_back(Completion{static_cast<uint8_t>(thread), hr,
                                        SUCCEEDED(hr) ? Observed(id) : SampleHandle{}});
      completions_cv_.NotifyAll();
    }
  }
}

Worker* Core::GetWorker(int thread) {
  MutexLock lock(workers_mu_);
  std::unique_ptr<Worker>& w = workers_[thread];
  if (!w) {
    w = std::make_unique<Worker>();
    w->thread = std::thread([this, thread] { WorkerMain(thread); });
  }
  return w.get();
}

bool Core::WaitWorkersIdle() {
  std::vector<Worker*> workers;
  {
    MutexLock lock(workers_mu_);
    for (auto& w : workers_) {
      if (w) workers.push_back(w.get());
    }
  }
  bool idle = true;
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  for (size_t t = 0; t < workers.size(); ++t) {
    Worker* w = workers[t];
    MutexLock lock(w->mu);
    while (w->busy && lock.WaitUntil(w->cv, deadline)) {
    }
    if (w->busy) idle = false;
  }
  return idle;
}

std::vector<Completion> Core::AwaitCompletions(size_t count) {
  MutexLock lock(mu_);
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  while (completions_.size() < count && lock.WaitUntil(completions_cv_, deadline)) {
  }
  deadline = Clock::now() + options_.settle;  // any extra ones
  while (lock.WaitUntil(completions_cv_, deadline)) {
  }
  std::vector<Completion> done = std::exchange(completions_, {});
  for (const Completion& c : done) {
    if (c.sample.valid()) samples_[c.sample.index].in_flight = false;
  }
  return done;
}

// --- notifications ----------------------------------------------------------------------

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
    n.refs_at_entry = refs > 1 ? static_cast<uint32_t>(refs - 1) : 0;
    n.depth = rec->depth;
    n.reaction = r.reaction;
    slot = rec->outcome->notifications.size();
    rec->outcome->notifications.push_back(n);
  }
  if (options_.probe_lock && !ProbeLock()) {
    // THREAD.NOLOCK: the allocator holds its lock while calling out; any
    // reaction would deadlock on it.
    AddViolation("THREAD.NOLOCK",
                 "callback " + std::to_string(callback.id()) +
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

Core::ReactionResult Core::PerformReaction(TestCallback& callback,
                                           const TestCallback::Pending& r) {
  ReactionResult out;
  switch (r.reaction) {
    case Reaction::kNone:
      break;
    case Reaction::kGetFreeCount: {
      LONG n = kSentinelLong;
      out.hr = WithCallbackTemp(
          [&](IMemAllocatorCallbackTemp* t) { return t->GetFreeCount(&n); });
      out.value = n == kSentinelLong ? 0 : n;
      break;
    }
    case Reaction::kGetBufferNoWait: {
      IMediaSample* got = nullptr;
      out.hr = alloc_->GetBuffer(&got, nullptr, nullptr, AM_GBF_NOWAIT);
      // The sample is then held by the client like any other (op.h).
      if (SUCCEEDED(out.hr)) out.id = Adopt(out.hr, got);
      break;
    }
    case Reaction::kSetNotifyNull:
      out.hr = WithCallbackTemp(
          [](IMemAllocatorCallbackTemp* t) { return t->SetNotify(nullptr); });
      break;
    case Reaction::kSetNotifyOther:
    case Reaction::kSetNotifySelf: {
      TestCallback* target = &callback;
      if (r.reaction == Reaction::kSetNotifyOther) {
        if (r.arg < 0 || r.arg >= spec::kNumCallbacks) {
          out.hr = E_INVALIDARG;
          break;
        }
        target = callbacks_[r.arg];
      }
      out.hr = WithCallbackTemp(
          [&](IMemAllocatorCallbackTemp* t) { return t->SetNotify(target); });
      break;
    }
    case Reaction::kReleaseSample: {
      ReactionResolver resolver;
      {
        MutexLock lock(mu_);
        resolver = resolver_;
      }
      // The resolver may call back into the driver: no lock held.
      int id = resolver ? resolver(r.arg) : -1;
      IMediaSample* s = nullptr;
      {
        MutexLock lock(mu_);
        if (id >= 0 && static_cast<size_t>(id) < samples_.size() &&
            samples_[id].client_refs > 0 && !samples_[id].in_flight) {
          --samples_[id].client_refs;
          s = samples_[id].pointer;
        }
      }
      if (s == nullptr) {
        out.hr = S_FALSE;  // the client holds no reference: skipped
        break;
      }
      s->Release();  // may nest notifications (depth + 1)
      break;
    }
    case Reaction::kCommit:
      out.hr = alloc_->Commit();
      if (SUCCEEDED(out.hr)) ForgetBuffers();
      break;
    case Reaction::kDecommit:
      out.hr = alloc_->Decommit();
      break;
  }
  return out;
}

bool Core::ProbeLock() {
  Probe* p;
  {
    MutexLock lock(probe_start_mu_);
    if (!probe_) {
      probe_ = std::make_unique<Probe>();
      probe_->thread = std::thread([this] { ProbeMain(); });
      probe_ptr_.store(probe_.get());
    }
    p = probe_.get();
  }
  // The notifying thread is inside NotifyRelease, so the allocator is alive
  // (NOTIFY.BEFORESELF); this reference keeps it alive for the probe call
  // even if the probe outlives the notification (then the allocator could
  // otherwise drop its last reference while the probe is inside it). The
  // probe thread releases it; in the normal case never as the last one.
  alloc_->AddRef();
  uint64_t ticket;
  {
    MutexLock lock(p->mu);
    ticket = ++p->requested;
    p->posted.store(ticket);
    p->cv.NotifyAll();
  }
  if (SpinFor(kHandOverSpin, [&] { return p->answered.load() >= ticket; })) return true;
  MutexLock lock(p->mu);
  Clock::time_point deadline = Clock::now() + options_.lock_probe_timeout;
  while (p->completed < ticket && lock.WaitUntil(p->cv, deadline)) {
  }
  return p->completed >= ticket;
}

void Core::ProbeMain() {
  Probe& p = *[&]() {
    MutexLock lock(probe_start_mu_);
    return probe_.get();
  }();
  for (;;) {
    SpinFor(kHandOverSpin, [&] { return p.posted.load() != p.answered.load(); });
    uint64_t target;
    uint64_t answered;
    {
      MutexLock lock(p.mu);
      while (p.requested == p.completed && !p.stop) lock.Wait(p.cv);
      if (p.requested == p.completed) {
        p.exited = true;
        p.cv.NotifyAll();
        return;
      }
      target = p.requested;
      answered = p.completed;
    }
    CallProbe();
    for (uint64_t i = answered; i < target; ++i) alloc_->Release();  // ProbeLock's
    {
      MutexLock lock(p.mu);
      p.completed = target;
      p.answered.store(target);
      p.cv.NotifyAll();
    }
  }
}

bool Core::SettleProbe() {
  Probe* p = probe_ptr_.load();
  if (p == nullptr || p->answered.load() == p->posted.load()) return true;
  MutexLock lock(p->mu);
  Clock::time_point deadline = Clock::now() + options_.hang_timeout;
  while (p->completed != p->requested && lock.WaitUntil(p->cv, deadline)) {
  }
  if (p->completed == p->requested) return true;
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

// --- foreign samples ----------------------------------------------------------------------

HRESULT Core::ForeignSample(IMediaSample** out) {
  *out = nullptr;
  {
    MutexLock lock(foreign_mu_);
    if (foreign_sample_ != nullptr) {
      *out = foreign_sample_;
      return S_OK;
    }
  }
  // Built without the lock (no driver mutex is held across a call into the
  // implementation, even into this callback-free allocator).
  void* p = nullptr;
  HRESULT hr = impl_.CreateAllocator(IID_IMemAllocator, &p);
  if (FAILED(hr) || p == nullptr) return FAILED(hr) ? hr : E_UNEXPECTED;
  auto* alloc = static_cast<IMemAllocator*>(p);
  ALLOCATOR_PROPERTIES request = {1, 16, 1, 0};
  ALLOCATOR_PROPERTIES actual;
  IMediaSample* sample = nullptr;
  hr = alloc->SetProperties(&request, &actual);
  if (SUCCEEDED(hr)) hr = alloc->Commit();
  if (SUCCEEDED(hr)) hr = alloc->GetBuffer(&sample, nullptr, nullptr, AM_GBF_NOWAIT);
  if (FAILED(hr) || sample == nullptr) {
    if (sample != nullptr) sample->Release();
    alloc->Decommit();
    alloc->Release();
    return FAILED(hr) ? hr : E_UNEXPECTED;
  }
  {
    MutexLock lock(foreign_mu_);
    if (foreign_sample_ == nullptr) {
      foreign_alloc_ = alloc;
      foreign_sample_ = sample;
      *out = sample;
      return S_OK;
    }
    *out = foreign_sample_;  // another thread was first
  }
  sample->Release();
  alloc->Decommit();
  alloc->Release();
  return S_OK;
}

void Core::NoteForeignAccepted() {
  MutexLock lock(foreign_mu_);
  foreign_accepted_ = true;
}

void Core::DropForeign() {
  IMemAllocator* alloc;
  IMediaSample* sample;
  {
    MutexLock lock(foreign_mu_);
    if (foreign_alloc_ == nullptr) return;
    if (foreign_accepted_) {
      // ALLOC.RELEASEBUFFER.MISUSE was broken: the allocator under test may
      // hand the foreign sample out later, so it must stay alive.
      Bury(foreign_alloc_);
      Bury(foreign_sample_);
      foreign_alloc_ = nullptr;
      foreign_sample_ = nullptr;
      return;
    }
    alloc = std::exchange(foreign_alloc_, nullptr);
    sample = std::exchange(foreign_sample_, nullptr);
  }
  sample->Release();
  alloc->Decommit();
  alloc->Release();
}

// --- Execute ------------------------------------------------------------------------------

void Core::Execute(const Op& op, Outcome& o) {
  bool factory_op = op.kind >= OpKind::kDllGetClassObject;
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
      o.hr = alloc_->SetProperties(op.null_a ? nullptr : &request,
                                   op.null_b ? nullptr : &actual);
      if (!op.null_b && !SameBytes(actual, kSentinelProps)) {
        o.written |= spec::kOutProps;  // ALLOC.PROPS.ZERO: even on failure
        o.props = actual;
      }
      return;
    }
    case OpKind::kGetProperties: {
      ALLOCATOR_PROPERTIES props = kSentinelProps;
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = alloc_->GetProperties(op.null_a ? nullptr : &props);
      if (!op.null_a && !SameBytes(props, kSentinelProps)) {
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
      if (SUCCEEDED(o.hr)) ForgetBuffers();
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
      FillGetBuffer(op, hr, got, Adopt(hr, got), o);
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
        HRESULT hr = ForeignSample(&arg);
        if (FAILED(hr)) {
          o.hr = hr;
          return;
        }
      }
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = alloc_->ReleaseBuffer(arg);
      if (op.buffer_arg == spec::BufferArg::kForeign && SUCCEEDED(o.hr)) {
        NoteForeignAccepted();
      }
      return;
    }
    case OpKind::kSetNotify: {
      IMemAllocatorNotifyCallbackTemp* cb = nullptr;
      if (op.callback >= spec::kNumCallbacks) {
        o.hr = E_INVALIDARG;
        return;
      }
      if (op.callback >= 0) cb = callbacks_[op.callback];
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = WithCallbackTemp(
          [&](IMemAllocatorCallbackTemp* t) { return t->SetNotify(cb); });
      return;
    }
    case OpKind::kGetFreeCount: {
      LONG n = kSentinelLong;
      FaultScope fault(impl_.arm_allocation_failure, op.oom);
      o.hr = WithCallbackTemp([&](IMemAllocatorCallbackTemp* t) {
        return t->GetFreeCount(op.null_a ? nullptr : &n);
      });
      if (!op.null_a && n != kSentinelLong) {
        o.written |= spec::kOutCount;
        o.value = n;
      }
      return;
    }
    case OpKind::kAddRef: {
      ULONG refs = alloc_->AddRef();
      {
        MutexLock lock(mu_);
        alloc_refs_.push_back(alloc_);
      }
      o.value = refs;  // COM.ALLOC.ADDREF
      return;
    }
    case OpKind::kRelease: {
      IUnknown* p = nullptr;
      {
        MutexLock lock(mu_);
        if (!alloc_refs_.empty()) {
          p = alloc_refs_.back();
          alloc_refs_.pop_back();
        }
      }
      if (p == nullptr) {
        o.hr = E_UNEXPECTED;  // the client holds none: a checker bug
        return;
      }
      o.value = p->Release();  // COM.ALLOC.RELEASE, LIFE.DESTROY
      return;
    }
    case OpKind::kQueryInterface: {
      void* p = Sentinel<void>();
      o.hr = alloc_->QueryInterface(spec::ToIID(op.iid), op.null_a ? nullptr : &p);
      if (op.null_a || p == Sentinel<void>()) return;
      o.written |= spec::kOutInterface;
      if (SUCCEEDED(o.hr) && p != nullptr) KeepAllocatorInterface(op.iid, p);
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
    case OpKind::kDllGetClassObject:
    case OpKind::kCreateInstance:
    case OpKind::kDllCanUnloadNow:
      ExecuteFactoryOp(op, o);
      return;
    default: {
      IMediaSample* s = HeldSample(op.sample);
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

void Core::ExecuteSampleOp(const Op& op, IMediaSample* s, Outcome& o) {
  FaultScope fault(impl_.arm_allocation_failure,
                   op.oom && op.kind != OpKind::kGetProperties2 &&
                       op.kind != OpKind::kSetProperties2);
  auto flag = [&](HRESULT hr) { o.hr = hr; };
  switch (op.kind) {
    case OpKind::kSampleAddRef: {
      ULONG refs = s->AddRef();
      {
        MutexLock lock(mu_);
        ++samples_[op.sample].client_refs;
      }
      o.value = refs;  // COM.SAMPLE.ADDREF
      return;
    }
    case OpKind::kSampleRelease: {
      {
        MutexLock lock(mu_);
        --samples_[op.sample].client_refs;
      }
      o.value = s->Release();  // COM.SAMPLE.RELEASE; may notify
      return;
    }
    case OpKind::kSampleQueryInterface: {
      void* p = Sentinel<void>();
      o.hr = s->QueryInterface(spec::ToIID(op.iid), op.null_a ? nullptr : &p);
      if (op.null_a || p == Sentinel<void>()) return;
      o.written |= spec::kOutInterface;
      if (SUCCEEDED(o.hr) && p != nullptr) KeepSampleInterface(op, s, p);
      return;
    }
    case OpKind::kGetPointer: {
      BYTE* p = Sentinel<BYTE>();
      o.hr = s->GetPointer(op.null_a ? nullptr : &p);
      if (op.null_a || p == Sentinel<BYTE>()) return;
      o.written |= spec::kOutPointer;
      last_pointer_.store(reinterpret_cast<uintptr_t>(p));
      // The owner is whoever first showed this address since the last
      // Commit; alignment (pointer_align) is the checker's (LastPointer).
      o.sample = Observed(BufferOwner(op.sample, p));
      return;
    }
    case OpKind::kGetSize:
      o.value = s->GetSize();
      return;
    case OpKind::kGetTime:
    case OpKind::kGetMediaTime: {
      int64_t start = kSentinelTime, end = kSentinelTime;
      int64_t* ps = op.null_a ? nullptr : &start;
      int64_t* pe = op.null_b ? nullptr : &end;
      o.hr = op.kind == OpKind::kGetTime ? s->GetTime(ps, pe) : s->GetMediaTime(ps, pe);
      if (ps != nullptr && start != kSentinelTime) {
        o.written |= spec::kOutStart;
        o.start = start;
      }
      if (pe != nullptr && end != kSentinelTime) {
        o.written |= spec::kOutEnd;
        o.end = end;
      }
      return;
    }
    case OpKind::kSetTime:
    case OpKind::kSetMediaTime: {
      int64_t start = op.t0, end = op.t1;
      int64_t* ps = op.null_a ? nullptr : &start;
      int64_t* pe = op.null_b ? nullptr : &end;
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
      o.hr = s->GetMediaType(op.null_a ? nullptr : &mt);
      if (op.null_a || mt == Sentinel<AM_MEDIA_TYPE>()) return;
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
    default:
      o.hr = E_UNEXPECTED;
      return;
  }
}

void Core::GetProperties2(const Op& op, IMediaSample* s, Outcome& o) {
  void* p = nullptr;
  o.hr = s->QueryInterface(IID_IMediaSample2, &p);
  if (FAILED(o.hr) || p == nullptr) {
    if (SUCCEEDED(o.hr)) o.hr = E_NOINTERFACE;
    return;
  }
  auto* s2 = static_cast<IMediaSample2*>(p);
  // The buffer is as large as the caller claims (capped: a conforming
  // server writes at most sizeof), so a server that writes cb bytes stays
  // inside it.
  size_t room = std::max<size_t>(kSample2Size, std::min<size_t>(op.cb, 1u << 16));
  std::vector<BYTE> first(room, 0xA5), second(room, 0x5A);
  if (op.null_a) {
    FaultScope fault(impl_.arm_allocation_failure, op.oom);
    o.hr = s2->GetProperties(op.cb, nullptr);
    s2->Release();
    return;
  }
  {
    FaultScope fault(impl_.arm_allocation_failure, op.oom);
    o.hr = s2->GetProperties(op.cb, first.data());
  }
  // A second call with the complementary sentinel: a byte is written iff it
  // differs from the sentinel in either call (none can equal both).
  HRESULT again = s2->GetProperties(op.cb, second.data());
  size_t written = 0;
  for (size_t i = room; i > 0; --i) {
    if (first[i - 1] != 0xA5 || second[i - 1] != 0x5A) {
      written = i;
      break;
    }
  }
  if (written > 0 && written < kSample2Size) {
    written = std::min<size_t>(WithPadding(written), std::max<size_t>(op.cb, written));
  }
  if (written == 0 || FAILED(o.hr) || FAILED(again)) {
    if (written > 0) {
      o.written |= spec::kOutSample2;
      o.bytes = static_cast<uint32_t>(written);
    }
    s2->Release();
    return;
  }
  // SAMPLE2.GETPROPS.IMAGE: the model describes the whole image; bytes
  // beyond `written` come from a full read (same state, nothing changed).
  AM_SAMPLE2_PROPERTIES image;
  if (written < kSample2Size) {
    AM_SAMPLE2_PROPERTIES full;
    std::memset(&full, 0, sizeof full);
    s2->GetProperties(static_cast<DWORD>(kSample2Size), reinterpret_cast<BYTE*>(&full));
    std::memcpy(&image, &full, sizeof image);
  }
  std::memcpy(&image, first.data(), std::min(written, kSample2Size));
  BYTE* own = nullptr;
  s->GetPointer(&own);
  s2->Release();
  o.written |= spec::kOutSample2;
  o.bytes = static_cast<uint32_t>(written);
  spec::Sample2Image& im = o.sample2;
  im.cbData = image.cbData;
  im.dwTypeSpecificFlags = image.dwTypeSpecificFlags;
  im.dwSampleFlags = image.dwSampleFlags;
  im.lActual = image.lActual;
  im.tStart = image.tStart;
  im.tStop = image.tStop;
  im.dwStreamId = image.dwStreamId;
  // The sample's own stored type, not a copy: compared, never freed.
  im.media_type = static_cast<int8_t>(spec::MediaTypeId(image.pMediaType));
  im.pbBuffer = image.pbBuffer == nullptr ? spec::BufferPtr::kNull
                : image.pbBuffer == own   ? spec::BufferPtr::kOwn
                                          : spec::BufferPtr::kOther;
  im.cbBuffer = image.cbBuffer;
}

void Core::SetProperties2(const Op& op, IMediaSample* s, Outcome& o) {
  void* p = nullptr;
  o.hr = s->QueryInterface(IID_IMediaSample2, &p);
  if (FAILED(o.hr) || p == nullptr) {
    if (SUCCEEDED(o.hr)) o.hr = E_NOINTERFACE;
    return;
  }
  auto* s2 = static_cast<IMediaSample2*>(p);
  const spec::Sample2Image& im = op.image;
  AM_MEDIA_TYPE mt;
  if (im.media_type >= 0 && im.media_type < spec::kNumMediaTypes) {
    mt = spec::MakeMediaType(im.media_type);
  }
  static BYTE other_buffer[16];  // pbBuffer = kOther: never the sample's
  BYTE* own = nullptr;
  if (im.pbBuffer == spec::BufferPtr::kOwn) s->GetPointer(&own);
  AM_SAMPLE2_PROPERTIES props;
  std::memset(&props, 0, sizeof props);
  props.cbData = im.cbData;
  props.dwTypeSpecificFlags = im.dwTypeSpecificFlags;
  props.dwSampleFlags = im.dwSampleFlags;
  props.lActual = im.lActual;
  props.tStart = im.tStart;
  props.tStop = im.tStop;
  props.dwStreamId = im.dwStreamId;
  props.pMediaType = im.media_type >= 0 ? &mt : nullptr;
  props.pbBuffer = im.pbBuffer == spec::BufferPtr::kNull ? nullptr
                   : im.pbBuffer == spec::BufferPtr::kOwn ? own
                                                          : other_buffer;
  props.cbBuffer = im.cbBuffer;
  // As large as cb claims (capped), zero beyond the structure.
  std::vector<BYTE> bytes(std::max<size_t>(kSample2Size, std::min<size_t>(op.cb, 1u << 16)), 0);
  std::memcpy(bytes.data(), &props, sizeof props);
  {
    FaultScope fault(impl_.arm_allocation_failure, op.oom);
    o.hr = s2->SetProperties(op.cb, op.null_a ? nullptr : bytes.data());
  }
  s2->Release();
}

void Core::ExecuteFactoryOp(const Op& op, Outcome& o) {
  switch (op.kind) {
    case OpKind::kDllGetClassObject: {
      void* p = Sentinel<void>();
      o.hr = impl_.get_class_object(spec::ToCLSID(op.clsid), spec::ToIID(op.iid),
                                    op.null_a ? nullptr : &p);
      if (op.null_a || p == Sentinel<void>()) return;
      o.written |= spec::kOutInterface;
      if (p != nullptr) static_cast<IUnknown*>(p)->Release();  // not modelled
      return;
    }
    case OpKind::kCreateInstance: {
      void* f = nullptr;
      HRESULT hr = impl_.get_class_object(CLSID_MemoryAllocator, IID_IClassFactory, &f);
      if (FAILED(hr) || f == nullptr) {
        o.hr = FAILED(hr) ? hr : E_UNEXPECTED;
        return;
      }
      auto* factory = static_cast<IClassFactory*>(f);
      void* p = Sentinel<void>();
      {
        FaultScope fault(impl_.arm_allocation_failure, op.oom);
        o.hr = factory->CreateInstance(op.outer ? &outer_ : nullptr, spec::ToIID(op.iid),
                                       op.null_a ? nullptr : &p);
      }
      factory->Release();
      if (op.null_a || p == Sentinel<void>()) return;
      o.written |= spec::kOutInterface;
      // A new allocator the model does not track: released at once.
      if (p != nullptr) static_cast<IUnknown*>(p)->Release();
      return;
    }
    case OpKind::kDllCanUnloadNow:
      // FACTORY.UNLOAD counts the model's allocator only: the driver's
      // private foreign allocator must not keep the server busy.
      DropForeign();
      o.hr = impl_.can_unload_now != nullptr ? impl_.can_unload_now() : E_NOTIMPL;
      return;
    default:
      o.hr = E_UNEXPECTED;
      return;
  }
}

// --- Teardown ---------------------------------------------------------------------------

void Core::Teardown(bool allocator_alive) {
  if (torn_down_.exchange(true)) return;
  if (alloc_ == nullptr) return;
  // Nothing may react any more: a reaction could take new references.
  for (TestCallback* cb : callbacks_) {
    cb->SetReaction(Reaction::kNone, 0, false);
  }
  Outcome ignored;  // notifications from here on belong to no op
  RecorderScope scope(this, &ignored);
  // LIFE.SELFREF: an allocator left committed keeps itself alive, so it is
  // decommitted first (through the raw pointer when the client holds no
  // reference, which is sound because the self-reference keeps it alive).
  // Doing it before the samples are released also wakes every blocked
  // worker without handing it a sample (ALLOC.DECOMMIT.WAKE).
  if (allocator_alive) alloc_->Decommit();
  bool workers_idle = WaitWorkersIdle() && SettleProbe();
  if (!workers_idle) {
    must_leak_ = true;
    AddViolation("GEN.NOHANG",
                 "a blocked GetBuffer (or a lock probe) did not return after "
                 "Decommit within " +
                     std::to_string(options_.hang_timeout.count()) + " ms");
  }
  // Every sample reference the client holds (completions included).
  for (;;) {
    std::vector<IMediaSample*> releases;
    {
      MutexLock lock(mu_);
      for (SampleRec& rec : samples_) {
        for (; rec.client_refs > 0; --rec.client_refs) releases.push_back(rec.pointer);
      }
    }
    if (releases.empty()) break;
    for (IMediaSample* s : releases) s->Release();
  }
  // The client's allocator references, unless a thread is still inside the
  // allocator: then it must never be destroyed under that thread.
  if (!SettleProbe()) {
    workers_idle = false;
    AddViolation("GEN.NOHANG", "a lock probe did not return within " +
                                   std::to_string(options_.hang_timeout.count()) + " ms");
  }
  std::vector<IUnknown*> refs;
  {
    MutexLock lock(mu_);
    refs.swap(alloc_refs_);
  }
  if (workers_idle) {
    while (!refs.empty()) {
      refs.back()->Release();
      refs.pop_back();
    }
  } else {
    Bury(alloc_);
  }
  DropForeign();
  for (TestCallback* cb : callbacks_) {
    LONG held = cb->refs() - 1;
    if (held != 0) {
      // COM.CALLBACK.REFS: every reference the allocator took is returned
      // once everything is released (GEN.NOLEAK), and no other.
      AddViolation("COM.CALLBACK.REFS",
                   "callback " + std::to_string(cb->id()) +
                       (held > 0 ? ": the allocator still holds " + std::to_string(held)
                                 : ": the allocator released " + std::to_string(-held) +
                                       " more") +
                       " reference(s) after teardown");
    }
  }
  bool sole = false;
  {
    MutexLock lock(LiveMutex());
    sole = LiveCounts()[reinterpret_cast<uintptr_t>(impl_.can_unload_now)] == 1;
  }
  if (workers_idle && sole && server_idle_at_start_ && impl_.can_unload_now != nullptr) {
    HRESULT hr = impl_.can_unload_now();
    if (hr != S_OK) {
      // LIFE.DESTROY / FACTORY.UNLOAD: with every reference released the
      // allocator must be gone and the server idle.
      AddViolation("LIFE.DESTROY",
                   "DllCanUnloadNow returned " + spec::HresultName(hr) +
                       " after every reference was released");
      Bury(alloc_);  // it may be alive: keep it (and what it holds) reachable
    }
  }
}

void Core::StopThreads() {
  std::vector<Worker*> workers;
  {
    MutexLock lock(workers_mu_);
    for (auto& w : workers_) {
      if (w) workers.push_back(w.get());
    }
  }
  // Teardown already waited for stuck threads; do not wait twice.
  auto timeout = must_leak_ ? std::chrono::milliseconds(0) : options_.hang_timeout;
  for (Worker* w : workers) {
    if (!StopThread(*w, timeout)) must_leak_ = true;
  }
  Probe* probe;
  {
    MutexLock lock(probe_start_mu_);
    probe = probe_.get();
  }
  if (probe != nullptr && !StopThread(*probe, must_leak_ ? timeout : options_.hang_timeout)) {
    must_leak_ = true;
  }
}

}  // namespace

// --- Driver -------------------------------------------------------------------------------

struct Driver::Impl {
  Core* core;
};

Driver::Driver(const Implementation& impl, Options options)
    : impl_(std::make_unique<Impl>(Impl{new Core(impl, options)})) {}

Driver::~Driver() {
  Core* core = impl_->core;
  // The driver's own belief: with a client reference the allocator is alive
  // (Decommit is safe); without one it may be gone, so it is not touched.
  if (!core->torn_down()) core->Teardown(core->ClientHoldsAllocator());
  core->StopThreads();
  if (core->must_leak()) {
    Bury(core);  // a detached thread may still use it
  } else {
    delete core;
  }
}

bool Driver::ok() const { return impl_->core->ok(); }

bool Driver::ServerIdleAtStart() const { return impl_->core->server_idle_at_start(); }

bool Driver::SupportsFaultInjection() const {
  return impl_->core->impl().SupportsFaultInjection();
}

void Driver::SetResolver(ReactionResolver resolver) {
  impl_->core->SetResolver(std::move(resolver));
}

spec::Outcome Driver::Run(const spec::Op& op) { return impl_->core->Run(op); }

spec::Outcome Driver::RunDirect(const spec::Op& op) {
  return impl_->core->RunDirect(op);
}

std::vector<spec::Completion> Driver::AwaitCompletions(size_t count) {
  return impl_->core->AwaitCompletions(count);
}

uint32_t Driver::CallbackRefs(int id) const { return impl_->core->CallbackRefs(id); }

uint32_t Driver::CallbackNotifications(int id) const {
  return impl_->core->CallbackNotifications(id);
}

uint32_t Driver::ClientSampleRefs(int id) const {
  return impl_->core->ClientSampleRefs(id);
}

IMediaSample* Driver::SamplePointer(int id) const {
  return impl_->core->SamplePointer(id);
}

uintptr_t Driver::LastPointer() const { return impl_->core->LastPointer(); }

void Driver::Teardown(bool allocator_alive) { impl_->core->Teardown(allocator_alive); }

std::vector<Violation> Driver::TakeViolations() { return impl_->core->TakeViolations(); }

}  // namespace dsalloc::harness
