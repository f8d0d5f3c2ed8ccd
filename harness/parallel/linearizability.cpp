// harness/parallel/linearizability.cpp: the linearization search
// (linearizability.h), after Wing & Gong with Lowe's memoisation.
//
// Concurrency caveats: places where a correct implementation's observations
// legitimately differ from what the sequential model computes at the
// linearization point, and how the search accounts for them. Each caveat
// only ever widens a comparison for a call that overlapped another call in
// real time; a call that overlapped nothing is compared exactly, as the
// Lockstep would.
//
//  (a) Notification::refs_at_entry. The release is linearized where the
//      allocator takes its lock; NotifyRelease runs after the lock is
//      dropped (THREAD.NOLOCK). Between the two, an overlapping SetNotify
//      may install or uninstall that callback, and overlapping releases hold
//      their own snapshot references (NOTIFY.SNAPSHOT); each overlapping call
//      holds at most one reference at a time (a SetNotify AddRefs the new
//      callback before it Releases the old one). So the observed count must
//      be >= 1 (the snapshot is held: NOTIFY.SNAPSHOT), and within the
//      model's count +- the number of calls overlapping this one.
//  (b) Reactions. A reaction runs inside NotifyRelease, after the lock is
//      dropped, so it is not atomic with the release that caused it: the
//      model (which runs it inside the release's step) cannot be a
//      sequential specification for it. The checker refuses histories that
//      configure one (and start states that have one).
//  (c) Blocking GetBuffer. A GetBuffer without AM_GBF_NOWAIT is linearized
//      either as an immediate transition (the model does not block: its
//      outcome must match the observed result), or as a BLOCKED one
//      (ALLOC.GETBUFFER.WAIT: the thread joins State::waiters). A blocked
//      call stays OPEN until a later linearized call lists a Completion for
//      its thread (a sample Release handing it a sample,
//      ALLOC.RELEASEBUFFER.HANDOFF; a Decommit waking it,
//      ALLOC.DECOMMIT.WAKE); the blocked call's observed result (hr, and its
//      sample through the binding) must equal that Completion. The
//      completing call is compared with its model outcome minus the
//      completions (a thread's own observations never include another
//      thread's wake-up). While a call is open, no call invoked after it
//      responded may be linearized (its completion must come first): that
//      gives real-time order (the completing call was invoked before the
//      woken call responded) and program order (the waiter's next call)
//      at once. A complete linearization leaves no call open, so a sample
//      left free while a thread waits (THREAD.NOLOSTWAKE) or a waiter that
//      got something nobody handed it is not linearizable. A thread that
//      never returns cannot be checked here: the runner reports it
//      (GEN.NOHANG).
//  (d) Allocator AddRef/Release return values. The allocator drops its
//      self-reference after unlocking (Decommit, and the release that
//      completes a pending decommit: LIFE.SELFREF, NOTIFY.BEFORESELF), so a
//      concurrent AddRef may count a self-reference the model has already
//      dropped; and the driver reaches GetFreeCount and SetNotify (and its
//      THREAD.NOLOCK probe inside NotifyRelease) through a transient
//      QueryInterface(IID_IMemAllocatorCallbackTemp) reference. One
//      overlapping call can account for up to 2 (a release that completes a
//      decommit while its probe holds a reference), so the value must be
//      within the model's +- 2 x the overlapping calls. COM counts are
//      advisory; the teardown checks (GEN.NOLEAK) judge the balance.

#include "linearizability.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <unordered_set>

#include "harness/divergence.h"
#include "harness/driver.h"
#include "spec/model/calls.h"
#include "spec/model/step.h"

