// ---------------------------------------------------------------------------
// File: harness/lockstep.h
// ---------------------------------------------------------------------------
//
// Lockstep runs model operations on the executable model and on a real
// implementation side by side, one op at a time, and stops at the first
// divergence. It is the sequential judge shared by the property tests, the
// replay tool (tools/replay), the fuzzers, the kit and the parallel runner's
// prefixes; traces with Repeat blocks run through a RepeatRunner
// (repeat_runner.h), which wraps one.
//
// For each op: ops outside the model's domain in the current state
// (spec::InDomain false) are skipped, not run; otherwise the model's allowed
// transitions are computed (one under strict, possibly several under
// portable: Candidates, candidates.h), the op is translated to observed ids
// (SampleBinding) and run by the Driver, completions the model expects are
// awaited, and the observed outcome must match one allowed transition (then
// the model moves to its state). After each op the callbacks'
// allocator-held counts and notification counts, and the client's count on
// every held sample, must equal the model's, and so must GetFreeCount
// (asked after every op); the driver's violations (THREAD.NOLOCK, calls
// after a final release, hangs) fail the run too.
//
// Finish() tears the world down (Driver::Teardown) and checks that every
// object is gone and nothing was left behind.
//
// Threading: one thread. Lifetime: owns its Driver. Errors: the first
// divergence is kept as data (divergence(), divergence.h); Apply and Finish
// return "" or its report rendered for people (Report), and after a
// divergence every further Apply returns the same report.

#ifndef DSALLOC_HARNESS_LOCKSTEP_H_
#define DSALLOC_HARNESS_LOCKSTEP_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "candidates.h"
#include "divergence.h"
#include "driver.h"
#include "implementation.h"
#include "sample_binding.h"
#include "spec/model/op.h"
#include "spec/model/state.h"
#include "spec/model/step.h"

namespace dsalloc::harness {

class Lockstep {
 public:
  Lockstep(const Implementation& impl, spec::Profile profile,
           Driver::Options options = Driver::Options());
  ~Lockstep();

  // Judges one API op (see the banner): "" when the implementation agreed
  // with the model, else the report. (A Repeat block is a trace's, run by
  // a RepeatRunner: spec/model/trace.h.)
  std::string Apply(const spec::Op& op) { return Apply(op, nullptr); }
  // Applies ops in order, stopping at the first divergence.
  std::string ApplyAll(const std::vector<spec::Op>& ops);
  // Teardown and final checks; "" when clean. Call once, last.
  std::string Finish();

  // The first divergence; diverged() false until there is one.
  const Divergence& divergence() const { return divergence_; }
  // Its report (Report(divergence())), "" until there is one.
  const std::string& report() const { return report_; }

  const spec::State& model() const { return candidates_.front().model; }
  const SampleBinding& binding() const { return candidates_.front().binding; }
  // The driver, for checkers that run ops outside Apply (the parallel
  // property runs RunDirect on several threads after a sequential prefix).
  Driver& driver() { return *driver_; }
  // Replaces the model state and binding with ones a checker established
  // itself (the linearization it found), so Finish() tears down the world
  // that state describes.
  void ContinueFrom(const spec::State& model, const SampleBinding& binding);
  bool SupportsFaultInjection() const;
  // ALLOC.SAMPLE.LAYOUT / ALLOC.COMMIT.REALLOC / SAMPLE.POINTER: within the
  // model's current generation a sample's buffer never moves, and no two
  // buffers (with prefixes) overlap or share an address. `observed` is a
  // GetPointer Outcome of the driver (others are ignored). Apply checks
  // every GetPointer it runs; a checker that runs ops itself passes their
  // outcomes here.
  Finding CheckBuffers(const spec::Outcome& observed);
  // The SPEC.md rules the model applied to the ops that agreed: what this
  // run has shown the implementation keeps.
  const std::set<std::string_view>& rules_applied() const { return rules_applied_; }
  // The last op Apply ran on both sides: what the implementation did, and
  // the first outcome the model allowed (the one that matched, when one
  // did); empty Outcomes when it was skipped. For side-by-side printouts
  // (dsalloc-replay --side-by-side).
  const spec::Outcome& last_observed() const { return last_observed_; }
  const spec::Outcome& last_expected() const { return last_expected_; }
  // Ops applied (run on both sides) and skipped (outside the domain).
  int applied() const { return applied_; }
  int skipped() const { return skipped_; }

  // --- For a wrapper that runs recorded ops itself (RepeatRunner) --------
  // What Apply saw of one op, when asked to record it.
  struct StepRecord {
    bool ran = false;         // false: skipped (outside the domain)
    bool replayable = false;  // returned at once; no waiters, no completions
    spec::Op call;            // the op in observed ids
    Driver::Expectation expect = Driver::Expectation::kUnknown;
    spec::Outcome observed;
    // The model's counts after the op.
    std::array<uint32_t, spec::kNumCallbacks> callback_refs{};
    std::array<uint32_t, spec::kNumCallbacks> notified{};
    std::vector<std::pair<int, uint32_t>> sample_refs;  // observed id, client references
    std::vector<Candidate> before;                      // the candidates before the op
  };
  // Apply, recording the op in `*record` when not null (only an op that
  // agreed is recorded as ran).
  std::string Apply(const spec::Op& op, StepRecord* record);
  // The explanations of the history so far (shifted and restored by
  // RepeatRunner).
  Candidates& candidates() { return candidates_; }
  const Candidates& candidates() const { return candidates_; }
  // Light mode: the checks that make calls of their own (the lock probe,
  // GetFreeCount, GetPointer on new samples) are left out.
  void SetLight(bool light);
  // Runs `call` (observed ids) by the driver; the outcome is last_observed().
  spec::Outcome& Run(const spec::Op& call, Driver::Expectation expect);
  // The checks of an op whose outcome and counts were judged by other means
  // (a replayed round): counts it applied and checks its buffers and, when
  // not light, the free count.
  std::string AfterAgreement(const spec::Op& op, const spec::Outcome& observed);
  // Judges `observed`, the outcome Run gave for `op`, from the candidates'
  // state: as Apply but without running it.
  std::string Rejudge(const spec::Op& op, spec::Outcome& observed);
  void CountSkipped() { ++skipped_; }
  // Marks the divergence as found in round `round` of a Repeat block of
  // `count` rounds; returns the report.
  std::string PlaceInRepeat(int round, int count);

