// ---------------------------------------------------------------------------
// File: harness/thread_sleep.h
// ---------------------------------------------------------------------------
//
// SleepWatch tells, from what the kernel reports, that a thread of this
// process has gone to sleep and stayed asleep: how the driver sees a
// blocking GetBuffer the model says blocks (Driver::Expectation::kBlocks)
// block without waiting the whole `settle`, and how the parallel runner
// tells a thread blocked inside the allocator from one that is merely not
// scheduled (parallel_runner.h). Linux: /proc/self/task/TID/stat (state 'S') and
// schedstat (times scheduled in). Elsewhere, or when /proc cannot be read,
// it never answers yes, and the caller waits `settle` as before.
//
// Why that is enough: while the checker looks, it makes no call into the
// implementation and every other thread it runs is itself blocked or
// watched, so a worker that sleeps inside GetBuffer without being
// scheduled in between two looks is waiting for a sample, not for a lock
// someone is about to drop, and not for the CPU (a preempted thread is
// runnable, not asleep).
// Threading: one SleepWatch per looking thread. Errors: none.

#ifndef DSALLOC_HARNESS_THREAD_SLEEP_H_
#define DSALLOC_HARNESS_THREAD_SLEEP_H_

#include <chrono>
#include <cstdint>

namespace dsalloc::harness {

// How long a watched thread must stay asleep and unscheduled before a
// caller takes it as blocked (the driver's kBlocks wait, the parallel
// runner's Decommit): long beside a futex wake-up (tens of us), short
// beside the settle it replaces.
inline constexpr std::chrono::microseconds kAsleepSpan{200};

// The calling thread's kernel id, or 0 where there is none to look up.
int CurrentThreadId();

class SleepWatch {
 public:
  // tid: a CurrentThreadId() of the thread to watch (0: never settled).
  explicit SleepWatch(int tid) : tid_(tid) {}

  // Whether this platform and thread can be watched at all (Linux, a
  // known tid); if not, Settled() is always false and the caller should
  // simply wait.
  bool Supported() const;
  // True once the thread was seen asleep at two looks at least `span`
  // apart and was not scheduled in between them.
  bool Settled(std::chrono::microseconds span);

 private:
  struct Look {
    bool asleep = false;
    uint64_t scheduled = 0;  // times the thread was scheduled in
  };
  bool Take(Look& look) const;

  const int tid_;
  bool have_first_ = false;
  Look first_;
  std::chrono::steady_clock::time_point first_at_;
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_THREAD_SLEEP_H_
