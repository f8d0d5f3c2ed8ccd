// src/internal/mutex.cpp: the contended path of the lock (mutex.h): sleep
// on the lock word until an Unlock that saw sleepers wakes one.

#include "internal/mutex.h"

#include "internal/wait_word.h"

namespace dsalloc::internal {

void Mutex::LockSlow() {
  // No spin first: measured, even two rounds of spinning made two threads
  // cycling on one pool trade the lock's cache line at every call (bench
  // contention/dsalloc: 308 ns a cycle against 112 ns sleeping at once,
  // where the other thread runs a burst of cycles alone).
  // Whoever takes the lock from here on marks it kSleepers, so the Unlock
  // that ends its critical section wakes the next sleeper: no sleeper is
  // left behind (a taker that was never asleep marks it too, which costs at
  // most one needless wake-up).
  while (state_.exchange(kSleepers, std::memory_order_acquire) != kUnlocked) {
    WaitWhileEquals(state_, kSleepers);
  }
}

void Mutex::WakeOne() { internal::WakeOne(state_); }

}  // namespace dsalloc::internal
