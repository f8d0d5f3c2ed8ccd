// props/rapidcheck_choices.cpp: RapidCheckChoices (rapidcheck_choices.h) and
// the rc::Gen adapters over the choice-based generators (op_gen.h,
// parallel_gen.h). The only generator file that includes RapidCheck.

#include "rapidcheck_choices.h"

#include <rapidcheck.h>

#include <stdexcept>

#include "op_gen.h"
#include "parallel_gen.h"

namespace dsalloc::props {
namespace {

// A uniform value in [lo, hi] at every size, not shrunk: what
// rc::gen::element's and weightedElement's own index draws are.
rc::Gen<int64_t> WholeRange(int64_t lo, int64_t hi) {
  return [lo, hi](const rc::Random& random, int /*size*/) {
    const uint64_t n = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
    const uint64_t r = rc::Random(random).next();
    return rc::shrinkable::just(
        static_cast<int64_t>(static_cast<uint64_t>(lo) + (n == 0 ? r : r % n)));
  };
}

}  // namespace

int64_t RapidCheckChoices::Int(int64_t lo, int64_t hi, Range range) {
  if (lo > hi) throw std::invalid_argument("RapidCheckChoices::Int: lo > hi");
  if (range == Range::kSized) return *rc::gen::inRange<int64_t>(lo, hi + 1);
  return *WholeRange(lo, hi);
}

rc::Gen<ALLOCATOR_PROPERTIES> GenAllocatorProperties() {
  return rc::gen::exec([] {
    RapidCheckChoices c;
    return DrawAllocatorProperties(c);
  });
}

rc::Gen<spec::Op> GenOp(const spec::State& state) {
  return rc::gen::exec([state] {
    RapidCheckChoices c;
    return DrawOp(c, state);
  });
}

namespace parallel {

rc::Gen<ParallelCase> GenParallelCase() {
  return rc::gen::exec([] {
    RapidCheckChoices c;
    return DrawParallelCase(c);
  });
}

}  // namespace parallel
}  // namespace dsalloc::props
