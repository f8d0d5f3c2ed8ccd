// conform/checks.cpp: the checks a child runs (checks.h).

#include "checks.h"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <set>

#include "harness/driver.h"
#include "harness/parallel/parallel_runner.h"
#include "harness/parallel/serial_replay.h"
#include "harness/repeat_runner.h"
#include "native_cases.h"
#include "progress.h"
#include "props/choices.h"
#include "props/op_gen.h"
#include "props/parallel_gen.h"
#include "record.h"
#include "spec/model/op.h"
#include "spec/model/step.h"
#include "spec/model/trace.h"

namespace dsalloc::conform {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// touch: write and read every held buffer after each op (driver.h), so an
// ASan build of the kit sees a server that freed one (LIFE.FREEMEM); not
// with the parallel runner, whose threads run ops concurrently.
harness::Driver::Options DriverOptions(bool touch) {
  harness::Driver::Options options = harness::Driver::Options::ForCheckers();
  options.touch_buffers = touch;
  return options;
}

std::string TraceText(const std::vector<spec::Op>& ops) {
  std::string out;
  for (const spec::Op& op : ops) out += spec::ToString(op) + "\n";
  return out;
}

// One sequential run: lockstep over a trace, then the teardown checks.
struct SequentialRun {
  bool failed = false;
  std::string report;
  harness::Divergence divergence;
  std::set<std::string_view> rules;
  long long applied = 0;
};

SequentialRun RunSequence(const spec::Trace& trace, const harness::Implementation& impl,
                          spec::Profile profile) {
  SequentialRun run;
  harness::RepeatRunner runner(impl, profile, DriverOptions(true));
  std::string report = runner.ApplyAll(trace);
  if (report.empty()) report = runner.Finish();
  const harness::Lockstep& lockstep = runner.lockstep();
  run.failed = !report.empty();
  run.report = report;
  run.divergence = lockstep.divergence();
  run.rules = lockstep.rules_applied();
  run.applied = lockstep.applied();
  return run;
}

void SetDivergence(CheckResult* r, const harness::Divergence& d) {
  r->divergence = Divergence{d.rule, d.op, d.expected, d.observed};
}

// The failure an exploration found: which run (its seed replays it), how
// far it shrank, and the divergence.
void RecordFailure(CheckResult* r, const char* what, int run, uint64_t seed, size_t original,
                   size_t shrunk, const std::string& report, const harness::Divergence& d) {
  r->status = Status::kFail;
  r->detail = std::string(what) + " " + std::to_string(run + 1) + " (seed " +
              std::to_string(seed + static_cast<uint64_t>(run)) + "), " + std::to_string(original) +
              " ops, shrunk to " + std::to_string(shrunk) + ":\n" + report;
  SetDivergence(r, d);
}

std::vector<TimelineCall> Timeline(const std::vector<props::parallel::Event>& history) {
  std::vector<TimelineCall> calls;
  for (const props::parallel::Event& e : history) {
    TimelineCall call;
    call.thread = e.op.thread;
    call.call = spec::ToString(e.op);
    call.result = spec::HresultName(e.outcome.hr);
    if (e.outcome.blocked) call.result = "(blocked)";
    call.invoked = static_cast<long long>(e.invoked);
    call.responded = e.responded == 0 ? -1 : static_cast<long long>(e.responded);
    calls.push_back(call);
  }
  return calls;
}

void AddRules(CheckResult* r, const std::set<std::string_view>& rules) {
  std::set<std::string> all(r->rules.begin(), r->rules.end());
  for (std::string_view rule : rules) all.insert(std::string(rule));
  r->rules.assign(all.begin(), all.end());
}

// Removes chunks of `ops` while `still_fails` holds, halving the chunk
// size down to single ops; stops at the deadline.
std::vector<spec::Op> Shrink(std::vector<spec::Op> ops,
                             const std::function<bool(const std::vector<spec::Op>&)>& still_fails,
                             Clock::time_point deadline) {
  for (size_t chunk = ops.size() / 2; chunk >= 1; chunk /= 2) {
    for (size_t at = 0; at + chunk <= ops.size();) {
      if (Clock::now() > deadline) return ops;
      std::vector<spec::Op> fewer = ops;
      fewer.erase(fewer.begin() + static_cast<long>(at),
                  fewer.begin() + static_cast<long>(at + chunk));
      if (still_fails(fewer)) {
        ops = std::move(fewer);
      } else {
        at += chunk;
      }
    }
    if (chunk == 1) break;
  }
  return ops;
}

std::vector<spec::Op> Flatten(const props::parallel::ParallelCase& c) {
  std::vector<spec::Op> flat = c.prefix;
  for (size_t t = 0; t < c.threads.size(); ++t) {
    for (spec::Op op : c.threads[t]) {
      op.thread = static_cast<uint8_t>(t + 1);
      flat.push_back(op);
    }
  }
  return flat;
}

std::string ParallelTraceText(const std::vector<spec::Op>& flat) {
  return std::string(spec::kParallelTraceMarker) + "\n" +
         "# the @T lists run concurrently; in them \"sample k\" is the sample thread T's\n"
         "# k-th GetBuffer got\n" +
         TraceText(flat);
}

// RunParallelCase, judged under the rule that was broken: a THREAD.SAFE
// failure that a single-threaded replay of the same ops reproduces
// (serial_replay.h) is that replay's failure, and *serial (if given) is the
// one-thread case that shows it. Otherwise the run as it was.
props::parallel::RunResult RunJudged(const harness::Implementation& impl,
                                     const props::parallel::ParallelCase& c,
                                     const props::parallel::RunOptions& options,
                                     std::optional<props::parallel::ParallelCase>* serial) {
  props::parallel::RunResult run = props::parallel::RunParallelCase(impl, c, options);
  if (serial != nullptr) serial->reset();
  if (!run.failed || run.divergence.rule != "THREAD.SAFE" || c.threads.size() < 2) return run;
  std::optional<props::parallel::SerialReplay> replay =
      props::parallel::ReproduceSingleThreaded(impl, c, run.history, options);
  if (!replay) return run;
  props::parallel::RunResult judged = std::move(replay->run);
  judged.report =
      "the threads' calls were not linearizable, but THREAD.SAFE is not the rule "
      "broken: the same ops run on one thread (" +
      replay->order + ") fail too, at " + judged.divergence.rule +
      ".\nthe single-threaded replay:\n" + judged.report +
      "\nthe parallel run that failed first:\n" + run.report;
  judged.rules_applied.insert(run.rules_applied.begin(), run.rules_applied.end());
  judged.stats.Add(run.stats);
  if (serial != nullptr) *serial = std::move(replay->serial);
  return judged;
}

// The run loop both explorations share: `runs` random runs timed into one
// result of `phase`; run(i, &r) does the i-th and returns false once it has
// recorded a failure (an exploration stops at its first).
template <typename Run>
CheckResult Explore(Phase phase, int runs, Run run) {
  auto start = Clock::now();
  CheckResult r;
  r.phase = phase;
  r.name = PhaseName(phase);
  for (int i = 0; i < runs && run(i, &r); ++i) {
  }
  r.seconds = Since(start);
  return r;
}

// A run of an exploration counted: its work, the progress line, the rules
// it applied.
void Count(CheckResult* r, const std::set<std::string_view>& rules) {
  ++r->work;
  ReportProgress(r->work);
  AddRules(r, rules);
}

// The random sequence of the run with this seed (props/choices.h: the same
// ops for the same seed on every platform; size 50, as the kit drew from
// RapidCheck), 10 to 100 ops long. The strict model steers generation, as
// in props/sequential_props.cpp: ops it rules out are not generated, nor a
// GetBuffer that would block the only thread.
std::vector<spec::Op> DrawSequence(uint64_t seed, bool fault_injection) {
  props::SeededChoices choices(seed, 50);
  int length = 10 + static_cast<int>(seed % 91);
  spec::State model = spec::Initial();
  std::vector<spec::Op> ops;
  for (int k = 0; k < length * 4 && static_cast<int>(ops.size()) < length; ++k) {
    spec::Op op = props::DrawOp(choices, model);
    if (!fault_injection) op.oom = false;
    if (!spec::InDomain(model, op, spec::Profile::kStrict)) continue;
    if (spec::MayBlockThread0(op) && model.state == spec::AllocState::kCommitted &&
        model.free_list.empty()) {
      continue;
    }
    spec::StepStrict(model, op);
    ops.push_back(op);
  }
  return ops;
}
}  // namespace