namespace dsalloc::props::parallel {
namespace {

using harness::SampleBinding;

size_t Mix(size_t h, size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

// A memo entry: a node of the search that was fully explored without
// finding a linearization.
struct Key {
  uint64_t done;
  uint64_t open;  // linearized as blocked, not yet completed (caveat c)
  spec::State state;
  SampleBinding binding;
  friend bool operator==(const Key&, const Key&) = default;
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h =
        Mix(Mix(std::hash<uint64_t>()(k.done), std::hash<uint64_t>()(k.open)), k.state.Hash());
    // SampleBinding has no hash; equal bindings map the current
    // generation's indices to equal ids, so this is consistent with ==.
    for (size_t i = 0; i < k.state.samples.size(); ++i) {
      h = Mix(h, static_cast<size_t>(k.binding.ObservedId(k.state.generation, static_cast<int>(i)) +
                                     1));
    }
    return h;
  }
};

// The first reason the history is outside what the checker supports
// (caveat (b); and a start with waiters, whose calls are not in the
// history), or "".
std::string Unsupported(const CheckInput& in) {
  if (in.history.size() > kMaxEvents) {
    return "history has " + std::to_string(in.history.size()) +
           " calls; the checker takes at most " + std::to_string(kMaxEvents);
  }
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    if (in.start.callbacks[cb].reaction != spec::Reaction::kNone) {
      return "callback " + std::to_string(cb) +
             " has a reaction configured at the start (caveat b)";
    }
  }
  if (!in.start.waiters.empty()) {
    return "the start state has blocked GetBuffer calls, which the history cannot complete";
  }
  for (const Event& e : in.history) {
    if (spec::Is<spec::call::SetReaction>(e.op.call)) {
      return "the history configures a reaction: " + spec::ToString(e.op) + " (caveat b)";
    }
    if (e.invoked >= e.responded) {
      return "call responded before it was invoked: " + FormatEvent(e);
    }
    if (e.took_effect_before <= e.invoked) {
      return "call took effect before it was invoked: " + FormatEvent(e);
    }
  }
  return {};
}

// spec::ToString of an observed outcome, with observed handles written
// "(#id)" instead of "(4294967295,id)".
std::string ObservedText(const spec::Outcome& o) {
  std::string text = spec::ToString(o);
  std::string gen = "(";
  gen += std::to_string(harness::kObservedGeneration);
  gen += ',';
  for (size_t at = text.find(gen); at != std::string::npos; at = text.find(gen, at)) {
    text.replace(at, gen.size(), "(#");
  }
  return text;
}

class Search {
 public:
  Search(const CheckInput& in, const CheckOptions& opt, CheckResult* out)
      : in_(in), opt_(opt), out_(out) {}

  void Run();

 private:
  bool Dfs(uint64_t done, uint64_t open, const spec::State& s, const SampleBinding& b);
  // Caveat (c): matches each model Completion of the call being linearized
  // with the open blocked call of its thread (binding its sample in *b) and
  // removes it from *open. "" or the first difference.
  std::string Complete(const std::vector<spec::Completion>& completions, uint64_t* open,
                       SampleBinding* b) const;
  // Caveats (a) and (d): widens `expected` to the observed value where the
  // difference is explained by calls overlapping event i.
  void Relax(size_t i, spec::Outcome* expected) const;
  // What differs between `s` (and `b`) and the quiescent observation,
  // every difference on one line, under the rule of the first one.
  harness::Finding QuiescenceDiff(const spec::State& s, const SampleBinding& b) const;
  std::string Report(bool gave_up) const;
  void SetStuck() const;

  struct Attempt {
    size_t event;
    std::string expected;        // model outcome (model handles), or ""
    std::string why;             // the difference
    std::string rule = {};       // the SPEC.md rule the model applied, if any
    bool outcomes_only = false;  // why only says the outcomes differ (shown beside it)
  };

