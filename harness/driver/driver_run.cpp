// harness/driver/driver_run.cpp: the entry points of one op (driver.h Run,
// RunDirect and AwaitCompletions): where it runs, which Outcome the
// NotifyRelease calls it causes on this thread belong to (driver_core.h,
// Recording), the buffer touch after it (Options::touch_buffers), and
// Execute, which sends each call to its own Run through its group's gates.

#include "driver_core.h"

#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "harness/thread_sleep.h"

namespace dsalloc::harness::driver_internal {

namespace {

// A call of one of the groups G (vocabulary.h OpGroup).
template <typename T, spec::OpGroup... G>
concept InGroup = ((T::kGroup == G) || ...);

using enum spec::OpGroup;

}  // namespace

void Core::Run(const Op& op, Driver::Expectation expect, Outcome& o) {
  const spec::Call call = op.call;
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
  // Each group's gates, then the call's own Run (driver_core.h).
  const auto run = spec::Overloaded{
      [&](const call::Repeat&) { o.hr = E_UNEXPECTED; },  // the checker runs Repeat blocks (op.h)
      [&](const call::RepeatEnd&) { o.hr = E_UNEXPECTED; },
      [&]<InGroup<kFactory> T>(const T& c) {  // the server's own: no allocator needed
        if (ProbeSettled(o)) Run(c, oom, o);
      },
      [&]<InGroup<kAllocator, kConfig, kCallback> T>(const T& c) {
        if (AllocatorCallable(o) && ProbeSettled(o)) Run(c, oom, o);
      },
      [&]<InGroup<kSample> T>(const T& c) {
        IMediaSample* s = CallableSample(c.sample, o);
        if (s == nullptr) return;
        FaultScope fault(impl_.arm_allocation_failure, oom);
        Run(c, s, o);
      },
      [&]<InGroup<kSample2> T>(const T& c) {  // arms its own fault scope
        IMediaSample* s = CallableSample(c.sample, o);
        if (s != nullptr) Run(c, s, oom, o);
      },
  };
  std::visit(run, call);
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
