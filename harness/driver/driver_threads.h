// ---------------------------------------------------------------------------
// File: harness/driver/driver_threads.h
// ---------------------------------------------------------------------------
//
// Not a public header: the mailboxes of the Driver's helper threads and
// the hand-over tools they share (see driver_core.h).
//
//   Worker     - one client thread T for blocking GetBuffer calls
//                (worker_pool.h owns them, driver_workers.cpp runs them)
//   Probe      - the THREAD.NOLOCK probe thread (lock_probe.h)
//   SpinFor    - the short spin both sides of a hand-over try before sleeping
//   StopThread - asks a mailbox's thread to leave; joins or detaches it
// Their threads are HelperThreads (helper_thread.h): borrowed from a park,
// so a Driver per case does not start threads per case.
//
// Threading: each mailbox's fields are guarded by its own mutex (the
// atomics are copies for spinning without it); its thread is started
// lazily by its owner and stopped with StopThread.

#ifndef DSALLOC_HARNESS_DRIVER_THREADS_H_
#define DSALLOC_HARNESS_DRIVER_THREADS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "driver_support.h"
#include "harness/annotated_mutex.h"
#include "harness/helper_thread.h"
#include "harness/thread_sleep.h"

namespace dsalloc::harness::driver_internal {

// How long both sides of a hand-over to a helper thread (probe, worker)
// spin, yielding, before sleeping: a probe or an uncontended GetBuffer
// takes a microsecond, a futex wake-up of a sleeping thread ten or more, and
// a sequence's ops come in bursts.
inline constexpr std::chrono::microseconds kHandOverSpin{50};

// How often a worker's sleep is looked at (thread_sleep.h; blocked once
// asleep, unscheduled, for harness::kAsleepSpan).
inline constexpr std::chrono::microseconds kAsleepLook{20};
using harness::kAsleepSpan;

// Yields until pred() or `spin` has passed; returns pred().
template <typename Pred>
bool SpinFor(std::chrono::microseconds spin, Pred pred) {
  if (pred()) return true;
  Clock::time_point end = Clock::now() + spin;
  do {
    std::this_thread::yield();
    if (pred()) return true;
  } while (Clock::now() < end);
  return false;
}

// Waits up to `timeout` for a helper thread to leave its loop; joins it, or
// detaches it and returns false.
template <typename T>
bool StopThread(T& t, std::chrono::milliseconds timeout) {
  if (!t.thread.joinable()) return true;
  bool exited = false;
  {
    MutexLock lock(t.mu);
    t.stop = true;
    t.cv.NotifyAll();
    Clock::time_point deadline = Clock::now() + timeout;
    while (!t.exited && lock.WaitUntil(t.cv, deadline)) {
    }
    exited = t.exited;
  }
  if (exited) {
    t.thread.join();
  } else {
    t.thread.detach();
  }
  return exited;
}

// A client thread T (op.h) for blocking GetBuffer calls (driver.h banner).
struct Worker {
  Mutex mu;
  CondVar cv;
  bool has_job HARNESS_GUARDED_BY(mu) = false;    // posted, not yet taken
  bool busy HARNESS_GUARDED_BY(mu) = false;       // posted or inside GetBuffer
  bool started HARNESS_GUARDED_BY(mu) = false;    // GetBuffer entered
  bool finished HARNESS_GUARDED_BY(mu) = false;   // GetBuffer returned
  bool abandoned HARNESS_GUARDED_BY(mu) = false;  // Run gave up: a Completion
  bool stop HARNESS_GUARDED_BY(mu) = false;
  bool exited HARNESS_GUARDED_BY(mu) = false;
  spec::call::GetBuffer call HARNESS_GUARDED_BY(mu);  // the call posted
  HRESULT hr HARNESS_GUARDED_BY(mu) = S_OK;
  IMediaSample* got HARNESS_GUARDED_BY(mu) = nullptr;
  int id HARNESS_GUARDED_BY(mu) = -1;
  // Copies of has_job and finished readable without the mutex (spins).
  std::atomic<bool> job_posted{false};
  std::atomic<bool> job_finished{false};
  std::atomic<int> tid{0};  // the worker's CurrentThreadId() (thread_sleep.h)
  HelperThread thread;
};

// The THREAD.NOLOCK probe thread. Requests are tickets; one probe call
// started after a ticket was issued answers it (and every older one).
struct Probe {
  Mutex mu;
  CondVar cv;
  uint64_t requested HARNESS_GUARDED_BY(mu) = 0;
  uint64_t completed HARNESS_GUARDED_BY(mu) = 0;
  bool stop HARNESS_GUARDED_BY(mu) = false;
  bool exited HARNESS_GUARDED_BY(mu) = false;
  // Copies of requested/completed readable without the mutex, for the
  // short spins that save a sleep and wake-up per probe.
  std::atomic<uint64_t> posted{0};
  std::atomic<uint64_t> answered{0};
  HelperThread thread;
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_THREADS_H_
