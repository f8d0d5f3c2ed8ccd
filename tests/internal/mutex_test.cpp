// tests/internal/mutex_test.cpp: the allocator's own lock
// (src/internal/mutex.h), white-box: it excludes, and a thread that went to
// sleep on it is woken. The allocator's tests (threading_test.cpp, the
// parallel properties, TSan) cover it through the COM surface; these pin
// the lock alone, where a lost wake-up shows as a hang (ctest's timeout).

#include "src/internal/mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace dsalloc::internal {
namespace {

TEST(InternalMutex, ExcludesUnderContention) {
  Mutex mu;
  long counter = 0;  // guarded by mu, not atomic: a lost update shows
  constexpr int kThreads = 4;
  constexpr int kRounds = 200000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        MutexLock lock(mu);
        ++counter;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  MutexLock lock(mu);
  EXPECT_EQ(counter, long{kThreads} * kRounds);
}

TEST(InternalMutex, ASleeperIsWoken) {
  // The holder keeps the lock far longer than the spin, so the others
  // sleep; each Unlock must wake the next, or this test hangs.
  Mutex mu;
  std::atomic<int> done{0};
  mu.Lock();
  std::vector<std::thread> waiters;
  for (int t = 0; t < 3; ++t) {
    waiters.emplace_back([&] {
      MutexLock lock(mu);
      done.fetch_add(1);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(done.load(), 0);
  mu.Unlock();
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(done.load(), 3);
}

TEST(InternalMutex, UnlockEarlyEndsTheSection) {
  Mutex mu;
  {
    MutexLock lock(mu);
    lock.Unlock();
    // Unlocked: another thread gets it while this scope is still open.
    std::thread other([&] { MutexLock inner(mu); });
    other.join();
  }
  MutexLock again(mu);  // and the scope's end did not unlock twice
}

}  // namespace
}  // namespace dsalloc::internal
