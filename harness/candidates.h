// ---------------------------------------------------------------------------
// File: harness/candidates.h
// ---------------------------------------------------------------------------
//
// Candidates: the explanations of everything a lockstep run has seen (the
// portable profile's candidate search). Under strict there is one; under
// portable an implementation choice that is not observable yet (whether
// Commit made new samples, which free sample GetBuffer returned) keeps
// several alive until an outcome rules all but one out. The set is never
// empty and its front() is the lead: the one reported and the one whose
// binding translates ops to observed ids.
//
// Expand() steps every candidate that reads an op as the lead does; Narrow()
// keeps the transitions a judge accepts and Adopt() makes them the set
// (deduplicated, at most kMaxCandidates); Retain() drops the candidates a later observation
// contradicts. The judging itself (what an outcome must look like) is the
// caller's (Lockstep).
//
// Threading: thread-compatible. Lifetime: plain values. Errors: none;
// Expand returns false for an op no candidate can judge.

#ifndef DSALLOC_HARNESS_CANDIDATES_H_
#define DSALLOC_HARNESS_CANDIDATES_H_

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "sample_binding.h"
#include "spec/model/op.h"
#include "spec/model/state.h"
#include "spec/model/step.h"

namespace dsalloc::harness {

// One explanation: a model state and how its samples map to observed ids.
struct Candidate {
  spec::State model;
  SampleBinding binding;
  friend bool operator==(const Candidate&, const Candidate&) = default;
};

class Candidates {
 public:
  // Portable steps branch over every free sample GetBuffer may return; the
  // branches are equal up to relabelling of samples never seen, so a few
  // explanations carry all the information. Keeps the search bounded.
  static constexpr size_t kMaxCandidates = 32;

  explicit Candidates(Candidate initial) : all_{std::move(initial)} {}

  Candidate& front() { return all_.front(); }
  const Candidate& front() const { return all_.front(); }
  size_t size() const { return all_.size(); }
  // Every candidate, for the checkers that snapshot and shift them
  // (RepeatRunner). REQUIRES: left non-empty.
  std::vector<Candidate>& all() { return all_; }
  const std::vector<Candidate>& all() const { return all_; }
  // Replaces every candidate with `c`.
  void Reset(Candidate c) { all_.assign(1, std::move(c)); }

  // What Expand found: the transitions of the candidates kept (in order,
  // the lead first) and what they have in common.
  struct Expansion {
    std::vector<spec::Transitions> steps;  // per candidate kept
    size_t completions = 0;                // the most any transition lists
    bool had_waiters = false;              // some candidate had waiters
    bool may_block = false;                // some transition blocks
    bool may_return = false;               // some transition returns
  };
  // Steps every candidate under `profile`. False, with the set untouched,
  // when the lead cannot judge `op` (outside its domain, a sample the
  // client never saw, or a thread 0 call that may block: the driver runs
  // those on the caller's thread). Otherwise `call` is the op in observed
  // ids, and only the candidates that read `op` as that same call stay.
  bool Expand(const spec::Op& op, spec::Profile profile, spec::Op* call, Expansion* out);

  // The next candidates: every transition of `e` that `judge(Candidate&
  // next, Transition& t, const Candidate& before)` accepts (`next` is t's
  // state with the binding `before` had, for judge to update; t.next is
  // moved from), deduplicated. Empty when judge accepted none. The set is
  // untouched until Adopt.
  template <class Judge>
  std::vector<Candidate> Narrow(Expansion& e, Judge judge) {
    std::vector<Candidate> next;
    for (size_t k = 0; k < all_.size(); ++k) {
      for (spec::Transition& t : e.steps[k]) {
        Candidate c{std::move(t.next), all_[k].binding};
        if (!judge(c, t, all_[k])) continue;
        if (std::find(next.begin(), next.end(), c) == next.end()) next.push_back(std::move(c));
      }
    }
    return next;
  }
  // Makes Narrow's non-empty result the set (its first kMaxCandidates).
  void Adopt(std::vector<Candidate> next) {
    if (next.size() > kMaxCandidates) next.resize(kMaxCandidates);
    all_ = std::move(next);
  }

  // Drops the candidates `contradicted(const Candidate&)` names; if that
  // would drop them all, keeps only the lead (the one reported) and
  // returns false.
  template <class Pred>
  bool Retain(Pred contradicted) {
    if (std::all_of(all_.begin(), all_.end(), contradicted)) {
      all_.resize(1);
      return false;
    }
    std::erase_if(all_, contradicted);
    return true;
  }

 private:
  std::vector<Candidate> all_;  // never empty
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_CANDIDATES_H_
