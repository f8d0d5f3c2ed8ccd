// conform/kit.cpp: the parent half of the kit (kit.h).

#include "kit.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catalog.h"
#include "child_process.h"
#include "harness/implementation.h"
#include "platform.h"
#include "preflight.h"
#include "progress.h"
#include "record.h"
#include "report.h"
#include "sha256.h"
#include "spec/model/op.h"
#include "verdict.h"
#include "version.h"

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
  long long work = 1;  // units the progress line counts (cases, sequences, cycles)
  uint64_t seed = 0;   // a random phase's part: its seed
};

struct Context {
  Context(const Options& o, std::string work, std::string traces)
      : options(o), work_dir(std::move(work)), trace_dir(std::move(traces)) {}
  const Options& options;
  std::string work_dir;   // records and child output, removed at the end
  std::string trace_dir;  // failure traces, kept ("" until the first failure when not given)
  std::mutex trace_mu;    // creating trace_dir and the trace files in it
  int traces_written = 0;
  std::mutex print_mu;
  bool tty = StderrIsTerminal();
  bool color = StderrIsTerminal() && std::getenv("NO_COLOR") == nullptr;
};

// Removes the work directory on every way out of RunKit.
struct RemoveOnExit {
  std::string dir;
  ~RemoveOnExit() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

const char* SignalName(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

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

// A check the kit's interruption ended or kept from starting: n/a, so the
// rules it covers read "not finished", never a failure of the server.
CheckResult Interrupted(const Job& job) {
  CheckResult r;
  r.phase = job.phase;
  r.name = job.name;
  r.rules = job.rules;
  r.status = Status::kNotApplicable;
  r.detail = "not finished: the run was interrupted";
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
  // Where the child of `serial` writes: base + ".record", ".out",
  // ".record.progress" (progress.h), ".record.current" (what it runs).
  static std::string Base(const Context& ctx, const Job& job, int serial) {
    return ctx.work_dir + "/" + std::to_string(serial) + "-" + SafeName(job.name);
  }

  CheckResult Run(const Job& job, int serial, Ending* ending = nullptr) {
    std::string base = Base(ctx_, job, serial);
    ChildSpec spec;
    spec.args = ChildArguments(ctx_.options);
    spec.args.push_back("--child=" + job.request);
    spec.args.push_back("--result=" + base + ".record");
    spec.timeout_s = job.timeout_s;
    spec.memory_limit_mb = ctx_.options.memory_limit_mb;
    spec.output_file = base + ".out";
    ChildOutcome outcome = RunChild(spec);
    if (ending != nullptr) ending->outcome = outcome;
    if (outcome.kind == ChildOutcome::Kind::kInterrupted) return Interrupted(job);
    // The kit's own trouble (no process could be made), not the server's:
    // no verdict. (The preflight child proved children can be started.)
    if (outcome.kind == ChildOutcome::Kind::kFailedToStart) {
      CheckResult r = Interrupted(job);
      r.detail = outcome.Describe();
      r.detail.insert(0, "not run: the kit's child process ");
      return r;
    }
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

// "4.2s", "3m07s": for the progress line.
std::string Duration(double seconds) {
  int s = static_cast<int>(seconds + 0.5);
  char text[32];
  if (s >= 60) {
    std::snprintf(text, sizeof text, "%dm%02ds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%.1fs", seconds);
  }
  return text;
}

// Runs `jobs`, Options::jobs children at a time. Progress: on a terminal
// one status line (units done of the phase's total, elapsed, estimated time
// left), redrawn a few times a second; otherwise a plain line every 10 s;
// --verbose adds a line per check as it ends, --quiet none at all.
std::vector<CheckResult> RunAll(Context& ctx, const std::vector<Job>& jobs, const char* what,
                                const char* unit, std::atomic<int>* serial) {
  std::vector<CheckResult> results(jobs.size());
  std::vector<std::string> progress_files(jobs.size());
  std::vector<std::atomic<bool>> running(jobs.size());
  std::atomic<size_t> next{0};
  std::atomic<long long> finished_work{0};
  long long total_work = 0;
  for (const Job& job : jobs) total_work += job.work;
  std::mutex files_mu;
  Runner runner(ctx);
  const auto start = Clock::now();
  const bool show = !ctx.options.quiet;

  auto status_line = [&] {
    long long done = finished_work.load();
    {
      std::lock_guard<std::mutex> lock(files_mu);
      for (size_t i = 0; i < jobs.size(); ++i) {
        if (running[i] && !progress_files[i].empty()) {
          done += std::max(0LL, std::min(jobs[i].work, ReadProgress(progress_files[i])));
        }
      }
    }
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::string line = std::string("[") + what + " " + std::to_string(done) + "/" +
                       std::to_string(total_work) + " " + unit + ", " + Duration(elapsed);
    if (done > 0 && done < total_work && elapsed > 1) {
      line +=
          ", ~" +
          Duration(elapsed * static_cast<double>(total_work - done) / static_cast<double>(done)) +
          " left";
    }
    return line + "]";
  };
  auto worker = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      if (InterruptSignal() != 0) {
        results[i] = Interrupted(jobs[i]);
        continue;
      }
      const int child_serial = (*serial)++;
      {
        std::lock_guard<std::mutex> lock(files_mu);
        progress_files[i] = Runner::Base(ctx, jobs[i], child_serial) + ".record.progress";
        running[i] = true;
      }
      results[i] = runner.Run(jobs[i], child_serial);
      {
        std::lock_guard<std::mutex> lock(files_mu);
        running[i] = false;
      }
      finished_work += jobs[i].work;
      bool failed = results[i].status == Status::kFail;
      if (!show || (!failed && !ctx.options.verbose)) continue;
      std::lock_guard<std::mutex> lock(ctx.print_mu);
      const char* red = ctx.color ? "\033[31m" : "";
      const char* plain = ctx.color ? "\033[0m" : "";
      std::fprintf(stderr, "%s%s %s: %s%s%s (%.2f s)\n", ctx.tty ? "\r\033[K" : "", what,
                   jobs[i].name.c_str(), failed ? red : "", StatusName(results[i].status),
                   failed ? plain : "", results[i].seconds);
    }
  };
  // The progress line, from the counts the running children write.
  std::atomic<bool> all_done{false};
  std::thread printer;
  if (show) {
    printer = std::thread([&] {
      auto last_plain = Clock::now();
      while (!all_done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(ctx.tty ? 200 : 250));
        if (all_done) break;
        std::lock_guard<std::mutex> lock(ctx.print_mu);
        if (ctx.tty) {
          std::fprintf(stderr, "\r\033[K%s", status_line().c_str());
        } else if (Clock::now() - last_plain >= std::chrono::seconds(10)) {
          last_plain = Clock::now();
          std::fprintf(stderr, "%s\n", status_line().c_str());
        }
      }
    });
  }
  std::vector<std::thread> threads;
  int parallelism = std::max(1, std::min<int>(ctx.options.jobs, static_cast<int>(jobs.size())));
  for (int t = 0; t < parallelism; ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  all_done = true;
  if (printer.joinable()) printer.join();
  if (show) {
    std::lock_guard<std::mutex> lock(ctx.print_mu);
    std::fprintf(stderr, "%s%s\n", ctx.tty ? "\r\033[K" : "", status_line().c_str());
  }
  return results;
}

// The kit itself, as a command a user can paste.
std::string KitCommand(const Options& o) {
  std::string cmd = ShellQuote(SelfPath());
  if (!o.server.empty()) cmd += " --server " + ShellQuote(o.server);
  if (!o.clsid.empty()) cmd += " --clsid " + ShellQuote(o.clsid);
  cmd += " --profile " + o.profile;
  if (o.case_timeout_s != Options().case_timeout_s) {
    cmd += " --timeout " + std::to_string(o.case_timeout_s);
  }
  if (o.memory_limit_mb != Options().memory_limit_mb) {
    cmd += " --memory-limit-mb " + std::to_string(o.memory_limit_mb);
  }
  return cmd;
}

// The commands that reproduce a failure: its trace replayed, and for a
// random phase the run that found it, seed and sizes included.
std::vector<std::string> ReproduceCommands(const Options& o, const CheckResult& r,
                                           const std::string& trace_file) {
  std::vector<std::string> commands;
  if (!trace_file.empty()) {
    commands.push_back(KitCommand(o) + " --replay " + ShellQuote(trace_file));
  }
  std::string phase = PhaseName(r.phase);
  std::string run = KitCommand(o) + " --phases " + phase;
  if (r.phase == Phase::kCases) {
    run += " --cases " + ShellQuote(r.name);
  } else if (r.phase == Phase::kSequential) {
    run += " --seed " + std::to_string(o.seed) + " --sequential-runs " +
           std::to_string(o.sequential_runs) + " --jobs " + std::to_string(o.jobs);
  } else if (r.phase == Phase::kParallel) {
    run += " --seed " + std::to_string(o.seed) + " --parallel-runs " +
           std::to_string(o.parallel_runs) + " --jobs " + std::to_string(o.jobs);
  } else {
    run += " --seed " + std::to_string(o.seed) + " --soak-cycles " + std::to_string(o.soak_cycles) +
           " --soak-threads " + std::to_string(o.soak_threads);
  }
  commands.push_back(run);
  return commands;
}

// A new file in the trace directory, named for what failed, never one that
// exists: "<phase>-<check>[-seed<N>]-<rule>.trace", then "-2", "-3", ...
// The directory itself is made with the first failure when not given.
std::string NewTraceFile(Context& ctx, const CheckResult& r, const Job& job) {
  std::lock_guard<std::mutex> lock(ctx.trace_mu);
  if (ctx.trace_dir.empty()) ctx.trace_dir = MakeTempDir("traces");
  if (ctx.trace_dir.empty()) return {};
  // A random phase's part is named for itself ("sequential-2") and its seed.
  std::string stem = r.phase == Phase::kSequential || r.phase == Phase::kParallel
                         ? job.name + "-seed" + std::to_string(job.seed)
                         : std::string(PhaseName(r.phase)) + "-" + r.name;
  if (!r.divergence.rule.empty()) stem += "-" + r.divergence.rule;
  stem = ctx.trace_dir + "/" + SafeName(stem);
  for (int n = 1; n < 10000; ++n) {
    std::string path = stem + (n == 1 ? "" : "-" + std::to_string(n)) + ".trace";
    int error = CreateNewFile(path);
    if (error == 0) {
      ++ctx.traces_written;
      return path;
    }
    if (error != EEXIST) return {};
  }
  return {};
}

// Writes the failure's trace file and replays it in a fresh child: a
// failure that does not happen again is flaky, never a bare failure.
void ConfirmFailure(Context& ctx, CheckResult* r, const Job& job, std::atomic<int>* serial) {
  if (r->trace.empty()) {
    r->reproduce = ReproduceCommands(ctx.options, *r, "");
    return;
  }
  std::string file = NewTraceFile(ctx, *r, job);
  r->reproduce = ReproduceCommands(ctx.options, *r, file);
  if (file.empty()) return;
  std::string text = "# dsalloc-conform: " + std::string(PhaseName(r->phase)) + " " + r->name +
                     " failed against " +
                     (ctx.options.server.empty() ? "the embedded dsalloc" : ctx.options.server) +
                     " (" + ctx.options.profile + " profile)\n";
  if (!r->divergence.rule.empty()) text += "# rule: " + r->divergence.rule + "\n";
  if (!r->divergence.op.empty()) text += "# op: " + r->divergence.op + "\n";
  text +=
      "# expected: " + r->divergence.expected + "\n# observed: " + r->divergence.observed + "\n";
  for (const std::string& command : r->reproduce) text += "# reproduce: " + command + "\n";
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
  replay.request = "replay:" + std::to_string(job.replay_repeats) + ":" +
                   std::to_string(static_cast<int>(r->phase)) + ":" + r->name + ":" + file;
  replay.trace = r->trace;
  // A child that hung is confirmed by hanging again within its own budget
  // (the --timeout given), not by waiting minutes more.
  replay.timeout_s = r->seconds >= job.timeout_s ? job.timeout_s : std::max(60.0, r->seconds * 4);
  Runner runner(ctx);
  Runner::Ending ending;
  CheckResult again = runner.Run(replay, (*serial)++, &ending);
  if (ending.outcome.kind == ChildOutcome::Kind::kInterrupted) {
    r->detail =
        "not confirmed: the run was interrupted before its trace was replayed\n" + r->detail;
  } else if (again.status == Status::kPass) {
    r->status = Status::kFlaky;
    r->detail = "FLAKY: did not fail again when its trace was replayed " +
                std::to_string(job.replay_repeats) +
                " time(s) in a fresh process; what was seen the first time:\n" + r->detail;
  }
}

std::string TrimEnd(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// --replay FILE: the trace run again in a child, as the kit ran it.
int ReplayOne(Context& ctx, std::atomic<int>* serial) {
  std::string text;
  ReadFile(ctx.options.replay, &text);
  bool parallel = text.find(std::string(spec::kParallelTraceMarker)) != std::string::npos;
  Job job;
  job.phase = parallel ? Phase::kParallel : Phase::kCases;
  job.name = std::filesystem::path(ctx.options.replay).stem().string();
  job.replay_repeats = parallel ? 20 : 3;
  job.request = "replay:" + std::to_string(job.replay_repeats) + ":" +
                std::to_string(static_cast<int>(job.phase)) + ":" + job.name + ":" +
                ctx.options.replay;
  job.trace = text;
  job.timeout_s = ctx.options.case_timeout_s * (parallel ? 4 : 1);
  CheckResult r = Runner(ctx).Run(job, (*serial)++);
  if (InterruptSignal() != 0) return 128 + InterruptSignal();
  std::printf("dsalloc-conform --replay %s: %s, %s profile, %s (%d run(s))\n",
              ctx.options.replay.c_str(),
              ctx.options.server.empty() ? "the embedded dsalloc" : ctx.options.server.c_str(),
              ctx.options.profile.c_str(), StatusName(r.status), job.replay_repeats);
  if (r.status == Status::kPass) return 0;
  if (!r.divergence.rule.empty()) std::printf("  rule:     %s\n", r.divergence.rule.c_str());
  if (!r.divergence.op.empty()) std::printf("  op:       %s\n", r.divergence.op.c_str());
  if (!r.divergence.expected.empty()) {
    std::printf("  expected: %s\n  observed: %s\n", r.divergence.expected.c_str(),
                r.divergence.observed.c_str());
  }
  if (!r.detail.empty()) std::printf("\n%s\n", TrimEnd(r.detail).c_str());
  return r.status == Status::kNotApplicable ? 2 : 1;
}

// Keeps only the rules --rules selects; the exit code follows them.
void KeepSelectedRules(Report* report, const NameFilter& rules) {
  if (rules.SelectsAll()) return;
  std::erase_if(report->rules, [&](const RuleVerdict& v) { return !rules.Matches(v.rule); });
  const bool shown_unexpected = std::any_of(report->rules.begin(), report->rules.end(),
                                            [](const RuleVerdict& v) { return v.unexpected; });
  report->exit_code = report->unpinned_failure || shown_unexpected ? 1 : 0;
}

// --list: the cases and the rules, one per line.
int PrintList() {
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

// The memory limit must leave the kit room to work: the embedded dsalloc,
// checked under it, must pass (a limit too small is a usage error, not a
// crash of the server). Returns an exit code, or -1 to go on.
int CheckMemoryLimitFitsTheKit(Context& ctx, std::atomic<int>* serial) {
  Job preflight;
  preflight.name = "preflight";
  preflight.request = "preflight";
  preflight.timeout_s = 300;  // a loaded machine or a sanitizer build is slow, not broken
  Runner::Ending ending;
  CheckResult checked = Runner(ctx).Run(preflight, (*serial)++, &ending);
  if (InterruptSignal() != 0) return 128 + InterruptSignal();
  if (ending.recorded && checked.status == Status::kPass) return -1;
  std::fprintf(stderr,
               "dsalloc-conform: --memory-limit-mb %lld is too small for the kit itself: its "
               "check of the embedded dsalloc under that limit did not pass (%s)\n",
               ctx.options.memory_limit_mb,
               ending.recorded ? "its peak resident memory was above the limit"
                               : ("its child process: " + ending.outcome.Describe()).c_str());
  return 2;
}

// The probe: can the server be loaded, and what does it offer? Returns an
// exit code, or -1 to go on with *probed holding the probe's result.
int ProbeServer(Context& ctx, std::atomic<int>* serial, CheckResult* probed) {
  Job probe;
  probe.name = "probe";
  probe.request = "probe";
  Runner::Ending ending;
  const int probe_serial = (*serial)++;
  *probed = Runner(ctx).Run(probe, probe_serial, &ending);
  if (InterruptSignal() != 0) return 128 + InterruptSignal();
  // Exit 2 only when the server cannot be used at all: the child could not
  // load it (dlopen, or the COM exports missing), or the probe ran and
  // failed (CreateInstance gave no allocator). A probe that crashes or
  // hangs is the first finding about the implementation, not a usage
  // error: the run goes on. Decided by how the child ended, not by words in
  // its report (a crash's output may name CreateInstance too).
  const ChildOutcome& how = ending.outcome;
  bool unusable = (how.kind == ChildOutcome::Kind::kExited && how.code == kChildCannotLoad) ||
                  (ending.recorded && probed->status == Status::kFail);
  if (!unusable) return -1;
  std::string output;
  ReadFile(ctx.work_dir + "/" + std::to_string(probe_serial) + "-probe.out", &output);
  std::fprintf(stderr, "dsalloc-conform: cannot use %s: %s\n",
               ctx.options.server.empty() ? "the embedded dsalloc" : ctx.options.server.c_str(),
               TrimEnd(output.empty() ? probed->detail : output).c_str());
  return 2;
}

// The report's head: what was judged, how, with which kit.
Report NewReport(const Options& options, const CheckResult& probed) {
  Report report;
  report.implementation = options.server.empty() ? "embedded dsalloc" : options.server;
  // "system" (Windows) names no file: the probe says which module COM's
  // choice was, e.g. "system (C:\windows\system32\quartz.dll)".
  if (size_t at = probed.detail.find(" server=");
      options.server == harness::kSystemServer && at != std::string::npos) {
    report.implementation = probed.detail.substr(at + 8);
  }
  report.clsid =
      options.clsid.empty() ? harness::GuidToString(CLSID_MemoryAllocator) : options.clsid;
  report.profile = options.profile;
  report.kit_version = KitVersion();
  report.spec_revision = SpecRevision();
  if (!options.server.empty() && options.server != harness::kSystemServer) {
    report.server_sha256 = Sha256OfFile(options.server);
  }
  report.seed = options.seed;
  report.command_line = options.command_line;
  return report;
}

// The children one phase runs, and the unit its progress counts in.
std::vector<Job> PhaseJobs(Phase phase, const Options& options, const Plan& plan, Report* report,
                           const char** unit) {
  std::vector<Job> jobs;
  *unit = "cases";
  if (phase == Phase::kCases) {
    for (const CaseInfo* c : plan.selection.cases) {
      if (SkipCase(plan.expect, *c, report)) continue;
      Job job;
      job.phase = phase;
      job.name = c->name;
      job.request = "case:" + c->name;
      job.rules = c->checks;
      job.trace = c->text;
      job.timeout_s = options.case_timeout_s * (c->parallel ? 4 : 1);
      job.replay_repeats = c->repeats;
      jobs.push_back(job);
    }
  } else if (phase == Phase::kSequential || phase == Phase::kParallel) {
    *unit = phase == Phase::kSequential ? "sequences" : "parallel cases";
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
      job.work = runs;
      job.seed = seed;
      jobs.push_back(job);
    }
  } else {
    *unit = "cycles";
    Job job;
    job.phase = phase;
    job.name = "soak";
    job.request = "soak";
    job.timeout_s = 900;
    job.rules = {"NOTIFY.ONCE", "GEN.NOHANG"};
    job.work = options.soak_cycles;
    jobs.push_back(job);
  }
  return jobs;
}

// Replays every failure, Options::jobs at a time.
void ConfirmFailures(Context& ctx, std::vector<CheckResult>& results, const std::vector<Job>& jobs,
                     std::atomic<int>* serial) {
  std::atomic<size_t> next{0};
  auto confirm = [&] {
    for (size_t i = next++; i < results.size(); i = next++) {
      if (results[i].status != Status::kFail) continue;
      ConfirmFailure(ctx, &results[i], jobs[i], serial);
    }
  };
  std::vector<std::thread> confirmers;
  for (int t = 0; t < std::max(1, ctx.options.jobs); ++t) confirmers.emplace_back(confirm);
  for (std::thread& t : confirmers) t.join();
}

// The table on stdout (and with --verbose each failure's full report), then
// the report files. Paths were checked before the run; a write can still
// fail (a full disk): then say so, and return false.
bool PrintAndWriteReports(const Options& options, const Report& report) {
  std::fputs(TextTable(report).c_str(), stdout);
  if (options.verbose) {
    for (const CheckResult& r : report.results) {
      if (r.status != Status::kFail && r.status != Status::kFlaky) continue;
      std::printf("\n--- %s %s: full report\n%s\n", PhaseName(r.phase), r.name.c_str(),
                  TrimEnd(r.detail).c_str());
    }
  }
  bool written = true;
  for (auto [path, text, what] :
       {std::tuple{&options.junit, &JunitXml, "JUnit"}, std::tuple{&options.json, &Json, "JSON"},
        std::tuple{&options.html, &Html, "HTML"}}) {
    if (path->empty()) continue;
    if (!WriteFile(*path, text(report))) {
      std::fprintf(stderr, "dsalloc-conform: cannot write the %s report %s\n", what, path->c_str());
      written = false;
    }
  }
  return written;
}

// Traces: kept, and named, only when a failure was written; an empty
// directory the kit made is removed.
void KeepOrRemoveTraces(const Context& ctx, const Plan& plan) {
  if (ctx.traces_written > 0) {
    std::fprintf(stderr, "dsalloc-conform: %d failure trace(s) in %s\n", ctx.traces_written,
                 ctx.trace_dir.c_str());
  } else if (plan.trace_dir_made) {
    std::error_code ec;
    std::filesystem::remove(ctx.trace_dir, ec);  // only if empty
  }
}

}  // namespace

int RunKit(const Options& given) {
  if (given.help) {
    std::fputs(HelpText().c_str(), stdout);
    return 0;
  }
  if (given.version) {
    std::fputs(VersionText().c_str(), stdout);
    return 0;
  }
  if (given.list) return PrintList();
  // Every usage error before the first child (preflight.h).
  Options options = given;
  Plan plan;
  std::string error;
  if (!CheckUsage(&options, &plan, &error)) {
    std::fprintf(stderr, "dsalloc-conform: %s\n", error.c_str());
    return 2;
  }
  InstallInterruptHandlers();
  if (options.seed == 0) {
    options.seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) % 1000000007u;
  }
  const std::string work = MakeTempDir("work");
  if (work.empty()) {
    std::fprintf(stderr, "dsalloc-conform: cannot make a work directory in $TMPDIR or /tmp: %s\n",
                 std::strerror(errno));
    return 2;
  }
  RemoveOnExit work_dir{work};
  Context ctx(options, work, options.trace_dir);
  std::atomic<int> serial{0};
  const auto start = Clock::now();

  if (int exit = CheckMemoryLimitFitsTheKit(ctx, &serial); exit >= 0) return exit;
  CheckResult probed;
  if (int exit = ProbeServer(ctx, &serial, &probed); exit >= 0) return exit;
  if (!options.replay.empty()) return ReplayOne(ctx, &serial);
  ServerTraits traits;
  traits.callback_iface = probed.detail.find("callback_iface=1") != std::string::npos;
  traits.fault_injection = probed.detail.find("fault_injection=1") != std::string::npos;

  Report report = NewReport(options, probed);
  if (!options.quiet) {
    std::fprintf(stderr, "dsalloc-conform %s: %s, %s profile, seed %llu\n",
                 report.kit_version.c_str(), report.implementation.c_str(), options.profile.c_str(),
                 static_cast<unsigned long long>(options.seed));
  }
  for (Phase phase : options.phases) {
    if (InterruptSignal() != 0) break;
    report.phases.push_back(PhaseName(phase));
    const char* unit = "";
    std::vector<Job> jobs = PhaseJobs(phase, options, plan, &report, &unit);
    std::vector<CheckResult> results = RunAll(ctx, jobs, PhaseName(phase), unit, &serial);
    ConfirmFailures(ctx, results, jobs, &serial);
    for (CheckResult& r : results) report.results.push_back(std::move(r));
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const int interrupt = InterruptSignal();
  if (interrupt != 0) report.interrupted = SignalName(interrupt);
  Judge(&report, traits, options.profile == "portable", plan.has_expect ? &plan.expect : nullptr);
  KeepSelectedRules(&report, plan.selection.rules);
  // The report carries the exit status the process ends with.
  if (interrupt != 0) report.exit_code = 128 + interrupt;

  const bool written = PrintAndWriteReports(options, report);
  KeepOrRemoveTraces(ctx, plan);
  if (interrupt != 0) {
    std::fprintf(stderr, "dsalloc-conform: interrupted by %s; the reports hold what finished\n",
                 SignalName(interrupt));
    return 128 + interrupt;
  }
  if (!written) return 2;
  return report.exit_code;
}

}  // namespace dsalloc::conform
