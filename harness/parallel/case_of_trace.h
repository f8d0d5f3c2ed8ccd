// ---------------------------------------------------------------------------
// File: harness/parallel/case_of_trace.h
// ---------------------------------------------------------------------------
//
// For the parallel harness's tests: a ParallelCase from a trace written in
// the test, the trace's own parse errors reported as test failures; and the
// options the tests run a case with.
//
// Threading: none. Errors: a GoogleTest failure (EXPECT) and an empty case.

#ifndef DSALLOC_HARNESS_PARALLEL_CASE_OF_TRACE_H_
#define DSALLOC_HARNESS_PARALLEL_CASE_OF_TRACE_H_

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/driver.h"
#include "harness/parallel/parallel_runner.h"
#include "spec/model/op.h"
#include "spec/model/trace.h"

namespace dsalloc::props::parallel {

inline ParallelCase CaseOf(const char* trace) {
  int bad_line = 0;
  std::optional<std::vector<spec::Op>> ops = spec::ParseOps(trace, &bad_line);
  EXPECT_TRUE(ops.has_value()) << "line " << bad_line;
  if (!ops) return {};
  std::string error;
  std::optional<ParallelCase> c = CaseFromTrace(*ops, &error);
  EXPECT_TRUE(c.has_value()) << error;
  return c ? *c : ParallelCase{};
}

// The checkers' driver options (as the properties and the kit run cases),
// on `repeats` fresh allocators; the other options as RunOptions has them.
inline RunOptions CheckerOptions(int repeats) {
  RunOptions options;
  options.repeats = repeats;
  options.driver = harness::Driver::Options::ForCheckers();
  return options;
}

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_HARNESS_PARALLEL_CASE_OF_TRACE_H_
