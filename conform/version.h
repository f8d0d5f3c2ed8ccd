// ---------------------------------------------------------------------------
// File: conform/version.h
// ---------------------------------------------------------------------------
//
// What the kit is, for --version and every report: its version (the
// project's, with the git commit it was configured from when known) and the
// revision of the specification compiled into it (the SHA-256 of the
// embedded spec/SPEC.md: two kits with the same revision judge by the same
// rules).
//
// Threading: thread-safe. Errors: none.

#ifndef DSALLOC_CONFORM_VERSION_H_
#define DSALLOC_CONFORM_VERSION_H_

#include <string>

namespace dsalloc::conform {

std::string KitVersion();    // "0.1.0 (git 3c0e86d)"
std::string SpecRevision();  // 16 hex digits
std::string VersionText();   // what --version prints

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_VERSION_H_
