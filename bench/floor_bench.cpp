// The floors every pool's cycle is compared with, measured in the same
// process: an uncontended std::mutex lock/unlock pair, two of them (what a
// cycle that locks once in GetBuffer and once in ReleaseBuffer cannot go
// below), the same two pairs taken by two threads at once (what two
// threads cycling on one such pool cannot go below), and a pair of atomic
// read-modify-writes (a reference count's AddRef + Release). main() has started a thread before this runs, so glibc
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

// The contended floor: the benchmark's threads share two mutexes and take
// each once per iteration, as two threads cycling on one pool that locks in
// GetBuffer and in ReleaseBuffer must (contention/<pool> compares with it).
std::mutex shared_mu[2];
void SharedMutexPairs(benchmark::State& state) {
  for (auto _ : state) {
    for (std::mutex& mu : shared_mu) {
      mu.lock();
      benchmark::ClobberMemory();
      mu.unlock();
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
  // As contention/<pool>: wall time over both threads' iterations.
  benchmark::RegisterBenchmark("floor_two_mutex_pairs_contended/floor", SharedMutexPairs)
      ->Threads(2)
      ->UseRealTime();
}

}  // namespace dsalloc::bench