  const CheckInput& in_;
  const CheckOptions& opt_;
  CheckResult* out_;
  std::vector<Event> h_;        // sorted by invocation
  std::vector<uint64_t> pred_;  // calls that must precede each call
  // Calls that must be linearized before each call, possibly as blocked
  // (Event::took_effect_before).
  std::vector<uint64_t> before_;
  std::vector<int> overlap_;  // calls overlapping each call
  // AddRef and Release calls: each returns the allocator's reference count,
  // which overlapping calls may move (caveat d).
  uint64_t refcount_calls_ = 0;
  uint64_t all_ = 0;
  std::unordered_set<Key, KeyHash> failed_;
  std::vector<size_t> order_;
  uint64_t blocked_in_order_ = 0;  // calls of order_ linearized as blocked
  size_t nodes_ = 0;
  size_t memo_hits_ = 0;
  bool gave_up_ = false;
  // The deepest node reached, for the report.
  long best_depth_ = -1;
  size_t best_node_ = 0;
  std::vector<size_t> best_order_;
  uint64_t best_blocked_ = 0;
  spec::State best_state_;
  std::vector<Attempt> best_attempts_;
};

void Search::Run() {
  h_ = in_.history;
  std::stable_sort(h_.begin(), h_.end(),
                   [](const Event& a, const Event& b) { return a.invoked < b.invoked; });
  out_->history = h_;
  if (std::string why = Unsupported(in_); !why.empty()) {
    // A caller bug, never to be mistaken for a pass.
    out_->verdict = Verdict::kNotLinearizable;
    out_->report = "checker precondition violated: " + why;
    return;
  }
  const size_t n = h_.size();
  pred_.assign(n, 0);
  before_.assign(n, 0);
  overlap_.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      if (h_[j].responded < h_[i].invoked) pred_[i] |= uint64_t{1} << j;
      if (h_[j].took_effect_before <= h_[i].invoked) before_[i] |= uint64_t{1} << j;
      if (h_[j].invoked < h_[i].responded && h_[i].invoked < h_[j].responded) ++overlap_[i];
    }
    const spec::Call& c = h_[i].op.call;
    if (spec::Is<spec::call::AddRef>(c) || spec::Is<spec::call::Release>(c)) {
      refcount_calls_ |= uint64_t{1} << i;
    }
  }
  all_ = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  bool ok = Dfs(0, 0, in_.start, in_.binding);
  out_->nodes = nodes_;
  out_->memo_hits = memo_hits_;
  if (ok) {
    out_->verdict = Verdict::kLinearizable;
    out_->order = order_;
    return;
  }
  out_->verdict = gave_up_ ? Verdict::kGaveUp : Verdict::kNotLinearizable;
  out_->report = Report(gave_up_);
  if (!gave_up_) SetStuck();
}

void Search::SetStuck() const {
  for (const Attempt& a : best_attempts_) {
    if (a.rule.empty()) continue;
    CheckResult::Stuck& stuck = out_->stuck;
    stuck.event = a.event;
    stuck.rule = a.rule;
    if (a.event >= h_.size()) {
      stuck.expected = "the end state the model reaches after these calls";
      stuck.observed = a.why;
    } else {
      stuck.expected = a.expected;
      stuck.observed = ObservedText(h_[a.event].outcome);
    }
    return;
  }
}

void Search::Relax(size_t i, spec::Outcome* expected) const {
  const int k = overlap_[i];
  if (k == 0) return;  // no concurrency: exact comparison
  const spec::Outcome& observed = h_[i].outcome;
  // (a) refs_at_entry, notification by notification (same callback only;
  // anything else is a real difference Reconcile will report).
  size_t m = std::min(expected->notifications.size(), observed.notifications.size());
  for (size_t j = 0; j < m; ++j) {
    spec::Notification& e = expected->notifications[j];
    const spec::Notification& o = observed.notifications[j];
    if (e.callback != o.callback) continue;
    int64_t lo = std::max<int64_t>(1, int64_t{e.refs_at_entry} - k);
    int64_t hi = int64_t{e.refs_at_entry} + k;
    if (o.refs_at_entry >= lo && o.refs_at_entry <= hi) e.refs_at_entry = o.refs_at_entry;
  }
  // (d) the allocator's own reference count.
  if ((refcount_calls_ >> i & 1) && std::llabs(observed.value - expected->value) <= 2 * k) {
    expected->value = observed.value;
  }
}

