// Single-thread get + release cycles on a ready pool, for dsalloc and each
// peer; the same with a NotifyRelease callback installed (dsalloc only: the
// peers have no per-release callback); and contention: two threads cycling
// on one shared pool. Every pool holds 8 buffers of 4096 bytes, so no
// cycle ever waits.

#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "bench/peers/ffmpeg_pool.h"
#include "bench/peers/gst_pool.h"
#include "benchmarks.h"
#include "filter_callback.h"
#include "pools.h"

namespace dsalloc::bench {
namespace {

constexpr PoolConfig kCycleConfig{8, 4096};

template <typename Pool>
void Cycle(benchmark::State& state) {
  Pool pool(kCycleConfig);
  for (auto _ : state) {
    void* buffer = pool.Acquire();
    benchmark::DoNotOptimize(buffer);
    pool.Release(buffer);
  }
}

void CycleWithCallback(benchmark::State& state) {
  DsallocPool pool(kCycleConfig);
  FilterCallback callback;
  IMemAllocatorCallbackTemp* with_notify = nullptr;
  if (FAILED(pool.allocator()->QueryInterface(IID_IMemAllocatorCallbackTemp,
                                              reinterpret_cast<void**>(&with_notify))) ||
      FAILED(with_notify->SetNotify(&callback))) {
    state.SkipWithError("no IMemAllocatorCallbackTemp::SetNotify");
    return;
  }
  for (auto _ : state) {
    void* buffer = pool.Acquire();
    benchmark::DoNotOptimize(buffer);
    pool.Release(buffer);
  }
  if (callback.Count() < state.iterations()) state.SkipWithError("a release did not notify");
  with_notify->SetNotify(nullptr);
  with_notify->Release();
}

// Contention: one pool shared by the benchmark's threads, made before they
// start (Setup) and destroyed after they finish (Teardown).
template <typename Pool>
std::unique_ptr<Pool>& Shared() {
  static std::unique_ptr<Pool> pool;
  return pool;
}
template <typename Pool>
void MakeShared(const benchmark::State&) {
  Shared<Pool>() = std::make_unique<Pool>(kCycleConfig);
}
template <typename Pool>
void DropShared(const benchmark::State&) {
  Shared<Pool>().reset();
}

template <typename Pool>
void SharedCycle(benchmark::State& state) {
  Pool& pool = *Shared<Pool>();
  for (auto _ : state) {
    void* buffer = pool.Acquire();
    benchmark::DoNotOptimize(buffer);
    pool.Release(buffer);
  }
}

template <typename Pool>
void RegisterFor(const char* name) {
  benchmark::RegisterBenchmark((std::string("cycle/") + name).c_str(), Cycle<Pool>);
  // Reported time is the whole machine's time per cycle (wall time over
  // both threads' cycles); bench/table.py multiplies by the thread count to
  // give each thread's cycle time.
  benchmark::RegisterBenchmark((std::string("contention/") + name).c_str(), SharedCycle<Pool>)
      ->Setup(MakeShared<Pool>)
      ->Teardown(DropShared<Pool>)
      ->Threads(2)
      ->UseRealTime();
}

}  // namespace

void RegisterCycleBenchmarks() {
  RegisterFor<DsallocPool>("dsalloc");
  RegisterFor<FfmpegPool>("ffmpeg");
  RegisterFor<GstPool>("gstreamer");
  benchmark::RegisterBenchmark("cycle_callback/dsalloc", CycleWithCallback);
}

}  // namespace dsalloc::bench
