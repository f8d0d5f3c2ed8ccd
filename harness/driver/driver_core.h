// ---------------------------------------------------------------------------
// File: harness/driver/driver_core.h
// ---------------------------------------------------------------------------
//
// Not a public header: the Driver's internal Core, shared by the pieces of
// driver.h's implementation and included by nothing else (checkers use
// driver.h; Core promises only what Driver passes on).
//
// Shape. The Driver owns a heap-allocated Core. The Core holds the world
// that never changes after construction (the implementation, the options,
// the allocator's raw pointer, the three test callbacks) and the reaction
// resolver, and composes the parts that change, each a type with a lock
// domain of its own:
//   ClientBook    (client_book.h)    - observed ids, the client's references
//                                      on samples and the allocator,
//                                      completions not yet collected
//   ViolationLog  (violation_log.h)  - violations that belong to no Outcome
//   WorkerPool    (worker_pool.h)    - blocking GetBuffer workers
//   LockProbe     (lock_probe.h)     - the THREAD.NOLOCK probe thread
//   ForeignSample (foreign_sample.h) - the sample of ReleaseBuffer foreign
// Which buffer each sample showed is not tracked here: the Outcome carries
// GetPointer's address and the checker keeps the record (lockstep.h).
// Helper threads hold raw pointers into the Core; if one of them is stuck
// inside the implementation at the end, it is detached and the Core (and
// whatever the implementation may still touch) is kept forever
// (keep_forever.h), so the stuck thread never sees freed memory.
//
// Locking rule: no driver mutex is held while calling into the
// implementation (a NotifyRelease it triggers may need one, and
// THREAD.NOLOCK probes run on another thread). Each part's mutex guards
// that part only; the Core's own resolver_mu_ guards the resolver, which
// is copied out before it is called (it may call back into the driver).
//
// Recording: a thread_local Recorder points at the Outcome of the Run (or
// RunDirect) executing on this thread; NotifyRelease appends to it, so a
// notification belongs to the op on whose thread it was delivered
// (NOTIFY.THREAD). Notifications on threads without a Recorder are counted
// by the callback but belong to no Outcome.
//
// Where the Core's own methods live:
//   driver.cpp               - Driver; Core construction and destruction,
//                              resolver, callback counts; live-driver counts
//   driver_run.cpp           - Run, RunDirect and AwaitCompletions: where
//                              an op runs; the buffer touch after it;
//                              Execute: sends each call to its group's entry
//   driver_touch.cpp         - TouchHeldBuffers (Options::touch_buffers)
//   driver_allocator_ops.cpp - Run: IMemAllocator(CallbackTemp) calls and
//                              the test callbacks' configuration/references;
//                              ExecuteAllocatorCall
//   driver_sample_ops.cpp    - Run: IMediaSample calls; ExecuteSampleCall
//   driver_sample2_ops.cpp   - Run: IMediaSample2 Get/SetProperties;
//                              ExecuteSample2Call
//   driver_factory_ops.cpp   - Run: DllGetClassObject, CreateInstance,
//                              LockServer, DllCanUnloadNow;
//                              ExecuteFactoryCall
//   driver_interfaces.cpp    - QueryInterface results: COM out-parameters
//                              and identity
//   driver_workers.cpp       - blocking GetBuffer on a worker or guarded
//                              on the caller, completions
//   driver_reactions.cpp     - NotifyRelease recording and reactions; the
//                              lock probe's call
//   driver_teardown.cpp      - Teardown, StopThreads
//
// Adding a call touches one driver file, its group's driver_*_ops.cpp: a
// specialization of Run, `template <> void Core::Run(const call::X& c,
// ...)`, in the shape the group's entry calls (the deleted templates
// below). The entry, at the end of that file, visits every call and picks
// its group's by kGroup; without the specialization it calls the deleted
// template, a compile error there. Groups are fixed, calls are not: only a
// new group would add an entry (and a case to Execute's switch).

#ifndef DSALLOC_HARNESS_DRIVER_CORE_H_
#define DSALLOC_HARNESS_DRIVER_CORE_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client_book.h"
#include "driver_support.h"
#include "driver_threads.h"
#include "foreign_sample.h"
#include "harness/annotated_mutex.h"
#include "harness/driver.h"
#include "lock_probe.h"
#include "test_callback.h"
#include "violation_log.h"
#include "worker_pool.h"

namespace dsalloc::harness::driver_internal {

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

// A call of one of the groups G (vocabulary.h OpGroup): what a group entry
// (Core::Execute*Call) gates and runs.
template <typename T, spec::OpGroup... G>
concept InGroup = ((T::kGroup == G) || ...);

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

