// ---------------------------------------------------------------------------
// File: conform/options.h
// ---------------------------------------------------------------------------
//
// dsalloc-conform's command line (HelpText() is the reference). The same
// Options reach the child processes the kit starts: ChildArguments()
// turns them back into argv, so a child judges the same server under the
// same profile as its parent.
//
// Threading: none. Errors: Parse returns false with a message for exit
// code 2.

#ifndef DSALLOC_CONFORM_OPTIONS_H_
#define DSALLOC_CONFORM_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "result.h"

namespace dsalloc::conform {

struct Options {
  std::string server;   // "" = the embedded dsalloc
  std::string clsid;    // "" = CLSID_MemoryAllocator
  std::string profile;  // "strict" or "portable" after Parse
  std::vector<Phase> phases = {Phase::kCases, Phase::kSequential, Phase::kParallel, Phase::kSoak};
  std::string junit, json, html, expect;
  std::string trace_dir;      // where failure traces go ("" = a new temporary directory)
  std::string case_filter;    // --cases: GoogleTest-style patterns over case names (filter.h)
  std::string rule_filter;    // --rules: the same over rule IDs
  bool phases_given = false;  // --phases was on the command line
  std::string replay;         // --replay FILE: run one trace again, in a child
  int jobs = 2;               // child processes at a time
  int case_timeout_s = 30;    // wall clock per child of the cases phase
  long long memory_limit_mb = 2048;
  int sequential_runs = 2000;  // random sequences
  int parallel_runs = 400;     // random parallel cases (each 5 repeats)
  long long soak_cycles = 200000;
  int soak_threads = 2;
  uint64_t seed = 0;  // 0 = from the clock (printed, so a run can be repeated)
  bool list = false, help = false, quiet = false, verbose = false, version = false;
  std::string command_line;  // as typed, for the reports (argv joined, shell-quoted)
  // Child mode (internal): "case:NAME", "replay:FILE", "sequential:SEED:N",
  // "parallel:SEED:N", "soak", "probe"; the result record goes to `result`.
  std::string child;
  std::string result;
};

// Parses argv into *options; false and *error on a usage error.
bool Parse(int argc, char** argv, Options* options, std::string* error);
// The options a child needs (server, clsid, profile, limits).
std::vector<std::string> ChildArguments(const Options& options);
std::string HelpText();
// One argument as a POSIX shell needs it typed (the reproduce commands).
std::string ShellQuote(const std::string& arg);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_OPTIONS_H_
