// Allocator: one mutex guards the state machine, the pool, the free list,
// the FIFO of waiters and the callback pointer. Every call out of the
// allocator (NotifyRelease, a callback's Release, the final self-Release)
// happens after the mutex is dropped. Each point where a broken variant
// departs is one Hook:: call (internal/allocator_hooks.h); in the reference
// build each is the reference step, inlined.

#include "allocator.h"

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>

#include "internal/allocator_hooks.h"
#include "internal/buffer_layout.h"
#include "internal/fault_injection.h"

namespace dsalloc {
namespace {

using internal::MutexLock;
using Hook = internal::AllocatorHooks;

}  // namespace

HRESULT Allocator::Create(REFIID riid, void** ppv) noexcept {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  auto* allocator = new (std::nothrow) Allocator();
  if (allocator == nullptr) return E_OUTOFMEMORY;
  HRESULT hr = allocator->QueryInterface(riid, ppv);
  allocator->Release();  // the creation reference; a successful QI holds one
  return hr;
}

Allocator::Allocator() = default;

Allocator::~Allocator() {
  // Only reachable decommitted (LIFE.SELFREF), so no sample is out.
  samples_.reset();
  std::free(block_);
  if (notify_ != nullptr) notify_->Release();  // LIFE.DESTROY
}

// --- IUnknown ----------------------------------------------------------------

HRESULT Allocator::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IMemAllocator || riid == IID_IMemAllocatorCallbackTemp) {
    *ppv = static_cast<IMemAllocatorCallbackTemp*>(this);  // COM.ALLOC.IDENTITY
    AddRef();
    return S_OK;
  }
  Hook::ClearOnMiss(ppv);  // COM.ALLOC.QI.MISS
  return E_NOINTERFACE;
}

ULONG Allocator::AddRef() { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }

ULONG Allocator::Release() {
  ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left == 0) delete this;
  return left;
}

// --- IMemAllocator -----------------------------------------------------------

HRESULT Allocator::SetProperties(ALLOCATOR_PROPERTIES* pRequest, ALLOCATOR_PROPERTIES* pActual) {
  if (pRequest == nullptr || pActual == nullptr) return E_POINTER;
  const ALLOCATOR_PROPERTIES request = *pRequest;  // the two may alias
  *pActual = ALLOCATOR_PROPERTIES{0, 0, 0, 0};     // ALLOC.PROPS.ZERO
  if (!internal::IsValidAlignment(request.cbAlign)) return VFW_E_BADALIGN;
  MutexLock lock(mu_);
  if (state_ == State::kCommitted) return VFW_E_ALREADY_COMMITTED;
  if (state_ == State::kDecommitPending) return VFW_E_BUFFERS_OUTSTANDING;
  props_ = internal::RoundedProperties(request);
  props_changed_ = true;  // ALLOC.COMMIT.REALLOC: the next Commit reallocates
  *pActual = props_;
  return S_OK;
}

HRESULT Allocator::GetProperties(ALLOCATOR_PROPERTIES* pProps) {
  if (pProps == nullptr) return E_POINTER;
  MutexLock lock(mu_);
  *pProps = props_;
  return S_OK;
}

HRESULT Allocator::Commit() {
  MutexLock lock(mu_);
  switch (state_) {
    case State::kCommitted:
      return S_OK;
    case State::kDecommitPending:
      state_ = State::kCommitted;  // keeps the self-reference it has
      return S_OK;
    case State::kDecommitted:
      break;
  }
  if (props_changed_ || sample_count_ == 0) {
    HRESULT hr = AllocatePool();
    if (FAILED(hr)) return hr;
  }
  state_ = State::kCommitted;
  CheckInvariantsLocked();
  AddRef();  // LIFE.SELFREF
  return S_OK;
}

HRESULT Allocator::AllocatePool() {
  internal::Layout layout;
  HRESULT hr = internal::PlanLayout(props_, &layout);
  if (FAILED(hr)) return hr;
  const size_t align = static_cast<size_t>(props_.cbAlign);
  void* block = internal::AllocationMayFail()
                    ? nullptr
                    : std::calloc(static_cast<size_t>(layout.total) + align, 1);
  if (block == nullptr) return E_OUTOFMEMORY;
  std::unique_ptr<Sample[]> samples(
      internal::AllocationMayFail() ? nullptr : new (std::nothrow) Sample[props_.cBuffers]);
  if (samples == nullptr) {
    std::free(block);
    return E_OUTOFMEMORY;
  }
  // Only now, with the new pool in hand, does the old one go: a failed
  // Commit changes nothing (ALLOC.COMMIT.FAIL).
  free_list_.clear();
  samples_ = std::move(samples);
  std::free(block_);
  block_ = block;
  sample_count_ = props_.cBuffers;
  props_changed_ = false;

  // ALLOC.SAMPLE.LAYOUT: the prefix start of every buffer is aligned to cbAlign.
  auto base = reinterpret_cast<uintptr_t>(block);
  base = Hook::FirstPrefix((base + align - 1) / align * align, align);
  const int64_t stride = Hook::Stride(layout.stride, align);
  free_list_.reserve(static_cast<size_t>(sample_count_));
  for (LONG i = 0; i < sample_count_; ++i) {
    auto* prefix = reinterpret_cast<BYTE*>(base + i * stride);
    samples_[i].Attach(this, prefix + props_.cbPrefix, props_.cbBuffer);
    PushFree(&samples_[i]);  // sample 0 first: the last one is handed out first
  }
  return S_OK;
}