std::string Search::Complete(const std::vector<spec::Completion>& completions, uint64_t* open,
                             SampleBinding* b) const {
  for (const spec::Completion& c : completions) {
    size_t j = h_.size();
    for (size_t k = 0; k < h_.size(); ++k) {
      if ((*open >> k & 1) && h_[k].op.thread == c.thread) j = k;
    }
    if (j == h_.size()) {
      // The model only completes threads a linearized call made wait.
      return "the model completes a blocked GetBuffer of thread " + std::to_string(c.thread) +
             ", which has no open blocked call (checker bug)";
    }
    // What the woken GetBuffer must have returned (ALLOC.GETBUFFER.CLEAR:
    // *ppBuffer is written, NULL unless S_OK).
    spec::Outcome want;
    want.hr = c.hr;
    want.written = spec::kOutSample;
    want.sample = c.sample;
    if (SampleBinding::Mismatch m = b->Reconcile(h_[j].outcome, want); m.found()) {
      return "it wakes #" + std::to_string(j) + " (" + spec::ToString(h_[j].op) +
             ", linearized as blocked), which the model says returns " + spec::ToString(want) +
             ", but it returned " + ObservedText(h_[j].outcome) + ": " + m.detail;
    }
    *open &= ~(uint64_t{1} << j);
  }
  return {};
}

bool Search::Dfs(uint64_t done, uint64_t open, const spec::State& s, const SampleBinding& b) {
  Key key{done, open, s, b};
  if (failed_.count(key) != 0) {
    ++memo_hits_;
    return false;
  }
  if (nodes_ >= opt_.node_bound) {
    gave_up_ = true;
    return false;
  }
  const size_t id = nodes_++;
  const long depth = static_cast<long>(order_.size());
  if (depth > best_depth_) {
    best_depth_ = depth;
    best_node_ = id;
    best_order_ = order_;
    best_blocked_ = blocked_in_order_;
    best_state_ = s;
    best_attempts_.clear();
  }
  // Only the deepest node's failures are reported; a child that goes
  // deeper takes over (so this is re-evaluated after each child).
  auto recording = [&] { return id == best_node_; };
  if (done == all_ && open != 0) {
    // Every call linearized, but some GetBuffer is still blocked in the
    // model although it returned: nothing the model allows woke it.
    if (recording()) {
      std::string which;
      for (size_t k = 0; k < h_.size(); ++k) {
        if (open >> k & 1) which += " #" + std::to_string(k);
      }
      best_attempts_.push_back(
          {h_.size(), "",
           "calls linearized as blocked were never completed by a hand-off or a Decommit"
           " (ALLOC.GETBUFFER.WAIT, ALLOC.RELEASEBUFFER.HANDOFF, ALLOC.DECOMMIT.WAKE):" +
               which});
    }
    failed_.insert(std::move(key));
    return false;
  }
  if (done == all_) {
    if (!in_.quiescence) {
      out_->final_state = s;
      out_->final_binding = b;
      return true;
    }
    harness::Finding diff = QuiescenceDiff(s, b);
    if (!diff.found()) {
      out_->final_state = s;
      out_->final_binding = b;
      return true;
    }
    if (recording()) best_attempts_.push_back({h_.size(), "", diff.detail, diff.rule});
    return false;
  }
  for (size_t i = 0; i < h_.size(); ++i) {
    const uint64_t bit = uint64_t{1} << i;
    // Not minimal: done, or a call that must precede it is pending or open
    // (caveat c: an open call's completion precedes every call invoked after
    // it responded).
    if ((done & bit) || (pred_[i] & (~done | open)) != 0 || (before_[i] & ~done) != 0) {
      continue;
    }
    const Event& e = h_[i];
    spec::Op model_op;
    if (!b.ToModel(s.generation, e.op, &model_op)) {
      if (recording()) {
        // ToModel fails only for a call that names a sample
        // (spec::NamedSample), one this binding cannot map.
        best_attempts_.push_back(
            {i, "",
             "names observed sample " + std::to_string(*spec::NamedSample(e.op.call)) +
                 ", which this order does not bind to a sample of generation " +
                 std::to_string(s.generation)});
      }
      continue;
    }
    spec::Transitions ts = spec::Step(s, model_op, in_.profile);
    if (ts.empty() && recording()) {
      best_attempts_.push_back(
          {i, "", "outside the model's domain here (" + spec::ToString(model_op) + ")"});
    }
    for (spec::Transition& t : ts) {
      SampleBinding nb = b;
      uint64_t next_open = open;
      if (t.outcome.blocked) {
        // Caveat (c): the call waits here; its result is judged when a
        // later call completes it.
        next_open |= bit;
      } else {
        spec::Outcome expected = t.outcome;
        expected.completions.clear();
        Relax(i, &expected);
        SampleBinding::Mismatch m = nb.Reconcile(e.outcome, expected);
        const bool outcomes_only = m.kind == SampleBinding::Mismatch::Kind::kOutcome;
        std::string diff =
            m.found() ? std::move(m.detail) : Complete(t.outcome.completions, &next_open, &nb);
        if (!diff.empty()) {
          if (recording()) {
            best_attempts_.push_back(
                {i, spec::ToString(t.outcome), diff, std::string(t.outcome.rule), outcomes_only});
          }
          continue;
        }
        if (t.outcome.reallocated) nb.StartGeneration(t.outcome.generation);
      }
      order_.push_back(i);
      if (t.outcome.blocked) blocked_in_order_ |= bit;
      const bool found = Dfs(done | bit, next_open, t.next, nb);
      blocked_in_order_ &= ~bit;
      if (found) return true;
      order_.pop_back();
      if (gave_up_) return false;
    }
  }
  failed_.insert(std::move(key));
  return false;
}

