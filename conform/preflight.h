// ---------------------------------------------------------------------------
// File: conform/preflight.h
// ---------------------------------------------------------------------------
//
// Everything the kit can get wrong from its command line, found before the
// first child starts: a run that would end in a usage error says so at
// once, not after minutes of checks. CheckUsage resolves the server to an
// absolute path (a child must load the file the user named, not whatever
// dlopen finds for a bare "libx.so"), reads --expect, applies the filters,
// makes sure every report path and the trace directory can be written.
// The memory limit is the kit's other half of this: kit.cpp runs one child
// that checks the embedded dsalloc under it (a limit too small for the kit
// itself is a usage error, not a crash of the server).
//
// Threading: none. Errors: false and *error, for exit code 2.

#ifndef DSALLOC_CONFORM_PREFLIGHT_H_
#define DSALLOC_CONFORM_PREFLIGHT_H_

#include <string>

#include "filter.h"
#include "options.h"
#include "verdict.h"

namespace dsalloc::conform {

struct Plan {
  Selection selection;          // the cases the cases phase runs, the rules shown
  Expectations expect;          // --expect, parsed
  bool has_expect = false;      // --expect was given
  bool trace_dir_made = false;  // --trace-dir did not exist: remove it if it stays empty
};

// Checks and completes *options (server made absolute) and fills *plan.
bool CheckUsage(Options* options, Plan* plan, std::string* error);

// Whether `path` can be written as a file: it exists and is a writable
// regular file, or its directory exists and is writable. Creates nothing.
bool CanWriteFile(const std::string& path, std::string* why);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_PREFLIGHT_H_
