// ---------------------------------------------------------------------------
// File: include/dsalloc/testing.h
// ---------------------------------------------------------------------------
//
// dsalloc's test hook, apart from the server's entry points in dsalloc.h: a
// program that only uses the allocator never needs it. The function is
// exported by every dsalloc server (src/dsalloc.def on Windows) and looked up
// by name by checkers; an implementation without it simply has no fault
// injection. Not for production use.
//
// Threading: thread-safe. Errors: none.

#ifndef DSALLOC_TESTING_H_
#define DSALLOC_TESTING_H_

#include <dsalloc/dsalloc.h>  // DSALLOC_API, and the SDK's calling conventions

// DsallocArmAllocationFailure()
//
// Makes the countdown-th allocation the library attempts from now fail
// (1 = the next one), and every later one too when sticky is nonzero;
// 0 disarms.
EXTERN_C DSALLOC_API void STDAPICALLTYPE DsallocArmAllocationFailure(long countdown, int sticky);

#endif  // DSALLOC_TESTING_H_
