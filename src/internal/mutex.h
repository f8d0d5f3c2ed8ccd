// ---------------------------------------------------------------------------
// File: src/internal/mutex.h
// ---------------------------------------------------------------------------
//
// Mutex and MutexLock: the allocator's and the samples' lock, with clang's
// thread-safety annotations, so that fields marked GUARDED_BY(mu_) and
// helpers marked REQUIRES(mu_) are checked at compile time (-Wthread-safety).
// MutexLock may be unlocked early, which the allocator needs to call out
// (callbacks, Release) after its critical section without nesting a scope.
//
// Why not std::mutex: every critical section here is a few dozen
// instructions, taken twice per GetBuffer/Release cycle. This lock is one
// word: an uncontended Lock is one compare-exchange and Unlock one
// exchange, without glibc's per-call type dispatch (a cycle spends about
// 100 fewer instructions; bench/README.md). A contended Lock sleeps on the
// word (wait_word.h: a futex on Linux) at once, as glibc's does:
// spinning first was measured to be slower (mutex.cpp). Not recursive, not
// fair.
//
// Threading: Mutex is thread-safe; a MutexLock belongs to one thread.
// Lifetime: a Mutex must be unlocked when it is destroyed. Errors: none.

#ifndef DSALLOC_SRC_INTERNAL_MUTEX_H_
#define DSALLOC_SRC_INTERNAL_MUTEX_H_

#include <atomic>

#if defined(__clang__)
#define DSALLOC_TSA(x) __attribute__((x))
#else
#define DSALLOC_TSA(x)
#endif

#define CAPABILITY(x) DSALLOC_TSA(capability(x))
#define SCOPED_CAPABILITY DSALLOC_TSA(scoped_lockable)
#define GUARDED_BY(x) DSALLOC_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) DSALLOC_TSA(pt_guarded_by(x))
#define REQUIRES(...) DSALLOC_TSA(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) DSALLOC_TSA(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) DSALLOC_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) DSALLOC_TSA(release_capability(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS DSALLOC_TSA(no_thread_safety_analysis)

namespace dsalloc::internal {

class CAPABILITY("mutex") Mutex {
 public:
  void Lock() ACQUIRE() {
    int expected = kUnlocked;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    LockSlow();
  }
  void Unlock() RELEASE() {
    if (state_.exchange(kUnlocked, std::memory_order_release) == kSleepers) WakeOne();
  }

 private:
  enum : int { kUnlocked = 0, kLocked = 1, kSleepers = 2 };  // kSleepers: locked, maybe waited on
  void LockSlow();                                           // mutex.cpp
  void WakeOne();

  std::atomic<int> state_{kUnlocked};
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() {
    if (locked_) mu_.Unlock();
  }
  // Ends the critical section before the scope does (for calling out).
  void Unlock() RELEASE() {
    locked_ = false;
    mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
  bool locked_ = true;
};

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_MUTEX_H_
