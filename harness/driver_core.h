// ---------------------------------------------------------------------------
// File: harness/driver_core.h
// ---------------------------------------------------------------------------
//
// Not a public header: the Driver's internal Core, shared by the pieces of
// driver.h's implementation and included by nothing else (checkers use
// driver.h; Core promises only what Driver passes on).
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
//
// Where each part lives:
//   driver.cpp               - Driver; Core construction and destruction,
//                              violations, resolver, callback counts; the
//                              graveyard and live-driver counts
//   driver_bookkeeping.cpp   - observed ids, client references, buffers
//   driver_allocator_ops.cpp - RunDirect, Execute: allocator ops
//   driver_sample_ops.cpp    - IMediaSample ops
//   driver_sample2_ops.cpp   - IMediaSample2 Get/SetProperties
//   driver_factory_ops.cpp   - DllGetClassObject, CreateInstance, DllCanUnloadNow
//   driver_foreign.cpp       - the foreign sample of ReleaseBuffer foreign
//   driver_workers.cpp       - Run, blocking GetBuffer on workers, completions
//   driver_reactions.cpp     - NotifyRelease recording and reactions
//   driver_probe.cpp         - the THREAD.NOLOCK lock probe
//   driver_teardown.cpp      - Teardown, StopThreads

#ifndef DSALLOC_HARNESS_DRIVER_CORE_H_
#define DSALLOC_HARNESS_DRIVER_CORE_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "driver.h"
#include "driver_support.h"
#include "driver_threads.h"
#include "mutex.h"
#include "test_callback.h"

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
  // COM: *ppv is non-NULL exactly when the call succeeded. Records a
  // violation of `rule` and returns false (then the pointer must not be
  // used) when not.
  bool InterfaceOutIsValid(std::string_view rule, HRESULT hr, void* p) HARNESS_EXCLUDES(mu_);

  // Every op kind, on the calling thread.
  void Execute(const Op& op, Outcome& o);
  void ExecuteSampleOp(const Op& op, IMediaSample* s, Outcome& o);
  void ExecuteFactoryOp(const Op& op, Outcome& o);
  // IClassFactory::LockServer on a factory got for the call and released.
  HRESULT CallLockServer(BOOL lock);
  // Teardown: undoes the LockServer(TRUE) calls the client did not undo, so
  // the server's idleness check sees only objects (FACTORY.UNLOAD).
  void UnlockServer() HARNESS_EXCLUDES(mu_);
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
  // LockServer(TRUE) calls that succeeded minus the LockServer(FALSE) calls
  // that undid one (an unlock with none held undoes nothing).
  uint32_t server_locks_ HARNESS_GUARDED_BY(mu_) = 0;

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
