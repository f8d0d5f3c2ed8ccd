// conform/options.cpp: dsalloc-conform's command line (options.h).

#include "options.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <type_traits>

#include "harness/implementation.h"

namespace dsalloc::conform {
namespace {

bool ParsePhases(std::string_view text, std::vector<Phase>* phases, std::string* error) {
  phases->clear();
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view name = text.substr(0, comma);
    bool found = false;
    for (Phase phase : kAllPhases) {
      if (name == PhaseName(phase)) {
        phases->push_back(phase);
        found = true;
      }
    }
    if (!found) {
      *error =
          "--phases: unknown phase '" + std::string(name) + "' (cases, sequential, parallel, soak)";
      return false;
    }
    text = comma == std::string_view::npos ? "" : text.substr(comma + 1);
  }
  if (phases->empty()) *error = "--phases: name at least one phase";
  return !phases->empty();
}

// A whole number in [min, max]; anything else (junk, overflow, out of
// range) is a usage error, never a silently wrapped value.
bool ParseNumber(std::string_view name, const std::string& text, long long min, long long max,
                 long long* out, std::string* error) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < min || v > max) {
    *error = std::string(name) + ": expected a whole number from " + std::to_string(min) + " to " +
             std::to_string(max) + ", got '" + text + "'";
    return false;
  }
  *out = v;
  return true;
}

// Options without a value, by their long and short names.
struct Flag {
  const char* name;
  bool Options::*field;
};
constexpr Flag kFlags[] = {{"--help", &Options::help}, {"-h", &Options::help},
                           {"--list", &Options::list}, {"--quiet", &Options::quiet},
                           {"-q", &Options::quiet},    {"--verbose", &Options::verbose},
                           {"-v", &Options::verbose},  {"--version", &Options::version}};

// Options whose value is kept as typed (a path, a name, patterns).
struct Word {
  const char* name;
  std::string Options::*field;
};
constexpr Word kWords[] = {{"--replay", &Options::replay},       {"--server", &Options::server},
                           {"--clsid", &Options::clsid},         {"--profile", &Options::profile},
                           {"--junit", &Options::junit},         {"--json", &Options::json},
                           {"--html", &Options::html},           {"--expect", &Options::expect},
                           {"--trace-dir", &Options::trace_dir}, {"--cases", &Options::case_filter},
                           {"--rules", &Options::rule_filter},   {"--child", &Options::child},
                           {"--result", &Options::result}};

// n into the field of a Number row (whose type holds every value the row's
// bounds allow).
template <auto kField>
void Store(Options* o, long long n) {
  using Field = std::remove_reference_t<decltype(o->*kField)>;
  o->*kField = static_cast<Field>(n);
}

// Options whose value is a whole number in [min, max]. Bounds: what an int
// holds, a day per case, children the kit can track (kMaxChildren in
// child_process.cpp), 16 TiB of memory.
struct Number {
  const char* name;
  long long min;
  long long max;
  void (*store)(Options* o, long long n);
};
constexpr long long kInt = std::numeric_limits<int>::max();
constexpr long long kLongLong = std::numeric_limits<long long>::max();
constexpr Number kNumbers[] = {
    {"--jobs", 1, 128, Store<&Options::jobs>},
    {"--timeout", 1, 86400, Store<&Options::case_timeout_s>},
    {"--memory-limit-mb", 1, 16LL << 20, Store<&Options::memory_limit_mb>},
    {"--sequential-runs", 1, kInt, Store<&Options::sequential_runs>},
    {"--parallel-runs", 1, kInt, Store<&Options::parallel_runs>},
    {"--soak-cycles", 1, kLongLong, Store<&Options::soak_cycles>},
    {"--soak-threads", 2, 64, Store<&Options::soak_threads>},
    {"--seed", 0, kLongLong, Store<&Options::seed>}};

// The row of `table` for option `name`, if any.
template <typename Row, size_t N>
const Row* Find(const Row (&table)[N], const std::string& name) {
  for (const Row& row : table) {
    if (name == row.name) return &row;
  }
  return nullptr;
}

