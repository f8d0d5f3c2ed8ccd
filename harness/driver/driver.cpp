// harness/driver/driver.cpp: the Driver façade (driver.h) over its internal
// Core, and the Core's construction and destruction. What the Core is, its
// locking rule and where each of its parts lives: driver_core.h.

#include "harness/driver.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "driver_core.h"
#include "harness/annotated_mutex.h"
#include "harness/keep_forever.h"
#include "test_callback.h"

namespace dsalloc::harness::driver_internal {

// --- live drivers ------------------------------------------------------------------

Mutex& LiveMutex() {
  static Mutex* mu = new Mutex;
  return *mu;
}
std::map<uintptr_t, int>& LiveCounts() {
  static auto* counts = new std::map<uintptr_t, int>;
  return *counts;
}

// --- the core -------------------------------------------------------------------------

Core::Core(const Implementation& impl, Driver::Options options) : impl_(impl), options_(options) {
  for (int i = 0; i < spec::kNumCallbacks; ++i) {
    callbacks_[i] = new TestCallback(i, this);
  }
  if (impl_.get_class_object == nullptr) return;
  {
    MutexLock lock(LiveMutex());
    ++LiveCounts()[reinterpret_cast<uintptr_t>(impl_.can_unload_now)];
    registered_ = true;
    server_idle_at_start_ = impl_.can_unload_now != nullptr &&
                            LiveCounts()[reinterpret_cast<uintptr_t>(impl_.can_unload_now)] == 1 &&
                            impl_.can_unload_now() == S_OK;
  }
  // LIFE.CREATE: DllGetClassObject -> CreateInstance(IID_IMemAllocator).
  void* p = nullptr;
  if (FAILED(impl_.CreateAllocator(IID_IMemAllocator, &p)) || p == nullptr) return;
  alloc_ = static_cast<IMemAllocator*>(p);
  book_.AddAllocatorRef(alloc_);
  // The driver's own SetNotify/GetFreeCount calls and probes must not
  // change the counts the model predicts, so they go through a pointer
  // cached here without a reference, which is sound only when it is the
  // same object pointer (COM.ALLOC.IDENTITY); otherwise each call queries.
  void* temp = nullptr;
  if (SUCCEEDED(alloc_->QueryInterface(IID_IMemAllocatorCallbackTemp, &temp)) && temp != nullptr) {
    if (temp == static_cast<void*>(alloc_)) {
      callback_temp_ = static_cast<IMemAllocatorCallbackTemp*>(temp);
    }
    static_cast<IUnknown*>(temp)->Release();
  }
}

Core::~Core() {
  // Only the client's reference left, or none: the callback can be
  // deleted. Anything else means the allocator may still hold (and call)
  // it: keep it alive.
  for (TestCallback* cb : callbacks_) {
    if (cb->AllocatorRefs() == 0 && cb->HeldAllocatorRefs() == 0) {
      delete cb;
    } else {
      cb->DetachHost();
      KeepForever(cb);
    }
  }
  if (registered_) {
    MutexLock lock(LiveMutex());
    --LiveCounts()[reinterpret_cast<uintptr_t>(impl_.can_unload_now)];
  }
}

void Core::OnMisuse(std::string_view rule, std::string detail) {
  AddViolation(rule, std::move(detail));
}

bool Core::ClientHoldsAllocator() const {
  if (book_.HoldsAllocator()) return true;
  for (const TestCallback* cb : callbacks_) {
    if (cb->HeldAllocatorRefs() > 0) return true;
  }
  return false;
}

void Core::SetResolver(ReactionResolver resolver) {
  MutexLock lock(resolver_mu_);
  resolver_ = std::move(resolver);
}

uint32_t Core::CallbackRefs(int id) const {
  if (id < 0 || id >= spec::kNumCallbacks) return 0;
  LONG refs = callbacks_[id]->AllocatorRefs();  // minus the client's own
  return refs > 0 ? static_cast<uint32_t>(refs) : 0;
}

uint32_t Core::CallbackNotifications(int id) const {
  if (id < 0 || id >= spec::kNumCallbacks) return 0;
  return callbacks_[id]->notifications();
}

}  // namespace dsalloc::harness::driver_internal

namespace dsalloc::harness {

// --- Driver -------------------------------------------------------------------------------

using driver_internal::Core;

Driver::Options Driver::Options::ForCheckers() {
  double scale = 1.0;
  if (const char* text = std::getenv("DSALLOC_TIMEOUT_SCALE")) {
    double v = std::strtod(text, nullptr);
    if (v > 0) scale = v;
  }
  auto ms = [scale](double base) {
    return std::chrono::milliseconds(static_cast<long>(base * scale));
  };
  Options options;
  options.hang_timeout = ms(2000);
  options.lock_probe_timeout = ms(500);
  options.settle = ms(20);
  return options;
}

Driver::Driver(const Implementation& impl, Options options) : core_(new Core(impl, options)) {}

Driver::~Driver() {
  // The driver's own belief: with a client reference the allocator is alive
  // (Decommit is safe); without one it may be gone, so it is not touched.
  if (!core_->torn_down()) core_->Teardown(core_->ClientHoldsAllocator());
  core_->StopThreads();
  if (core_->must_leak()) {
    KeepForever(core_);  // a detached thread may still use it
  } else {
    delete core_;
  }
}

bool Driver::ok() const { return core_->ok(); }

bool Driver::ServerIdleAtStart() const { return core_->server_idle_at_start(); }

bool Driver::SupportsFaultInjection() const { return core_->impl().SupportsFaultInjection(); }

void Driver::SetResolver(ReactionResolver resolver) { core_->SetResolver(std::move(resolver)); }

void Driver::SetProbeLock(bool on) { core_->SetProbeLock(on); }

spec::Outcome Driver::Run(const spec::Op& op, Expectation expect) {
  spec::Outcome observed;
  core_->Run(op, expect, observed);
  return observed;
}

void Driver::RunInto(const spec::Op& op, Expectation expect, spec::Outcome* observed) {
  core_->Run(op, expect, *observed);
}

spec::Outcome Driver::RunDirect(const spec::Op& op) { return core_->RunDirect(op); }

std::vector<spec::Completion> Driver::AwaitCompletions(size_t count) {
  return core_->AwaitCompletions(count);
}

uint32_t Driver::CallbackRefs(int id) const { return core_->CallbackRefs(id); }

uint32_t Driver::CallbackNotifications(int id) const { return core_->CallbackNotifications(id); }

uint32_t Driver::ClientSampleRefs(int id) const { return core_->ClientSampleRefs(id); }

bool Driver::ClientSampleRefsAre(const std::vector<std::pair<int, uint32_t>>& expected) const {
  return core_->ClientSampleRefsAre(expected);
}

IMediaSample* Driver::SamplePointer(int id) const { return core_->SamplePointer(id); }

void Driver::Teardown(bool allocator_alive) { core_->Teardown(allocator_alive); }

std::vector<Violation> Driver::TakeViolations() { return core_->TakeViolations(); }

bool Driver::HasViolations() const { return core_->HasViolations(); }

}  // namespace dsalloc::harness
