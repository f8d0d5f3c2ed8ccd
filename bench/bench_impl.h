// ---------------------------------------------------------------------------
// File: bench/bench_impl.h
// ---------------------------------------------------------------------------
//
// Which CLSID_MemoryAllocator the "dsalloc" column measures: by default the
// built libdsalloc.so reached through its DllGetClassObject (as a filter
// reaches it), or any in-process server given with --impl PATH.so. Both go
// through the COM surface only (harness/implementation.h).
//
// Threading: SelectImpl runs once in main() before any benchmark; then
// SelectedImpl() is read-only.

#ifndef DSALLOC_BENCH_BENCH_IMPL_H_
#define DSALLOC_BENCH_BENCH_IMPL_H_

#include <string>

#include "harness/implementation.h"

namespace dsalloc::bench {

// Loads the server at path ("" = the built libdsalloc.so, else the embedded
// one). False, with *error, when path cannot be loaded.
bool SelectImpl(const std::string& path, std::string* error);

const harness::Implementation& SelectedImpl();

}  // namespace dsalloc::bench

#endif  // DSALLOC_BENCH_BENCH_IMPL_H_
