// harness/parallel/parallel_runner.cpp: one parallel case, run and judged
// (parallel_runner.h).

#include "parallel_runner.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>

#include "harness/annotated_mutex.h"
#include "harness/divergence.h"
#include "harness/helper_thread.h"
#include "harness/keep_forever.h"
#include "harness/lockstep.h"
#include "harness/parallel/sample_arg.h"
#include "harness/sample_binding.h"
#include "harness/thread_sleep.h"

namespace dsalloc::props::parallel {
namespace {

namespace call = spec::call;
using spec::Op;
using SteadyClock = std::chrono::steady_clock;

// The callbacks the prefix let go of (COM.CALLBACK.CLIENT).
std::array<bool, spec::kNumCallbacks> ReleasedByPrefix(const ParallelCase& c) {
  std::array<bool, spec::kNumCallbacks> released{};
  for (const Op& op : c.prefix) {
    const spec::Call& prefix_call = op.call;
    const auto* release = std::get_if<call::CallbackRelease>(&prefix_call);
    if (release != nullptr && release->callback >= 0 && release->callback < spec::kNumCallbacks) {
      released[release->callback] = true;
    }
  }
  return released;
}

// Whether `c` is a SetNotify passing a callback the prefix let go of.
bool PassesReleased(const spec::Call& c, const std::array<bool, spec::kNumCallbacks>& released) {
  const auto* set = std::get_if<call::SetNotify>(&c);
  return set != nullptr && set->callback >= 0 && set->callback < spec::kNumCallbacks &&
         released[set->callback];
}

// Why a case cannot be run in parallel (caveat (b) of linearizability.cpp),
// or "".
std::string Malformed(const ParallelCase& c) {
  if (c.threads.empty() || c.threads.size() > static_cast<size_t>(kMaxParallelThreads)) {
    return "a parallel case needs 1.." + std::to_string(kMaxParallelThreads) + " thread lists";
  }
  for (const Op& op : c.prefix) {
    const spec::Call& prefix_call = op.call;
    // A reaction configured in the prefix would still run in the parallel
    // phase, where it is not atomic with its release (caveat b).
    const auto* reaction = std::get_if<call::SetReaction>(&prefix_call);
    if (reaction != nullptr && reaction->reaction != spec::Reaction::kNone) {
      return "the prefix configures a reaction: " + spec::ToString(op);
    }
  }
  // COM.CALLBACK.CLIENT: a callback the prefix let go of may be destroyed by
  // another thread's SetNotify at any moment, so no thread may pass it.
  const std::array<bool, spec::kNumCallbacks> released = ReleasedByPrefix(c);
  for (const auto& list : c.threads) {
    for (const Op& op : list) {
      const spec::Call& list_call = op.call;
      const spec::OpGroup group = spec::GroupOf(list_call);
      if (spec::Is<call::SetReaction>(list_call)) return "a parallel list configures a reaction";
      if (group == spec::OpGroup::kCallback) {
        return "a parallel list changes a callback's references: " + spec::ToString(op);
      }
      if (PassesReleased(list_call, released)) {
        return "a parallel list passes a callback the client let go of: " + spec::ToString(op);
      }
      if (op.oom || group == spec::OpGroup::kFactory) {
        return "a parallel list has an op outside the parallel vocabulary: " + spec::ToString(op);
      }
    }
  }
  return {};
}

// What one worker thread knows: the samples it obtained (its slots) and the
// references it holds, which only its own calls change (no reactions run in
// the parallel phase). Kept from its own calls, not from returned counts,
// so a wrong count from the implementation cannot steer the run.
struct Worker {
  std::vector<int> slots;        // observed id per GetBuffer run, -1 if none
  std::map<int, uint32_t> refs;  // observed id -> references held
  int allocator_refs = 0;        // AddRef / successful QI not yet Released
  std::vector<Event> events;
  size_t skipped = 0;
  size_t blocking = 0;  // blocking GetBuffer calls run
  // What the runner watches while the thread runs (the fields above are
  // read only after the thread has been joined).
  std::atomic<int> at{-1};           // index in the list of the call in progress
  std::atomic<size_t> event_at{0};   // index in `events` it will have
  std::atomic<bool> waiting{false};  // that call is a blocking GetBuffer
  std::atomic<bool> finished{false};
  std::atomic<int> tid{0};  // CurrentThreadId() (thread_sleep.h), set before `ready`

