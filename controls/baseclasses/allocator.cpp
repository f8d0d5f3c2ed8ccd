// controls/baseclasses/allocator.cpp
//
// Section references (S...) are to ../../../shared/SEMANTICS.md.

#include "allocator.h"

#include <cstddef>
#include <new>

#include "fault.h"
#include "sample.h"
#include "server.h"

namespace ctl_baseclasses {
namespace {

constexpr int64_t kMaxLong = INT32_MAX;
// The allocation granularity the base classes test cbAlign against (S2.4
// step 3): normally 64 KiB.
constexpr uint32_t kAllocationGranularity = 0x10000;

// LONG arithmetic as Windows does it: two's-complement wrap-around, without
// undefined behaviour in C++.
LONG Wrap32(int64_t v) {
  return static_cast<LONG>(static_cast<uint32_t>(static_cast<uint64_t>(v)));
}

Sample* SlotAt(void* slots, LONG index) {
  return reinterpret_cast<Sample*>(static_cast<unsigned char*>(slots) +
                                   static_cast<std::size_t>(index) * sizeof(Sample));
}

}  // namespace

Allocator::Allocator() { ObjectCreated(); }

Allocator::~Allocator() {
  // Only reachable in D (the self-reference keeps a committed or
  // decommit-pending allocator alive), so every sample is free.
  {
    std::lock_guard<std::mutex> lock(mu_);
    ReallyFreeLocked();
  }
  NotifyHolder* holder = notify_;
  notify_ = nullptr;
  if (holder != nullptr) DropHolder(holder);  // releases the callback (S3)
  ObjectDestroyed();
}

void Allocator::DropHolder(NotifyHolder* holder) {
  if (holder->uses.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    holder->callback->Release();
    delete holder;
  }
}

// --- IUnknown ---------------------------------------------------------------

HRESULT STDMETHODCALLTYPE Allocator::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown) {
    *ppv = static_cast<IUnknown*>(&identity_);
  } else if (riid == IID_IMemAllocator || riid == IID_IMemAllocatorCallbackTemp) {
    // One vtable answers both (S1.11).
    *ppv = static_cast<IMemAllocatorCallbackTemp*>(this);
  } else {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  AddRef();
  return S_OK;
}

