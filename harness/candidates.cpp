// harness/candidates.cpp: the portable profile's candidate search
// (candidates.h).

#include "candidates.h"

namespace dsalloc::harness {
namespace {

// The most completions any allowed transition lists (a portable step may
// hand a sample to different waiters, never to a different number).
size_t ExpectedCompletions(const spec::Transitions& ts) {
  size_t n = 0;
  for (const spec::Transition& t : ts) n = std::max(n, t.outcome.completions.size());
  return n;
}

}  // namespace

bool Candidates::Expand(const spec::Op& op, spec::Profile profile, spec::Op* call, Expansion* out) {
  const Candidate& lead = all_.front();
  // Step.empty() is exactly !InDomain: one Step per candidate decides both.
  out->steps.reserve(all_.size());
  out->steps.push_back(spec::Step(lead.model, op, profile));
  if (out->steps.front().empty()) return false;
  if (!lead.binding.ToObserved(lead.model.generation, op, call)) {
    // A sample the client never saw (ReleaseBuffer of a never-handed-out
    // free sample): the driver has no pointer for it.
    return false;
  }
  // The driver runs one op: only explanations in which it means the same
  // call on the same sample stay (the others name another sample by this
  // index; they are relabellings of the ones kept).
  std::vector<size_t> kept = {0};
  for (size_t k = 1; k < all_.size(); ++k) {
    const Candidate& c = all_[k];
    spec::Op mine;
    if (!c.binding.ToObserved(c.model.generation, op, &mine) || !(mine == *call)) continue;
    spec::Transitions ts = spec::Step(c.model, op, profile);
    if (ts.empty()) continue;
    out->steps.push_back(std::move(ts));
    kept.push_back(k);
  }
  for (size_t k = 0; k < kept.size(); ++k) {
    out->completions = std::max(out->completions, ExpectedCompletions(out->steps[k]));
    out->had_waiters = out->had_waiters || !all_[kept[k]].model.waiters.empty();
    for (const spec::Transition& t : out->steps[k]) {
      // The driver runs thread 0's calls on the caller's own thread, so a
      // GetBuffer that blocks there would block the checker (skipped
      // before any candidate is dropped: nothing was observed).
      if (t.outcome.blocked && op.thread == 0) return false;
      out->may_block = out->may_block || t.outcome.blocked;
      out->may_return = out->may_return || !t.outcome.blocked;
    }
  }
  for (size_t k = 1; k < kept.size(); ++k) {
    if (kept[k] != k) all_[k] = std::move(all_[kept[k]]);
  }
  all_.erase(all_.begin() + static_cast<std::ptrdiff_t>(kept.size()), all_.end());
  return true;
}

}  // namespace dsalloc::harness
