// ---------------------------------------------------------------------------
// File: conform/result.cpp
// ---------------------------------------------------------------------------
//
// The names of phases and statuses, as the report writers print them.

#include "result.h"

#include "name_table.h"

namespace dsalloc::conform {
namespace {

constexpr NameRow<Phase> kPhaseNames[] = {{Phase::kCases, "cases"},
                                          {Phase::kSequential, "sequential"},
                                          {Phase::kParallel, "parallel"},
                                          {Phase::kSoak, "soak"}};

constexpr NameRow<Status> kStatusNames[] = {{Status::kPass, "pass"},
                                            {Status::kFail, "fail"},
                                            {Status::kFlaky, "flaky"},
                                            {Status::kNotApplicable, "n/a"}};

}  // namespace

const char* PhaseName(Phase phase) { return NameOf(kPhaseNames, phase); }

const char* StatusName(Status status) { return NameOf(kStatusNames, status); }

}  // namespace dsalloc::conform
