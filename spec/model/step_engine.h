// ---------------------------------------------------------------------------
// File: spec/model/step_engine.h
// ---------------------------------------------------------------------------
//
// The engine behind Step (step.h), shared by the files that implement it;
// not part of the model's interface.
//
// One engine serves both profiles. Every place where conforming
// implementations may differ asks the Chooser: under the strict profile it
// always answers 0 (dsalloc's behaviour); under the portable profile Step
// re-runs the engine over every sequence of answers (depth-first) and
// collects the distinct (outcome, next state) pairs. Implementation traits
// (state.h Trait) are fixed the first time they matter, so a portable run
// cannot mix Wine's and the base classes' answers for the same question.
//
// Dispatch. Each call has one Engine::Apply, an explicit specialization of
// a deleted member template, defined in the step_*.cpp of its group (below):
//   template <> bool Engine::Apply(const call::GetSize& c, SampleState& x)
// (a sample call also gets the sample it names; the others take the call
// only). Engine::Run picks the group's dispatcher (ApplyAllocatorCall, ...)
// with a switch over the call's OpGroup; the dispatcher, at the end of its
// group's file, visits the call and applies each call of its group. So
// adding a call to the model is one specialization in its group's file: if
// it is missing, that file's dispatcher does not compile ("use of deleted
// function"). A new group needs a dispatcher here and a case in Run (the
// switch has no default). Repeat blocks are not calls (trace.h).
// Where they are:
//   step.cpp            Step, StepStrict, InDomain; Run's switch over groups
//   step_domain.cpp     the profile-independent domain (step.h "Domain")
//   step_allocator.cpp  IMemAllocator, IMemAllocatorCallbackTemp, IUnknown;
//                       the allocator's references and its destruction
//   step_callbacks.cpp  test callbacks: SetReaction, the callback calls,
//                       the allocator's references on callbacks
//   step_release.cpp    a sample's way back: recycling, ReleaseBuffer's
//                       hand-off, NotifyRelease and its reactions
//   step_sample.cpp     IMediaSample
//   step_sample2.cpp    IMediaSample2
//   step_factory.cpp    DllGetClassObject, IClassFactory, DllCanUnloadNow
//
// Each branch that a SPEC.md rule decides carries the rule ID in a comment
// and in Outcome::rule. Rules about pointers, threads and time are outside a
// sequential value model and are judged by the drivers (props, fuzz, SPIN):
// COM.ALLOC.IDENTITY, COM.SAMPLE.IDENTITY, THREAD.SAFE (the model is the
// sequential specification the linearizability check searches), THREAD.SAMPLE,
// NOTIFY.THREAD, GEN.NOHANG, GEN.NOCRASH.

#ifndef DSALLOC_SPEC_MODEL_STEP_ENGINE_H_
#define DSALLOC_SPEC_MODEL_STEP_ENGINE_H_

#include <string_view>
#include <variant>
#include <vector>

#include "spec/model/calls.h"
#include "spec/model/outcome.h"
#include "spec/model/state.h"
#include "spec/model/step.h"

namespace dsalloc::spec::step_internal {

// Answers the engine's "which of n behaviours?" questions. Answer 0 is
// always the strict behaviour, so the first portable transition of a step
// is the strict one whenever the strict one is allowed.
class Chooser {
 public:
  explicit Chooser(bool branching) : branching_(branching) {}

  int Pick(int n) {
    if (!branching_ || n <= 1) return 0;
    if (pos_ < choices_.size()) return choices_[pos_++];
    choices_.push_back(0);
    arity_.push_back(n);
    ++pos_;
    return 0;
  }

  // Advances to the next unexplored answer sequence; false when done.
  bool Next() {
    pos_ = 0;
    while (!choices_.empty()) {
      if (choices_.back() + 1 < arity_.back()) {
        ++choices_.back();
        return true;
      }
      choices_.pop_back();
      arity_.pop_back();
    }
    return false;
  }

 private:
  bool branching_;
  size_t pos_ = 0;
  std::vector<int> choices_;
  std::vector<int> arity_;
};

// The profile-independent part of the domain (step.h "Domain";
// step_domain.cpp).
bool Structural(const State& s, const Call& call, uint8_t thread);

class Engine {
 public:
  // The allocator's reference on a callback, as one holder per SetNotify
  // (holders_ below).
  struct Holder {
    int8_t callback;
    int uses;
  };

  // `holders` is storage for the op's holders, empty; the engine uses it
  // for the op only (Step keeps it between steps, so that a step does not
  // allocate for it).
  Engine(State& s, Outcome& o, Profile p, Chooser& ch, std::vector<Holder>& holders)
      : s_(s), o_(o), portable_(p == Profile::kPortable), ch_(ch), holders_(holders) {
    // Between ops the installed callback's reference is its holder's only use.
    if (s_.callback >= 0) {
      holders_.push_back({s_.callback, 1});
      installed_ = 0;
    }
  }

  // Runs `call` made by client thread `thread` (`oom`: the next allocation
  // inside it fails). Returns false when the call is outside the profile's
  // domain.
  bool Run(const Call& call, uint8_t thread, bool oom);

