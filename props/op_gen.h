// ---------------------------------------------------------------------------
// File: props/op_gen.h
// ---------------------------------------------------------------------------
//
// Generators over the model's operation vocabulary (spec/model/op.h),
// written once against Choices (choices.h): DrawOp(choices, state) with a
// SeededChoices for dsalloc-conform, GenOp(state) (the same code under
// RapidCheckChoices) for the properties. DrawOp draws one op that is
// interesting in `state`: sample ops name samples the client holds,
// blocking GetBuffers go to threads that are free to block, and every
// argument mixes valid, edge and hostile values (NULL pointers, bad alignments, overflowing sizes, foreign
// samples). The generators only steer; whether an op is legal is decided
// by spec::InDomain, and a shrunk sequence may contain ops the Lockstep
// skips.
//
// Sizes are bounded so that no generated Commit asks for more than a few
// MiB: a property runs thousands of sequences under ASan on a small machine.
//
// This header needs no RapidCheck: rc::Gen is only declared, and the two
// adapters are defined in rapidcheck_choices.cpp (library dsalloc_props_gen;
// the choice-based functions are in dsalloc_props_gen_core, which links no
// RapidCheck). A caller of GenOp includes <rapidcheck.h> itself.
//
// Threading: a generator runs on one thread at a time (its Choices').

#ifndef DSALLOC_PROPS_OP_GEN_H_
#define DSALLOC_PROPS_OP_GEN_H_

#include "choices.h"
#include "spec/model/op.h"
#include "spec/model/state.h"

namespace rc {
template <typename T>
class Gen;
}  // namespace rc

namespace dsalloc::props {

// Allocator properties: mostly small valid requests, sometimes edge and
// hostile ones (ALLOC.PROPS.*, ALLOC.COMMIT.SIZE).
ALLOCATOR_PROPERTIES DrawAllocatorProperties(Choices& choices);

// One op for `state` (strict model). Never a GetBuffer that would block
// thread 0 (the checker's own thread).
spec::Op DrawOp(Choices& choices, const spec::State& state);

// The same under RapidCheck (RapidCheckChoices; rapidcheck_choices.cpp).
rc::Gen<ALLOCATOR_PROPERTIES> GenAllocatorProperties();
rc::Gen<spec::Op> GenOp(const spec::State& state);

}  // namespace dsalloc::props

#endif  // DSALLOC_PROPS_OP_GEN_H_
