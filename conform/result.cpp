// ---------------------------------------------------------------------------
// File: conform/result.cpp
// ---------------------------------------------------------------------------
//
// The names of phases and statuses, as the report writers print them.

#include "result.h"

namespace dsalloc::conform {

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kCases:
      return "cases";
    case Phase::kSequential:
      return "sequential";
    case Phase::kParallel:
      return "parallel";
    case Phase::kSoak:
      return "soak";
    default:
      return "?";
  }
}

const char* StatusName(Status status) {
  switch (status) {
    case Status::kPass:
      return "pass";
    case Status::kFail:
      return "fail";
    case Status::kFlaky:
      return "flaky";
    case Status::kNotApplicable:
      return "n/a";
    default:
      return "?";
  }
}

}  // namespace dsalloc::conform