  void SetResolver(ReactionResolver resolver) HARNESS_EXCLUDES(resolver_mu_);
  void SetProbeLock(bool on) {
    probe_lock_.store(on && options_.probe_lock, std::memory_order_relaxed);
  }
  // Into `o`, reset first (Outcome::Reset: its storage is reused).
  void Run(const Op& op, Driver::Expectation expect, Outcome& o);
  Outcome RunDirect(const Op& op);
  std::vector<Completion> AwaitCompletions(size_t count);
  // AwaitCompletions' wait for extra completions, cut short once every
  // call still blocked is seen asleep (thread_sleep.h); false, having
  // collected nothing, where that cannot be seen.
  bool WaitersStayAsleep(size_t count, std::chrono::milliseconds extra,
                         std::vector<Completion>* completions);
  uint32_t CallbackRefs(int id) const;
  uint32_t CallbackNotifications(int id) const;
  uint32_t ClientSampleRefs(int id) const { return book_.SampleRefs(id); }
  bool ClientSampleRefsAre(const std::vector<std::pair<int, uint32_t>>& expected) const {
    return book_.SampleRefsAre(expected);
  }
  IMediaSample* SamplePointer(int id) const { return book_.SamplePointer(id); }
  void Teardown(bool allocator_alive);
  bool torn_down() const { return torn_down_.load(); }
  // The client, or a test callback (LIFE.CYCLE), holds an allocator
  // reference.
  bool ClientHoldsAllocator() const;
  std::vector<Violation> TakeViolations() { return violations_.Take(); }
  bool HasViolations() const { return violations_.Any(); }
  // Stops the helper threads (joined, or detached and must_leak()).
  void StopThreads();

  // TestCallback::Host.
  void OnNotifyRelease(TestCallback& callback, LONG refs) override;
  void OnMisuse(std::string_view rule, std::string detail) override;
  void OnDeadCall(TestCallback& callback, std::string_view method) override;

 private:
  struct ReactionResult {
    HRESULT hr = S_OK;
    int32_t value = 0;
    int id = -1;
  };

  void AddViolation(std::string_view rule, std::string detail) {
    violations_.Add(rule, std::move(detail));
  }
  // COM: *ppv is non-NULL exactly when the call succeeded. Records a
  // violation of `rule` and returns false (then the pointer must not be
  // used) when not.
  bool InterfaceOutIsValid(std::string_view rule, HRESULT hr, void* p);

  // One call on the calling thread, its notifications recorded into `o`
  // (reset first); `oom` is the op's (fault injection).
  void RunHere(const spec::Call& call, bool oom, Outcome& o);
  // Options::touch_buffers: writes and reads back every byte of every
  // buffer the client holds (driver_touch.cpp). Off: does nothing.
  void TouchHeldBuffers();

  // Every call, on the calling thread (driver_run.cpp): sends it to its
  // group's entry below by spec::GroupOf.
  void Execute(const spec::Call& call, bool oom, Outcome& o);
  // The group entries, one per group file, each defined at the end of its
  // file (after the Runs it calls): a std::visit that passes the gates of
  // the group and then calls the call's Run. A call of another group
  // answers E_UNEXPECTED (Execute sends none).
  // driver_allocator_ops.cpp: kAllocator, kConfig, kCallback.
  void ExecuteAllocatorCall(const spec::Call& call, bool oom, Outcome& o);
  // driver_sample_ops.cpp: kSample, inside a fault scope the entry arms.
  void ExecuteSampleCall(const spec::Call& call, bool oom, Outcome& o);
  // driver_sample2_ops.cpp: kSample2 (each Run arms its own fault scope).
  void ExecuteSample2Call(const spec::Call& call, bool oom, Outcome& o);
  // driver_factory_ops.cpp: kFactory, the server's own (no allocator needed).
  void ExecuteFactoryCall(const spec::Call& call, bool oom, Outcome& o);
  // The group entries' gates, inline: on every op's path. A gate that is
  // closed sets o.hr (and records what it saw) and returns false or NULL.
  // Every call but the server's own: there is an allocator to call.
  bool AllocatorCallable(Outcome& o) {
    return (alloc_ != nullptr && !torn_down_.load()) || NoAllocator(o);
  }
  // Every call: no lock probe is stuck (SettleProbe).
  bool ProbeSettled(Outcome& o) { return SettleProbe() || ProbeStuck(o); }
  // Sample calls: both above, and the client holds the sample named.
  IMediaSample* CallableSample(int sample, Outcome& o) {
    if (!AllocatorCallable(o) || !ProbeSettled(o)) return nullptr;
    IMediaSample* s = book_.HeldSample(sample);
    // Not held by the client: outside the domain (step.h), and the
    // pointer may be dangling.
    if (s == nullptr) o.hr = E_UNEXPECTED;
    return s;
  }
  // The closed gates' outcomes (driver_run.cpp); false.
  bool NoAllocator(Outcome& o);
  bool ProbeStuck(Outcome& o);