ULONG STDMETHODCALLTYPE Allocator::AddRef() {
  return refs_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

ULONG STDMETHODCALLTYPE Allocator::Release() {
  ULONG old = refs_.load(std::memory_order_acquire);
  do {
    if (old == 0) return 0;  // over-release: refuse rather than wrap
  } while (!refs_.compare_exchange_weak(old, old - 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire));
  if (old == 1) delete this;
  return old - 1;
}

HRESULT STDMETHODCALLTYPE Allocator::Identity::QueryInterface(REFIID riid, void** ppv) {
  return owner->QueryInterface(riid, ppv);
}
ULONG STDMETHODCALLTYPE Allocator::Identity::AddRef() { return owner->AddRef(); }
ULONG STDMETHODCALLTYPE Allocator::Identity::Release() { return owner->Release(); }

// --- IMemAllocator ------------------------------------------------------------

HRESULT STDMETHODCALLTYPE Allocator::SetProperties(ALLOCATOR_PROPERTIES* pRequest,
                                                   ALLOCATOR_PROPERTIES* pActual) {
  // S2.4 step 1; the base classes do not check pRequest (hazard, fixed).
  if (pActual == nullptr || pRequest == nullptr) return E_POINTER;
  const ALLOCATOR_PROPERTIES request = *pRequest;  // pRequest may alias pActual
  std::lock_guard<std::mutex> lock(mu_);
  *pActual = ALLOCATOR_PROPERTIES{0, 0, 0, 0};  // step 2: zero-fill first

  // Step 3: the alignment, against the allocation granularity, first of all.
  if (request.cbAlign == 0 ||
      (kAllocationGranularity & (static_cast<uint32_t>(request.cbAlign) - 1u)) != 0) {
    return VFW_E_BADALIGN;
  }
  if (committed_) return VFW_E_ALREADY_COMMITTED;  // step 4
  if (decommit_pending_ || FreeLocked() != slot_count_) {
    return VFW_E_BUFFERS_OUTSTANDING;  // step 5
  }
  // Step 7: round cbBuffer + cbPrefix up to a multiple of cbAlign, in
  // 32-bit LONG arithmetic with its wrap-around, as the base classes do:
  // size - remainder + align, with C's truncating remainder.
  LONG size = Wrap32(int64_t{request.cbBuffer} + request.cbPrefix);
  const int64_t remainder = int64_t{size} % request.cbAlign;
  if (remainder != 0) size = Wrap32(int64_t{size} - remainder + request.cbAlign);
  props_.cbBuffer = Wrap32(int64_t{size} - request.cbPrefix);
  props_.cBuffers = request.cBuffers;
  props_.cbAlign = request.cbAlign;
  props_.cbPrefix = request.cbPrefix;
  changed_ = true;  // step 8
  *pActual = props_;
  return S_OK;
}

HRESULT STDMETHODCALLTYPE Allocator::GetProperties(ALLOCATOR_PROPERTIES* pProps) {
  if (pProps == nullptr) return E_POINTER;
  std::lock_guard<std::mutex> lock(mu_);
  *pProps = props_;
  return S_OK;
}

HRESULT STDMETHODCALLTYPE Allocator::Commit() {
  std::lock_guard<std::mutex> lock(mu_);
  if (committed_) return S_OK;  // C: nothing validated (S2.2, S6.2)
  if (decommit_pending_) {      // P -> C: no Alloc, no new self-reference
    decommit_pending_ = false;
    committed_ = true;
    return S_OK;
  }
  const HRESULT hr = AllocLocked();
  if (FAILED(hr)) return hr;
  committed_ = true;
  AddRef();  // the self-reference (S2.2); our own code, safe under the lock
  return S_OK;
}

HRESULT Allocator::AllocLocked() {
  // CBaseAllocator::Alloc's checks, then reuse if nothing changed (S2.7).
  if (props_.cBuffers <= 0 || props_.cbBuffer <= 0 || props_.cbAlign <= 0) {
    return VFW_E_SIZENOTSET;
  }
  if (!changed_ && slots_ != nullptr) return S_OK;
  ReallyFreeLocked();  // the old block goes before the new one is made

  // The Windows 7 SDK's limits (S2.7, S6.15), computed without overflow.
  if (props_.cbPrefix < 0) return E_OUTOFMEMORY;
  int64_t stride = int64_t{props_.cbBuffer} + props_.cbPrefix;
  if (stride > kMaxLong) return E_OUTOFMEMORY;
  const int64_t remainder = stride % props_.cbAlign;
  if (remainder != 0) stride += props_.cbAlign - remainder;
  if (stride > kMaxLong) return E_OUTOFMEMORY;
  const int64_t total = int64_t{props_.cBuffers} * stride;
  if (total > kMaxLong) return E_OUTOFMEMORY;

  // One contiguous block whose start is a multiple of cbAlign (the alignment
  // applies to the start of each prefix, S1.4), and room for the sample
  // objects. Either allocation may fail: E_OUTOFMEMORY, nothing kept.
  const std::size_t align = static_cast<std::size_t>(props_.cbAlign);
  const std::size_t block_bytes = static_cast<std::size_t>(total) + align - 1;
  void* raw = TryAllocLarge(block_bytes);
  if (raw == nullptr) return E_OUTOFMEMORY;
  void* slots = TryAllocLarge(static_cast<std::size_t>(props_.cBuffers) * sizeof(Sample));
  if (slots == nullptr) {
    FreeLarge(raw, block_bytes);
    return E_OUTOFMEMORY;
  }
  const uintptr_t address = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t misalign = address % align;
  raw_block_ = raw;
  raw_block_bytes_ = block_bytes;
  block_ = static_cast<BYTE*>(raw) + (misalign == 0 ? 0 : align - misalign);
  slots_ = slots;
  slot_count_ = props_.cBuffers;
  untouched_ = props_.cBuffers;  // all free, sample 0 at the bottom
  stride_ = static_cast<LONG>(stride);
  buffer_size_ = props_.cbBuffer;
  prefix_ = props_.cbPrefix;
  free_head_ = nullptr;
  free_listed_ = 0;
  changed_ = false;
  return S_OK;
}

void Allocator::ReallyFreeLocked() {
  if (slots_ != nullptr) {
    for (LONG i = untouched_; i < slot_count_; ++i) SlotAt(slots_, i)->~Sample();
    FreeLarge(slots_, static_cast<std::size_t>(slot_count_) * sizeof(Sample));
  }
  FreeLarge(raw_block_, raw_block_bytes_);
  raw_block_ = nullptr;
  raw_block_bytes_ = 0;
  block_ = nullptr;
  slots_ = nullptr;
  slot_count_ = 0;
  untouched_ = 0;
  stride_ = 0;
  free_head_ = nullptr;
  free_listed_ = 0;
}

HRESULT STDMETHODCALLTYPE Allocator::Decommit() {
  bool drop_self_reference = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (committed_) {
      committed_ = false;
      if (FreeLocked() == slot_count_) {
        drop_self_reference = true;  // C -> D; Free() keeps the memory (S2.7)
      } else {
        decommit_pending_ = true;  // C -> P
      }
      ++decommit_epoch_;
      WakeWaitersLocked();
    } else if (decommit_pending_) {
      ++decommit_epoch_;
      WakeWaitersLocked();  // P: re-evaluated, still P (S2.2)
    }
  }
  if (drop_self_reference) Release();  // after the lock (S2.2)
  return S_OK;
}

