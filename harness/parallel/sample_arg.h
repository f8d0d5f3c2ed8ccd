// ---------------------------------------------------------------------------
// File: harness/parallel/sample_arg.h
// ---------------------------------------------------------------------------
//
// The sample argument the parallel harness rewrites: in a thread's list it
// is a slot (parallel_runner.h), in a recorded history an observed id, in a
// serialized case a slot of the one list. It is spec::NamedSample (the
// target of a call on an IMediaSample or IMediaSample2), with one exception:
// ReleaseBuffer's pBuffer is never a slot.
//
// Why ReleaseBuffer is left out: a slot names a sample its thread obtained
// and holds, and a client that passes a sample it holds to ReleaseBuffer
// misuses the allocator (ALLOC.RELEASEBUFFER.MISUSE); no parallel list is
// drawn with one (props/parallel_gen.cpp, and the concurrent fuzzer's
// decoder maps it away: fuzz/README.md, Findings). The runner has always
// passed its index through unmapped, and leaves it out of the observed ids
// it checks at quiescence; mapping it now would change what a recorded case
// runs.
//
// Threading: pure functions.

#ifndef DSALLOC_HARNESS_PARALLEL_SAMPLE_ARG_H_
#define DSALLOC_HARNESS_PARALLEL_SAMPLE_ARG_H_

#include <cstdint>

#include "spec/model/calls.h"

namespace dsalloc::props::parallel {

// The call's slot (or observed id), to read or rewrite; null for a call on
// no sample, and for ReleaseBuffer.
inline int32_t* SampleArg(spec::Call& call) {
  return spec::Is<spec::call::ReleaseBuffer>(call) ? nullptr : spec::NamedSample(call);
}
inline const int32_t* SampleArg(const spec::Call& call) {
  return spec::Is<spec::call::ReleaseBuffer>(call) ? nullptr : spec::NamedSample(call);
}

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_HARNESS_PARALLEL_SAMPLE_ARG_H_
