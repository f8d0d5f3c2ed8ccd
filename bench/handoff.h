// ---------------------------------------------------------------------------
// File: bench/handoff.h
// ---------------------------------------------------------------------------
//
// The pieces of the two-thread hand-off benchmarks (handoff_bench.cpp):
//
//   SpscRing      the filled buffers on their way from the producer (the
//                 benchmark's thread) to the consumer thread; lock-free,
//                 the consumer polls it (yielding), so the pool's own
//                 blocking and waking is what the producer waits on.
//   ReleaseStamps the time each buffer's release began, keyed by buffer:
//                 the consumer stamps a buffer just before releasing it,
//                 the producer reads the stamp of the buffer it got, and if
//                 that release began after the producer asked, the
//                 producer waited for it: the difference is one wake-up
//                 latency (release to the waiter's return).
//   Latencies     those differences; median, p99 and max as counters.
//
// Threading: SpscRing has one producer and one consumer thread; in
// ReleaseStamps only the producer adds buffers, either thread stamps and
// reads. Memory ordering: a stamp written before a release is visible to
// the thread that acquires that buffer next, through the pool's own
// synchronisation; the atomics only keep the accesses defined.

#ifndef DSALLOC_BENCH_HANDOFF_H_
#define DSALLOC_BENCH_HANDOFF_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

namespace dsalloc::bench {

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class SpscRing {
 public:
  static constexpr size_t kCapacity = 256;  // more than any pool's buffers

  void Push(void* item) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    slots_[tail % kCapacity].store(item, std::memory_order_relaxed);
    tail_.store(tail + 1, std::memory_order_release);
  }
  // Waits (spinning, then yielding) for the next item.
  void* Pop() {
    const size_t head = head_.load(std::memory_order_relaxed);
    for (int spins = 0; tail_.load(std::memory_order_acquire) == head; ++spins) {
      if (spins > 64) std::this_thread::yield();
    }
    void* item = slots_[head % kCapacity].load(std::memory_order_relaxed);
    head_.store(head + 1, std::memory_order_relaxed);
    return item;
  }

 private:
  std::array<std::atomic<void*>, kCapacity> slots_{};
  alignas(64) std::atomic<size_t> tail_{0};
  alignas(64) std::atomic<size_t> head_{0};
};

class ReleaseStamps {
 public:
  static constexpr int kMaxBuffers = 64;

  // The slot of buffer; the producer adds buffers it has not seen.
  int SlotOf(void* buffer) {
    const int n = count_.load(std::memory_order_acquire);
    for (int i = 0; i < n; ++i) {
      if (buffers_[i].load(std::memory_order_relaxed) == buffer) return i;
    }
    if (n == kMaxBuffers) return -1;
    buffers_[n].store(buffer, std::memory_order_relaxed);
    stamps_[n].store(0, std::memory_order_relaxed);
    count_.store(n + 1, std::memory_order_release);
    return n;
  }
  void Stamp(void* buffer, int64_t ns) {
    const int n = count_.load(std::memory_order_acquire);
    for (int i = 0; i < n; ++i) {
      if (buffers_[i].load(std::memory_order_relaxed) == buffer) {
        stamps_[i].store(ns, std::memory_order_relaxed);
        return;
      }
    }
  }
  int64_t StampOf(int slot) const {
    return slot < 0 ? 0 : stamps_[slot].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<void*>, kMaxBuffers> buffers_{};
  std::array<std::atomic<int64_t>, kMaxBuffers> stamps_{};
  std::atomic<int> count_{0};
};

class Latencies {
 public:
  Latencies() { ns_.reserve(1 << 20); }
  // asked: when the producer began asking; got: when it had the buffer;
  // released: when the release of that buffer began.
  void Record(int64_t asked, int64_t released, int64_t got) {
    ++acquires_;
    if (released > asked && ns_.size() < ns_.capacity()) ns_.push_back(got - released);
  }
  void Report(benchmark::State& state) {
    state.counters["waited_pct"] = acquires_ ? 100.0 * double(ns_.size()) / double(acquires_) : 0;
    if (ns_.empty()) return;
    std::sort(ns_.begin(), ns_.end());
    auto at = [this](double q) { return double(ns_[size_t(q * double(ns_.size() - 1))]); };
    state.counters["wake_p50_ns"] = at(0.5);
    state.counters["wake_p99_ns"] = at(0.99);
    state.counters["wake_max_ns"] = double(ns_.back());
  }

 private:
  std::vector<int64_t> ns_;
  int64_t acquires_ = 0;
};

}  // namespace dsalloc::bench

#endif  // DSALLOC_BENCH_HANDOFF_H_