HRESULT Allocator::Decommit() {
  MutexLock lock(mu_);
  if (state_ != State::kCommitted) return S_OK;  // ALLOC.DECOMMIT.1, ALLOC.DECOMMIT.4
  const bool completes = Hook::DecommitCompletes(OutstandingLocked());
  state_ = completes ? State::kDecommitted : State::kDecommitPending;
  if (!completes) Hook::AfterDecommitPends(*this);  // LIFE.FREEMEM: memory stays
  // ALLOC.DECOMMIT.WAKE: every waiter leaves with VFW_E_NOT_COMMITTED.
  while (Waiter* waiter = DequeueWaiter()) {
    waiter->cancelled = true;
    waiter->Signal();
    if (!Hook::DecommitWakesNext()) break;
  }
  CheckInvariantsLocked();
  lock.Unlock();
  if (completes) Hook::ReleaseSelfReference(*this);  // LIFE.SELFREF
  return S_OK;
}

HRESULT Allocator::GetBuffer(IMediaSample** ppBuffer, REFERENCE_TIME*, REFERENCE_TIME*,
                             DWORD dwFlags) {
  if (ppBuffer == nullptr) return E_POINTER;
  *ppBuffer = nullptr;
  MutexLock lock(mu_);
  // ALLOC.GETBUFFER.NOTCOMMITTED comes before ALLOC.GETBUFFER.NOWAIT.
  if (state_ != State::kCommitted) return VFW_E_NOT_COMMITTED;
  if (!free_list_.empty()) {
    Sample* sample = free_list_.back();  // ALLOC.GETBUFFER.POP
    free_list_.pop_back();
    sample->on_free_list = false;
    sample->HandOut();
    *ppBuffer = sample;
    return S_OK;
  }
  if (dwFlags & AM_GBF_NOWAIT) {
    Hook::AfterNoWaitMiss(*this);  // ALLOC.GETBUFFER.NOWAIT: no waiter left
    return VFW_E_TIMEOUT;
  }
  Waiter me;  // ALLOC.GETBUFFER.WAIT: FIFO, served by hand-off
  EnqueueWaiter(&me);
  lock.Unlock();
  while (me.signalled.load(std::memory_order_acquire) == 0) {
    internal::WaitWhileEquals(me.signalled, 0);
  }
  // The signaller still holds the lock while it wakes us: taking it once
  // means its notify is over before `me` is gone.
  MutexLock done(mu_);
  if (me.granted == nullptr) return VFW_E_NOT_COMMITTED;
  *ppBuffer = me.granted;  // its count was set to 1 by the release
  return S_OK;
}

HRESULT Allocator::ReleaseBuffer(IMediaSample* pBuffer) {
  if (pBuffer == nullptr) return E_POINTER;  // ALLOC.RELEASEBUFFER.NULL
  Hook::BeforeSampleReturns(*this);
  MutexLock lock(mu_);
  Sample* sample = OwnSample(pBuffer);
  // ALLOC.RELEASEBUFFER.MISUSE: foreign, still referenced or already free.
  if (sample == nullptr) return Hook::ForeignReleaseResult();
  if (sample->on_free_list || sample->RefCount() != 0) return E_INVALIDARG;
  const bool was_pending = state_ == State::kDecommitPending;
  if (Waiter* waiter = DequeueWaiter()) {
    sample->HandOut();  // ALLOC.RELEASEBUFFER.HANDOFF: straight to the oldest
    waiter->granted = sample;
    waiter->Signal();
  } else {
    Hook::ReturnToFreeList(*this, sample);  // ALLOC.RELEASEBUFFER.PUSH
  }
  const bool completes = was_pending && OutstandingLocked() == 0;
  if (completes) state_ = State::kDecommitted;  // ALLOC.RELEASEBUFFER.COMPLETE
  CheckInvariantsLocked();

  // NOTIFY.SNAPSHOT, taken now the sample is back (NOTIFY.AFTERFREE).
  IMemAllocatorNotifyCallbackTemp* callback = Hook::SnapshotCallback(*this);
  Hook::BeforeUnlock(*this, callback);
  lock.Unlock();  // THREAD.NOLOCK: nothing below runs under the lock

  Hook::DeliverAfterUnlock(*this, callback, was_pending);  // NOTIFY.ONCE
  // NOTIFY.BEFORESELF: the callback has returned; this may destroy us.
  if (completes) Hook::ReleaseSelfReference(*this);  // LIFE.SELFREF
  return S_OK;
}

