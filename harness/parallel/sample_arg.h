// ---------------------------------------------------------------------------
// File: harness/parallel/sample_arg.h
// ---------------------------------------------------------------------------
//
// The sample a call on an IMediaSample or IMediaSample2 names
// (spec::SampleCall): the one argument the parallel harness rewrites. In a
// thread's list it is a slot (parallel_runner.h), in a recorded history an
// observed id, in a serialized case a slot of the one list.
//
// Threading: pure functions.

#ifndef DSALLOC_HARNESS_PARALLEL_SAMPLE_ARG_H_
#define DSALLOC_HARNESS_PARALLEL_SAMPLE_ARG_H_

#include <cstdint>
#include <optional>
#include <variant>

#include "spec/model/calls.h"

namespace dsalloc::props::parallel {

// The call's `sample`, to rewrite; null for a call on no sample.
inline int32_t* SampleArg(spec::Call& call) {
  return std::visit(spec::Overloaded{
                        []<spec::SampleCall C>(C& c) -> int32_t* { return &c.sample; },
                        [](auto&) -> int32_t* { return nullptr; },  // names no sample
                    },
                    call);
}

// The call's `sample`; empty for a call on no sample.
inline std::optional<int32_t> SampleOf(const spec::Call& call) {
  return std::visit(
      spec::Overloaded{
          []<spec::SampleCall C>(const C& c) -> std::optional<int32_t> { return c.sample; },
          [](const auto&) -> std::optional<int32_t> { return {}; },  // none
      },
      call);
}

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_HARNESS_PARALLEL_SAMPLE_ARG_H_
