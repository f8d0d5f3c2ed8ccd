// ---------------------------------------------------------------------------
// File: harness/annotated_mutex.h
// ---------------------------------------------------------------------------
//
// Mutex, MutexLock and CondVar for the harness: std::mutex and
// std::condition_variable with clang's thread-safety annotations, so the
// harness's HARNESS_GUARDED_BY fields are checked at compile time
// (-Wthread-safety) like the allocator's.
//
// Not the product's lock (src/internal/mutex.h, dsalloc::internal::Mutex),
// on purpose, though the names match:
//   - the harness is a black-box client: it never reaches into src/internal;
//   - it needs what the product's lock does not have and should not grow:
//     a condition variable with timed waits (watchdogs, helper threads);
//   - the product's lock is a one-word futex lock tuned for the allocator's
//     hot path, and its atomics become Relacy's in the schedule-exploring
//     build (issue 24), where only threads under Relacy's scheduler may
//     touch them; the harness's own threads are not;
//   - plain std::mutex would drop the -Wthread-safety checks (libstdc++'s
//     is not annotated).
// Tell them apart by namespace (dsalloc::harness vs dsalloc::internal) and
// macro prefix (HARNESS_ vs none); a file may include both.
//
// Threading: Mutex and CondVar are thread-safe; a MutexLock belongs to one
// thread.

#ifndef DSALLOC_HARNESS_MUTEX_H_
#define DSALLOC_HARNESS_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define HARNESS_TSA(x) __attribute__((x))
#else
#define HARNESS_TSA(x)
#endif

#define HARNESS_CAPABILITY(x) HARNESS_TSA(capability(x))
#define HARNESS_SCOPED_CAPABILITY HARNESS_TSA(scoped_lockable)
#define HARNESS_GUARDED_BY(x) HARNESS_TSA(guarded_by(x))
#define HARNESS_REQUIRES(...) HARNESS_TSA(requires_capability(__VA_ARGS__))
#define HARNESS_EXCLUDES(...) HARNESS_TSA(locks_excluded(__VA_ARGS__))
#define HARNESS_ACQUIRE(...) HARNESS_TSA(acquire_capability(__VA_ARGS__))
#define HARNESS_RELEASE(...) HARNESS_TSA(release_capability(__VA_ARGS__))

namespace dsalloc::harness {

class HARNESS_CAPABILITY("mutex") Mutex {
 public:
  void Lock() HARNESS_ACQUIRE() { mu_.lock(); }
  void Unlock() HARNESS_RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Waiting is done through the MutexLock that holds the mutex, so the
// analysis knows the mutex is held again when a wait returns.
class CondVar {
 public:
  void NotifyAll() { cv_.notify_all(); }
  void NotifyOne() { cv_.notify_one(); }

 private:
  friend class MutexLock;
  std::condition_variable cv_;
};

class HARNESS_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) HARNESS_ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() HARNESS_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Leaves and re-enters the critical section within the scope (to spin
  // or call out without holding the mutex).
  void Unlock() HARNESS_RELEASE() { lock_.unlock(); }
  void Lock() HARNESS_ACQUIRE() { lock_.lock(); }

  // Blocks until notified (or spuriously woken).
  void Wait(CondVar& cv) { cv.cv_.wait(lock_); }
  // Blocks until notified or `deadline`; false once the deadline has passed.
  bool WaitUntil(CondVar& cv, std::chrono::steady_clock::time_point deadline) {
    return cv.cv_.wait_until(lock_, deadline) == std::cv_status::no_timeout;
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_MUTEX_H_
