// ---------------------------------------------------------------------------
// File: spec/model/trace.h
// ---------------------------------------------------------------------------
//
// A trace: the lines a checker runs, each an op (op.h) or a bound of a
// Repeat block. "Repeat N {" opens a block and "}" closes it; the checker
// (harness::RepeatRunner) runs the block's ops N times in a row, so one
// short trace reaches bugs that show only after thousands of cycles
// (1 <= N <= kMaxRepeat).
//
// A block is the trace's, not a call: the model, the driver, Lockstep and
// the parallel runner take ops, so none of them can be handed a bound. The
// two bounds stay lines of their own (not a block holding its ops) because
// both formats that carry traces are streams a person or a fuzzer edits a
// line or a record at a time: the text (one line each) and the fuzzers'
// bytes (one record each, fuzz/fuzz_input.h). Every such stream means
// something:
//   - blocks do not nest: an inner "Repeat" and its "}" are ignored;
//   - a "}" with no open block is ignored;
//   - a block still open at the end of the trace ends there.
//
// Text: "Repeat N {" and "}" alone on their line (no "@T" thread, no
// "oom"); any other line is an op (ParseOp). Comments (#...) and blank
// lines are skipped.
//
// Threading: pure functions. Errors: nullopt (and the 1-based line) for a
// line that is neither.

#ifndef DSALLOC_SPEC_MODEL_TRACE_H_
#define DSALLOC_SPEC_MODEL_TRACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include "spec/model/op.h"

namespace dsalloc::spec {

// Declared as a call is (calls.h), for the text and the fuzzers' codec.
struct RepeatOpen {  // "Repeat N {"
  static constexpr std::string_view kName = "Repeat";
  int32_t count = 1;
  static constexpr auto Fields() {
    return std::tuple{fields::Num<&RepeatOpen::count>{"", false, 1, kMaxRepeat},
                      fields::Literal{"{"}};
  }
  friend bool operator==(const RepeatOpen&, const RepeatOpen&) = default;
};
struct RepeatClose {  // "}"
  static constexpr std::string_view kName = "}";
  static constexpr auto Fields() { return std::tuple{}; }
  friend bool operator==(const RepeatClose&, const RepeatClose&) = default;
};

using TraceLine = std::variant<Op, RepeatOpen, RepeatClose>;
using Trace = std::vector<TraceLine>;

// One line (no newline); round-trips with ParseLine.
std::string ToString(const TraceLine& line);
std::optional<TraceLine> ParseLine(std::string_view line);

// A whole trace; nullopt (and *bad_line set, 1-based) on the first bad line.
std::optional<Trace> ParseTrace(std::string_view text, int* bad_line = nullptr);
// A trace of ops only (a parallel case, a test's script): as ParseTrace,
// with a Repeat bound a bad line.
std::optional<std::vector<Op>> ParseOps(std::string_view text, int* bad_line = nullptr);

// The ops as a trace, one line each.
Trace TraceOf(const std::vector<Op>& ops);

}  // namespace dsalloc::spec

#endif  // DSALLOC_SPEC_MODEL_TRACE_H_
