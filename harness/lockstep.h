// ---------------------------------------------------------------------------
// File: harness/lockstep.h
// ---------------------------------------------------------------------------
//
// Lockstep runs one sequence of model operations on the executable model and
// on a real implementation side by side, and stops at the first divergence.
// It is the sequential checker shared by the property tests, the replay tool
// (tools/replay) and the fuzzers: feed it ops, read its verdict.
//
// For each op: ops outside the model's domain in the current state
// (spec::InDomain false) are skipped, not run; otherwise the model's allowed
// transitions are computed (one under strict, possibly several under
// portable), the op is translated to observed ids (SampleBinding) and run by
// the Driver, completions the model expects are awaited, and the observed
// outcome must match one allowed transition (then the model moves to its
// state). After each op the callbacks' allocator-held counts and
// notification counts, and the client's count on every held sample, must
// equal the model's, and so must GetFreeCount (asked after every op); the
// driver's violations (THREAD.NOLOCK, calls after a final release, hangs)
// fail the run too. Under the portable profile every explanation of the
// history so far is kept (an implementation choice that is not observable
// yet, such as whether Commit made new samples, stays open until it is).
//
// Finish() tears the world down (Driver::Teardown) and checks that every
// object is gone and nothing was left behind.
//
// Threading: one thread. Lifetime: owns its Driver. Errors: Apply and
// Finish return "" or a multi-line divergence report naming the SPEC.md rule
// the model applied, the op (trace format), the expected and the observed
// outcome; after a divergence every further Apply returns the same report,
// and divergence() has the same facts as fields.

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

#include "driver.h"
#include "implementation.h"
#include "model/op.h"
#include "model/state.h"
#include "model/step.h"
#include "sample_binding.h"

namespace dsalloc::harness {

// The first divergence, as data (the conformance kit's rule table).
struct Divergence {
  std::string rule;      // SPEC.md rule ID ("" if no rule was named)
  std::string op;        // the op in trace format ("" at teardown)
  std::string expected;  // what the model allows
  std::string observed;  // what the implementation did
};

// Facts from a check's message "RULE: what was seen" (first line); `op`
// may be null (teardown).
Divergence DivergenceFromMessage(const spec::Op* op, const std::string& message,
                                 std::string expected);

class Lockstep {
 public:
  Lockstep(const Implementation& impl, spec::Profile profile,
           Driver::Options options = Driver::Options());
  ~Lockstep();

  // See the banner. "" when the implementation agreed with the model.
  // Repeat blocks (op.h): "Repeat N {" starts recording, the block's ops
  // run as they come, and "}" runs them N - 1 more times; a block still
  // open at Finish() is completed there. Every call of every round is
  // made and its result and counts compared; the checks that make calls of
  // their own (the lock probe, GetFreeCount, GetPointer on new samples) run
  // in rounds 1, 2, every 64th and the last. Once a round starts where the
  // one before it started (up to NotifyRelease counts, and allocator
  // reference and server lock counts that grow by the same amount every
  // round, confirmed over two rounds), the rounds after it are judged
  // against the recorded round instead of stepping the model again, which
  // gives the same verdicts at a fraction of the cost.
  std::string Apply(const spec::Op& op);
  // Applies ops in order, stopping at the first divergence.
  std::string ApplyAll(const std::vector<spec::Op>& ops);
  // Teardown and final checks; "" when clean. Call once, last.
  std::string Finish();

  // Whether a Repeat's later rounds may be judged from a recorded round
  // instead of the model (CloseRepeat; on by default): the verdicts are
  // the same either way (fuzz/repeat_replay_test.cpp holds it to that).
  void ReplayRepeatRounds(bool on) { replay_rounds_ = on; }