  // One Run per call: an explicit specialization of one of these, in its
  // group's file, where the group's entry calls it; a call of the group
  // with none is a compile error there ("use of deleted function"). `oom`
  // (the op's fault injection) arms FaultScope around the part of the call
  // that may be failed.
  // IMemAllocator(CallbackTemp) calls, the test callbacks' (no fault
  // scope) and the server's own:
  template <class C>
  void Run(const C& c, bool oom, Outcome& o) = delete;
  // IMediaSample on sample `s`, which the client holds, inside the fault
  // scope ExecuteSampleCall arms:
  template <class C>
  void Run(const C& c, IMediaSample* s, Outcome& o) = delete;
  // IMediaSample2 on sample `s`, which the client holds; the fault scope
  // covers the call judged, not its second look:
  template <class C>
  void Run(const C& c, IMediaSample* s, bool oom, Outcome& o) = delete;

  // IClassFactory::LockServer on a factory got for the call and released.
  HRESULT CallLockServer(BOOL lock);
  // Teardown: undoes the LockServer(TRUE) calls the client did not undo, so
  // the server's idleness check sees only objects (FACTORY.UNLOAD).
  void UnlockServer();
  // A GetBuffer that may block, on client thread `thread`'s worker.
  void RunOnWorker(const call::GetBuffer& c, uint8_t thread, bool oom, Driver::Expectation expect,
                   Outcome& o);
  // A GetBuffer expected to return, on the calling thread under the
  // watchdog (Options::direct_calls).
  void RunGuarded(const spec::Call& call, bool oom, Outcome& o);
  // The loop of client thread `thread`'s worker (WorkerPool's body).
  void WorkerMain(Worker& w, int thread);

  // GetBuffer's call and its outcome, shared by the direct and worker paths.
  HRESULT CallGetBuffer(const call::GetBuffer& c, IMediaSample** got);
  void FillGetBuffer(const call::GetBuffer& c, HRESULT hr, IMediaSample* got, int id, Outcome& o);
  // A successful QueryInterface's pointer: one more client reference in
  // the book when the model counts it, else released (driver_interfaces.cpp).
  void KeepAllocatorInterface(Iid iid, void* p);
  void KeepSampleInterface(const call::SampleQueryInterface& c, IMediaSample* s, void* p);
  // The test callback a call names, or NULL with o.hr = E_INVALIDARG.
  TestCallback* CallbackOf(int callback, Outcome& o);

  // IMemAllocatorCallbackTemp calls: through the cached pointer when the
  // allocator has one identity, else through a transient QueryInterface.
  template <typename F>
  HRESULT WithCallbackTemp(F&& call);
  // SetNotify(callback `id`, or NULL for -1), the op's or a reaction's: a
  // dead-callback call during it names ALLOC.SETNOTIFY.SAME (OnDeadCall).
  HRESULT CallSetNotify(int id);
  ReactionResult PerformReaction(TestCallback& callback, const TestCallback::Pending& r)
      HARNESS_EXCLUDES(resolver_mu_);
  // THREAD.NOLOCK: true if a call needing the allocator's lock returned
  // within lock_probe_timeout.
  bool ProbeLock();
  // The probe's call (LockProbe's `call`): one that needs the lock.
  void CallProbe();
  // LockProbe::Settle within hang_timeout; false (and must_leak) if a probe
  // call is still inside the allocator.
  bool SettleProbe();

  const Implementation impl_;
  const Driver::Options options_;
  IMemAllocator* alloc_ = nullptr;                      // fixed after construction
  IMemAllocatorCallbackTemp* callback_temp_ = nullptr;  // cached, no reference
  std::array<TestCallback*, spec::kNumCallbacks> callbacks_{};
  OuterUnknown outer_;
  std::atomic<bool> probe_lock_{options_.probe_lock};  // Driver::SetProbeLock
  std::atomic<bool> must_leak_{false};
  std::atomic<bool> torn_down_{false};
  bool registered_ = false;
  // DllCanUnloadNow said S_OK before this Core created anything. When it did
  // not (an earlier run of a broken implementation leaked an object), the
  // server's idleness says nothing about this run and is not judged.
  bool server_idle_at_start_ = false;

  Mutex resolver_mu_;
  ReactionResolver resolver_ HARNESS_GUARDED_BY(resolver_mu_);

  // The parts, each with its own lock domain (see its header). Declared
  // after what they use, so they are built after it and destroyed first.
  ClientBook book_;
  ViolationLog violations_;
  ForeignSample foreign_{impl_};
  WorkerPool workers_{[this](Worker& w, int thread) { WorkerMain(w, thread); }};
  LockProbe probe_{[this] { CallProbe(); },
                   // ProbeLock's references, one per ticket answered.
                   [this](uint64_t n) {
                     for (uint64_t i = 0; i < n; ++i) alloc_->Release();
                   }};
};

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

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_CORE_H_