 private:
  // What Apply decided before running an op.
  struct Plan {
    spec::Op call;  // the op with observed sample ids
    // Strict, one candidate: the model was stepped in place (candidates_
    // holds the next state already) to `outcome`, from a state of
    // generation `generation_before`. Otherwise `expansion` holds the
    // transitions per candidate, candidates_ untouched.
    bool in_place = false;
    spec::Outcome outcome;
    uint32_t generation_before = 0;
    Candidates::Expansion expansion;
    size_t completions = 0;  // the most any transition lists
    bool had_waiters = false;
    bool may_block = false;
    Driver::Expectation expect = Driver::Expectation::kUnknown;
  };

  // Keeps `d` as the run's divergence (the op's number and text are
  // filled in for the stages that name one) and returns its report.
  std::string Diverged(Divergence d, const spec::Op* op);
  // Apply in its three parts: false from MakePlan means the op is skipped;
  // Judge compares what was observed with every allowed transition and
  // moves the model.
  bool MakePlan(const spec::Op& op, Plan* plan);
  // MakePlan's strict path: steps candidates_.front() itself.
  bool StepInPlace(const spec::Op& op, Plan* plan);
  void CollectCompletions(const Plan& plan, spec::Outcome& observed);
  std::string Judge(const spec::Op& op, Plan& plan, const spec::Outcome& observed);
  // Judge for a Plan stepped in place.
  std::string JudgeInPlace(const spec::Op& op, Plan& plan, const spec::Outcome& observed);
  // Whether `next` (a transition's state, the binding before it) explains
  // `observed` as `expected`; `new_generation` when the transition made new
  // samples.
  Finding Explains(Candidate& next, const spec::Outcome& expected, bool new_generation,
                   const spec::Outcome& observed) const;
  void RecordStep(const Plan& plan, const spec::Outcome& observed, StepRecord* record) const;
  // AfterAgreement's divergence: a buffer or free-count finding after
  // the op agreed.
  std::string AfterOpDiverged(const spec::Op& op, DivergenceStage stage, std::string_view expected,
                              Finding finding);
  // The divergence for an op no allowed outcome explains (`why` found,
  // against `expected` under `rule`) or that left driver `violations`.
  std::string Disagreement(const spec::Op& op, const spec::Outcome& observed,
                           const spec::Outcome* expected, Finding why,
                           const spec::Outcome* why_expected, std::string_view rule,
                           std::vector<Violation> violations);
  void NoteRuleApplied(std::string_view rule);

  // The state checks (lockstep_checks.cpp).
  // Callback and sample counts against the candidate's.
  Finding CheckCounts(const Candidate& c) const;
  // ALLOC.SAMPLE.LAYOUT: the address `observed` carries (Outcome::pointer)
  // against the alignment `expected` requires.
  Finding CheckAlignment(const spec::Outcome& expected, const spec::State& model,
                         const spec::Outcome& observed) const;
  // Runs GetPointer on every sample the op handed out and checks its
  // alignment and placement.
  Finding ProbeNewBuffers(const spec::Outcome& observed);
  // ALLOC.FREECOUNT: asks the implementation after every op.
  Finding CheckFreeCount();

  spec::Profile profile_;
  Candidates candidates_;
  std::unique_ptr<Driver> driver_;
  Divergence divergence_;
  std::string report_;  // Report(divergence_)
  std::set<std::string_view> rules_applied_;
  std::string_view last_rule_applied_;  // saves a set lookup per op of a run of one rule
  // The one record of which buffer each sample showed (the driver keeps
  // none): observed id and GetPointer address, in the generation
  // buffers_generation_ (the model's: only it knows when Commit made new
  // samples).
  uint32_t buffers_generation_ = 0;
  std::vector<std::pair<int, uintptr_t>> buffers_;
  int applied_ = 0;
  int skipped_ = 0;
  spec::Outcome last_observed_;
  spec::Outcome last_expected_;
  spec::State scratch_;  // a step that may have to be undone (MakePlan)
  // CheckCounts' (observed id, client references) of the bound samples.
  mutable std::vector<std::pair<int, uint32_t>> expected_refs_;
  spec::Outcome free_count_probe_;  // CheckFreeCount's, reused per op
  // The model's generation before the op StepInPlace stepped, until
  // JudgeInPlace: what the driver's resolver reads while that op runs.
  std::optional<uint32_t> in_flight_generation_;
  bool light_ = false;  // SetLight
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_LOCKSTEP_H_
