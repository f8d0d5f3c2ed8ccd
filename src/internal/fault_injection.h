// ---------------------------------------------------------------------------
// File: src/internal/fault_injection.h
// ---------------------------------------------------------------------------
//
// A hook that makes the Nth allocation from now fail, so tests can drive
// every E_OUTOFMEMORY path (SQLite's fault loop). Production code asks
// AllocationMayFail() before each allocation it can recover from; the hook
// is off unless a test linked against the static library arms it.
//
// Threading: thread-safe (atomics); arm it only in single-threaded tests.

#ifndef DSALLOC_SRC_INTERNAL_FAULT_INJECTION_H_
#define DSALLOC_SRC_INTERNAL_FAULT_INJECTION_H_

namespace dsalloc::internal {

// True when the caller must behave as if this allocation failed.
bool AllocationMayFail() noexcept;

// Makes the countdown-th allocation from now fail (1 = the next one), and
// every later one too when sticky; 0 disarms.
void ArmAllocationFailure(long countdown, bool sticky) noexcept;

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_FAULT_INJECTION_H_
