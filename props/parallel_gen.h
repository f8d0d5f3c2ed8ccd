// ---------------------------------------------------------------------------
// File: props/parallel_gen.h
// ---------------------------------------------------------------------------
//
// The RapidCheck generator of parallel cases (harness/parallel): a
// sequential prefix that sets up an interesting state (usually committed,
// often with a callback, some samples held or a decommit pending), then 2-3
// short per-thread op lists whose sample numbers are slots. Never:
// reactions, oom, NULL pointers in the parallel lists (the runner's
// caveats). Used by the parallel properties and by dsalloc-conform.
//
// Threading: generators run on one thread at a time.

#ifndef DSALLOC_PROPS_PARALLEL_GEN_H_
#define DSALLOC_PROPS_PARALLEL_GEN_H_

#include <rapidcheck.h>

#include "parallel/parallel_runner.h"

namespace dsalloc::props::parallel {

rc::Gen<ParallelCase> GenParallelCase();

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_PROPS_PARALLEL_GEN_H_