  // Valid once Apply or Finish returned a report.
  const Divergence& divergence() const { return divergence_facts_; }

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
  // GetPointer Outcome of the driver (others are ignored); "" or the
  // failure. Apply checks every GetPointer it runs; a checker that runs ops
  // itself (the parallel runner) passes their outcomes here.
  std::string CheckBufferPlacement(const spec::Outcome& observed);
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
  // Repeat rounds judged from a recorded round (CloseRepeat).
  int replayed_rounds() const { return replayed_rounds_; }

 private:
  // One explanation of everything seen so far. Under strict there is one;
  // under portable an implementation choice that is not yet observable
  // (e.g. whether Commit made new samples) keeps several alive until an
  // outcome rules all but one out.
  struct Candidate {
    spec::State model;
    SampleBinding binding;
    friend bool operator==(const Candidate&, const Candidate&) = default;
  };

  // What ApplyOne decided before running an op.
  struct Plan {
    spec::Op call;  // the op with observed sample ids
    // Strict, one candidate: the model was stepped in place (candidates_
    // holds the next state already) to `outcome`, from a state of
    // generation `generation_before`; `steps` is empty. Otherwise the
    // transitions per candidate, candidates_ untouched.
    bool in_place = false;
    spec::Outcome outcome;
    uint32_t generation_before = 0;
    std::vector<spec::Transitions> steps;  // per candidate
    size_t completions = 0;                // the most any transition lists
    bool had_waiters = false;
    bool may_block = false;
    Driver::Expectation expect = Driver::Expectation::kUnknown;
  };

  // One op of a recorded Repeat round (see CloseRepeat): what was run and
  // seen, and the counts the model had after it.
  struct RecordedStep {
    bool ran = false;         // false: skipped (outside the domain)
    bool replayable = false;  // returned at once; no waiters, no completions
    spec::Op call;
    Driver::Expectation expect = Driver::Expectation::kUnknown;
    spec::Outcome observed;
    std::array<uint32_t, spec::kNumCallbacks> callback_refs{};
    std::array<uint32_t, spec::kNumCallbacks> notified{};
    std::vector<std::pair<int, uint32_t>> sample_refs;  // observed id, client references
    std::vector<Candidate> before;                      // candidates_ before the op
    // How much Outcome::value grows per round (the reference count an
    // AddRef returns while the round leaves one more each time).
    int64_t value_growth = 0;
  };
  struct RecordedRound {
    int round = 0;
    std::vector<Candidate> start;  // candidates_ when it began
    std::vector<RecordedStep> steps;
    // Set once the next round began where this one began, up to the
    // counts that grow by the same amount every round (`*delta`). The
    // model never reads a NotifyRelease count; it does read the
    // allocator's reference count and the server's lock count, so when
    // those grow the round after is recorded too (`confirming`) and must
    // grow them alike before any round is replayed (CloseRepeat).
    bool verified = false;
    bool confirming = false;
    std::array<uint32_t, spec::kNumCallbacks> delta{};  // NotifyRelease calls
    uint32_t client_refs_delta = 0;
    uint32_t server_locks_delta = 0;
  };

