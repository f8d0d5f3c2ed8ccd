// harness/driver/driver_run.cpp: the entry points of one op (driver.h Run
// and RunDirect): where it runs, and which Outcome the NotifyRelease calls
// it causes on this thread belong to (driver_core.h, Recording).

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

Outcome Core::Run(const Op& op) {
  // Every GetBuffer that may block runs on a worker, on thread 0 too: a
  // GetBuffer that blocks when it must not (a phantom waiter took the
  // sample) then costs `settle`, not the checker's life.
  if (op.kind == OpKind::kGetBuffer && !(op.flags & AM_GBF_NOWAIT) && ok() && !torn_down_.load()) {
    return RunOnWorker(op);
  }
  return RunDirect(op);
}

Outcome Core::RunDirect(const Op& op) {
  Outcome o;
  RecorderScope scope(this, &o);
  Execute(op, o);
  return o;
}

}  // namespace dsalloc::harness::driver_internal