 private:
  // --- one Apply per call; true: in the domain ------------------------------
  // Deleted unless the call's group file defines its explicit specialization
  // (see the top of this file); a sample call also gets the sample it names.
  template <class C>
  bool Apply(const C& c) = delete;
  template <class C>
  bool Apply(const C& c, SampleState& x) = delete;

  // --- one dispatcher per group file, defined at its end ---------------------
  // Each runs a call of its group(s) with its Apply; Run picks it by GroupOf.
  bool ApplyAllocatorCall(const Call& call);  // kAllocator (step_allocator.cpp)
  bool ApplyCallbackCall(const Call& call);   // kConfig, kCallback (step_callbacks.cpp)
  bool ApplySampleCall(const Call& call);     // kSample (step_sample.cpp)
  bool ApplySample2Call(const Call& call);    // kSample2 (step_sample2.cpp)
  bool ApplyFactoryCall(const Call& call);    // kFactory (step_factory.cpp)
  // Runs `call` with its Apply when its group is one of `Groups`: the body
  // of each dispatcher. Only those groups' calls are compiled against Apply,
  // so a group file asks for its own calls' specializations, all of them.
  // A sample call runs on the sample it names (Structural made sure it
  // exists).
  template <OpGroup... Groups>
  bool ApplyGroups(const Call& call) {
    return std::visit(
        [this]<class C>(const C& c) -> bool {
          if constexpr (!((C::kGroup == Groups) || ...)) {
            return false;  // another group's call: Run never sends one here
          } else if constexpr (SampleCall<C>) {
            return Apply(c, s_.samples[c.sample]);
          } else {
            return Apply(c);
          }
        },
        call);
  }

  // --- helpers -----------------------------------------------------------------
  // Portable, at the end of a top-level op: woken waiters re-check
  // (ALLOC.RELEASEBUFFER.HANDOFF, wake-and-recheck).
  void Settle();
  // Portable: true when the implementation takes the alternative of `t`.
  bool Alt(Trait t) {
    if (!portable_) return false;
    uint8_t& v = s_.traits[t];
    if (v == 0) v = static_cast<uint8_t>(1 + ch_.Pick(2));
    return v == 2;
  }
  void Rule(std::string_view id) { o_.rule = id; }
  // The op returns `hr` (a failure code) as `rule` decides; true: in domain.
  bool Fail(HRESULT hr, std::string_view rule) {
    o_.hr = hr;
    Rule(rule);
    return true;
  }
  // The op succeeds with `code` (S_OK unless a rule names another success
  // code, such as S_FALSE) as `rule` decides; true: in domain.
  bool Succeed(std::string_view rule, HRESULT code = S_OK) {
    o_.hr = code;
    Rule(rule);
    return true;
  }

  // Allocator (step_allocator.cpp); Commit and Decommit are also reactions.
  HRESULT Commit(bool oom);
  HRESULT Decommit();
  void SetNotify(int8_t cb);
  // Pops a free sample (ALLOC.GETBUFFER.POP); returns its index.
  int PopFree();
  // Who gives an allocator reference back.
  enum class RefOwner : uint8_t { kClient, kSelf, kCallback };
  void ReleaseAllocatorRef(RefOwner owner);
  void Destroy();
  // Callback references (COM.CALLBACK.REFS, COM.CALLBACK.CLIENT;
  // step_callbacks.cpp).
  void DropHolder(int holder);
  void ReleaseCallback(int8_t cb);
  void CallbackDestroyed(int8_t cb);
  // The release path (step_release.cpp).
  void SampleRelease(int index, uint8_t depth);
  void ReleaseBuffer(int index, uint8_t depth);
  void Notify(int8_t cb, uint8_t depth);
  bool HandedOffInThisOp(int index) const;
  // IMediaSample's flag getters and setters (SAMPLE.FLAGS.GET, .SET).
  bool FlagQuery(const SampleState& x, DWORD bit);
  bool FlagSet(SampleState& x, DWORD bit, int32_t value);

  State& s_;
  Outcome& o_;
  bool portable_;
  Chooser& ch_;
  uint8_t thread_ = 0;  // the calling thread (Run)
  bool oom_ = false;    // the next allocation inside the call fails (Run)
  // Set when some allowed outcome of the op is one the model does not
  // compute (portable): the op is then outside the domain.
  bool undefined_ = false;
  // The allocator's reference on a callback, as one holder per SetNotify:
  // the installed callback's reference is released when its holder's last
  // use ends. A use is the installation, plus (portable, kTraitSnapshotRef
  // alternative) each NotifyRelease in progress on it, so a callback
  // replaced while it is being notified keeps that reference until the
  // notification ends (COM.CALLBACK.REFS; the base-classes control's
  // NotifyHolder). Under strict the snapshot is a COM reference instead and
  // every holder has one use. Holders live for one op (none is in use
  // between ops).
  std::vector<Holder>& holders_;
  int installed_ = -1;  // index into holders_, -1 = none
};

}  // namespace dsalloc::spec::step_internal

#endif  // DSALLOC_SPEC_MODEL_STEP_ENGINE_H_
