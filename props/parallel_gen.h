// ---------------------------------------------------------------------------
// File: props/parallel_gen.h
// ---------------------------------------------------------------------------
//
// The generator of parallel cases (harness/parallel), written once against
// Choices (choices.h): DrawParallelCase(choices) with a SeededChoices for
// dsalloc-conform, GenParallelCase() (the same code under RapidCheckChoices,
// rapidcheck_choices.cpp, library dsalloc_props_gen) for the properties. A
// sequential prefix that sets up an interesting state (usually committed,
// often with a callback, some samples held or a decommit pending), then 2-3
// short per-thread op lists whose sample numbers are slots. Never:
// reactions, oom, NULL pointers in the parallel lists (the runner's
// caveats). Sizes are RapidCheck's: the prefix's, thread lists' and
// threads' counts grow with it (full at 100; the kit draws at 30).
//
// This header needs no RapidCheck (rc::Gen is only declared); a caller of
// GenParallelCase includes <rapidcheck.h> itself.
//
// Threading: generators run on one thread at a time.

#ifndef DSALLOC_PROPS_PARALLEL_GEN_H_
#define DSALLOC_PROPS_PARALLEL_GEN_H_

#include "choices.h"
#include "harness/parallel/parallel_runner.h"

namespace rc {
template <typename T>
class Gen;
}  // namespace rc

namespace dsalloc::props::parallel {

ParallelCase DrawParallelCase(Choices& choices);

// The same under RapidCheck.
rc::Gen<ParallelCase> GenParallelCase();

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_PROPS_PARALLEL_GEN_H_
