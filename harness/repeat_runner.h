// ---------------------------------------------------------------------------
// File: harness/repeat_runner.h
// ---------------------------------------------------------------------------
//
// RepeatRunner runs a trace (spec/model/trace.h), Repeat blocks included,
// through the Lockstep it owns: every op outside a block goes to
// Lockstep::Apply as it comes; "Repeat N {" starts recording, the block's
// ops run as they come, and "}" runs them N - 1 more times (trace.h:
// blocks do not nest, an inner block's "Repeat" and "}" are ignored, a
// stray "}" is ignored, and a block still open at Finish() is completed
// there).
//
// Every call of every round is made and its result and counts compared;
// the checks that make calls of their own (the lock probe, GetFreeCount,
// GetPointer on new samples) run in rounds 1, 2, every 64th and the last.
// The speed-up: once a round starts where the one before it started (up to
// NotifyRelease counts, and allocator reference and server lock counts
// that grow by the same amount every round, confirmed over two rounds),
// the rounds after it are judged against the recorded round instead of
// stepping the model again, which gives the same verdicts at a fraction of
// the cost (fuzz/repeat_replay_test.cpp holds it to that).
//
// Threading: one thread. Lifetime: owns its Lockstep (and so the Driver).
// Errors: as Lockstep: "" or the report of the first divergence, which
// names the Repeat round it was found in; lockstep().divergence() has it
// as data.

#ifndef DSALLOC_HARNESS_REPEAT_RUNNER_H_
#define DSALLOC_HARNESS_REPEAT_RUNNER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lockstep.h"
#include "spec/model/trace.h"

namespace dsalloc::harness {

class RepeatRunner {
 public:
  RepeatRunner(const Implementation& impl, spec::Profile profile,
               Driver::Options options = Driver::Options())
      : lockstep_(impl, profile, options) {}

  // One line of a trace; "" when the implementation agreed with the model.
  std::string Apply(const spec::TraceLine& line);
  std::string Apply(const spec::Op& op);
  // Applies the lines in order, stopping at the first divergence.
  std::string ApplyAll(const spec::Trace& trace);
  // Completes an open block, then Lockstep::Finish. Call once, last.
  std::string Finish();

  // Whether later rounds may be judged from a recorded round instead of
  // the model (on by default): the verdicts are the same either way.
  void ReplayRepeatRounds(bool on) { replay_rounds_ = on; }
  // Repeat rounds judged from a recorded round.
  int replayed_rounds() const { return replayed_rounds_; }

  // The judge: divergence(), model(), applied(), skipped(), rules_applied()...
  Lockstep& lockstep() { return lockstep_; }
  const Lockstep& lockstep() const { return lockstep_; }

 private:
  // One op of a recorded round: what Lockstep saw, and how much
  // Outcome::value grows per round (the reference count an AddRef returns
  // while the round leaves one more each time).
  struct RecordedStep {
    Lockstep::StepRecord seen;
    int64_t value_growth = 0;
  };
  struct RecordedRound {
    int round = 0;
    std::vector<Candidate> start;  // the candidates when it began
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

  // Lockstep::Apply, recording into `recording` when not null.
  std::string ApplyOne(const spec::Op& op, RecordedRound* recording);
  // Runs the recorded block its remaining N - 1 times.
  std::string CloseRepeat();
  // A round run without the model, from replay_.
  std::string ReplayRound(int round, const std::vector<spec::Op>& body);
  // `observed` is compared in the recorded round's terms (its value less
  // the growth) and left as it was.
  bool SameAsRecorded(const RecordedStep& step, uint32_t rounds_after, spec::Outcome& observed);
  // At the start of the round after the recorded one: the growth per
  // round, and whether the replay may go on.
  bool TakeDeltas(bool sampled);
  // The confirming round's growth of each op's value; false if the two
  // rounds did not run the same ops.
  bool TakeValueGrowth(const RecordedRound& confirming);
  // Adds `rounds` rounds of replay_'s growth to every count it names.
  void Shift(std::vector<Candidate>& candidates, uint32_t rounds) const;
  std::vector<Candidate> Shifted(std::vector<Candidate> candidates, uint32_t rounds) const;
  // Whether the lockstep's candidates equal Shifted(start, rounds), without
  // a copy.
  bool IsShifted(const std::vector<Candidate>& start, uint32_t rounds);

  Lockstep lockstep_;
  int replayed_rounds_ = 0;
  // The open block, if any.
  bool repeat_open_ = false;
  int repeat_count_ = 0;
  int repeat_ignored_ = 0;  // inner "Repeat"s whose "}" is still to come
  std::vector<spec::Op> repeat_body_;
  bool replay_rounds_ = true;
  std::optional<RecordedRound> replay_;  // the round later rounds replay
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_REPEAT_RUNNER_H_