void Allocator::WakeWaitersLocked() {
  if (waiting_ == 0) return;  // the lazy semaphore (S3, [MS-AMH])
  ++wake_generation_;
  wake_.notify_all();
}

Sample* Allocator::PopLocked() {
  if (free_head_ != nullptr) {
    Sample* s = free_head_;
    free_head_ = s->next_free;
    s->next_free = nullptr;
    s->on_free_list = false;
    --free_listed_;
    return s;
  }
  if (untouched_ == 0) return nullptr;
  const LONG index = --untouched_;
  BYTE* prefix_start = block_ + static_cast<std::size_t>(index) * static_cast<std::size_t>(stride_);
  return new (SlotAt(slots_, index)) Sample(this, prefix_start + prefix_, buffer_size_);
}

HRESULT STDMETHODCALLTYPE Allocator::GetBuffer(IMediaSample** ppBuffer,
                                               REFERENCE_TIME* /*pStartTime*/,
                                               REFERENCE_TIME* /*pEndTime*/, DWORD dwFlags) {
  if (ppBuffer == nullptr) return E_POINTER;  // the base classes crash
  *ppBuffer = nullptr;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!committed_) return VFW_E_NOT_COMMITTED;  // before NOWAIT (S2.5)
    if (Sample* s = PopLocked()) {
      s->GiveFirstReference();
      *ppBuffer = s;
      return S_OK;
    }
    // No phantom waiter: NOWAIT leaves before registering (S6.3, fixed).
    if ((dwFlags & AM_GBF_NOWAIT) != 0) return VFW_E_TIMEOUT;
    // Wait for the next wake-all, then re-check everything: a release
    // wakes every waiter and the free sample goes to whoever gets the lock
    // first. A Decommit that happened while this thread was blocked ends
    // the call with VFW_E_NOT_COMMITTED even if a Commit got the lock
    // first (the base classes would wait again, S2.5 "code reading"; the
    // documented contract is that waiters return with an error, S1.6).
    ++waiting_;
    const uint64_t generation = wake_generation_;
    const uint64_t epoch = decommit_epoch_;
    wake_.wait(lock, [&] { return wake_generation_ != generation; });
    --waiting_;
    if (decommit_epoch_ != epoch) return VFW_E_NOT_COMMITTED;
  }
}

