// ---------------------------------------------------------------------------
// File: src/internal/mutex.h
// ---------------------------------------------------------------------------
//
// Mutex and MutexLock: std::mutex with clang's thread-safety annotations, so
// that fields marked GUARDED_BY(mu_) and helpers marked REQUIRES(mu_) are
// checked at compile time (-Wthread-safety). MutexLock may be unlocked early,
// which the allocator needs to call out (callbacks, Release) after its
// critical section without nesting a scope.
//
// Threading: Mutex is thread-safe; a MutexLock belongs to one thread.

#ifndef DSALLOC_SRC_INTERNAL_MUTEX_H_
#define DSALLOC_SRC_INTERNAL_MUTEX_H_

#include <mutex>

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
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // For std::condition_variable, which waits on the underlying mutex.
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
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
