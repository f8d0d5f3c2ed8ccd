// ---------------------------------------------------------------------------
// File: harness/parallel/serial_replay.h
// ---------------------------------------------------------------------------
//
// Single-threaded replays of a parallel case, to tell a thread-safety
// failure from an ordinary one. THREAD.SAFE fails only for a history that no
// single-threaded replay of its ops reproduces: when the same ops, the
// threads' lists run one after another on one thread, also fail, the rule
// that replay names is the one broken (a SetActualDataLength bug is
// SAMPLE.LENGTH.RANGE, however many threads happened to be running).
//
// Serialized() is the case with its lists joined into one, in a given order
// of the threads: each list's slots are renumbered past the GetBuffer calls
// of the lists before it, so "sample k" still names the sample that list's
// k-th GetBuffer got. ReproduceSingleThreaded() runs every order of the
// threads (at most 3! = 6), each once on a fresh allocator, and returns the
// first that fails at a named rule other than THREAD.SAFE. A replay in which
// the runner had to Decommit to wake a blocked GetBuffer (a list waiting for
// a release another list makes) is not single-threaded, and is not taken.
//
// Threading: as RunParallelCase. Errors: none; nullopt when no replay
// reproduces a failure.

#ifndef DSALLOC_HARNESS_PARALLEL_SERIAL_REPLAY_H_
#define DSALLOC_HARNESS_PARALLEL_SERIAL_REPLAY_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "implementation.h"
#include "parallel/parallel_runner.h"

namespace dsalloc::props::parallel {

// REQUIRES: `order` is a permutation of 0 .. c.threads.size() - 1.
ParallelCase Serialized(const ParallelCase& c, const std::vector<size_t>& order);

struct SerialReplay {
  ParallelCase serial;  // one thread list
  std::string order;    // the threads in the order they ran, e.g. "2, 1"
  RunResult run;        // failed, with the rule it names
};

std::optional<SerialReplay> ReproduceSingleThreaded(const harness::Implementation& impl,
                                                    const ParallelCase& c, RunOptions options);

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_HARNESS_PARALLEL_SERIAL_REPLAY_H_