  // Counts the references a call that ran gave or took (`id`: the observed
  // sample of a sample call, o: what it returned).
  void Count(const spec::Call& c, const spec::Outcome& o, int id) {
    std::visit(spec::Overloaded{
                   [&](const call::GetBuffer&) {
                     if (o.hr == S_OK && o.sample.valid()) {
                       slots.push_back(o.sample.index);
                       ++refs[o.sample.index];
                     } else {
                       slots.push_back(-1);
                     }
                   },
                   [&](const call::SampleAddRef&) { ++refs[id]; },
                   [&](const call::SampleQueryInterface&) {
                     if (o.hr == S_OK) ++refs[id];
                   },
                   [&](const call::SampleRelease&) { --refs[id]; },
                   [&](const call::AddRef&) { ++allocator_refs; },
                   [&](const call::QueryInterface&) {
                     if (o.hr == S_OK) ++allocator_refs;
                   },
                   [&](const call::Release&) { --allocator_refs; },
                   // Every other call leaves the thread's references alone
                   // (no reactions run in the parallel phase).
                   [](const auto&) {},
               },
               c);
  }
};

// Everything the worker threads touch. RunOnce owns it; if a thread never
// returns (GEN.NOHANG) it is kept forever instead (keep_forever.h), so a
// late wake-up touches live memory (the allocator included).
struct Phase {
  Phase(const harness::Implementation& impl, const RunOptions& opt, const ParallelCase& c)
      : lockstep(impl, opt.profile, opt.driver),
        stall(opt.stall_before_blocking_call),
        lists(c.threads),
        hints(c.hints),
        workers(c.threads.size()) {
    hints.resize(lists.size());
  }
  harness::Lockstep lockstep;
  const std::chrono::microseconds stall;  // RunOptions::stall_before_blocking_call
  std::vector<std::vector<Op>> lists;
  std::vector<std::vector<ScheduleHint>> hints;  // one per list (ParallelCase)
  std::vector<Worker> workers;
  // Portable, and the server has no IMemAllocatorCallbackTemp (Wine): its
  // calls are outside the model's domain (step.h), so they are not run.
  bool no_callback_interface = false;
  std::atomic<uint64_t> clock{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int> started{0};
  // Steady-clock nanoseconds of the last call that returned or began to
  // wait: the runner decommits only after a quiet spell.
  std::atomic<int64_t> last_progress{0};
  // Wakes the runner when a worker finishes or begins a blocking call.
  harness::Mutex mu;
  harness::CondVar cv;
};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

// Sets a flag under the runner's mutex (so its check-then-wait cannot miss
// it) and wakes it.
void Signal(Phase& p, std::atomic<bool>& flag, bool value) {
  {
    harness::MutexLock lock(p.mu);
    flag.store(value);
    p.last_progress.store(NowNs());
  }
  p.cv.NotifyAll();
}

void Spin(unsigned n) {
  std::atomic<unsigned> sink{0};  // not optimised away
  for (unsigned i = 0; i < n; ++i) sink.fetch_add(1, std::memory_order_relaxed);
}

// A short busy wait: calls take microseconds, so a few hundred
// nanoseconds of jitter before each one shifts the interleaving.
void Jitter(std::minstd_rand& rng, unsigned max_spins) {
  unsigned n = static_cast<unsigned>(rng() % (max_spins + 1));
  Spin(n);
}

// ParallelCase::hints.
void FollowHint(const std::vector<ScheduleHint>& hints, size_t k) {
  switch (k < hints.size() ? hints[k] : ScheduleHint::kNone) {
    case ScheduleHint::kNone:
      return;
    case ScheduleHint::kYield:
      std::this_thread::yield();
      return;
    case ScheduleHint::kShortSpin:
      Spin(500);
      return;
    case ScheduleHint::kLongSpin:
      Spin(20000);
      return;
  }
}

void RunWorker(Phase& p, size_t t, unsigned seed) {
  harness::Driver& driver = p.lockstep.driver();
  const std::vector<Op>& list = p.lists[t];
  const uint8_t thread = static_cast<uint8_t>(t + 1);
  std::atomic<uint64_t>& clock = p.clock;
  const int workers = static_cast<int>(p.workers.size());
  Worker& w = p.workers[t];
  std::minstd_rand rng(seed);
  // Two spinning phases (yielding now and then: up to 3 workers and the
  // main thread share 2 cores): wait for `go`, then for every worker to have
  // seen it, so that no thread runs its whole list while another one is
  // still descheduled at the barrier.
  w.tid.store(harness::CurrentThreadId());
  p.ready.fetch_add(1);
  for (unsigned spins = 0; !p.go.load(std::memory_order_acquire); ++spins) {
    if ((spins & 0xFF) == 0xFF) std::this_thread::yield();
  }
  p.started.fetch_add(1);
  for (unsigned spins = 0; p.started.load(std::memory_order_acquire) < workers; ++spins) {
    if ((spins & 0xFF) == 0xFF) std::this_thread::yield();
  }
  for (size_t k = 0; k < list.size(); ++k) {
    Jitter(rng, 64);
    FollowHint(p.hints[t], k);
    spec::Call c = list[k].call;
    int id = -1;
    if (int32_t* slot = SampleArg(c)) {
      if (*slot < 0 || *slot >= static_cast<int>(w.slots.size()) ||
          w.slots[static_cast<size_t>(*slot)] < 0) {
        ++w.skipped;  // no such slot, or its GetBuffer failed
        continue;
      }
      id = w.slots[static_cast<size_t>(*slot)];
      if (w.refs[id] == 0) {
        ++w.skipped;  // released: outside the model's domain (step.h)
        continue;
      }
      *slot = id;
    }
    if (spec::Is<call::Release>(c) && w.allocator_refs == 0) {
      ++w.skipped;  // never drop the client's own reference in parallel
      continue;
    }
    if (p.no_callback_interface &&
        (spec::Is<call::SetNotify>(c) || spec::Is<call::GetFreeCount>(c))) {
      ++w.skipped;
      continue;
    }
    Event e;
    e.op = spec::MakeOp(c, thread, list[k].oom);
    e.source = static_cast<int>(k);
    // A blocking GetBuffer may wait for another thread's release, or for
    // the runner's Decommit (RunOnce) if nothing else can wake it.
    const auto* get = std::get_if<call::GetBuffer>(&c);
    const bool blocking = get != nullptr && !get->NoWait();
    w.at.store(static_cast<int>(k));
    w.event_at.store(w.events.size());
    // Stamped before `waiting` is set: a call the runner sees waiting was
    // invoked before the runner's Decommit (Event::took_effect_before).
    e.invoked = clock.fetch_add(1);
    if (blocking) {
      ++w.blocking;
      Signal(p, w.waiting, true);
      if (p.stall.count() > 0) {
        const auto until = std::chrono::steady_clock::now() + p.stall;
        while (std::chrono::steady_clock::now() < until) {
        }
      }
    }
    e.outcome = driver.RunDirect(e.op);
    e.responded = clock.fetch_add(1);
    if (blocking) w.waiting.store(false);
    p.last_progress.store(NowNs());
    w.Count(c, e.outcome, id);
    w.events.push_back(std::move(e));
  }
  Signal(p, w.finished, true);
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
    if (const int32_t* sample = SampleArg(e.op.call)) ids.insert(*sample);
    if ((e.outcome.written & (spec::kOutSample | spec::kOutPointer)) && e.outcome.sample.valid()) {
      ids.insert(e.outcome.sample.index);
    }
  }
  return {ids.begin(), ids.end()};
}

// Whether real time orders the client's calls of `history` (sorted by
// invocation) up to and including call `last` (history.size(): all of
// them): none of them overlaps another client call, so every linearization
// takes them in that order, and a call the model rejects there is a
// sequential failure. The runner's own Decommit does not count: it is made
// only while every client thread is blocked in GetBuffer, so with one client
// thread it overlaps just the call it wakes, whose result (NOT_COMMITTED)
// and the state after are the same in either order.
bool SequentialThrough(const std::vector<Event>& history, size_t last) {
  const Event* previous = nullptr;
  for (size_t i = 0; i < history.size() && i <= last + 1; ++i) {
    if (history[i].op.thread == kRunnerThread) continue;
    if (previous != nullptr && previous->responded > history[i].invoked) return false;
    previous = &history[i];
  }
  return true;
}

// The driver's violations, a line each, for people.
std::string ViolationLines(const std::vector<harness::Violation>& violations) {
  std::string out;
  for (const harness::Violation& v : violations) {
    out += "  violation " + v.rule + ": " + v.detail + "\n";
  }
  return out;
}

// The facts of a finding about the parallel phase as a whole (no one op):
// its rule and counts, and its first line as what was observed.
harness::Divergence Facts(const harness::Finding& f, std::string expected) {
  harness::Divergence d;
  d.rule = f.rule;
  d.expected = std::move(expected);
  d.observed = std::string(f.Summary());
  d.counts = f.counts;
  return d;
}

// Calls that never returned (GEN.NOHANG), as the runner found them.
struct Hang {
  // A rule the hang breaks besides GEN.NOHANG: ALLOC.DECOMMIT.WAKE when the
  // calls are GetBuffers the runner's Decommit should have woken; or "".
  std::string_view also;
  std::string what;   // which calls did not return, within how long
  std::string calls;  // the calls still running, a line each

