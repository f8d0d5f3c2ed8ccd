// spec/model/step.cpp: the transition function (step.h): Step, StepStrict
// and InDomain around the engine (step_engine.h, which says where each
// call's part lives), and the engine's dispatch of a call to its group's
// dispatcher.

#include "spec/model/step.h"

#include <utility>

#include "spec/model/step_engine.h"

namespace dsalloc::spec {
namespace step_internal {

bool Engine::Run(const Call& call, uint8_t thread, bool oom) {
  thread_ = thread;
  oom_ = oom;
  // The group's dispatcher, at the end of its file, runs the call's Apply
  // (step_engine.h "Dispatch"); no default, so a new group must be placed.
  bool in = false;
  switch (GroupOf(call)) {
    case OpGroup::kAllocator:
      in = ApplyAllocatorCall(call);
      break;
    case OpGroup::kConfig:
    case OpGroup::kCallback:
      in = ApplyCallbackCall(call);
      break;
    case OpGroup::kSample:
      in = ApplySampleCall(call);
      break;
    case OpGroup::kSample2:
      in = ApplySample2Call(call);
      break;
    case OpGroup::kFactory:
      in = ApplyFactoryCall(call);
      break;
  }
  if (in && portable_) Settle();
  return in && !undefined_;
}

}  // namespace step_internal

namespace {

using step_internal::Chooser;
using step_internal::Engine;

// Storage for an engine's holders, empty: the engine uses it for one op;
// kept per thread so that a step does not allocate for it.
std::vector<Engine::Holder>& EmptyHolders() {
  thread_local std::vector<Engine::Holder> holders;
  holders.clear();
  return holders;
}

Outcome StrictStep(State& s, const Call& call, uint8_t thread, bool oom) {
  Outcome o;
  Chooser ch(false);
  Engine(s, o, Profile::kStrict, ch, EmptyHolders()).Run(call, thread, oom);
  return o;
}

// Step for a call already known to be in the structural domain.
Transitions StepInDomain(const State& s, const Call& call, uint8_t thread, bool oom,
                         Profile profile) {
  Transitions out;
  if (profile == Profile::kStrict) {
    Transition t{Outcome{}, s};
    t.outcome = StrictStep(t.next, call, thread, oom);
    out.push_back(std::move(t));
    return out;
  }
  Chooser ch(true);
  constexpr int kMaxRuns = 1 << 14;  // bound on portable branching
  for (int run = 0; run < kMaxRuns; ++run) {
    Transition t{Outcome{}, s};
    if (Engine(t.next, t.outcome, profile, ch, EmptyHolders()).Run(call, thread, oom)) {
      bool dup = false;
      for (const Transition& u : out) {
        if (u.next == t.next && u.outcome == t.outcome) {
          dup = true;
          break;
        }
      }
      if (!dup) out.push_back(std::move(t));
    }
    if (!ch.Next()) break;
  }
  return out;
}

}  // namespace

Outcome StepStrict(State& s, const Op& op) { return StrictStep(s, op.call, op.thread, op.oom); }

Transitions Step(const State& s, const Op& op, Profile profile) {
  if (!step_internal::Structural(s, op.call, op.thread)) return {};
  return StepInDomain(s, op.call, op.thread, op.oom, profile);
}

bool InDomain(const State& s, const Op& op, Profile profile) {
  if (!step_internal::Structural(s, op.call, op.thread)) return false;
  if (profile == Profile::kStrict) return true;
  return !StepInDomain(s, op.call, op.thread, op.oom, profile).empty();
}

}  // namespace dsalloc::spec
