// conform/soak.cpp: RunSoak (soak.h): the soak's threads started, watched
// until they finish (or a hang is charged and the soak abandoned), joined or
// detached, and the report. The soak itself: soak_core.h and its map.

#include "soak.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "harness/keep_forever.h"
#include "soak_core.h"
#include "soak_watchdog.h"

namespace dsalloc::conform {
namespace {

using harness::CondVar;
using harness::Mutex;
using harness::MutexLock;
using soak_internal::Clock;
using soak_internal::Soak;

// Which of the soak's threads have finished. Shared with the threads: it
// outlives RunSoak if one of them is detached.
struct Finishes {
  explicit Finishes(int n) : n(n) {
    MutexLock lock(mu);
    finished.assign(static_cast<size_t>(n), 0);
  }

  void Finish(int thread) {
    {
      MutexLock lock(mu);
      finished[static_cast<size_t>(thread)] = 1;
      ++count;
    }
    cv.NotifyAll();
  }

  // Waits up to `poll` for the last one; whether all have finished.
  bool AllWithin(std::chrono::milliseconds poll) {
    MutexLock lock(mu);
    if (count == n) return true;
    lock.WaitUntil(cv, Clock::now() + poll);
    return count == n;
  }

  const int n;
  Mutex mu;
  CondVar cv;
  std::vector<char> finished HARNESS_GUARDED_BY(mu);
  int count HARNESS_GUARDED_BY(mu) = 0;
};

// The workers, then the controller (the last slot).
std::vector<std::thread> StartThreads(Soak* soak, const std::shared_ptr<Finishes>& done) {
  const int n = soak->slot_count();
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([soak, done, i, n] {
      if (i == n - 1) {
        soak->ControllerMain();
      } else {
        soak->WorkerMain(i);
      }
      done->Finish(i);
    });
  }
  return threads;
}

// RunSoak's thread until every soak thread has finished, or a hang's grace
// period is over: the watchdog looks every poll, progress is reported.
void WatchUntilFinished(Soak& soak, Finishes& done, const SoakOptions& options,
                        Clock::time_point start) {
  const auto bound = options.stuck_bound;
  const auto poll = std::clamp<std::chrono::milliseconds>(bound / 8, std::chrono::milliseconds(1),
                                                          std::chrono::milliseconds(20));
  soak_internal::Watchdog watchdog(soak, bound, start);
  long long reported_progress = -1;
  Clock::time_point abort_deadline{};
  for (;;) {
    if (done.AllWithin(poll)) break;
    const auto now = Clock::now();
    if (soak.aborted()) {
      if (now >= abort_deadline) break;
      continue;
    }
    if (watchdog.ChargeStuckCalls(now)) {
      soak.Abort();
      abort_deadline = Clock::now() + std::min(bound, std::chrono::milliseconds(500));
    }
    const long long progress = soak.cycles_done();
    if (options.progress && progress != reported_progress) {
      reported_progress = progress;
      options.progress(progress, options.cycles);
    }
  }
}

// Joins the threads that finished, detaches the others (stuck inside the
// implementation); whether any was detached.
bool JoinOrDetach(std::vector<std::thread>& threads, Finishes& done) {
  bool detached = false;
  MutexLock lock(done.mu);
  for (size_t i = 0; i < threads.size(); ++i) {
    if (done.finished[i]) {
      lock.Unlock();
      threads[i].join();
      lock.Lock();
    } else {
      threads[i].detach();
      detached = true;
    }
  }
  return detached;
}

}  // namespace

SoakReport RunSoak(const harness::Implementation& impl, const SoakOptions& options) {
  const auto start = Clock::now();
  auto soak = std::make_unique<Soak>(impl, options);
  auto done = std::make_shared<Finishes>(soak->slot_count());
  std::vector<std::thread> threads = StartThreads(soak.get(), done);
  WatchUntilFinished(*soak, *done, options, start);
  const bool detached = JoinOrDetach(threads, *done);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (options.progress) options.progress(soak->cycles_done(), options.cycles);
  SoakReport report = soak->Report(seconds);
  if (detached || soak->leak() || soak->aborted()) {
    // Stuck threads and the allocator may still use the soak's objects.
    harness::KeepForever(std::move(soak));
  }
  return report;
}

}  // namespace dsalloc::conform
