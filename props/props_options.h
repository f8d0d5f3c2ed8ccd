// ---------------------------------------------------------------------------
// File: props/props_options.h
// ---------------------------------------------------------------------------
//
// The props binary's command line, shared by every property:
//   --impl=PATH        check the in-process server at PATH (default: the
//                      embedded dsalloc, or the DSALLOC_IMPL environment
//                      variable; harness/implementation.h)
//   --profile=strict|portable   which SPEC.md profile judges it (default
//                      strict; use portable for Windows', Wine's or a
//                      filter's allocator)
//   --trace-dir=DIR    write each failing case as DIR/<property>.trace, a
//                      file `dsalloc-replay` runs again (default: the
//                      DSALLOC_TRACE_DIR environment variable, else none)
// plus GoogleTest's own flags. Case counts scale with DSALLOC_PROPS_SCALE
// (property_check.h); the driver's waits with DSALLOC_TIMEOUT_SCALE.
//
// Threading: ParseOptions runs once in main() before any test; the getters
// are then read-only.

#ifndef DSALLOC_PROPS_PROPS_OPTIONS_H_
#define DSALLOC_PROPS_PROPS_OPTIONS_H_

#include <string>
#include <vector>

#include "harness/driver.h"
#include "spec/model/op.h"
#include "spec/model/state.h"

namespace dsalloc::props {

// Consumes the options above from argv; returns false (with a message on
// stderr) on a bad option or an implementation that cannot be loaded.
bool ParseOptions(int* argc, char** argv);

spec::Profile SelectedProfile();

// Driver options for property runs: bounded waits sized for sanitizer builds.
harness::Driver::Options DriverOptions();

// Writes a failing case (no-op without a trace directory): the report as
// comments, then one op per line.
void WriteFailureTrace(const std::vector<spec::Op>& trace, const std::string& report);

}  // namespace dsalloc::props

#endif  // DSALLOC_PROPS_PROPS_OPTIONS_H_