CheckResult RunTrace(const std::string& name, const std::string& text,
                     const std::vector<std::string>& rules, int repeats,
                     const harness::Implementation& impl, spec::Profile profile) {
  auto start = Clock::now();
  CheckResult r;
  r.phase = Phase::kCases;
  r.name = name;
  r.rules = rules;
  r.trace = text;
  int bad_line = 0;
  std::optional<spec::Trace> trace = spec::ParseTrace(text, &bad_line);
  if (!trace) {
    r.status = Status::kFail;
    r.detail = "the trace does not parse at line " + std::to_string(bad_line);
    return r;
  }
  if (text.find(spec::kParallelTraceMarker) != std::string::npos) {
    std::string error;
    auto c = props::parallel::CaseFromTrace(*trace, &error);
    props::parallel::RunOptions options;
    options.profile = profile;
    options.repeats = repeats;
    options.driver = DriverOptions(false);
    props::parallel::RunResult run;
    if (c) run = RunJudged(impl, *c, options, nullptr);
    if (!c || run.failed) {
      r.status = Status::kFail;
      r.detail = c ? run.report : error;
      SetDivergence(&r, run.divergence);
      r.timeline = Timeline(run.history);
    }
    r.work = static_cast<long long>(run.stats.runs);
  } else {
    for (int rep = 0; rep < repeats && r.status == Status::kPass; ++rep) {
      SequentialRun run = RunSequence(*trace, impl, profile);
      r.work += run.applied;
      if (run.failed) {
        r.status = Status::kFail;
        r.detail = (repeats > 1 ? "run " + std::to_string(rep + 1) + " of " +
                                      std::to_string(repeats) + ":\n"
                                : "") +
                   run.report;
        SetDivergence(&r, run.divergence);
      }
    }
  }
  r.seconds = Since(start);
  return r;
}

