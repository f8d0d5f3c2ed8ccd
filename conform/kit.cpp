// conform/kit.cpp: the parent half of the kit (kit.h).

#include "kit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catalog.h"
#include "child_process.h"
#include "implementation.h"
#include "model/op.h"
#include "record.h"
#include "report.h"
#include "verdict.h"

namespace dsalloc::conform {
namespace {

using Clock = std::chrono::steady_clock;

// One child to run and what to say if it dies without a record.
struct Job {
  Phase phase = Phase::kCases;
  std::string name;
  std::string request;             // --child=...
  std::vector<std::string> rules;  // covered (for a crash)
  std::string trace;               // the trace it runs, if known up front
  double timeout_s = 30;
  int replay_repeats = 1;
};

struct Context {
  Context(const Options& o, std::string work, std::string traces)
      : options(o), work_dir(std::move(work)), trace_dir(std::move(traces)) {}
  const Options& options;
  std::string work_dir;   // records and child output
  std::string trace_dir;  // failure traces, kept
  std::mutex print_mu;
  bool tty = isatty(2) != 0;
};

// The last `lines` lines of text (all of it if shorter).
std::string Tail(const std::string& text, int lines) {
  size_t at = text.size();
  for (int n = 0; n <= lines; ++n) {
    if (at == 0) return text;
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) return text;
  }
  return text.substr(at + 1);
}

std::string SafeName(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
  }
  return name;
}

// What a child that left no record did, as a failure of its rules.
CheckResult FromDeadChild(const Job& job, const ChildOutcome& outcome, const std::string& output,
                          const std::string& trace, long long memory_limit_mb) {
  CheckResult r;
  r.phase = job.phase;
  r.name = job.name;
  r.rules = job.rules;
  r.status = Status::kFail;
  r.trace = trace;
  r.seconds = outcome.seconds;
  r.divergence.op = "";
  r.divergence.expected =
      "the check completes (an implementation may fail a call, never the process)";
  r.divergence.observed = "the child process " + outcome.Describe();
  if (outcome.kind == ChildOutcome::Kind::kTimedOut) {
    r.divergence.rule = "GEN.NOHANG";
    r.divergence.expected =
        "every call returns (only GetBuffer may block, and a release or "
        "Decommit wakes it)";
  } else if (output.find("AddressSanitizer: heap-use-after-free") != std::string::npos) {
    // The kit touched a buffer the server had freed while a sample was out.
    r.divergence.rule = "LIFE.FREEMEM";
    r.divergence.expected = "a sample's buffer stays valid while the sample is out";
    r.divergence.observed = "heap-use-after-free in the kit's access to a held sample's buffer";
  } else if (output.find("out of memory") != std::string::npos ||
             output.find("bad_alloc") != std::string::npos ||
             output.find("hard rss limit") != std::string::npos) {
    // Before the generic ASan match: ASan's own reports ("hard rss limit
    // exhausted", "allocator is out of memory") name AddressSanitizer too.
    r.divergence.rule = "GEN.NOCRASH";
    r.divergence.observed = "the child ran out of its memory limit (" + outcome.Describe() + ")";
  } else if (output.find("AddressSanitizer") != std::string::npos) {
    r.divergence.rule = "GEN.NOCRASH";
    r.divergence.observed = "a memory error (AddressSanitizer report below)";
  } else if (outcome.kind == ChildOutcome::Kind::kSignaled &&
             outcome.peak_rss_mb * 4 >= memory_limit_mb * 3) {
    // Died without a word near its limit (the rest of the address space is
    // reserved, not resident): malloc returned NULL and was used.
    r.divergence.rule = "GEN.NOCRASH";
    r.divergence.observed = "the child ran out of its memory limit (peak RSS " +
                            std::to_string(outcome.peak_rss_mb) + " of " +
                            std::to_string(memory_limit_mb) + " MiB; " + outcome.Describe() + ")";
  } else {
    r.divergence.rule = "GEN.NOCRASH";
  }
  r.detail = "the child process " + outcome.Describe() + "; its last output:\n" + Tail(output, 40);
  return r;
}

class Runner {
 public:
  explicit Runner(Context& ctx) : ctx_(ctx) {}

  // How a child ended: its outcome, and whether its result is the record it
  // wrote (false: the result describes its death).
  struct Ending {
    ChildOutcome outcome;
    bool recorded = false;
  };

