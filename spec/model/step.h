// ---------------------------------------------------------------------------
// File: spec/model/step.h
// ---------------------------------------------------------------------------
//
// The transition function of the executable model: given a State and an
// Op, the set of allowed (Outcome, next State) pairs. Under Profile::kStrict
// the set has exactly one element (or none, see InDomain). Under
// Profile::kPortable it has one element per legitimate implementation
// choice; a checker keeps the element whose Outcome matches what it
// observed (Outcome::SameObservable), and the state it carries.
//
// Domain (the caller's obligations, as REQUIRES lines). Step returns an
// EMPTY set for an op outside its domain; a driver must not issue it:
//   REQUIRES: the allocator is alive and a client holds a reference
//             (client_refs > 0) for every allocator op;
//   REQUIRES: a sample op names a sample of the current generation whose
//             refs > 0 (ReleaseBuffer of an existing sample: any refs);
//   REQUIRES: the calling thread is not blocked in GetBuffer;
//   REQUIRES: (portable) the op's result is specified: NULL pointers where
//             some implementation crashes, ReleaseBuffer misuse, hostile
//             IMediaSample2::SetProperties and alignments other than powers
//             of two are "not checked" there, and IMemAllocatorCallbackTemp
//             calls need the interface (trait kTraitCallbackIface == 1).
//
// Blocking: GetBuffer without AM_GBF_NOWAIT and no free sample gives an
// Outcome with blocked == true; the thread joins State::waiters. A later
// op that hands it a sample or wakes it (ReleaseBuffer via a sample's
// Release, Decommit) lists it in Outcome::completions.
//
// Cost: StepStrict mutates in place and does not allocate for typical ops.

#ifndef DSALLOC_SPEC_MODEL_STEP_H_
#define DSALLOC_SPEC_MODEL_STEP_H_

#include <vector>

#include "op.h"
#include "outcome.h"
#include "state.h"

namespace dsalloc::spec {

struct Transition {
  Outcome outcome;
  State next;
};
using Transitions = std::vector<Transition>;

// Every allowed (outcome, next state) of `op` in `s`.
Transitions Step(const State& s, const Op& op, Profile profile);

// Strict profile, in place: applies op to s and returns the outcome.
// REQUIRES: InDomain(s, op, Profile::kStrict).
Outcome StepStrict(State& s, const Op& op);

// Whether op may be issued in s under profile (see "Domain" above).
bool InDomain(const State& s, const Op& op, Profile profile);

}  // namespace dsalloc::spec

#endif  // DSALLOC_SPEC_MODEL_STEP_H_
