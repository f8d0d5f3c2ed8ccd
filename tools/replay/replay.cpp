// tools/replay/replay.cpp: dsalloc-replay, which runs a trace again.
//
//   dsalloc-replay [--impl=PATH] [--profile=strict|portable] [--repeats=N]
//                  [-v | --side-by-side] [--fuzz-input] [--print-trace] FILE
//
// FILE is a file in the one trace format of spec/model/trace.h (what the
// property tests print and write with --trace-dir, what the fuzzers print
// at a finding): one op (op.h) or Repeat bound per line, '#' comments;
// or, with --fuzz-input (or
// when FILE is not a trace at all), an input of the differential fuzzer
// (fuzz/fuzz_input.h: a crash file libFuzzer saved, a corpus entry), which
// is decoded into the ops the differential target runs (DecodeDifferential:
// its op and Repeat caps included) first. --print-trace prints the lines in the trace
// format and exits (turns a fuzzer input into a trace file).
// Each op runs on the model and on
// the implementation (the embedded dsalloc, DSALLOC_IMPL, or --impl) in
// lockstep; the first divergence is printed with the rule it breaks, then
// the world is torn down and checked for leaks. -v prints each op's verdict;
// --side-by-side prints, per op, what the model allows and what the
// implementation did, and marks the first divergence with ">>>". A
// parallel case (the
// kParallelTraceMarker comment, op.h) is run by the parallel runner instead,
// --repeats times (default 50), each on a fresh allocator and schedule, and
// checked for linearizability. A sequential trace runs once, or --repeats
// times when given, each on a fresh allocator (a trace with a blocked
// GetBuffer depends on thread timing: a woken waiter may re-check late).
// Exit 0: the implementation agrees with the
// model on the whole trace; 1: it diverged; 2: bad usage.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "harness/implementation.h"
#include "harness/parallel/parallel_runner.h"
#include "harness/repeat_runner.h"
#include "spec/model/op.h"
#include "spec/model/trace.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: dsalloc-replay [--impl=PATH] [--profile=strict|portable] "
               "[--repeats=N] [-v | --side-by-side] [--fuzz-input] [--print-trace] FILE\n");
  return 2;
}

int ReplayParallel(const dsalloc::spec::Trace& trace, dsalloc::spec::Profile profile, int repeats) {
  using namespace dsalloc;
  std::string error;
  std::optional<props::parallel::ParallelCase> parsed =
      props::parallel::CaseFromTrace(trace, &error);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  const props::parallel::ParallelCase& c = *parsed;
  props::parallel::RunOptions options;
  options.profile = profile;
  options.repeats = repeats;
  std::printf("replaying a parallel case (%zu prefix ops, %zu threads) %d times against %s\n",
              c.prefix.size(), c.threads.size(), repeats, harness::Selected().name.c_str());
  props::parallel::RunResult r = props::parallel::RunParallelCase(harness::Selected(), c, options);
  if (r.failed) {
    std::printf("%s\nverdict: NOT LINEARIZABLE (or diverged)\n", r.report.c_str());
    return 1;
  }
  std::printf("verdict: every run was explained by the model (%zu runs, %zu searches gave up)\n",
              r.stats.runs, r.stats.gave_up);
  return 0;
}

}  // namespace

enum class Detail { kVerdict, kPerOp, kSideBySide };

// Runs a sequential trace once in lockstep; 0 agrees, 1 diverged.
int ReplaySequential(const dsalloc::spec::Trace& trace, dsalloc::spec::Profile profile,
                     Detail detail);

