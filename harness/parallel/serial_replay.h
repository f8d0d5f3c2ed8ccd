// ---------------------------------------------------------------------------
// File: harness/parallel/serial_replay.h
// ---------------------------------------------------------------------------
//
// Single-threaded replays of a parallel case, to tell a thread-safety
// failure from an ordinary one. THREAD.SAFE fails only for a history that no
// single-threaded replay of its ops reproduces: when the same ops run on one
// thread also fail, the rule that replay names is the one broken (a
// SetActualDataLength bug is SAMPLE.LENGTH.RANGE, however many threads
// happened to be running).
//
// The replays join the threads' lists into one list (slots renumbered past
// the GetBuffer calls before them, so "sample k" still names the sample that
// list's k-th GetBuffer got): InHistoryOrder() takes the calls a failing run
// made, in the order they were invoked (a NOWAIT miss that only happened
// because other threads held every sample happens again) or returned;
// Serialized() runs the lists one after another in a given order of the
// threads. ReproduceSingleThreaded() tries the history's two orders, then
// every order of the threads (at most 3! = 6), each once on a fresh
// allocator, and returns the first that fails at a named rule other than
// THREAD.SAFE. Such a failure is real whatever the threads: every check of
// the runner but linearizability judges one call or the end state, and a
// one-thread history is judged as a sequential one (parallel_runner.h).
//
// Threading: as RunParallelCase. Errors: none; nullopt when no replay
// reproduces a failure.

#ifndef DSALLOC_HARNESS_PARALLEL_SERIAL_REPLAY_H_
#define DSALLOC_HARNESS_PARALLEL_SERIAL_REPLAY_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "harness/implementation.h"
#include "harness/parallel/linearizability.h"
#include "harness/parallel/parallel_runner.h"

namespace dsalloc::props::parallel {

// REQUIRES: `order` is a permutation of 0 .. c.threads.size() - 1.
ParallelCase Serialized(const ParallelCase& c, const std::vector<size_t>& order);

// The calls of `history` (a run of `c`: Event::source set) on one thread,
// by invocation (or by response: a GetBuffer that another thread's release
// woke then comes after that release); the runner's own calls are left out.
ParallelCase InHistoryOrder(const ParallelCase& c, std::vector<Event> history,
                            bool by_response = false);

struct SerialReplay {
  ParallelCase serial;  // one thread list
  std::string order;    // "the history's order", or the threads' order, e.g. "threads 2, 1"
  RunResult run;        // failed, with the rule it names
};

// `history`: the failing run's (RunResult::history), or empty.
std::optional<SerialReplay> ReproduceSingleThreaded(const harness::Implementation& impl,
                                                    const ParallelCase& c,
                                                    const std::vector<Event>& history,
                                                    RunOptions options);

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_HARNESS_PARALLEL_SERIAL_REPLAY_H_
