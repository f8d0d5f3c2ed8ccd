// ---------------------------------------------------------------------------
// File: harness/memory_errors.h
// ---------------------------------------------------------------------------
//
// InstallMemoryErrorReporter: lets a checker see AddressSanitizer's report
// of a bad memory access (a heap-use-after-free in the Driver's buffer
// touching, driver.h Options::touch_buffers) as text, so that it can record
// the failure (write it to a file, say) before the process ends.
//
// What it does not do: turn the error into something the process survives.
// ASan still aborts (or exits) right after the report, so a checker that
// must go on runs each case in a child process (the conformance kit does)
// and reads what the reporter wrote. In a process built without ASan it is
// a no-op: there is no report to see, and such a process sees a freed
// buffer, if at all, as a crash or as nothing.
//
// Threading: call it before the first case runs; the reporter runs on the
// thread that made the bad access, inside ASan's report, so it must not
// allocate much or take locks the faulting thread may hold (writing to an
// already open file descriptor is safe). Lifetime: the reporter is kept
// for the rest of the process; a second call replaces it.

#ifndef DSALLOC_HARNESS_MEMORY_ERRORS_H_
#define DSALLOC_HARNESS_MEMORY_ERRORS_H_

#include <functional>

namespace dsalloc::harness {

// Whether this process was built with AddressSanitizer (so a reporter can
// ever be called).
bool MemoryErrorReportsAvailable();

// InstallMemoryErrorReporter()
//
// With ASan: registers `reporter` (through __asan_set_error_report_callback)
// to receive the full text of each ASan error report, e.g. one containing
// "heap-use-after-free", just before ASan ends the process. Without ASan:
// does nothing. An empty `reporter` uninstalls.
void InstallMemoryErrorReporter(std::function<void(const char*)> reporter);

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_MEMORY_ERRORS_H_