  // Runs one child and returns its result (or the failure its death is).
  CheckResult Run(const Job& job, int serial, Ending* ending = nullptr) {
    std::string base = ctx_.work_dir + "/" + std::to_string(serial) + "-" + SafeName(job.name);
    ChildSpec spec;
    spec.args = ChildArguments(ctx_.options);
    spec.args.push_back("--child=" + job.request);
    spec.args.push_back("--result=" + base + ".record");
    spec.timeout_s = job.timeout_s;
    spec.memory_limit_mb = ctx_.options.memory_limit_mb;
    spec.output_file = base + ".out";
    ChildOutcome outcome = RunChild(spec);
    if (ending != nullptr) ending->outcome = outcome;
    std::string data, output;
    std::vector<CheckResult> results;
    ReadFile(spec.output_file, &output);
    if (outcome.kind == ChildOutcome::Kind::kExited && outcome.code == 0 &&
        ReadFile(base + ".record", &data) && Decode(data, &results) && results.size() == 1) {
      if (ending != nullptr) ending->recorded = true;
      return results.front();
    }
    std::string trace = job.trace;
    if (trace.empty()) ReadFile(base + ".record.current", &trace);  // what it was running
    return FromDeadChild(job, outcome, output, trace, ctx_.options.memory_limit_mb);
  }

 private:
  Context& ctx_;
};

// Runs `jobs`, `parallelism` children at a time, with a progress line.
std::vector<CheckResult> RunAll(Context& ctx, const std::vector<Job>& jobs, const char* what,
                                std::atomic<int>* serial) {
  std::vector<CheckResult> results(jobs.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  Runner runner(ctx);
  auto worker = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      results[i] = runner.Run(jobs[i], (*serial)++);
      size_t n = ++done;
      if (ctx.options.quiet) continue;
      std::lock_guard<std::mutex> lock(ctx.print_mu);
      bool failed = results[i].status == Status::kFail;
      if (ctx.tty) {
        std::fprintf(stderr, "\r\033[K[%s %zu/%zu] %s%s", what, n, jobs.size(),
                     jobs[i].name.c_str(), failed ? " FAILED\n" : "");
      } else if (failed || n == jobs.size() || n % 25 == 0) {
        std::fprintf(stderr, "[%s %zu/%zu] %s%s\n", what, n, jobs.size(), jobs[i].name.c_str(),
                     failed ? " FAILED" : "");
      }
    }
  };
  std::vector<std::thread> threads;
  int parallelism = std::max(1, std::min<int>(ctx.options.jobs, static_cast<int>(jobs.size())));
  for (int t = 0; t < parallelism; ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (ctx.tty && !ctx.options.quiet) std::fprintf(stderr, "\r\033[K");
  return results;
}

std::string ReplayCommand(const Options& o, const std::string& file) {
  std::string cmd = "dsalloc-replay";
  if (!o.server.empty()) cmd += " --impl=" + o.server;
  cmd += " --profile=" + o.profile + " " + file;
  return cmd;
}

// Writes the failure's trace file and replays it in a fresh child: a
// failure that does not happen again is flaky, never a bare failure.
void ConfirmFailure(Context& ctx, CheckResult* r, int repeats, double timeout_s,
                    std::atomic<int>* serial) {
  if (r->trace.empty()) return;
  std::string file =
      ctx.trace_dir + "/" + SafeName(std::string(PhaseName(r->phase)) + "-" + r->name) + ".trace";
  std::string text = "# dsalloc-conform: " + std::string(PhaseName(r->phase)) + " " + r->name +
                     " failed against " +
                     (ctx.options.server.empty() ? "the embedded dsalloc" : ctx.options.server) +
                     " (" + ctx.options.profile + " profile)\n";
  if (!r->divergence.rule.empty()) text += "# rule: " + r->divergence.rule + "\n";
  if (!r->divergence.op.empty()) text += "# op: " + r->divergence.op + "\n";
  text += "# expected: " + r->divergence.expected + "\n# observed: " + r->divergence.observed +
          "\n# replay: " + ReplayCommand(ctx.options, file) + "\n";
  // A parallel trace's marker must stay its first line.
  if (r->trace.rfind(std::string(spec::kParallelTraceMarker), 0) == 0) {
    text = std::string(spec::kParallelTraceMarker) + "\n" + text +
           r->trace.substr(r->trace.find('\n') + 1);
  } else {
    text += r->trace;
  }
  WriteFile(file, text);
  r->trace_file = file;

  Job replay;
  replay.phase = r->phase;
  replay.name = r->name + "-replay";
  replay.request = "replay:" + std::to_string(repeats) + ":" +
                   std::to_string(static_cast<int>(r->phase)) + ":" + r->name + ":" + file;
  replay.trace = r->trace;
  // A child that hung is confirmed by hanging again within its own budget
  // (the --timeout given), not by waiting minutes more.
  replay.timeout_s = r->seconds >= timeout_s ? timeout_s : std::max(60.0, r->seconds * 4);
  Runner runner(ctx);
  CheckResult again = runner.Run(replay, (*serial)++);
  if (again.status == Status::kPass) {
    r->status = Status::kFlaky;
    r->detail = "FLAKY: did not fail again when its trace was replayed " + std::to_string(repeats) +
                " time(s) in a fresh process; what was seen the first time:\n" + r->detail;
  }
}

}  // namespace