harness::Finding Search::QuiescenceDiff(const spec::State& s, const SampleBinding& b) const {
  const Quiescence& q = *in_.quiescence;
  harness::Finding f;
  // "<what was observed>, the model <what it holds> (<rule>); "
  auto differs = [&f](const std::string& observed, const std::string& model, const char* rule) {
    f.detail += observed + ", the model " + model + " (" + rule + "); ";
    if (f.rule.empty()) f.rule = rule;
  };
  auto props = [](const ALLOCATOR_PROPERTIES& p) {
    return "{" + std::to_string(p.cBuffers) + "," + std::to_string(p.cbBuffer) + "," +
           std::to_string(p.cbAlign) + "," + std::to_string(p.cbPrefix) + "}";
  };
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    const std::string callback = "callback " + std::to_string(cb) + ": ";
    if (q.callback_refs[cb] != s.callbacks[cb].refs) {
      differs(callback + "the allocator holds " + std::to_string(q.callback_refs[cb]) +
                  " reference(s) after the threads joined",
              std::to_string(s.callbacks[cb].refs), "COM.CALLBACK.REFS");
    }
    if (q.callback_notified[cb] != s.callbacks[cb].notified) {
      differs(
          callback + std::to_string(q.callback_notified[cb]) + " NotifyRelease call(s) received",
          std::to_string(s.callbacks[cb].notified), "NOTIFY.ONCE");
    }
  }
  if (q.props && !s.destroyed &&
      std::memcmp(&*q.props, &s.props, sizeof(ALLOCATOR_PROPERTIES)) != 0) {
    differs("GetProperties after the threads joined gave " + props(*q.props), props(s.props),
            "ALLOC.GETPROPS");
  }
  for (const auto& [obs, refs] : q.sample_refs) {
    spec::SampleHandle hnd = b.ModelHandle(obs);
    uint32_t model = 0;
    if (!s.destroyed && hnd.valid() && hnd.generation == s.generation &&
        hnd.index < s.samples.size()) {
      model = s.samples[hnd.index].refs;
    }
    if (model != refs) {
      differs("observed sample " + std::to_string(obs) + ": the client holds " +
                  std::to_string(refs) + " reference(s)",
              std::to_string(model), "COM.SAMPLE.RELEASE");
    }
  }
  return f;
}

