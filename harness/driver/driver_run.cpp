// harness/driver/driver_run.cpp: the entry points of one op (driver.h Run,
// RunDirect and AwaitCompletions): where it runs, which Outcome the
// NotifyRelease calls it causes on this thread belong to (driver_core.h,
// Recording), and the buffer touch after it (Options::touch_buffers).

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

Outcome Core::Run(const Op& op, Driver::Expectation expect) {
  // Every GetBuffer that may block runs on a worker, on thread 0 too: a
  // GetBuffer that blocks when it must not (a phantom waiter took the
  // sample) then costs `settle`, not the checker's life. One the checker
  // expects to return may run here, bounded by the watchdog instead.
  const bool may_block =
      op.kind == OpKind::kGetBuffer && !(op.flags & AM_GBF_NOWAIT) && ok() && !torn_down_.load();
  Outcome o = !may_block ? RunHere(op)
              : expect == Driver::Expectation::kReturns && options_.direct_calls
                  ? RunGuarded(op)
                  : RunOnWorker(op, expect);
  TouchHeldBuffers();
  return o;
}

Outcome Core::RunDirect(const Op& op) {
  Outcome o = RunHere(op);
  TouchHeldBuffers();
  return o;
}

std::vector<Completion> Core::AwaitCompletions(size_t count) {
  const std::chrono::milliseconds extra = count == 0 && options_.unexpected_settle.count() >= 0
                                              ? options_.unexpected_settle
                                              : options_.settle;
  std::vector<Completion> completions = book_.AwaitCompletions(count, options_.hang_timeout, extra);
  TouchHeldBuffers();  // the samples the completed calls handed out
  return completions;
}

Outcome Core::RunHere(const Op& op) {
  Outcome o;
  RecorderScope scope(this, &o);
  Execute(op, o);
  return o;
}

}  // namespace dsalloc::harness::driver_internal
