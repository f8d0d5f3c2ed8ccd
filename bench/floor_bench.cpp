// The floors every pool's cycle is compared with, measured in the same
// process: an uncontended std::mutex lock/unlock pair, two of them (what a
// cycle that locks once in GetBuffer and once in ReleaseBuffer cannot go
// below), and a pair of atomic read-modify-writes (a reference count's
// AddRef + Release). main() has started a thread before this runs, so glibc
// takes its multi-threaded paths, as in any real pipeline.

#include <atomic>
#include <mutex>

#include <benchmark/benchmark.h>

#include "benchmarks.h"

namespace dsalloc::bench {
namespace {

void MutexPairs(benchmark::State& state, int pairs) {
  std::mutex mu[2];
  for (auto _ : state) {
    for (int i = 0; i < pairs; ++i) {
      mu[i].lock();
      benchmark::ClobberMemory();
      mu[i].unlock();
    }
  }
}

void AtomicRmwPair(benchmark::State& state) {
  std::atomic<long> count{1};
  for (auto _ : state) {
    count.fetch_add(1, std::memory_order_relaxed);
    benchmark::DoNotOptimize(count.fetch_sub(1, std::memory_order_acq_rel));
  }
}

}  // namespace

void RegisterFloorBenchmarks() {
  benchmark::RegisterBenchmark("floor_mutex_pair/floor", MutexPairs, 1);
  benchmark::RegisterBenchmark("floor_two_mutex_pairs/floor", MutexPairs, 2);
  benchmark::RegisterBenchmark("floor_atomic_rmw_pair/floor", AtomicRmwPair);
}

}  // namespace dsalloc::bench