  bool found() const { return !what.empty(); }
  // "GEN.NOHANG[ / ALSO]: what:" and the calls, for people.
  std::string Message() const { return Heading() + ": " + what + ":\n" + calls; }
  // Tabulated under GEN.NOHANG; what was observed is the message's first
  // line, less the rule it heads with when that is GEN.NOHANG alone.
  harness::Divergence Facts() const {
    harness::Divergence d;
    d.rule = "GEN.NOHANG";
    d.expected = "every call returns";
    d.observed = (also.empty() ? what : Heading() + ": " + what) + ":";
    return d;
  }
  // The rules, as the message heads with them.
  std::string Heading() const {
    return also.empty() ? "GEN.NOHANG" : "GEN.NOHANG / " + std::string(also);
  }
};

// Runs the worker threads of `p` and waits for them. When every thread
// still running is inside a blocking GetBuffer and nothing has happened
// for a quiet spell, no worker can wake them: the runner itself calls
// Decommit (thread kRunnerThread, an event of the history) so that they
// return (ALLOC.DECOMMIT.WAKE). Returns no hang once every thread has
// joined, or the calls that hung (GEN.NOHANG), with the threads still
// running detached.
Hang RunThreads(Phase& p, int repeat, const RunOptions& opt, std::vector<Event>* runner_events) {
  // (worker, event index, clock): that event was waiting when the runner
  // invoked its Decommit at that clock value.
  std::vector<std::tuple<size_t, size_t, uint64_t>> waiting_at_decommit;
  const size_t n = p.workers.size();
  // Helper threads (helper_thread.h): a run per case, no thread start per run.
  std::vector<harness::HelperThread> threads;
  threads.reserve(n);
  for (size_t t = 0; t < n; ++t) {
    // Repeats differ in their jitter, so each meets other schedules.
    unsigned seed =
        static_cast<unsigned>(repeat * 7919 + t * 104729 + 1) + opt.schedule_seed * 15485863u;
    threads.emplace_back([&p, t, seed] { RunWorker(p, t, seed); });
  }
  while (p.ready.load() < static_cast<int>(n)) std::this_thread::yield();
  p.last_progress.store(NowNs());
  p.go.store(true, std::memory_order_release);

  // The quiet spell (Driver::Options::settle, as a sequential blocked
  // GetBuffer gets to prove it blocks). Each call the runner then sees
  // waiting is taken to have entered the allocator before its Decommit
  // (took_effect_before), which is what makes a lost wake-up visible
  // (THREAD.NOLOSTWAKE). A thread preempted for the whole spell between
  // its invocation stamp and the allocator's lock would break that
  // assumption, and on a loaded machine one is, for longer than any spell
  // (seen: a false NOT LINEARIZABLE against dsalloc itself, with the
  // machine oversubscribed 4 times): so where the kernel tells
  // (thread_sleep.h), every waiting thread must also be asleep and
  // unscheduled for harness::kAsleepSpan; a preempted thread is runnable, not
  // asleep. Elsewhere only the spell guards it. (A thread woken by a
  // hand-off but not yet running is harmless: the hand-off is linearized
  // before the Decommit.)
  std::vector<harness::SleepWatch> sleep;
  sleep.reserve(n);
  for (const Worker& w : p.workers) sleep.emplace_back(w.tid.load());
  auto all_waiting_asleep = [&] {
    bool asleep = true;
    for (size_t t = 0; t < n; ++t) {
      const Worker& w = p.workers[t];
      if (w.finished.load() || !sleep[t].Supported()) continue;
      // Every watch looks each time, so that its first look stays fresh.
      if (!sleep[t].Settled(harness::kAsleepSpan)) asleep = false;
    }
    return asleep;
  };
  const int64_t quiet_ns =
      std::max<int64_t>(2'000'000, std::chrono::nanoseconds(opt.driver.settle).count());
  const int64_t hang_ns = std::chrono::nanoseconds(opt.driver.hang_timeout).count();
  const int64_t unproven_ns = std::max<int64_t>(8 * quiet_ns, 50'000'000);
  // The calls (worker, list index) the runner's last Decommit had to wake,
  // and when it returned.
  std::vector<std::pair<size_t, int>> must_wake;
  int64_t woken_at = 0;
  Hang hung;
  {
    harness::MutexLock lock(p.mu);
    for (;;) {
      bool all_done = true;
      bool all_waiting = true;
      for (const Worker& w : p.workers) {
        if (w.finished.load()) continue;
        all_done = false;
        if (!w.waiting.load()) all_waiting = false;
      }
      if (all_done) break;
      const int64_t now = NowNs();
      if (!must_wake.empty()) {
        // GEN.NOHANG, ALLOC.DECOMMIT.WAKE: every GetBuffer blocked when
        // the runner's Decommit ran must return (a second Decommit would
        // hide a waiter the first one left behind).
        std::string still;
        for (const auto& [t, k] : must_wake) {
          const Worker& w = p.workers[t];
          if (w.waiting.load() && w.at.load() == k) {
            still += "  thread " + std::to_string(t + 1) + ", call " + std::to_string(k + 1) +
                     " of its list: " + spec::ToString(p.lists[t][static_cast<size_t>(k)]) + "\n";
          }
        }
        if (still.empty()) {
          must_wake.clear();
        } else if (now - woken_at > hang_ns) {
          hung.also = "ALLOC.DECOMMIT.WAKE";
          hung.what = "blocked GetBuffer calls did not return within " +
                      std::to_string(hang_ns / 1'000'000) +
                      " ms of the runner's Decommit (thread " + std::to_string(kRunnerThread) +
                      ", which returned " + spec::HresultName(runner_events->back().outcome.hr) +
                      ")";
          hung.calls = std::move(still);
          break;
        }
      } else if (const int64_t still_for = now - p.last_progress.load();
                 all_waiting && still_for > quiet_ns &&
                 (still_for > unproven_ns || all_waiting_asleep())) {
        // Past unproven_ns the threads are woken all the same (one that
        // polls instead of sleeping is never seen asleep), but no call is
        // claimed to have been in effect before the Decommit. One read of
        // last_progress decides both: with two, progress made in between
        // could let an unproven Decommit claim what it did not see.
        const bool proven = still_for <= unproven_ns;
        for (size_t t = 0; t < n; ++t) {
          const Worker& w = p.workers[t];
          if (!w.finished.load() && w.waiting.load()) must_wake.emplace_back(t, w.at.load());
        }
        lock.Unlock();
        Event e;
        e.op = spec::MakeOp(call::Decommit{}, kRunnerThread);
        e.invoked = p.clock.fetch_add(1);
        for (const auto& [t, k] : must_wake) {
          if (proven) waiting_at_decommit.emplace_back(t, p.workers[t].event_at.load(), e.invoked);
        }
        e.outcome = p.lockstep.driver().RunDirect(e.op);
        e.responded = p.clock.fetch_add(1);
        runner_events->push_back(std::move(e));
        woken_at = NowNs();
        lock.Lock();
        continue;
      } else if (!all_waiting && now - p.last_progress.load() > hang_ns) {
        std::string still;
        for (size_t t = 0; t < n; ++t) {
          const Worker& w = p.workers[t];
          int k = w.at.load();
          if (!w.finished.load() && !w.waiting.load() && k >= 0) {
            still += "  thread " + std::to_string(t + 1) + ": " +
                     spec::ToString(p.lists[t][static_cast<size_t>(k)]) + "\n";
          }
        }
        hung.what = "no call returned for " + std::to_string(hang_ns / 1'000'000) +
                    " ms; still running (not a blocking GetBuffer)";
        hung.calls = std::move(still);
        break;
      }
      lock.WaitUntil(p.cv, SteadyClock::now() + std::chrono::milliseconds(1));
    }
  }
  if (hung.found()) {
    // The stuck threads keep pointers into p: RunOnce keeps it forever.
    for (size_t t = 0; t < n; ++t) {
      if (p.workers[t].finished.load()) {
        threads[t].join();
      } else {
        threads[t].detach();
      }
    }
    return hung;
  }
  for (harness::HelperThread& th : threads) th.join();
  for (const auto& [t, k, clock] : waiting_at_decommit) {
    Event& e = p.workers[t].events.at(k);
    e.took_effect_before = std::min(e.took_effect_before, clock);
  }
  return {};
}

// One repeat. Returns "" or the failure report, with its facts in
// result->divergence and result->history.
std::string RunOnce(const harness::Implementation& impl, const ParallelCase& c,
                    const RunOptions& opt, int repeat, RunResult* result) {
  RunStats* stats = &result->stats;
  auto phase = std::make_unique<Phase>(impl, opt, c);
  harness::Lockstep& lockstep = phase->lockstep;
  if (std::string d = lockstep.ApplyAll(c.prefix); !d.empty()) {
    result->divergence = lockstep.divergence();
    return "the sequential prefix diverged (before any thread started):\n" + d;
  }
  const spec::State start = lockstep.model();
  phase->no_callback_interface =
      opt.profile == spec::Profile::kPortable && start.traits[spec::kTraitCallbackIface] == 2;
  const harness::SampleBinding start_binding = lockstep.binding();
  harness::Driver& driver = lockstep.driver();
  if (start.destroyed || start.client_refs == 0) {
    // The prefix released the client's last allocator reference: the
    // threads would call an allocator that may be gone (outside every
    // profile's domain; the runner checks none per op). Only the teardown
    // is judged.
    ++stats->runs;
    return lockstep.Finish();
  }

  std::vector<Event> runner_events;
  if (Hang hung = RunThreads(*phase, repeat, opt, &runner_events); hung.found()) {
    ++stats->runs;
    // Not judged further: the history is incomplete, and tearing the
    // allocator down under a blocked thread could crash the run.
    // GEN.NOHANG: its threads never returned and may still touch it.
    harness::KeepForever(std::move(phase));
    result->divergence = hung.Facts();
    return hung.Message();
  }
  ++stats->runs;
  std::vector<Worker>& workers = phase->workers;

  CheckInput in;
  in.start = start;
  in.binding = start_binding;
  in.profile = opt.profile;
  for (Worker& w : workers) {
    stats->skipped += w.skipped;
    stats->blocking += w.blocking;
    for (Event& e : w.events) in.history.push_back(std::move(e));
  }
  stats->runner_decommits += runner_events.size();
  for (Event& e : runner_events) in.history.push_back(std::move(e));
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
  const std::vector<harness::Violation> violations = driver.TakeViolations();
  Quiescence q;
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    q.callback_refs[cb] = driver.CallbackRefs(cb);
    q.callback_notified[cb] = driver.CallbackNotifications(cb);
  }
  for (int id : ObservedIds(start, start_binding, in.history)) {
    q.sample_refs.emplace_back(id, driver.ClientSampleRefs(id));
  }
  {
    // The client still holds its reference (lists balance AddRef/Release).
    spec::Outcome props = driver.RunDirect(spec::MakeOp(call::GetProperties{}));
    if (props.hr == S_OK && (props.written & spec::kOutProps)) q.props = props.props;
  }
  in.quiescence = std::move(q);