std::string Search::Report(bool gave_up) const {
  std::ostringstream os;
  const size_t n = h_.size();
  if (gave_up) {
    os << "linearizability search GAVE UP (not a failure) after " << nodes_ << " nodes (bound "
       << opt_.node_bound << "), " << memo_hits_ << " memo hits, on " << n
       << " calls; deepest partial linearization " << best_depth_ << " of " << n << ".\n";
  } else if (std::all_of(overlap_.begin(), overlap_.end(), [](int k) { return k == 0; })) {
    // Nothing ran concurrently: the model's rule for the rejected call is
    // the one broken (CheckResult::stuck), not THREAD.SAFE.
    os << "NOT ALLOWED BY THE MODEL: no two of these " << n
       << " calls overlap, so real time gives their one order, and the model (profile "
       << (in_.profile == spec::Profile::kStrict ? "strict" : "portable")
       << ") does not allow it.\n";
  } else {
    os << "NOT LINEARIZABLE (THREAD.SAFE): no order of these " << n
       << " calls that respects their real-time order is allowed by the model (profile "
       << (in_.profile == spec::Profile::kStrict ? "strict" : "portable") << "); searched "
       << nodes_ << " nodes, " << memo_hits_ << " memo hits.\n";
  }
  os << "history (by invocation; sample ids are observed ids; [invoked,responded] on one clock):\n";
  for (size_t i = 0; i < n; ++i) os << "  #" << i << " " << FormatEvent(h_[i]) << "\n";
  os << "deepest partial linearization (" << best_depth_ << " of " << n << " calls):\n";
  for (size_t i : best_order_) {
    os << "  #" << i << " " << spec::ToString(h_[i].op)
       << ((best_blocked_ >> i & 1) ? "  (blocks here)" : "") << "\n";
  }
  if (!gave_up) {
    os << "model state after it:\n" << spec::ToString(best_state_) << "\n";
    if (best_attempts_.empty()) {
      os << "no call could come next.\n";
    } else {
      os << "why no call could come next:\n";
      for (const Attempt& a : best_attempts_) {
        if (a.event >= n) {
          os << "  every call linearized, but the end state disagrees with what was observed"
                " after the threads joined: "
             << a.why << "\n";
          continue;
        }
        os << "  #" << a.event << " " << spec::ToString(h_[a.event].op) << "\n";
        if (!a.expected.empty()) os << "      model expected: " << a.expected << "\n";
        os << "      observed:       " << ObservedText(h_[a.event].outcome) << "\n";
        // Only that the outcomes differ: the two lines above say it.
        if (!a.outcomes_only) {
          os << "      difference:     " << a.why << "\n";
        }
      }
    }
  }
  return os.str();
}

}  // namespace

std::string FormatEvent(const Event& e) {
  std::ostringstream os;
  os << spec::ToString(e.op) << "  [" << e.invoked << "," << e.responded << "]";
  if (e.took_effect_before != UINT64_MAX) os << " (in effect by " << e.took_effect_before << ")";
  os << "  -> " << ObservedText(e.outcome);
  return os.str();
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kLinearizable:
      return "linearizable";
    case Verdict::kNotLinearizable:
      return "not linearizable";
    case Verdict::kGaveUp:
      return "gave up";
  }
  return "?";
}

CheckResult CheckLinearizable(const CheckInput& input, const CheckOptions& options) {
  CheckResult result;
  Search search(input, options, &result);
  search.Run();
  return result;
}

}  // namespace dsalloc::props::parallel