CheckResult RunCase(const CaseInfo& c, const harness::Implementation& impl, spec::Profile profile) {
  CheckResult na;
  na.phase = Phase::kCases;
  na.name = c.name;
  na.rules = c.checks;
  na.status = Status::kNotApplicable;
  if (!c.error.empty()) {
    na.status = Status::kFail;
    na.detail = "malformed case: " + c.error;
    return na;
  }
  if (c.needs_fault_injection && !impl.SupportsFaultInjection()) {
    na.detail = "needs fault injection: the server exports no DsallocArmAllocationFailure";
    return na;
  }
  if (c.native) return RunNativeCase(c, impl, profile);
  CheckResult r = RunTrace(c.name, c.text, c.checks, c.repeats, impl, profile);
  if (r.status == Status::kPass && profile == spec::Profile::kPortable &&
      !c.portable_note.empty()) {
    r.status = Status::kNotApplicable;
    r.detail = "portable: " + c.portable_note;
  }
  return r;
}

CheckResult ExploreSequential(const harness::Implementation& impl, spec::Profile profile,
                              uint64_t seed, int runs, const std::string& progress_file) {
  const bool fault_injection = impl.SupportsFaultInjection();
  return Explore(Phase::kSequential, runs, [&](int i, CheckResult* r) {
    std::vector<spec::Op> ops = DrawSequence(seed + static_cast<uint64_t>(i), fault_injection);
    WriteFile(progress_file, TraceText(ops));
    // Drawn under the strict model; the Lockstep judges by `profile`.
    SequentialRun run = RunSequence(spec::TraceOf(ops), impl, profile);
    Count(r, run.rules);
    if (!run.failed) return true;
    std::string rule = run.divergence.rule;
    auto still_fails = [&](const std::vector<spec::Op>& fewer) {
      SequentialRun again = RunSequence(spec::TraceOf(fewer), impl, profile);
      return again.failed && again.divergence.rule == rule;
    };
    std::vector<spec::Op> minimal =
        Shrink(ops, still_fails, Clock::now() + std::chrono::seconds(20));
    SequentialRun last = RunSequence(spec::TraceOf(minimal), impl, profile);
    if (!last.failed) last = run, minimal = ops;  // shrinking lost it: keep the original
    RecordFailure(r, "random sequence", i, seed, ops.size(), minimal.size(), last.report,
                  last.divergence);
    r->trace = TraceText(minimal);
    return false;
  });
}