  CheckResult r = CheckLinearizable(in, opt.check);
  stats->nodes += r.nodes;
  stats->max_nodes = std::max(stats->max_nodes, r.nodes);
  std::string report;
  if (!violations.empty()) {
    report +=
        "the driver recorded violations during the parallel phase:\n" + ViolationLines(violations);
    const harness::Violation& first = violations.front();
    result->divergence =
        Facts(harness::Finding{first.rule, first.detail, std::nullopt}, "no violation");
  }
  switch (r.verdict) {
    case Verdict::kLinearizable: {
      lockstep.ContinueFrom(r.final_state, r.final_binding);
      // Buffers shown in the parallel phase, against those of the prefix
      // (SAMPLE.POINTER, ALLOC.SAMPLE.LAYOUT): sound only while no Commit
      // made new samples and the layout is the prefix's, which holds when
      // the generation and the properties are where the prefix left them.
      harness::Finding placement;
      if (r.final_state.generation == start.generation &&
          std::memcmp(&r.final_state.props, &start.props, sizeof start.props) == 0) {
        for (const Event& e : in.history) {
          if (!spec::Is<call::GetPointer>(e.op.call)) continue;
          placement = lockstep.CheckBuffers(e.outcome);
          if (placement.found()) break;
        }
      }
      if (placement.found()) {
        report += "buffers in the parallel phase:\n  " + placement.Message() + "\n";
        result->divergence = Facts(placement, "aligned, stable and disjoint buffers");
        lockstep.Finish();
        break;
      }
      // ALLOC.FREECOUNT and GetProperties after the threads are done: a
      // sample lost from or duplicated on the free list shows here even
      // when no list happened to ask (Apply compares the count after every
      // op; it is a no-op for an implementation without the interface).
      std::string fin = lockstep.Apply(spec::MakeOp(call::GetFreeCount{}));
      if (fin.empty()) fin = lockstep.Apply(spec::MakeOp(call::GetProperties{}));
      if (fin.empty()) fin = lockstep.Finish();
      for (std::string_view rule : lockstep.rules_applied()) result->rules_applied.insert(rule);
      if (!fin.empty()) {
        result->divergence = lockstep.divergence();
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
      if (!violations.empty()) {
        // The violation's rule decides.
      } else if (!r.stuck.rule.empty() && SequentialThrough(r.history, r.stuck.event)) {
        // No client call up to the rejected one overlapped another: that
        // much of the history is sequential, and the model's rule for the
        // call it rejects is the rule broken, as the Lockstep would name
        // it. Nothing concurrent led there: THREAD.SAFE would be false.
        const size_t at = r.stuck.event;
        result->divergence.rule = r.stuck.rule;
        result->divergence.op = at < r.history.size() ? spec::ToString(r.history[at].op) : "";
        result->divergence.expected = r.stuck.expected;
        result->divergence.observed = r.stuck.observed;
        report +=
            "no call up to the rejected one overlapped another: one order only, so the "
            "rule the model applied (" +
            r.stuck.rule + ") is the one broken, not THREAD.SAFE\n";
      } else {
        result->divergence.rule = "THREAD.SAFE";
        result->divergence.expected =
            "some order of the calls, respecting real time, that the model allows";
        result->divergence.observed = "no such order explains the results";
      }
      lockstep.Finish();  // model state unknown: not judged
      break;
  }
  if (!report.empty()) result->history = in.history;
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
  blocking += o.blocking;
  runner_decommits += o.runner_decommits;
}

void PassOnlyHeldCallbacks(ParallelCase& c) {
  const std::array<bool, spec::kNumCallbacks> released = ReleasedByPrefix(c);
  for (std::vector<Op>& list : c.threads) {
    for (Op& op : list) {
      if (PassesReleased(op.call, released)) {
        op = spec::MakeOp(call::SetNotify{-1}, op.thread, op.oom);
      }
    }
  }
}

std::optional<ParallelCase> CaseFromTrace(const std::vector<Op>& ops, std::string* error) {
  ParallelCase c;
  for (const Op& op : ops) {
    if (op.thread == 0) {
      c.prefix.push_back(op);
      continue;
    }
    if (op.thread > kMaxParallelThreads) {
      if (error != nullptr) {
        *error = "a parallel case has threads 1.." + std::to_string(kMaxParallelThreads) + " only";
      }
      return std::nullopt;
    }
    if (c.threads.size() < op.thread) c.threads.resize(op.thread);
    c.threads[op.thread - 1].push_back(op);
  }
  return c;
}

std::optional<ParallelCase> CaseFromTrace(const spec::Trace& trace, std::string* error) {
  std::vector<Op> ops;
  ops.reserve(trace.size());
  for (const spec::TraceLine& line : trace) {
    const auto* op = std::get_if<Op>(&line);
    if (op == nullptr) {
      if (error != nullptr)
        *error = "a parallel case has no Repeat blocks: " + spec::ToString(line);
      return std::nullopt;
    }
    ops.push_back(*op);
  }
  return CaseFromTrace(ops, error);
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
    std::string report = RunOnce(impl, c, options, rep, &result);
    if (!report.empty()) {
      result.failed = true;
      result.report = "repeat " + std::to_string(rep + 1) + " of " +
                      std::to_string(options.repeats) + " (fresh allocator, " + impl.name + "):\n" +
                      report;
      break;
    }
  }
  return result;
}

}  // namespace dsalloc::props::parallel
