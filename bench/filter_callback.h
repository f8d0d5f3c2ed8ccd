// ---------------------------------------------------------------------------
// File: bench/filter_callback.h
// ---------------------------------------------------------------------------
//
// FilterCallback: an IMemAllocatorNotifyCallbackTemp as a filter writes
// one (an atomic reference count, as InterlockedIncrement gives on Windows)
// that counts notifications and can wake one waiting thread, for the
// callback and NOWAIT-producer benchmarks. Lean on purpose: the cycle it is
// called in is what is measured, so it records nothing else (unlike the
// tests' testing::CountingCallback). It lives on the benchmark's stack: its
// last Release does not delete it.
//
// Threading: thread-safe. NotifyRelease runs on the releasing thread.

#ifndef DSALLOC_BENCH_FILTER_CALLBACK_H_
#define DSALLOC_BENCH_FILTER_CALLBACK_H_

#include <atomic>
#include <cstdint>

#include <comkit/notify_callback_base.h>
#include <dsalloc/strmif.h>

namespace dsalloc::bench {

class FilterCallback final : public comkit::NotifyCallbackBase {
 public:
  // With wake, NotifyRelease also wakes a thread in WaitBeyond.
  explicit FilterCallback(bool wake = false) : wake_(wake) {}

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

#endif  // DSALLOC_BENCH_FILTER_CALLBACK_H_