CheckResult ExploreParallel(const harness::Implementation& impl, spec::Profile profile,
                            uint64_t seed, int runs, const std::string& progress_file) {
  props::parallel::RunOptions options;
  options.profile = profile;
  options.repeats = 5;
  options.driver = DriverOptions(false);
  return Explore(Phase::kParallel, runs, [&](int i, CheckResult* r) {
    props::SeededChoices choices(seed + static_cast<uint64_t>(i), 30);  // size 30, as before
    props::parallel::ParallelCase c = props::parallel::DrawParallelCase(choices);
    std::vector<spec::Op> flat = Flatten(c);
    WriteFile(progress_file, ParallelTraceText(flat));
    std::optional<props::parallel::ParallelCase> serial;
    props::parallel::RunResult run = RunJudged(impl, c, options, &serial);
    Count(r, run.rules_applied);
    if (!run.failed) return true;
    std::string rule = run.divergence.rule;
    auto still_fails = [&](const std::vector<spec::Op>& fewer) {
      auto smaller = props::parallel::CaseFromTrace(fewer, nullptr);
      if (!smaller || smaller->threads.empty()) return false;
      props::parallel::RunResult again = RunJudged(impl, *smaller, options, nullptr);
      return again.failed && again.divergence.rule == rule;
    };
    std::vector<spec::Op> minimal =
        Shrink(flat, still_fails, Clock::now() + std::chrono::seconds(20));
    auto shrunk = props::parallel::CaseFromTrace(minimal, nullptr);
    std::optional<props::parallel::ParallelCase> last_serial;
    props::parallel::RunResult last = RunJudged(impl, *shrunk, options, &last_serial);
    if (!last.failed) last = run, minimal = flat, last_serial = serial;
    RecordFailure(r, "random parallel case", i, seed, flat.size(), minimal.size(), last.report,
                  last.divergence);
    r->timeline = Timeline(last.history);
    // A failure a single-threaded replay shows is replayed as that replay.
    r->trace = ParallelTraceText(last_serial ? Flatten(*last_serial) : minimal);
    return false;
  });
}

CheckResult Probe(const harness::Implementation& impl) {
  CheckResult r;
  r.name = "probe";
  IMemAllocator* allocator = nullptr;
  HRESULT hr = impl.CreateAllocator(IID_IMemAllocator, reinterpret_cast<void**>(&allocator));
  if (FAILED(hr) || allocator == nullptr) {
    r.status = Status::kFail;
    r.detail = "DllGetClassObject -> IClassFactory::CreateInstance(IID_IMemAllocator) gave " +
               spec::HresultName(hr);
    return r;
  }
  IMemAllocatorCallbackTemp* callback = nullptr;
  HRESULT qi =
      allocator->QueryInterface(IID_IMemAllocatorCallbackTemp, reinterpret_cast<void**>(&callback));
  if (SUCCEEDED(qi) && callback != nullptr) callback->Release();
  allocator->Release();
  // server= last: the name may hold spaces ("system (C:\\...\\quartz.dll)").
  r.detail = std::string("callback_iface=") + (SUCCEEDED(qi) && callback ? "1" : "0") +
             " fault_injection=" + (impl.SupportsFaultInjection() ? "1" : "0") +
             " server=" + impl.name;
  return r;
}

}  // namespace dsalloc::conform
