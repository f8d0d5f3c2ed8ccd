// harness/driver/foreign_sample.cpp: the sample of "ReleaseBuffer foreign",
// taken from a second, private allocator of the same server
// (foreign_sample.h), and its end.

#include "foreign_sample.h"

#include <utility>

#include "harness/keep_forever.h"

namespace dsalloc::harness::driver_internal {

HRESULT ForeignSample::Get(IMediaSample** out) {
  *out = nullptr;
  {
    MutexLock lock(mu_);
    if (sample_ != nullptr) {
      *out = sample_;
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
    MutexLock lock(mu_);
    if (sample_ == nullptr) {
      alloc_ = alloc;
      sample_ = sample;
      *out = sample;
      return S_OK;
    }
    *out = sample_;  // another thread was first
  }
  sample->Release();
  alloc->Decommit();
  alloc->Release();
  return S_OK;
}

void ForeignSample::NoteAccepted() {
  MutexLock lock(mu_);
  accepted_ = true;
}

void ForeignSample::Drop() {
  IMemAllocator* alloc;
  IMediaSample* sample;
  {
    MutexLock lock(mu_);
    if (alloc_ == nullptr) return;
    if (accepted_) {
      // ALLOC.RELEASEBUFFER.MISUSE was broken: the allocator under test may
      // hand the foreign sample out later, so it must stay alive.
      KeepForever(alloc_);
      KeepForever(sample_);
      alloc_ = nullptr;
      sample_ = nullptr;
      return;
    }
    alloc = std::exchange(alloc_, nullptr);
    sample = std::exchange(sample_, nullptr);
  }
  sample->Release();
  alloc->Decommit();
  alloc->Release();
}

}  // namespace dsalloc::harness::driver_internal
