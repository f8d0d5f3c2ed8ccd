// ---------------------------------------------------------------------------
// File: props/op_gen.h
// ---------------------------------------------------------------------------
//
// RapidCheck generators over the model's operation vocabulary (spec/model/
// op.h). GenOp(state) draws one op that is interesting in `state`: sample
// ops name samples the client holds, blocking GetBuffers go to threads that
// are free to block, and every argument mixes valid, edge and hostile
// values (NULL pointers, bad alignments, overflowing sizes, foreign
// samples). The generators only steer; whether an op is legal is decided
// by spec::InDomain, and a shrunk sequence may contain ops the Lockstep
// skips.
//
// Sizes are bounded so that no generated Commit asks for more than a few
// MiB: a property runs thousands of sequences under ASan on a small machine.
//
// Threading: RapidCheck generators run on the test thread only.

#ifndef DSALLOC_PROPS_OP_GEN_H_
#define DSALLOC_PROPS_OP_GEN_H_

#include <rapidcheck.h>

#include "model/op.h"
#include "model/state.h"

namespace dsalloc::props {

// Allocator properties: mostly small valid requests, sometimes edge and
// hostile ones (ALLOC.PROPS.*, ALLOC.COMMIT.SIZE).
rc::Gen<ALLOCATOR_PROPERTIES> GenAllocatorProperties();

// One op for `state` (strict model). Never a GetBuffer that would block
// thread 0 (the checker's own thread).
rc::Gen<spec::Op> GenOp(const spec::State& state);

}  // namespace dsalloc::props

#endif  // DSALLOC_PROPS_OP_GEN_H_
