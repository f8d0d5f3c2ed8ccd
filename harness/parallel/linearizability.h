// ---------------------------------------------------------------------------
// File: harness/parallel/linearizability.h
// ---------------------------------------------------------------------------
//
// A linearizability checker for histories of concurrent calls on one
// allocator (THREAD.SAFE): given the model state and the SampleBinding at
// the moment the threads started, and what every call did (its op with
// OBSERVED sample ids, its observed Outcome, and its invocation and response
// times on one global clock), it searches for a sequential order of the
// calls that respects real-time order (a precedes b when a responded before
// b was invoked) and that spec::Step allows, outcome by outcome.
//
// The search is a depth-first walk over the "minimal" calls (those no
// pending call must precede), with the model state and a binding carried per
// node, memoised on (calls linearized, State, binding) so that equivalent
// interleavings are explored once (the key includes the blocked calls not
// yet completed); it gives up past a node bound, which is
// reported as kGaveUp, never as a failure.
//
// Contract. Pure and deterministic: no I/O, no globals, no threads. The
// history must contain exactly the calls that ran (a skipped op is not an
// event), at most kMaxEvents of them, each on one thread whose calls do not
// overlap. Every op must be one a client may issue in parallel: no Reaction
// other than kNone configured (see the caveats in linearizability.cpp). A
// blocking GetBuffer is an event like any other, with the result it
// finally returned: the search linearizes it either as an immediate
// transition or as a blocked one that a later call (a hand-off or a
// Decommit) must complete with exactly that result (caveat c); the start
// state must have no waiters. Errors are verdicts with a human-readable
// report.

#ifndef DSALLOC_HARNESS_PARALLEL_LINEARIZABILITY_H_
#define DSALLOC_HARNESS_PARALLEL_LINEARIZABILITY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/sample_binding.h"
#include "spec/model/op.h"
#include "spec/model/outcome.h"
#include "spec/model/state.h"

namespace dsalloc::props::parallel {

// The search keeps the set of linearized calls in a 64-bit mask.
inline constexpr size_t kMaxEvents = 64;

// One completed call. `op.thread` is the calling thread; the sample a
// sample call names is an OBSERVED id (driver.h); `outcome` is what the Driver
// observed, handles in observed ids. `invoked` < `responded`, both read
// from the same global counter (the order is what matters, not the values).
struct Event {
  spec::Op op;
  spec::Outcome outcome;
  uint64_t invoked = 0;
  uint64_t responded = 0;
  // What the recorder knows beyond the interval: the call had taken effect
  // (returned, or blocked and joined the waiters) before any call invoked at
  // or after this clock value. The runner sets it on a blocking GetBuffer
  // it saw waiting when it invoked its own Decommit (THREAD.NOLOSTWAKE: a
  // wake-up lost before then shows as a wrong result instead of passing as
  // a GetBuffer that began after the Decommit).
  uint64_t took_effect_before = UINT64_MAX;
  // Not read by the checker: which op of its thread's list the call ran
  // (ParallelCase::threads), -1 for the runner's own calls, so that the
  // history can be replayed in its own order (serial_replay.h).
  int source = -1;
};

// What was observed once every thread had joined (no call in flight):
// optional; when given, the search only accepts a complete linearization
// whose final state agrees with it.
struct Quiescence {
  // Allocator-held references on each test callback, and NotifyRelease
  // calls each has received (Driver::CallbackRefs / CallbackNotifications).
  std::array<uint32_t, spec::kNumCallbacks> callback_refs{};
  std::array<uint32_t, spec::kNumCallbacks> callback_notified{};
  // (observed id, references the client holds on it) for every observed id
  // the history or the starting binding names.
  std::vector<std::pair<int, uint32_t>> sample_refs;
  // The allocator properties GetProperties reported after the join, if
  // asked: two overlapping SetProperties linearize either way, and only
  // the final properties tell which order the allocator took.
  std::optional<ALLOCATOR_PROPERTIES> props;
};

struct CheckInput {
  spec::State start;
  harness::SampleBinding binding;  // at `start`
  spec::Profile profile = spec::Profile::kStrict;
  std::vector<Event> history;  // any order; sorted by the checker
  std::optional<Quiescence> quiescence;
};

struct CheckOptions {
  // Search nodes (partial linearizations expanded) before giving up.
  size_t node_bound = 200000;
};

enum class Verdict {
  kLinearizable,     // some allowed order explains the history
  kNotLinearizable,  // no order does (a failure)
  kGaveUp,           // the node bound was reached first (not a failure)
};

struct CheckResult {
  Verdict verdict = Verdict::kGaveUp;
  // kLinearizable: the state and binding after the linearization found, and
  // the order (indices into the sorted history, see `history`).
  spec::State final_state;
  harness::SampleBinding final_binding;
  std::vector<size_t> order;
  // The history as the checker sorted it (by invocation).
  std::vector<Event> history;
  size_t nodes = 0;      // nodes expanded
  size_t memo_hits = 0;  // nodes pruned by the memo
  // kNotLinearizable / kGaveUp: a multi-line report (events with threads
  // and intervals, the deepest partial linearization, and for each call
  // that could not extend it, what the model expected and the difference).
  std::string report;
  // kNotLinearizable: the first reason the deepest partial linearization
  // could not go on that names a SPEC.md rule (the model's outcome for the
  // call, or the rule an end-state comparison checks). For a history with
  // one order only (no two calls overlap) that is the rule broken, as a
  // sequential checker would name it; otherwise only one explanation of
  // many. `event` indexes `history`, or is history.size() for the end state.
  struct Stuck {
    size_t event = 0;
    std::string rule;  // "" when no attempt named one
    // A call: the model's outcome and the observed one (trace format). The
    // end state: "the end state the model reaches after these calls", and
    // what differs from it.
    std::string expected;
    std::string observed;
  };
  Stuck stuck;
};

CheckResult CheckLinearizable(const CheckInput& input,
                              const CheckOptions& options = CheckOptions());

// "@T <op in trace format>  [inv,resp]  -> <observed outcome>"; the op keeps
// observed sample ids.
std::string FormatEvent(const Event& e);

std::string_view VerdictName(Verdict v);

}  // namespace dsalloc::props::parallel

#endif  // DSALLOC_HARNESS_PARALLEL_LINEARIZABILITY_H_
