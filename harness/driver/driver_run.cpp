// harness/driver/driver_run.cpp: the entry points of one op (driver.h Run,
// RunDirect and AwaitCompletions): where it runs, which Outcome the
// NotifyRelease calls it causes on this thread belong to (driver_core.h,
// Recording), the buffer touch after it (Options::touch_buffers), and
// Execute, which sends each call to its group's entry (driver_core.h).

#include "driver_core.h"

#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "harness/thread_sleep.h"

namespace dsalloc::harness::driver_internal {

void Core::Run(const Op& op, Driver::Expectation expect, Outcome& o) {
  const spec::Call& call = op.call;
  // Every GetBuffer that may block runs on a worker, on thread 0 too: a
  // GetBuffer that blocks when it must not (a phantom waiter took the
  // sample) then costs `settle`, not the checker's life. One the checker
  // expects to return may run here, bounded by the watchdog instead.
  const auto* get_buffer = std::get_if<call::GetBuffer>(&call);
  const bool may_block =
      get_buffer != nullptr && !get_buffer->NoWait() && ok() && !torn_down_.load();
  if (!may_block) {
    RunHere(call, op.oom, o);
  } else if (expect == Driver::Expectation::kReturns && options_.direct_calls) {
    RunGuarded(call, op.oom, o);
  } else {
    RunOnWorker(*get_buffer, op.thread, op.oom, expect, o);
  }
  TouchHeldBuffers();
}

Outcome Core::RunDirect(const Op& op) {
  Outcome o;
  RunHere(op.call, op.oom, o);
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

void Core::RunHere(const spec::Call& call, bool oom, Outcome& o) {
  o.Reset();
  RecorderScope scope(this, &o);
  Execute(call, oom, o);
}

void Core::Execute(const spec::Call& call, bool oom, Outcome& o) {
  // Each group's entry passes its gates, then calls the call's own Run
  // (driver_core.h). No default: a new group is a -Wswitch error here.
  switch (spec::GroupOf(call)) {
    case spec::OpGroup::kFactory:
      ExecuteFactoryCall(call, oom, o);
      return;
    case spec::OpGroup::kAllocator:
    case spec::OpGroup::kConfig:
    case spec::OpGroup::kCallback:
      ExecuteAllocatorCall(call, oom, o);
      return;
    case spec::OpGroup::kSample:
      ExecuteSampleCall(call, oom, o);
      return;
    case spec::OpGroup::kSample2:
      ExecuteSample2Call(call, oom, o);
      return;
  }
}

bool Core::NoAllocator(Outcome& o) {
  // No allocator (creation failed), or the world has ended (Teardown
  // released it): calling it could touch freed memory.
  o.hr = E_UNEXPECTED;
  return false;
}

bool Core::ProbeStuck(Outcome& o) {
  // GEN.NOHANG: the allocator has held its lock since a NotifyRelease
  // that returned long ago; nothing can be called safely any more.
  AddViolation("GEN.NOHANG", "a lock probe has not returned within " +
                                 std::to_string(options_.hang_timeout.count()) +
                                 " ms: the allocator's lock is never released");
  o.hr = E_UNEXPECTED;
  return false;
}

}  // namespace dsalloc::harness::driver_internal