bool Allocator::IsOurSampleLocked(IMediaSample* p, Sample** out) const {
  if (slots_ == nullptr) return false;
  const uintptr_t first = reinterpret_cast<uintptr_t>(slots_);
  const uintptr_t address = reinterpret_cast<uintptr_t>(p);
  if (address < first) return false;
  const uintptr_t offset = address - first;
  if (offset % sizeof(Sample) != 0) return false;
  const uintptr_t index = offset / sizeof(Sample);
  if (index < static_cast<uintptr_t>(untouched_) || index >= static_cast<uintptr_t>(slot_count_)) {
    return false;
  }
  Sample* s = SlotAt(slots_, static_cast<LONG>(index));
  if (static_cast<IMediaSample*>(s) != p) return false;
  *out = s;
  return true;
}

HRESULT STDMETHODCALLTYPE Allocator::ReleaseBuffer(IMediaSample* pBuffer) {
  if (pBuffer == nullptr) return E_POINTER;  // S2.6 step 1
  bool complete = false;
  NotifyHolder* snapshot = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The base classes trust the caller; pushing a held, free or foreign
    // sample would corrupt the free list, so such a call is refused.
    Sample* s = nullptr;
    if (!IsOurSampleLocked(pBuffer, &s) || s->on_free_list || s->RefCount() != 0) {
      return E_INVALIDARG;
    }
    s->next_free = free_head_;  // push on the head: LIFO (S2.5)
    s->on_free_list = true;
    free_head_ = s;
    ++free_listed_;
    WakeWaitersLocked();
    if (decommit_pending_ && FreeLocked() == slot_count_) {
      decommit_pending_ = false;  // P -> D; Free() keeps the memory
      complete = true;
    }
    // Snapshot the callback with a reference, under the lock (the base
    // classes read it unlocked: S3, S6.6).
    snapshot = notify_;
    if (snapshot != nullptr) snapshot->uses.fetch_add(1, std::memory_order_relaxed);
  }
  // Outside the lock, after the sample is back and waiters are woken, and
  // before the self-reference goes (S3, S2.2). Only locals from here on:
  // the allocator may be destroyed by another thread meanwhile only if this
  // release did not complete a decommit, and then nothing of it is touched.
  if (snapshot != nullptr) {
    snapshot->callback->NotifyRelease();  // result ignored (S3)
    DropHolder(snapshot);
  }
  if (complete) Release();
  return S_OK;
}

// --- IMemAllocatorCallbackTemp (S3) ---------------------------------------------

HRESULT STDMETHODCALLTYPE Allocator::SetNotify(IMemAllocatorNotifyCallbackTemp* pNotify) {
  NotifyHolder* fresh = nullptr;
  if (pNotify != nullptr) {
    fresh = new (std::nothrow) NotifyHolder{pNotify, {1}};
    if (fresh == nullptr) return E_OUTOFMEMORY;
    pNotify->AddRef();  // the new one first, so SetNotify(same) is safe
  }
  NotifyHolder* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = notify_;
    notify_ = fresh;
  }
  if (old != nullptr) DropHolder(old);  // outside the lock
  return S_OK;
}

HRESULT STDMETHODCALLTYPE Allocator::GetFreeCount(LONG* plBuffersFree) {
  if (plBuffersFree == nullptr) return E_POINTER;  // the base classes crash
  std::lock_guard<std::mutex> lock(mu_);
  // cBuffers (as set) - allocated + free-list length (S3).
  *plBuffersFree = Wrap32(int64_t{props_.cBuffers} - slot_count_ + FreeLocked());
  return S_OK;
}

}  // namespace ctl_baseclasses