int main(int argc, char** argv) {
  using namespace dsalloc;
  spec::Profile profile = spec::Profile::kStrict;
  Detail detail = Detail::kVerdict;
  bool fuzz_input = false;
  bool print_trace = false;
  int repeats = 0;  // 0: the default (parallel 50, sequential 1)
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--impl=", 0) == 0) {
      std::string error;
      if (!harness::SelectImplementation(arg.substr(7), &error)) {
        std::fprintf(stderr, "--impl: %s\n", error.c_str());
        return 2;
      }
    } else if (arg == "--profile=strict") {
      profile = spec::Profile::kStrict;
    } else if (arg == "--profile=portable") {
      profile = spec::Profile::kPortable;
    } else if (arg.rfind("--repeats=", 0) == 0) {
      repeats = std::atoi(arg.c_str() + 10);
      if (repeats < 1) return Usage();
    } else if (arg == "-v") {
      detail = Detail::kPerOp;
    } else if (arg == "--side-by-side") {
      detail = Detail::kSideBySide;
    } else if (arg == "--fuzz-input") {
      fuzz_input = true;
    } else if (arg == "--print-trace") {
      print_trace = true;
    } else if (path == nullptr && arg[0] != '-') {
      path = argv[i];
    } else {
      return Usage();
    }
  }
  if (path == nullptr) return Usage();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "cannot read %s\n", path);
    return 2;
  }
  std::stringstream text;
  text << file.rdbuf();
  const std::string content = text.str();
  int bad_line = 0;
  std::optional<spec::Trace> trace;
  if (!fuzz_input) trace = spec::ParseTrace(content, &bad_line);
  if (!trace && !fuzz_input && content.find('\0') == std::string::npos) {
    std::fprintf(stderr, "%s:%d: not a line of the trace format (spec/model/trace.h)\n", path,
                 bad_line);
    return 2;
  }
  if (!trace) {
    // A differential fuzzer input (fuzz/fuzz_input.h): every byte string is
    // one. Decoded as the target decodes it, so that a finding replays the
    // very ops the fuzzer ran (plain Decode keeps every record and the
    // uncut Repeat counts: up to 100,000 rounds where the fuzzer ran ~600).
    const auto* bytes = reinterpret_cast<const uint8_t*>(content.data());
    trace = fuzz::DecodeDifferential(bytes, content.size());
    if (!print_trace) {
      std::printf("%s: a differential fuzzer input, %zu lines\n", path, trace->size());
    }
  }
  if (print_trace) {
    for (const spec::TraceLine& line : *trace) std::printf("%s\n", spec::ToString(line).c_str());
    return 0;
  }

  if (content.find(spec::kParallelTraceMarker) != std::string::npos) {
    return ReplayParallel(*trace, profile, repeats > 0 ? repeats : 50);
  }
  const int runs = repeats > 0 ? repeats : 1;
  for (int run = 1; run <= runs; ++run) {
    if (runs > 1) std::printf("run %d of %d: ", run, runs);
    if (int rc = ReplaySequential(*trace, profile, detail); rc != 0) return rc;
  }
  return 0;
}

int ReplaySequential(const dsalloc::spec::Trace& trace, dsalloc::spec::Profile profile,
                     Detail detail) {
  using namespace dsalloc;
  harness::RepeatRunner runner(harness::Selected(), profile);
  const harness::Lockstep& lockstep = runner.lockstep();
  std::printf("replaying %zu lines against %s (%s profile)\n", trace.size(),
              harness::Selected().name.c_str(),
              profile == spec::Profile::kStrict ? "strict" : "portable");
  std::string report;
  for (const spec::TraceLine& line : trace) {
    int skipped = lockstep.skipped();
    report = runner.Apply(line);
    const bool was_skipped = report.empty() && lockstep.skipped() > skipped;
    if (detail == Detail::kPerOp) {
      std::printf("  %-60s %s\n", spec::ToString(line).c_str(),
                  !report.empty() ? "DIVERGED"
                  : was_skipped   ? "skipped (outside the domain)"
                                  : "ok");
    } else if (detail == Detail::kSideBySide) {
      std::printf("%s %s\n", report.empty() ? "   " : ">>>", spec::ToString(line).c_str());
      if (!std::holds_alternative<spec::Op>(line)) {
        // A block's bound: "}" runs the block's later rounds, judged as they go.
      } else if (was_skipped) {
        std::printf("      skipped (outside the domain)\n");
      } else {
        std::printf("      model:          %s\n", spec::ToString(lockstep.last_expected()).c_str());
        std::printf("      implementation: %s\n", spec::ToString(lockstep.last_observed()).c_str());
      }
    }
    if (!report.empty()) break;
  }
  if (report.empty()) report = runner.Finish();
  if (!report.empty()) {
    std::printf("%s", report.c_str());
    std::printf("verdict: DIVERGED after %d ops\n", lockstep.applied());
    return 1;
  }
  std::printf("verdict: agrees with the model (%d ops run, %d skipped)\n", lockstep.applied(),
              lockstep.skipped());
  return 0;
}
