// ---------------------------------------------------------------------------
// File: bench/test_callback.h
// ---------------------------------------------------------------------------
//
// CountingCallback: an IMemAllocatorNotifyCallbackTemp as a filter writes
// one (an atomic reference count, as InterlockedIncrement gives on Windows)
// that counts notifications and can wake one waiting thread, for the
// callback and NOWAIT-producer benchmarks. It lives on the benchmark's
// stack: its last Release does not delete it.
//
// Threading: thread-safe. NotifyRelease runs on the releasing thread.

#ifndef DSALLOC_BENCH_TEST_CALLBACK_H_
#define DSALLOC_BENCH_TEST_CALLBACK_H_

#include <atomic>
#include <cstdint>

#include <dsalloc/strmif.h>

namespace dsalloc::bench {

class CountingCallback final : public IMemAllocatorNotifyCallbackTemp {
 public:
  // With wake, NotifyRelease also wakes a thread in WaitBeyond.
  explicit CountingCallback(bool wake = false) : wake_(wake) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IMemAllocatorNotifyCallbackTemp) {
      *ppv = static_cast<IMemAllocatorNotifyCallbackTemp*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override {
    return refs_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  ULONG STDMETHODCALLTYPE Release() override {
    return refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  }

  HRESULT STDMETHODCALLTYPE NotifyRelease() override {
    if (!wake_) {
      // One writer per benchmark: a plain increment, not a third RMW.
      count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return S_OK;
    }
    count_.fetch_add(1, std::memory_order_release);
    count_.notify_one();
    return S_OK;
  }

  // The notifications so far; pass it to WaitBeyond.
  uint32_t Count() const { return count_.load(std::memory_order_acquire); }
  // Blocks until a NotifyRelease after the one that made Count() == seen.
  void WaitBeyond(uint32_t seen) const { count_.wait(seen, std::memory_order_acquire); }

 private:
  const bool wake_;
  std::atomic<ULONG> refs_{0};
  std::atomic<uint32_t> count_{0};
};

}  // namespace dsalloc::bench

#endif  // DSALLOC_BENCH_TEST_CALLBACK_H_