// After the arguments: the defaults that depend on others, and the
// combinations that make no sense.
bool Settle(Options* o, std::string* error) {
#if defined(_WIN32)
  // On Windows the kit judges the system's own allocator unless told
  // otherwise: what CoCreateInstance(CLSID_MemoryAllocator) creates.
  if (o->server.empty()) o->server = harness::kSystemServer;
#endif
  if (o->profile.empty()) o->profile = o->server.empty() ? "strict" : "portable";
  if (!o->replay.empty() &&
      (!o->junit.empty() || !o->json.empty() || !o->html.empty() || !o->expect.empty() ||
       !o->case_filter.empty() || !o->rule_filter.empty() || o->phases_given)) {
    *error = "--replay runs one trace: it takes no reports, --expect, filters or --phases";
    return false;
  }
  if (o->quiet && o->verbose) {
    *error = "--quiet and --verbose contradict each other";
    return false;
  }
  // A filter picks cases: unless --phases says otherwise, only they run.
  if (!o->phases_given && (!o->case_filter.empty() || !o->rule_filter.empty())) {
    o->phases = {Phase::kCases};
  }
  return true;
}

}  // namespace

std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                            "0123456789_-+=/.,:@%") == std::string::npos) {
    return arg;
  }
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

bool Parse(int argc, char** argv, Options* o, std::string* error) {
  for (int i = 0; i < argc; ++i) {
    if (i > 0) o->command_line += ' ';
    o->command_line += ShellQuote(argv[i]);
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    // The value: after '=', or the next argument.
    auto need = [&](std::string* out) {
      if (!has_value) {
        if (i + 1 >= argc) {
          *error = name + " needs a value";
          return false;
        }
        value = argv[++i];
      }
      *out = value;
      return true;
    };
    std::string text;
    if (const Flag* flag = Find(kFlags, name)) {
      o->*flag->field = true;
    } else if (const Word* word = Find(kWords, name)) {
      if (!need(&(o->*word->field))) return false;
      if (name == "--profile" && o->profile != "strict" && o->profile != "portable") {
        *error = "--profile must be strict or portable, got '" + o->profile + "'";
        return false;
      }
    } else if (name == "--phases") {
      if (!need(&text) || !ParsePhases(text, &o->phases, error)) return false;
      o->phases_given = true;
    } else if (const Number* number = Find(kNumbers, name)) {
      long long n = 0;
      if (!need(&text) || !ParseNumber(name, text, number->min, number->max, &n, error)) {
        return false;
      }
      number->store(o, n);
    } else {
      *error = "unknown option '" + arg + "' (see --help)";
      return false;
    }
  }
  return Settle(o, error);
}

std::vector<std::string> ChildArguments(const Options& o) {
  std::vector<std::string> args;
  if (!o.server.empty()) args.push_back("--server=" + o.server);
  if (!o.clsid.empty()) args.push_back("--clsid=" + o.clsid);
  args.push_back("--profile=" + o.profile);
  args.push_back("--memory-limit-mb=" + std::to_string(o.memory_limit_mb));
  args.push_back("--soak-cycles=" + std::to_string(o.soak_cycles));
  args.push_back("--soak-threads=" + std::to_string(o.soak_threads));
  args.push_back("--seed=" + std::to_string(o.seed));
  return args;
}

std::string HelpText() {
  return R"(usage: dsalloc-conform [options]

Judges an implementation of DirectShow's CLSID_MemoryAllocator (IMemAllocator,
IMemAllocatorCallbackTemp, IMediaSample, IMediaSample2) rule by rule against
dsalloc's specification (spec/SPEC.md) and prints one verdict per rule.

