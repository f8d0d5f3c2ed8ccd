// ---------------------------------------------------------------------------
// File: bench/pools.h
// ---------------------------------------------------------------------------
//
// The pools the benchmarks compare, behind one shape so every measurement
// is one template run on each:
//
//   Pool(const PoolConfig&)   a ready pool of `buffers` buffers of `size`
//                             bytes (FFmpeg's grows on demand instead)
//   void* Acquire()           one buffer; blocks while none is free where
//                             the pool has a limit (dsalloc, GStreamer)
//   void Release(void*)       gives it back (the last unref)
//
//   DsallocPool    the selected implementation (bench_impl.h) through the
//                  COM surface: GetBuffer + IMediaSample::Release
//   FfmpegPool     av_buffer_pool_get + av_buffer_unref (peers/ffmpeg_pool.h)
//   GstPool        gst_buffer_pool_acquire_buffer + gst_buffer_unref
//                  (peers/gst_pool.h)
//
// Threading: Acquire and Release may be called from any thread. Errors: a
// pool that cannot be set up aborts the benchmark run with a message.

#ifndef DSALLOC_BENCH_POOLS_H_
#define DSALLOC_BENCH_POOLS_H_

#include <cstdio>
#include <cstdlib>

#include <dsalloc/strmif.h>

#include "bench_impl.h"

namespace dsalloc::bench {

struct PoolConfig {
  int buffers = 4;
  int size = 4096;
};

[[noreturn]] inline void Die(const char* what, long code) {
  std::fprintf(stderr, "dsalloc-bench: %s failed (0x%lx)\n", what, code);
  std::abort();
}

// An allocator of the selected implementation, committed with `config`.
class DsallocPool {
 public:
  explicit DsallocPool(const PoolConfig& config) {
    HRESULT hr = SelectedImpl().CreateAllocator(IID_IMemAllocator, reinterpret_cast<void**>(&a_));
    if (FAILED(hr)) Die("CreateAllocator", hr);
    ALLOCATOR_PROPERTIES want{config.buffers, config.size, 1, 0};
    ALLOCATOR_PROPERTIES got{};
    hr = a_->SetProperties(&want, &got);
    if (FAILED(hr)) Die("SetProperties", hr);
    hr = a_->Commit();
    if (FAILED(hr)) Die("Commit", hr);
  }
  ~DsallocPool() {
    a_->Decommit();
    a_->Release();
  }
  DsallocPool(const DsallocPool&) = delete;
  DsallocPool& operator=(const DsallocPool&) = delete;

  void* Acquire() { return Get(0); }
  // GetBuffer with dwFlags; null when it did not return S_OK.
  IMediaSample* Get(DWORD flags) {
    IMediaSample* sample = nullptr;
    return SUCCEEDED(a_->GetBuffer(&sample, nullptr, nullptr, flags)) ? sample : nullptr;
  }
  void Release(void* buffer) { static_cast<IMediaSample*>(buffer)->Release(); }
  IMemAllocator* allocator() { return a_; }

 private:
  IMemAllocator* a_ = nullptr;
};

}  // namespace dsalloc::bench

#endif  // DSALLOC_BENCH_POOLS_H_