// --- IMemAllocatorCallbackTemp -------------------------------------------------

HRESULT Allocator::SetNotify(IMemAllocatorNotifyCallbackTemp* pNotify) {
  // ALLOC.SETNOTIFY.1: the new callback is AddRef'd before the old one is
  // Released, so SetNotify(current) is safe; no foreign code runs locked.
  if (pNotify != nullptr) Hook::AddRefNewCallback(pNotify);
  IMemAllocatorNotifyCallbackTemp* old;
  {
    MutexLock lock(mu_);
    old = notify_;
    notify_ = pNotify;
  }
  if (old != nullptr) Hook::ReleaseOldCallback(old);  // THREAD.NOLOCK
  if (pNotify != nullptr) Hook::AddRefNewCallbackLate(pNotify);
  return S_OK;
}

HRESULT Allocator::GetFreeCount(LONG* plBuffersFree) {
  if (plBuffersFree == nullptr) return E_POINTER;
  MutexLock lock(mu_);
  // ALLOC.FREECOUNT: cBuffers - allocated + free, which is cBuffers -
  // outstanding, in LONG's 32-bit arithmetic: it wraps when SetProperties
  // stored a cBuffers near LONG_MIN while samples are still out (found by
  // the differential fuzzer, fuzz/regressions/differential/freecount-wraps).
  const LONG outstanding = OutstandingLocked();
  const LONG free_count = static_cast<LONG>(static_cast<uint32_t>(props_.cBuffers) -
                                            static_cast<uint32_t>(outstanding));
  *plBuffersFree = Hook::ReportedFreeCount(free_count, outstanding);
  return S_OK;
}

// --- Helpers -------------------------------------------------------------------

void Allocator::Deliver(IMemAllocatorNotifyCallbackTemp* snapshot) {
  if (snapshot == nullptr) return;
  snapshot->NotifyRelease();  // the result is ignored (NOTIFY.RESULT)
  snapshot->Release();
}

Sample* Allocator::OwnSample(IMediaSample* p) const {
  if (sample_count_ == 0) return nullptr;
  const auto address = reinterpret_cast<uintptr_t>(p);
  const auto first = reinterpret_cast<uintptr_t>(&samples_[0]);
  if (address < first) return nullptr;
  const uintptr_t offset = address - first;
  if (offset % sizeof(Sample) != 0) return nullptr;
  const uintptr_t index = offset / sizeof(Sample);
  if (index >= static_cast<uintptr_t>(sample_count_)) return nullptr;
  Sample* sample = &samples_[index];
  return static_cast<IMediaSample*>(sample) == p ? sample : nullptr;
}

void Allocator::PushFree(Sample* sample) {
  sample->on_free_list = true;
  free_list_.push_back(sample);
}

void Allocator::EnqueueWaiter(Waiter* waiter) {
  waiter->next = nullptr;
  if (waiters_tail_ == nullptr) {
    waiters_head_ = waiter;
  } else {
    waiters_tail_->next = waiter;
  }
  waiters_tail_ = waiter;
}

Allocator::Waiter* Allocator::DequeueWaiter() {
  Waiter* waiter = waiters_head_;
  if (waiter == nullptr) return nullptr;
  waiters_head_ = waiter->next;
  if (waiters_head_ == nullptr) waiters_tail_ = nullptr;
  return waiter;
}

LONG Allocator::OutstandingLocked() const {
  return sample_count_ - static_cast<LONG>(free_list_.size());
}

void Allocator::CheckInvariantsLocked() const {
#ifndef NDEBUG
  assert(static_cast<LONG>(free_list_.size()) <= sample_count_);
  assert(waiters_head_ == nullptr || free_list_.empty());
  assert(state_ != State::kDecommitted || waiters_head_ == nullptr);
  if (!Hook::DecommitsWithSamplesOut()) {  // LIFE.FREEMEM
    assert(state_ != State::kDecommitted || OutstandingLocked() == 0);
  }
#endif
}

}  // namespace dsalloc
