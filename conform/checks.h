// ---------------------------------------------------------------------------
// File: conform/checks.h
// ---------------------------------------------------------------------------
//
// The checks a child process runs against the implementation, each giving
// CheckResults: a trace (a conformance case, or a failure's trace replayed)
// in lockstep with the model or through the parallel runner; random
// sequential and parallel exploration, shrinking what fails to a minimal
// trace; and the probe that tells the parent what the server offers.
// The soak is in soak.h.
//
// Threading: one check at a time per process. Errors: every problem is a
// CheckResult with status kFail (never an exception); a crash or hang
// ends the process, and the parent reports it (kit.h).

#ifndef DSALLOC_CONFORM_CHECKS_H_
#define DSALLOC_CONFORM_CHECKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "catalog.h"
#include "harness/implementation.h"
#include "result.h"
#include "spec/model/state.h"

namespace dsalloc::conform {

// Runs `text` (a trace file) `repeats` times on fresh allocators; the
// result covers `rules`. Under portable, a case with a portable note is
// n/a; one that needs fault injection is n/a without the hook.
CheckResult RunTrace(const std::string& name, const std::string& text,
                     const std::vector<std::string>& rules, int repeats,
                     const harness::Implementation& impl, spec::Profile profile);
CheckResult RunCase(const CaseInfo& c, const harness::Implementation& impl, spec::Profile profile);

// `runs` random sequences from `seed`; the first failure is shrunk. The
// sequence about to run is written to `progress_file` first, so a crash
// leaves the parent a trace. The result's rules are those the model applied.
CheckResult ExploreSequential(const harness::Implementation& impl, spec::Profile profile,
                              uint64_t seed, int runs, const std::string& progress_file);
CheckResult ExploreParallel(const harness::Implementation& impl, spec::Profile profile,
                            uint64_t seed, int runs, const std::string& progress_file);

// What the server offers: detail is "callback_iface=0|1 fault_injection=0|1".
CheckResult Probe(const harness::Implementation& impl);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_CHECKS_H_