What is judged:
  --server PATH       an in-process COM server (.so; .dll on Windows) exporting
                      DllGetClassObject and DllCanUnloadNow (default: the
                      embedded dsalloc; on Windows, "system": the server COM
                      creates --clsid from, CoCreateInstance's choice)
  --clsid GUID        the class to ask it for (default CLSID_MemoryAllocator,
                      {1E651CC0-B199-11D0-8212-00C04FC32C45})
  --profile P         strict (exactly dsalloc) or portable (what native Windows,
                      the base classes and Wine share). Default: strict for the
                      embedded dsalloc, portable for a --server.

What runs (--phases LIST, comma-separated; default all four):
  cases               named conformance cases, at least one per checkable rule,
                      each in its own child process with a wall-clock timeout and
                      a memory limit, so a crash, hang or runaway allocation
                      fails that case and the run goes on
  sequential          random operation sequences in lockstep with the model;
                      failures are shrunk to a minimal trace
  parallel            random 2-3 thread cases, judged for linearizability
  soak                sustained multi-threaded traffic with exact counting of
                      notifications and references
  --cases PATTERNS    only the cases whose name matches (see Filters)
  --rules PATTERNS    only the cases that check a matching rule, and only those
                      rules in the table (see Filters)
  --sequential-runs N random sequences (default 2000)
  --parallel-runs N   random parallel cases, 5 schedules each (default 400)
  --soak-cycles N     GetBuffer/Release cycles of the soak (default 200000)
  --soak-threads N    threads of the soak (default 2, at least 2)
  --seed N            random seed (default: from the clock; printed)
  --jobs N            child processes at a time (default 2)
  --timeout S         wall-clock seconds per case (default 30; phases get more)
  --memory-limit-mb M address-space limit of each child (default 2048)

Output:
  a table per rule (pass / fail / flaky / n/a with the reason, which phase
  decided), every failure with its rule, op, expected against observed, and a
  replayable trace file, and the exact command that reproduces it
  (dsalloc-conform --replay FILE ...; for a random phase also the run with
  its seed).
  A failure that does not happen again when its trace is replayed is reported
  as flaky, with what was seen.
  --trace-dir DIR     where failure traces are written, one file per failure,
                      never overwritten (default: a new temporary directory,
                      kept and printed only when a failure was written)
  --junit FILE        JUnit XML, one testcase per rule
  --json FILE         the whole report as JSON
  --html FILE         one self-contained page: the rule table, each failure's
                      trace, failing parallel histories drawn as timelines
  --expect FILE       known results, one per line: "NAME  [STATUS]  reason",
                      '#' comments. NAME: a rule ID or a case name (--list).
                      STATUS: FAIL (the default: "RULE  reason" is an expected
                      failure), FLAKY (fail or pass, both accepted), SKIP (a
                      case: never started, e.g. one that hangs the server; a
                      rule: not judged). With it, the exit code reports only
                      unexpected results: a failure nothing lists, or a FAIL
                      that passed in a run that ran every check of it (every
                      phase, every case naming the rule), so the file means
                      the same whatever --phases ran. An unknown name, a
                      PASS line or a name listed twice is a usage error
  --replay FILE       run a failure's trace file again (in a child process, as
                      the kit ran it) against --server under --profile; prints
                      the divergence; exit 0 agrees, 1 diverges
  --list              print the cases and the rules, then exit
  -q, --quiet         no progress lines
  -v, --verbose       a line per check as it ends, and each failure's detail
  --version           the kit's version and SPEC.md's revision
  -h, --help          this text

Filters (--cases, --rules): GoogleTest style. PATTERNS is a ':' or ','
separated list of names with '*' (any run of characters) and '?' (one);
a name matches when it matches any positive pattern and no negative one, the
negative ones after a '-' ("ALLOC.*-ALLOC.COMMIT.*"; "-X" alone: all but X).
Case names contain '-': there the negative list starts at a '-' that begins
the text or follows a separator ("getbuffer-*:-getbuffer-null").
A filter that selects no case is a usage error. Given a filter and no
--phases, only the cases phase runs.

Progress: on a terminal, a status line per phase (done of total, elapsed,
estimated time left); otherwise a plain line every few seconds. NO_COLOR set
(to anything) turns colour off; there is none when stderr is not a terminal.
Ctrl-C or SIGTERM stops the run: every child process is ended, the reports
are written with what finished, marked interrupted, and the kit exits 130
(SIGINT) or 143 (SIGTERM).

Exit code: 0 every applicable rule passed (or matched --expect); 1 failures;
2 usage error, or a server that cannot be loaded; 130/143 interrupted. Every
path and limit is checked before the first check starts.
)";
}

}  // namespace dsalloc::conform
