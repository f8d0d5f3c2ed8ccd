// harness/driver/driver_foreign.cpp: the sample of "ReleaseBuffer foreign", taken
// from a second, private allocator of the same server (driver_core.h), and
// its end.

#include <utility>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

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
      KeepForever(foreign_alloc_);
      KeepForever(foreign_sample_);
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

}  // namespace dsalloc::harness::driver_internal
