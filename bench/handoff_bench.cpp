// Two-thread hand-off: the benchmark's thread is a producer that takes a
// buffer from a pool of N (blocking while all N are out) and passes it to a
// consumer thread, which releases it. The producer outpaces the consumer,
// so it is mostly blocked in the pool and each release wakes it: the
// throughput is buffers per second through the pipeline, and Latencies
// (handoff.h) reports how long each wake-up took, from the start of the
// release to the producer's return. Peer: GStreamer with max-buffers N
// (FFmpeg's pool has no limit, so never blocks).
//
// The NOWAIT producer is the way IMemAllocatorCallbackTemp is meant to be
// used: GetBuffer(AM_GBF_NOWAIT), and on VFW_E_TIMEOUT wait for the next
// NotifyRelease (an atomic wait the callback wakes) and try again.

#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "bench/peers/gst_pool.h"
#include "benchmarks.h"
#include "filter_callback.h"
#include "handoff.h"
#include "pools.h"

namespace dsalloc::bench {
namespace {

// The consumer: releases what arrives until a null.
template <typename Pool>
std::thread StartConsumer(Pool& pool, SpscRing& ring, ReleaseStamps& stamps) {
  return std::thread([&pool, &ring, &stamps] {
    while (void* buffer = ring.Pop()) {
      stamps.Stamp(buffer, NowNs());
      pool.Release(buffer);
    }
  });
}

template <typename Pool>
void Handoff(benchmark::State& state, int buffers) {
  Pool pool(PoolConfig{buffers, 4096});
  SpscRing ring;
  ReleaseStamps stamps;
  Latencies latencies;
  std::thread consumer = StartConsumer(pool, ring, stamps);
  for (auto _ : state) {
    const int64_t asked = NowNs();
    void* buffer = pool.Acquire();
    const int64_t got = NowNs();
    latencies.Record(asked, stamps.StampOf(stamps.SlotOf(buffer)), got);
    ring.Push(buffer);
  }
  ring.Push(nullptr);
  consumer.join();
  state.SetItemsProcessed(state.iterations());
  latencies.Report(state);
}

void NoWaitProducer(benchmark::State& state, int buffers) {
  DsallocPool pool(PoolConfig{buffers, 4096});
  FilterCallback callback(/*wake=*/true);
  IMemAllocatorCallbackTemp* with_notify = nullptr;
  if (FAILED(pool.allocator()->QueryInterface(IID_IMemAllocatorCallbackTemp,
                                              reinterpret_cast<void**>(&with_notify))) ||
      FAILED(with_notify->SetNotify(&callback))) {
    state.SkipWithError("no IMemAllocatorCallbackTemp::SetNotify");
    return;
  }
  SpscRing ring;
  ReleaseStamps stamps;
  Latencies latencies;
  std::thread consumer = StartConsumer(pool, ring, stamps);
  int64_t misses = 0;
  for (auto _ : state) {
    const int64_t asked = NowNs();
    IMediaSample* sample;
    for (;;) {
      const uint32_t seen = callback.Count();  // before trying: no lost wake-up
      sample = pool.Get(AM_GBF_NOWAIT);
      if (sample != nullptr) break;
      ++misses;
      callback.WaitBeyond(seen);
    }
    const int64_t got = NowNs();
    latencies.Record(asked, stamps.StampOf(stamps.SlotOf(sample)), got);
    ring.Push(sample);
  }
  ring.Push(nullptr);
  consumer.join();
  with_notify->SetNotify(nullptr);
  with_notify->Release();
  state.SetItemsProcessed(state.iterations());
  state.counters["miss_pct"] = 100.0 * double(misses) / double(state.iterations());
  latencies.Report(state);
}

}  // namespace

void RegisterHandoffBenchmarks() {
  for (int buffers : {1, 4}) {
    const std::string suffix = "/buffers:" + std::to_string(buffers);
    benchmark::RegisterBenchmark(("handoff/dsalloc" + suffix).c_str(), Handoff<DsallocPool>,
                                 buffers)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("handoff/gstreamer" + suffix).c_str(), Handoff<GstPool>, buffers)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("handoff_nowait_notify/dsalloc" + suffix).c_str(), NoWaitProducer,
                                 buffers)
        ->UseRealTime();
  }
}

}  // namespace dsalloc::bench
