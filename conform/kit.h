// ---------------------------------------------------------------------------
// File: conform/kit.h
// ---------------------------------------------------------------------------
//
// dsalloc-conform's two halves. RunKit is the parent: it never loads the
// implementation itself; it plans the phases, starts one child process per
// check (child_process.h), collects their records, turns a child that
// crashed, hung or ran out of memory into a failure of the rules it was
// checking, replays every failure's trace in a fresh child to tell a real
// failure from a flaky one, judges each rule (verdict.h) and writes the
// reports. RunChild is the child: it loads the implementation, runs one
// check (checks.h, soak.h) and writes its record.
//
// Threading: RunKit runs up to Options::jobs children at a time from its
// own threads. Errors: exit codes as in HelpText (0, 1, 2).

#ifndef DSALLOC_CONFORM_KIT_H_
#define DSALLOC_CONFORM_KIT_H_

#include "options.h"

namespace dsalloc::conform {

int RunKit(const Options& options);
int RunChild(const Options& options);

// A child's exit code when the server cannot be loaded (its message is on
// the child's stderr); the parent exits 2 with it.
inline constexpr int kChildCannotLoad = 3;

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_KIT_H_
