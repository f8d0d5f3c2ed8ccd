// ---------------------------------------------------------------------------
// File: harness/keep_forever.h
// ---------------------------------------------------------------------------
//
// KeepForever: the one graveyard of the checkers. When a thread is stuck
// inside an implementation (GEN.NOHANG) or an implementation may still use
// an object the checker would free (a callback it still holds, a foreign
// sample it accepted), freeing it could crash the process long after the
// failure was reported. Such objects are leaked on purpose into a list
// reachable from a global, so the stuck thread never sees freed memory and
// LeakSanitizer does not report them.
//
// Threading: thread-safe. Lifetime: what is kept is never destroyed, not
// even at exit. Errors: none.

#ifndef DSALLOC_HARNESS_KEEP_FOREVER_H_
#define DSALLOC_HARNESS_KEEP_FOREVER_H_

#include <memory>

namespace dsalloc::harness {

// Keeps p reachable (and so alive, if nothing frees it) for the rest of the
// process.
void KeepForever(const void* p);

// Gives up ownership of `owned` and keeps it forever; its destructor never
// runs.
template <typename T>
void KeepForever(std::unique_ptr<T> owned) {
  KeepForever(static_cast<const void*>(owned.release()));
}

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_KEEP_FOREVER_H_
