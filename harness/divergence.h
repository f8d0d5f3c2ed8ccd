// ---------------------------------------------------------------------------
// File: harness/divergence.h
// ---------------------------------------------------------------------------
//
// A divergence as data. A check that finds something wrong returns a
// Finding (the rule it names, what it saw, the counts it compared); the
// checker (Lockstep, RepeatRunner) turns the first one into a Divergence:
// the facts the conformance kit tabulates (rule, op, expected, observed,
// counts) plus where it was found, which is all Report() needs to render
// the multi-line report people read. Text is rendered from these types,
// never parsed back into them.
//
// Threading: plain values. Lifetime: no references held. Errors: none.

#ifndef DSALLOC_HARNESS_DIVERGENCE_H_
#define DSALLOC_HARNESS_DIVERGENCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver.h"

namespace dsalloc::harness {

// Two counts a check compared and found different.
struct Counts {
  int64_t observed = 0;  // what the implementation showed
  int64_t expected = 0;  // what the model holds
  friend bool operator==(const Counts&, const Counts&) = default;
};

// What one check saw wrong; found() is false when it saw nothing wrong.
struct Finding {
  // The SPEC.md rule the check names; "" when the finding is a difference
  // of outcomes, judged under the rule the model applied to the op.
  std::string rule;
  // What was seen, for people. The first line is the finding; further
  // lines (a binding's expected/observed outcomes) elaborate it.
  std::string detail;
  std::optional<Counts> counts;
  // The finding is only that the outcomes differ (SampleBinding's
  // kOutcome): the two outcomes, shown whole, say everything it says.
  bool outcomes_only = false;

  bool found() const { return !detail.empty(); }
  // "RULE: detail", or the detail alone when no rule is named.
  std::string Message() const;
  // The first line of detail.
  std::string_view Summary() const;
};

// Where a divergence was found (the report's first line).
enum class DivergenceStage : uint8_t {
  kNone,      // no divergence
  kCreate,    // no allocator was created
  kOp,        // an op's outcome, counts or the driver's violations
  kBuffers,   // an agreed op's buffers (placement, layout, GetPointer)
  kAfterOp,   // the state after an agreed op (GetFreeCount)
  kTeardown,  // Finish: the driver's teardown violations
  kInternal,  // the checker contradicted itself
};

// The first divergence of a run.
struct Divergence {
  // The facts (the conformance kit's rule table).
  std::string rule;              // SPEC.md rule ID ("" if no rule was named)
  std::string op;                // the op in trace format ("" at teardown)
  std::string expected;          // what the model allows
  std::string observed;          // what the implementation did
  std::optional<Counts> counts;  // the counts the finding compared, if any

  // Where, and the findings whole: what Report() renders.
  DivergenceStage stage = DivergenceStage::kNone;
  int op_number = 0;                  // kOp, kBuffers, kAfterOp: the op's 1-based number
  std::string model_rule;             // kOp: the rule of the transition compared against
  Finding finding;                    // the check's finding (not found: violations only)
  std::vector<Violation> violations;  // the driver's, in the order it saw them
  int repeat_round = 0;               // > 0: in this round of a Repeat block ...
  int repeat_count = 0;               // ... of this many rounds

  bool diverged() const { return stage != DivergenceStage::kNone; }
};

// The multi-line report for people: "" when !d.diverged().
std::string Report(const Divergence& d);

// The first line of `text`.
std::string_view FirstLine(std::string_view text);

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_DIVERGENCE_H_
