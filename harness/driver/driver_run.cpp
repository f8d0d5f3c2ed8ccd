// harness/driver/driver_run.cpp: the entry points of one op (driver.h Run,
// RunDirect and AwaitCompletions): where it runs, which Outcome the
// NotifyRelease calls it causes on this thread belong to (driver_core.h,
// Recording), and the buffer touch after it (Options::touch_buffers).

#include "driver_core.h"

#include <thread>
#include <utility>
#include <vector>

#include "thread_sleep.h"

namespace dsalloc::harness::driver_internal {

void Core::Run(const Op& op, Driver::Expectation expect, Outcome& o) {
  // Every GetBuffer that may block runs on a worker, on thread 0 too: a
  // GetBuffer that blocks when it must not (a phantom waiter took the
  // sample) then costs `settle`, not the checker's life. One the checker
  // expects to return may run here, bounded by the watchdog instead.
  const bool may_block =
      op.kind == OpKind::kGetBuffer && !(op.flags & AM_GBF_NOWAIT) && ok() && !torn_down_.load();
  if (!may_block) {
    RunHere(op, o);
  } else if (expect == Driver::Expectation::kReturns && options_.direct_calls) {
    RunGuarded(op, o);
  } else {
    RunOnWorker(op, expect, o);
  }
  TouchHeldBuffers();
}

Outcome Core::RunDirect(const Op& op) {
  Outcome o;
  RunHere(op, o);
  TouchHeldBuffers();
  return o;
}

std::vector<Completion> Core::AwaitCompletions(size_t count) {
  const std::chrono::milliseconds extra = count == 0 && options_.unexpected_settle.count() >= 0
                                              ? options_.unexpected_settle
                                              : options_.settle;
  std::vector<Completion> completions;
  if (extra.count() > 0 && WaitersStayAsleep(count, extra, &completions)) {
    TouchHeldBuffers();
    return completions;
  }
  completions = book_.AwaitCompletions(count, options_.hang_timeout, extra);
  TouchHeldBuffers();  // the samples the completed calls handed out
  return completions;
}

bool Core::WaitersStayAsleep(size_t count, std::chrono::milliseconds extra,
                             std::vector<Completion>* completions) {
  // No way to tell (no /proc, a worker not yet running): the caller waits
  // out `extra`.
  const std::vector<Worker*> started = workers_.Started();
  for (Worker* w : started) {
    if (!harness::SleepWatch(w->tid.load()).Supported()) return false;
  }
  // The calls still blocked once the expected ones have returned; a wrong
  // wake-up would be one of them returning.
  *completions = book_.AwaitCompletions(count, options_.hang_timeout, std::chrono::milliseconds(0));
  std::vector<std::pair<Worker*, harness::SleepWatch>> blocked;
  for (Worker* w : started) {
    MutexLock lock(w->mu);
    if (w->busy && !w->finished) blocked.emplace_back(w, harness::SleepWatch(w->tid.load()));
  }
  // Whatever an op wakes, it woke before it returned: a woken waiter is
  // runnable, not asleep. So once each blocked worker has been seen asleep
  // and unscheduled for kAsleepSpan (thread_sleep.h), no completion is on
  // its way, and the rest of `extra` need not be waited out.
  const Clock::time_point deadline = Clock::now() + extra;
  for (;;) {
    bool all_asleep = true;
    for (auto& [w, sleep] : blocked) {
      if (!sleep.Settled(kAsleepSpan)) all_asleep = false;
    }
    if (all_asleep || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kAsleepLook);
  }
  std::vector<Completion> late =
      book_.AwaitCompletions(0, std::chrono::milliseconds(0), std::chrono::milliseconds(0));
  completions->insert(completions->end(), late.begin(), late.end());
  return true;
}

void Core::RunHere(const Op& op, Outcome& o) {
  o.Reset();
  RecorderScope scope(this, &o);
  Execute(op, o);
}

}  // namespace dsalloc::harness::driver_internal