  std::string Diverged(std::string report, Divergence facts);
  // Apply for an API op (no Repeat handling), in its three parts: false
  // from MakePlan means the op is skipped; Judge compares what was
  // observed with every allowed transition and moves the model.
  std::string ApplyOne(const spec::Op& op);
  bool MakePlan(const spec::Op& op, Plan* plan);
  // MakePlan's strict path: steps candidates_.front() itself.
  bool StepInPlace(const spec::Op& op, Plan* plan);
  void CollectCompletions(const Plan& plan, spec::Outcome& observed);
  std::string Judge(const spec::Op& op, Plan& plan, const spec::Outcome& observed);
  // The checks after an op both sides agreed on (buffer placement, and in
  // sampled rounds the new buffers and GetFreeCount).
  std::string AfterAgreement(const spec::Op& op, const spec::Outcome& observed);
  // Runs the recorded Repeat block its remaining N - 1 times.
  std::string CloseRepeat();
  // A Repeat round run without the model, from replay_ (CloseRepeat).
  std::string ReplayRound(int round, const std::vector<spec::Op>& body);
  void RecordStep(const Plan& plan, const spec::Outcome& observed);
  // `observed` is compared in the recorded round's terms (its value less
  // the growth) and left as it was.
  bool SameAsRecorded(const RecordedStep& step, uint32_t rounds_after,
                      spec::Outcome& observed) const;
  // CloseRepeat, at the start of the round after the recorded one: the
  // growth per round, and whether the replay may go on.
  bool TakeDeltas(bool sampled);
  // The confirming round's growth of each op's value; false if the two
  // rounds did not run the same ops.
  bool TakeValueGrowth(const RecordedRound& confirming);
  // Adds `rounds` rounds of replay_'s growth to every count it names.
  void Shift(std::vector<Candidate>& candidates, uint32_t rounds) const;
  // `candidates` with every NotifyRelease count moved on by `rounds` of
  // replay_'s delta.
  std::vector<Candidate> Shifted(std::vector<Candidate> candidates, uint32_t rounds) const;
  // Whether candidates_ equals Shifted(start, rounds), without a copy.
  bool IsShifted(const std::vector<Candidate>& start, uint32_t rounds);
  // Whether the checks that make calls of their own (the lock probe,
  // GetFreeCount, GetPointer on new samples) run in this Repeat round; true
  // outside Repeat rounds.
  void SampleRound(bool sampled);
  // Judge for a Plan stepped in place.
  std::string JudgeInPlace(const spec::Op& op, Plan& plan, const spec::Outcome& observed);
  // The divergence report for an op no allowed outcome explains (`why`
  // non-empty, from `expected` under `rule`) or that left driver
  // `violations`.
  std::string Disagreement(const spec::Op& op, const spec::Outcome& observed,
                           const spec::Outcome* expected, const std::string& why,
                           const std::string& why_expected, std::string_view rule,
                           const std::string& violations);
  void NoteRuleApplied(std::string_view rule);
  // The state checks after an op: callback and sample counts, violations.
  std::string CheckCounts(const Candidate& c) const;
  // ALLOC.SAMPLE.LAYOUT: the address `observed` carries (Outcome::pointer)
  // against the alignment `expected` requires.
  std::string CheckAlignment(const spec::Outcome& expected, const spec::State& model,
                             const spec::Outcome& observed) const;
  // Runs GetPointer on every sample the op handed out and checks its
  // alignment and placement.
  std::string ProbeNewBuffers(const spec::Outcome& observed);
  std::string ViolationReport();
  // ALLOC.FREECOUNT: asks the implementation after every op.
  std::string CheckFreeCount();

  spec::Profile profile_;
  std::vector<Candidate> candidates_;  // never empty; front() is reported
  std::unique_ptr<Driver> driver_;
  std::string divergence_;
  Divergence divergence_facts_;
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
  int replayed_rounds_ = 0;
  spec::Outcome last_observed_;
  spec::Outcome last_expected_;
  spec::State scratch_;  // a step that may have to be undone (MakePlan)
  // CheckCounts' (observed id, client references) of the bound samples.
  mutable std::vector<std::pair<int, uint32_t>> expected_refs_;
  spec::Outcome free_count_probe_;  // CheckFreeCount's, reused per op
  // The model's generation before the op StepInPlace stepped, until
  // JudgeInPlace: what the driver's resolver reads while that op runs.
  std::optional<uint32_t> in_flight_generation_;
  bool light_ = false;  // in a Repeat round that is not sampled (Apply)
  // The open Repeat block, if any.
  bool repeat_open_ = false;
  int repeat_count_ = 0;
  int repeat_ignored_ = 0;  // inner "Repeat"s whose "}" is still to come
  std::vector<spec::Op> repeat_body_;
  // The Repeat round being recorded (ApplyOne appends to it), and the one
  // later rounds are replayed from.
  bool replay_rounds_ = true;
  RecordedRound* recording_ = nullptr;
  std::optional<RecordedRound> replay_;
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_LOCKSTEP_H_
