// ---------------------------------------------------------------------------
// File: conform/native_cases.h
// ---------------------------------------------------------------------------
//
// Conformance cases the trace format cannot express, written against the COM
// interfaces directly: today THREAD.SAMPLE (several threads calling one
// sample; a parallel trace names only each thread's own samples). Listed in
// the catalog with the trace cases (CaseInfo::native) and run the same way,
// each in its own child.
//
// Threading: a case starts and joins its own threads. Errors: a CheckResult.

#ifndef DSALLOC_CONFORM_NATIVE_CASES_H_
#define DSALLOC_CONFORM_NATIVE_CASES_H_

#include <string>
#include <vector>

#include "catalog.h"
#include "harness/implementation.h"
#include "result.h"
#include "spec/model/state.h"

namespace dsalloc::conform {

std::vector<CaseInfo> NativeCases();
CheckResult RunNativeCase(const CaseInfo& c, const harness::Implementation& impl,
                          spec::Profile profile);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_NATIVE_CASES_H_
