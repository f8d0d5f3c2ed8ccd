// ---------------------------------------------------------------------------
// File: props/rapidcheck_choices.h
// ---------------------------------------------------------------------------
//
// RapidCheckChoices: the Choices (choices.h) of the properties. Each Int is
// one RapidCheck generator, dereferenced: Range::kSized is
// `*rc::gen::inRange(lo, hi + 1)` (sized, shrinks towards lo), Range::kWhole
// a uniform pick over the whole range at every size, not shrunk (what
// rc::gen::element and weightedElement do). So a generator written against
// Choices keeps RapidCheck's generation, sizes and shrinking.
//
// Only inside RapidCheck's generation (a property, rc::gen::exec, an
// rc::state command's constructor): `*gen` is meaningless anywhere else.
// rapidcheck_choices.cpp is the one generator file that includes RapidCheck;
// it also holds the rc::Gen adapters GenOp, GenAllocatorProperties
// (op_gen.h) and GenParallelCase (parallel_gen.h), library dsalloc_props_gen.
//
// Threading: RapidCheck's, one test thread.

#ifndef DSALLOC_PROPS_RAPIDCHECK_CHOICES_H_
#define DSALLOC_PROPS_RAPIDCHECK_CHOICES_H_

#include "choices.h"

namespace dsalloc::props {

class RapidCheckChoices final : public Choices {
 public:
  int64_t Int(int64_t lo, int64_t hi, Range range) override;
};

}  // namespace dsalloc::props

#endif  // DSALLOC_PROPS_RAPIDCHECK_CHOICES_H_
