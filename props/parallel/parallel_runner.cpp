// props/parallel/parallel_runner.cpp: one parallel case, run and judged
// (parallel_runner.h).

#include "parallel_runner.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "lockstep.h"
#include "sample_binding.h"

namespace dsalloc::props::parallel {
namespace {

using spec::Op;
using spec::OpKind;

bool IsSampleOp(OpKind k) { return k >= OpKind::kSampleAddRef && k <= OpKind::kSetProperties2; }

// Why a case cannot be run in parallel (caveats (b) and (c) of
// linearizability.cpp), or "".
std::string Malformed(const ParallelCase& c) {
  if (c.threads.empty() || c.threads.size() > static_cast<size_t>(kMaxParallelThreads)) {
    return "a parallel case needs 1.." + std::to_string(kMaxParallelThreads) + " thread lists";
  }
  for (const Op& op : c.prefix) {
    // A reaction configured in the prefix would still run in the parallel
    // phase, where it is not atomic with its release (caveat b).
    if (op.kind == OpKind::kSetReaction && op.reaction != spec::Reaction::kNone) {
      return "the prefix configures a reaction: " + spec::ToString(op);
    }
  }
  for (const auto& list : c.threads) {
    for (const Op& op : list) {
      if (op.kind == OpKind::kSetReaction) return "a parallel list configures a reaction";
      if (op.kind == OpKind::kGetBuffer && !(op.flags & AM_GBF_NOWAIT)) {
        return "a parallel list has a blocking GetBuffer (it could wait forever)";
      }
      if (op.oom || op.kind == OpKind::kDllGetClassObject ||
          op.kind == OpKind::kCreateInstance || op.kind == OpKind::kDllCanUnloadNow) {
        return "a parallel list has an op outside the parallel vocabulary: " + spec::ToString(op);
      }
    }
  }
  return "";
}

// What one worker thread knows: the samples it obtained (its slots) and the
// references it holds, which only its own calls change (no reactions run in
// the parallel phase). Kept from its own calls, not from returned counts,
// so a wrong count from the implementation cannot steer the run.
struct Worker {
  std::vector<int> slots;          // observed id per GetBuffer run, -1 if none
  std::map<int, uint32_t> refs;    // observed id -> references held
  int allocator_refs = 0;          // AddRef / successful QI not yet Released
  std::vector<Event> events;
  size_t skipped = 0;
};

// A short busy wait: calls take microseconds, so a few hundred
// nanoseconds of jitter before each one shifts the interleaving.
void Jitter(std::minstd_rand& rng, unsigned max_spins) {
  unsigned n = static_cast<unsigned>(rng() % (max_spins + 1));
  std::atomic<unsigned> sink{0};  // not optimised away
  for (unsigned i = 0; i < n; ++i) sink.fetch_add(1, std::memory_order_relaxed);
}

void RunWorker(harness::Driver& driver, const std::vector<Op>& list, uint8_t thread,
               unsigned seed, std::atomic<uint64_t>& clock, std::atomic<int>& ready,
               std::atomic<bool>& go, std::atomic<int>& started, int workers, Worker& w) {
  std::minstd_rand rng(seed);
  // Two spinning phases (yielding now and then: up to 3 workers and the
  // main thread share 2 cores): wait for `go`, then for every worker to have
  // seen it, so that no thread runs its whole list while another one is
  // still descheduled at the barrier.
  ready.fetch_add(1);
  for (unsigned spins = 0; !go.load(std::memory_order_acquire); ++spins) {
    if ((spins & 0xFF) == 0xFF) std::this_thread::yield();
  }
  started.fetch_add(1);
  for (unsigned spins = 0; started.load(std::memory_order_acquire) < workers; ++spins) {
    if ((spins & 0xFF) == 0xFF) std::this_thread::yield();
  }
  for (Op op : list) {
    Jitter(rng, 64);
    op.thread = thread;
    int id = -1;
    if (IsSampleOp(op.kind)) {
      if (op.sample < 0 || op.sample >= static_cast<int>(w.slots.size()) ||
          w.slots[static_cast<size_t>(op.sample)] < 0) {
        ++w.skipped;  // no such slot, or its GetBuffer failed
        continue;
      }
      id = w.slots[static_cast<size_t>(op.sample)];
      if (w.refs[id] == 0) {
        ++w.skipped;  // released: outside the model's domain (step.h)
        continue;
      }
      op.sample = id;
    }
    if (op.kind == OpKind::kRelease && w.allocator_refs == 0) {
      ++w.skipped;  // never drop the client's own reference in parallel
      continue;
    }
    Event e;
    e.op = op;
    e.invoked = clock.fetch_add(1);
    e.outcome = driver.RunDirect(op);
    e.responded = clock.fetch_add(1);
    const spec::Outcome& o = e.outcome;
    switch (op.kind) {
      case OpKind::kGetBuffer:
        if (o.hr == S_OK && o.sample.valid()) {
          w.slots.push_back(o.sample.index);
          ++w.refs[o.sample.index];
        } else {
          w.slots.push_back(-1);
        }
        break;
      case OpKind::kSampleAddRef:
        ++w.refs[id];
        break;
      case OpKind::kSampleQueryInterface:
        if (o.hr == S_OK) ++w.refs[id];
        break;
      case OpKind::kSampleRelease:
        --w.refs[id];
        break;
      case OpKind::kAddRef:
        ++w.allocator_refs;
        break;
      case OpKind::kQueryInterface:
        if (o.hr == S_OK) ++w.allocator_refs;
        break;
      case OpKind::kRelease:
        --w.allocator_refs;
        break;
      default:
        break;
    }
    w.events.push_back(std::move(e));
  }
}

// Every observed id the quiescent check should look at: the samples the
// start binds and every sample the history names.
std::vector<int> ObservedIds(const spec::State& start, const harness::SampleBinding& b,
                             const std::vector<Event>& history) {
  std::set<int> ids;
  for (size_t i = 0; i < start.samples.size(); ++i) {
    int id = b.ObservedId(start.generation, static_cast<int>(i));
    if (id >= 0) ids.insert(id);
  }
  for (const Event& e : history) {
    if (IsSampleOp(e.op.kind)) ids.insert(e.op.sample);
    if ((e.outcome.written & (spec::kOutSample | spec::kOutPointer)) &&
        e.outcome.sample.valid()) {
      ids.insert(e.outcome.sample.index);
    }
  }
  return {ids.begin(), ids.end()};
}

std::string Violations(harness::Driver& driver) {
  std::string out;
  for (const harness::Violation& v : driver.TakeViolations()) {
    out += "  violation " + v.rule + ": " + v.detail + "\n";
  }
  return out;
}

// One repeat. Returns "" or the failure report.
std::string RunOnce(const harness::Implementation& impl, const ParallelCase& c,
                    const RunOptions& opt, int repeat, RunStats* stats) {
  harness::Lockstep lockstep(impl, opt.profile, opt.driver);
  if (std::string d = lockstep.ApplyAll(c.prefix); !d.empty()) {
    return "the sequential prefix diverged (before any thread started):\n" + d;
  }
  const spec::State start = lockstep.model();
  const harness::SampleBinding start_binding = lockstep.binding();
  harness::Driver& driver = lockstep.driver();

  const size_t n = c.threads.size();
  std::vector<Worker> workers(n);
  std::atomic<uint64_t> clock{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int> started{0};
  {
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (size_t t = 0; t < n; ++t) {
      // Repeats differ in their jitter, so each meets other schedules.
      unsigned seed = static_cast<unsigned>(repeat * 7919 + t * 104729 + 1);
      threads.emplace_back(RunWorker, std::ref(driver), std::cref(c.threads[t]),
                           static_cast<uint8_t>(t + 1), seed, std::ref(clock),
                           std::ref(ready), std::ref(go), std::ref(started),
                           static_cast<int>(n), std::ref(workers[t]));
    }
    while (ready.load() < static_cast<int>(n)) std::this_thread::yield();
    go.store(true, std::memory_order_release);
    for (std::thread& th : threads) th.join();
  }
  ++stats->runs;

  CheckInput in;
  in.start = start;
  in.binding = start_binding;
  in.profile = opt.profile;
  for (Worker& w : workers) {
    stats->skipped += w.skipped;
    for (Event& e : w.events) in.history.push_back(std::move(e));
  }
  stats->events += in.history.size();
  for (const Event& e : in.history) {
    stats->notifications += e.outcome.notifications.size();
    for (const Event& f : in.history) {
      if (&e != &f && f.invoked < e.responded && e.invoked < f.responded) {
        ++stats->overlapped;
        break;
      }
    }
  }
  // Violations the driver saw during the parallel phase (THREAD.NOLOCK,
  // calls on a released callback, hangs) fail the run whatever the search
  // says.
  std::string violations = Violations(driver);
  Quiescence q;
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    q.callback_refs[cb] = driver.CallbackRefs(cb);
    q.callback_notified[cb] = driver.CallbackNotifications(cb);
  }
  for (int id : ObservedIds(start, start_binding, in.history)) {
    q.sample_refs.emplace_back(id, driver.ClientSampleRefs(id));
  }
  in.quiescence = std::move(q);

  CheckResult r = CheckLinearizable(in, opt.check);
  stats->nodes += r.nodes;
  stats->max_nodes = std::max(stats->max_nodes, r.nodes);
  std::string report;
  if (!violations.empty()) {
    report += "the driver recorded violations during the parallel phase:\n" + violations;
  }
  switch (r.verdict) {
    case Verdict::kLinearizable: {
      lockstep.Adopt(r.final_state, r.final_binding);
      // ALLOC.FREECOUNT and GetProperties after the threads are done: a
      // sample lost from or duplicated on the free list shows here even
      // when no list happened to ask (Apply compares the count after every
      // op; it is a no-op for an implementation without the interface).
      std::string fin = lockstep.Apply(spec::MakeSimple(spec::OpKind::kGetFreeCount));
      if (fin.empty()) fin = lockstep.Apply(spec::MakeSimple(spec::OpKind::kGetProperties));
      if (fin.empty()) fin = lockstep.Finish();
      if (!fin.empty()) {
        report += "teardown after the linearization found:\n";
        for (size_t i : r.order) report += "  " + FormatEvent(r.history[i]) + "\n";
        report += fin;
      }
      break;
    }
    case Verdict::kGaveUp:
      ++stats->gave_up;
      // No state to adopt: tear down for cleanliness, but the teardown
      // checks compare against the prefix's state, so they are not judged.
      lockstep.Finish();
      break;
    case Verdict::kNotLinearizable:
      report += r.report;
      lockstep.Finish();  // model state unknown: not judged
      break;
  }
  return report;
}

}  // namespace

void RunStats::Add(const RunStats& o) {
  runs += o.runs;
  gave_up += o.gave_up;
  events += o.events;
  overlapped += o.overlapped;
  skipped += o.skipped;
  nodes += o.nodes;
  max_nodes = std::max(max_nodes, o.max_nodes);
  notifications += o.notifications;
}

std::string ToTrace(const ParallelCase& c) {
  std::ostringstream os;
  os << "# sequential prefix (thread 0; sample numbers are model indices)\n";
  for (const Op& op : c.prefix) os << spec::ToString(op) << "\n";
  os << "# parallel phase: the @T lists start together; in them \"sample k\" is the sample\n"
        "# thread T's k-th GetBuffer of this phase got (ops on no sample are skipped)\n";
  for (size_t t = 0; t < c.threads.size(); ++t) {
    for (Op op : c.threads[t]) {
      op.thread = static_cast<uint8_t>(t + 1);
      os << spec::ToString(op) << "\n";
    }
  }
  return os.str();
}

RunResult RunParallelCase(const harness::Implementation& impl, const ParallelCase& c,
                          const RunOptions& options) {
  RunResult result;
  if (std::string why = Malformed(c); !why.empty()) {
    result.failed = true;
    result.report = "malformed parallel case: " + why;
    return result;
  }
  for (int rep = 0; rep < options.repeats; ++rep) {
    std::string report = RunOnce(impl, c, options, rep, &result.stats);
    if (!report.empty()) {
      result.failed = true;
      result.report = "repeat " + std::to_string(rep + 1) + " of " +
                      std::to_string(options.repeats) + " (fresh allocator, " + impl.name +
                      "):\n" + report;
      break;
    }
  }
  return result;
}

}  // namespace dsalloc::props::parallel
