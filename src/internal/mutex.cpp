// src/internal/mutex.cpp: the contended paths of the lock (mutex.h): a
// short spin, then sleep on the lock word until an Unlock that saw
// sleepers wakes one.

#include "internal/mutex.h"

#include <thread>

namespace dsalloc::internal {
namespace {

// About a critical section's length: long enough that a holder on another
// core is usually done, short enough to cost little when it was preempted.
constexpr int kSpins = 100;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

void Mutex::LockSlow() {
  for (int i = 0; i < kSpins; ++i) {
    int seen = state_.load(std::memory_order_relaxed);
    if (seen == kUnlocked && state_.compare_exchange_weak(seen, kLocked, std::memory_order_acquire,
                                                          std::memory_order_relaxed)) {
      return;
    }
    CpuRelax();
  }
  // Sleep. Whoever takes the lock from here on marks it kSleepers, so the
  // Unlock that ends its critical section wakes the next sleeper: no
  // sleeper is left behind (a taker that was never asleep marks it too,
  // which costs at most one needless wake-up).
  while (state_.exchange(kSleepers, std::memory_order_acquire) != kUnlocked) {
    state_.wait(kSleepers, std::memory_order_relaxed);
  }
}

void Mutex::WakeOne() { state_.notify_one(); }

}  // namespace dsalloc::internal