int RunKit(const Options& o) {
  if (o.help) {
    std::fputs(HelpText().c_str(), stdout);
    return 0;
  }
  if (!o.clsid.empty() && !harness::ParseGuid(o.clsid)) {
    std::fprintf(stderr,
                 "dsalloc-conform: --clsid: '%s' is not a GUID "
                 "({xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})\n",
                 o.clsid.c_str());
    return 2;
  }
  if (o.list) {
    std::printf("cases (%zu):\n", Cases().size());
    for (const CaseInfo& c : Cases()) {
      std::string rules;
      for (const std::string& id : c.checks) rules += (rules.empty() ? "" : ", ") + id;
      std::printf("  %-44s %s\n  %-44s   %s\n", c.name.c_str(), rules.c_str(), "", c.about.c_str());
    }
    std::printf("rules (%zu):\n", Rules().size());
    for (const RuleInfo& r : Rules()) {
      std::printf("  %-32s %s%s\n", r.id.c_str(), r.title.c_str(),
                  r.checkable ? "" : " (not checkable)");
    }
    return 0;
  }
  Expectations expect;
  if (!o.expect.empty()) {
    std::string text, error;
    if (!ReadFile(o.expect, &text)) {
      std::fprintf(stderr, "dsalloc-conform: --expect: cannot read %s\n", o.expect.c_str());
      return 2;
    }
    if (!ParseExpectations(text, &expect, &error)) {
      std::fprintf(stderr, "dsalloc-conform: %s\n", error.c_str());
      return 2;
    }
  }
  if (!o.server.empty() && access(o.server.c_str(), R_OK) != 0) {
    std::fprintf(stderr, "dsalloc-conform: --server: cannot read %s\n", o.server.c_str());
    return 2;
  }

  Options options = o;
  if (options.seed == 0) {
    options.seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) % 1000000007u;
  }
  char work_template[] = "/tmp/dsalloc-conform-work-XXXXXX";
  if (mkdtemp(work_template) == nullptr) {
    std::perror("dsalloc-conform: mkdtemp");
    return 2;
  }
  std::string trace_dir = options.trace_dir;
  if (trace_dir.empty()) {
    char traces_template[] = "/tmp/dsalloc-conform-traces-XXXXXX";
    if (mkdtemp(traces_template) == nullptr) {
      std::perror("dsalloc-conform: mkdtemp");
      return 2;
    }
    trace_dir = traces_template;
  } else {
    std::filesystem::create_directories(trace_dir);
  }
  Context ctx(options, work_template, trace_dir);
  std::atomic<int> serial{0};
  const auto start = Clock::now();

  // The probe: can the server be loaded, and what does it offer?
  Job probe;
  probe.name = "probe";
  probe.request = "probe";
  Runner::Ending probe_ending;
  CheckResult probed = Runner(ctx).Run(probe, serial++, &probe_ending);
  // Exit 2 only when the server cannot be used at all: the child could not
  // load it (dlopen, or the COM exports missing), or the probe ran and
  // failed (CreateInstance gave no allocator). A probe that crashes or
  // hangs is the first finding about the implementation, not a usage
  // error: the run goes on. Decided by how the child ended, not by words in
  // its report (a crash's output may name CreateInstance too).
  const ChildOutcome& how = probe_ending.outcome;
  bool unusable = (how.kind == ChildOutcome::Kind::kExited && how.code == kChildCannotLoad) ||
                  (probe_ending.recorded && probed.status == Status::kFail);
  if (unusable) {
    std::string output;
    ReadFile(ctx.work_dir + "/0-probe.out", &output);
    std::fprintf(stderr, "dsalloc-conform: cannot use %s: %s\n",
                 options.server.empty() ? "the embedded dsalloc" : options.server.c_str(),
                 output.empty() ? probed.detail.c_str() : output.c_str());
    std::filesystem::remove_all(ctx.work_dir);
    return 2;
  }
  ServerTraits traits;
  traits.callback_iface = probed.detail.find("callback_iface=1") != std::string::npos;
  traits.fault_injection = probed.detail.find("fault_injection=1") != std::string::npos;

  Report report;
  report.implementation = options.server.empty() ? "embedded dsalloc" : options.server;
  report.clsid =
      options.clsid.empty() ? harness::GuidToString(CLSID_MemoryAllocator) : options.clsid;
  report.profile = options.profile;
  if (!options.quiet) {
    std::fprintf(stderr, "dsalloc-conform: %s, %s profile, seed %llu, traces in %s\n",
                 report.implementation.c_str(), options.profile.c_str(),
                 static_cast<unsigned long long>(options.seed), trace_dir.c_str());
  }
  for (Phase phase : options.phases) {
    report.phases.push_back(PhaseName(phase));
    std::vector<Job> jobs;
    if (phase == Phase::kCases) {
      for (const CaseInfo& c : Cases()) {
        if (!options.case_filter.empty() && c.name.find(options.case_filter) == std::string::npos) {
          continue;
        }
        if (SkipCase(expect, c, &report)) continue;
        Job job;
        job.phase = phase;
        job.name = c.name;
        job.request = "case:" + c.name;
        job.rules = c.checks;
        job.trace = c.text;
        job.timeout_s = options.case_timeout_s * (c.parallel ? 4 : 1);
        job.replay_repeats = c.repeats;
        jobs.push_back(job);
      }
    } else if (phase == Phase::kSequential || phase == Phase::kParallel) {
      // Two halves, one per core, with disjoint seeds.
      int total = phase == Phase::kSequential ? options.sequential_runs : options.parallel_runs;
      int parts = std::min(std::max(1, options.jobs), total);
      for (int p = 0; p < parts; ++p) {
        int runs = total / parts + (p < total % parts ? 1 : 0);
        uint64_t seed = options.seed + static_cast<uint64_t>(p) * 1000003u;
        Job job;
        job.phase = phase;
        job.name = std::string(PhaseName(phase)) + "-" + std::to_string(p + 1);
        job.request =
            std::string(PhaseName(phase)) + ":" + std::to_string(seed) + ":" + std::to_string(runs);
        job.timeout_s = 900;
        job.replay_repeats = phase == Phase::kSequential ? 3 : 20;
        jobs.push_back(job);
      }
    } else {
      Job job;
      job.phase = phase;
      job.name = "soak";
      job.request = "soak";
      job.timeout_s = 900;
      job.rules = {"NOTIFY.ONCE", "GEN.NOHANG"};
      jobs.push_back(job);
    }
    std::vector<CheckResult> results = RunAll(ctx, jobs, PhaseName(phase), &serial);
    // Replay every failure, Options::jobs at a time.
    std::atomic<size_t> next{0};
    auto confirm = [&] {
      for (size_t i = next++; i < results.size(); i = next++) {
        if (results[i].status != Status::kFail) continue;
        ConfirmFailure(ctx, &results[i], jobs[i].replay_repeats, jobs[i].timeout_s, &serial);
      }
    };
    std::vector<std::thread> confirmers;
    for (int t = 0; t < std::max(1, options.jobs); ++t) confirmers.emplace_back(confirm);
    for (std::thread& t : confirmers) t.join();
    for (CheckResult& r : results) report.results.push_back(std::move(r));
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Judge(&report, traits, options.profile == "portable", o.expect.empty() ? nullptr : &expect);

  std::fputs(TextTable(report).c_str(), stdout);
  auto write = [](const std::string& path, const std::string& text, const char* what) {
    if (path.empty()) return true;
    if (WriteFile(path, text)) return true;
    std::fprintf(stderr, "dsalloc-conform: cannot write the %s report %s\n", what, path.c_str());
    return false;
  };
  bool written = write(options.junit, JunitXml(report), "JUnit") &&
                 write(options.json, Json(report), "JSON") &&
                 write(options.html, Html(report), "HTML");
  std::filesystem::remove_all(ctx.work_dir);
  if (!written) return 2;
  return report.exit_code;
}

}  // namespace dsalloc::conform
