// harness/lockstep.cpp: the model and an implementation side by side
// (lockstep.h).

#include "lockstep.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace dsalloc::harness {
namespace {

// The most completions any allowed transition lists (a portable step may
// hand a sample to different waiters, never to a different number).
size_t ExpectedCompletions(const spec::Transitions& ts) {
  size_t n = 0;
  for (const spec::Transition& t : ts) n = std::max(n, t.outcome.completions.size());
  return n;
}

// Two observed outcomes alike in every field the checks read, the driver's
// annotations included (a Repeat round replayed against a recorded one).
bool SameToTheDriver(const spec::Outcome& a, const spec::Outcome& b) {
  return a.SameObservable(b) && a.value == b.value && a.any_value == b.any_value &&
         a.pointer == b.pointer && a.generation == b.generation && a.reallocated == b.reallocated;
}

// Portable profile: whether the implementation has IMemAllocatorCallbackTemp
// at all (Wine has not: S1.11). Asked once, on a throwaway allocator, so the
// model knows before the first op instead of guessing per call.
uint8_t CallbackInterfaceTrait(const Implementation& impl) {
  void* p = nullptr;
  HRESULT hr = impl.CreateAllocator(IID_IMemAllocatorCallbackTemp, &p);
  if (SUCCEEDED(hr) && p != nullptr) static_cast<IUnknown*>(p)->Release();
  return SUCCEEDED(hr) ? 1 : 2;
}

// Portable steps branch over every free sample GetBuffer may return; the
// branches are equal up to relabelling of samples never seen, so a few
// explanations carry all the information. Keep the search bounded.
constexpr size_t kMaxCandidates = 32;

}  // namespace

Lockstep::Lockstep(const Implementation& impl, spec::Profile profile, Driver::Options options)
    : profile_(profile), candidates_{Candidate{spec::Initial(), SampleBinding()}} {
  if (profile == spec::Profile::kPortable) {
    candidates_.front().model.traits[spec::kTraitCallbackIface] = CallbackInterfaceTrait(impl);
  }
  driver_ = std::make_unique<Driver>(impl, options);
  // A reaction `ReleaseSample i` names a model index; the driver asks us
  // which sample it is at the moment the reaction runs.
  driver_->SetResolver([this](int model_index) {
    const Candidate& c = candidates_.front();
    // While an op stepped in place runs, the model is already past it.
    return c.binding.ObservedId(in_flight_generation_.value_or(c.model.generation), model_index);
  });
  if (!driver_->ok()) {
    divergence_ = "LIFE.CREATE: the implementation did not create an allocator (" + impl.name + ")";
  }
}

Lockstep::~Lockstep() = default;

bool Lockstep::SupportsFaultInjection() const { return driver_->SupportsFaultInjection(); }

void Lockstep::ContinueFrom(const spec::State& model, const SampleBinding& binding) {
  candidates_.assign(1, Candidate{model, binding});
}

std::string Lockstep::Diverged(std::string report, Divergence facts) {
  divergence_ = std::move(report);
  divergence_facts_ = std::move(facts);
  return divergence_;
}

Divergence DivergenceFromMessage(const spec::Op* op, const std::string& message,
                                 std::string expected) {
  Divergence d;
  size_t colon = message.find(": ");
  bool has_rule = colon != std::string::npos && colon > 0 &&
                  message.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.") == colon;
  d.rule = has_rule ? message.substr(0, colon) : "";
  d.observed = has_rule ? message.substr(colon + 2) : message;
  d.observed = d.observed.substr(0, d.observed.find('\n'));  // the first finding
  d.expected = std::move(expected);
  if (op != nullptr) d.op = spec::ToString(*op);
  return d;
}

std::string Lockstep::ViolationReport() {
  std::string out;
  for (const Violation& v : driver_->TakeViolations()) {
    out += "  violation " + v.rule + ": " + v.detail + "\n";
  }
  return out;
}

std::string Lockstep::CheckCounts(const Candidate& c) const {
  const spec::State& m = c.model;
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    // COM.CALLBACK.REFS: the references the allocator holds on a callback
    // are exactly the installed one (plus none: snapshots are released
    // before the op returns).
    uint32_t refs = driver_->CallbackRefs(cb);
    if (refs != m.callbacks[cb].refs) {
      return "COM.CALLBACK.REFS: callback " + std::to_string(cb) + " has " + std::to_string(refs) +
             " allocator-held references, expected " + std::to_string(m.callbacks[cb].refs);
    }
    // NOTIFY.ONCE: one NotifyRelease per release, none lost, none extra.
    uint32_t notified = driver_->CallbackNotifications(cb);
    if (notified != m.callbacks[cb].notified) {
      return "NOTIFY.ONCE: callback " + std::to_string(cb) + " received " +
             std::to_string(notified) + " NotifyRelease calls, expected " +
             std::to_string(m.callbacks[cb].notified);
    }
  }
  // Samples the client never saw hold no client reference to compare; the
  // bound ones are few where the pool may be large, so walk those, and
  // report the lowest index that disagrees.
  // All compared under one read of the driver's book; only a disagreement
  // walks them again, one by one, to name the sample.
  expected_refs_.clear();
  c.binding.ForEachBound(m.generation, [&](int index, int id) {
    if (index < static_cast<int>(m.samples.size())) {
      expected_refs_.emplace_back(id, m.samples[static_cast<size_t>(index)].refs);
    }
  });
  if (driver_->ClientSampleRefsAre(expected_refs_)) return {};
  int wrong = -1;
  int wrong_id = -1;
  uint32_t wrong_refs = 0;
  c.binding.ForEachBound(m.generation, [&](int index, int id) {
    if (index >= static_cast<int>(m.samples.size()) || (wrong >= 0 && index > wrong)) return;
    uint32_t refs = driver_->ClientSampleRefs(id);
    if (refs != m.samples[static_cast<size_t>(index)].refs) {
      wrong = index;
      wrong_id = id;
      wrong_refs = refs;
    }
  });
  if (wrong < 0) return {};
  return "COM.SAMPLE.RELEASE: the client holds " + std::to_string(wrong_refs) +
         " references on sample " + std::to_string(wrong) + " (#" + std::to_string(wrong_id) +
         "), expected " + std::to_string(m.samples[static_cast<size_t>(wrong)].refs);
}

std::string Lockstep::CheckAlignment(const spec::Outcome& expected, const spec::State& model,
                                     const spec::Outcome& observed) const {
  // ALLOC.SAMPLE.LAYOUT: the prefix start of every buffer is aligned to
  // cbAlign. The model states the requirement; only the pointer shows it.
  if (!(expected.written & spec::kOutPointer) || expected.pointer_align <= 1) return {};
  if (!(observed.written & spec::kOutPointer)) return {};
  uintptr_t prefix_start = observed.pointer - static_cast<uintptr_t>(model.props.cbPrefix);
  if (prefix_start % expected.pointer_align == 0) return {};
  return "ALLOC.SAMPLE.LAYOUT: GetPointer - cbPrefix = " + std::to_string(prefix_start) +
         " is not a multiple of cbAlign " + std::to_string(expected.pointer_align);
}

std::string Lockstep::ProbeNewBuffers(const spec::Outcome& observed) {
  // Every sample GetBuffer hands out gets its layout checked at once, not
  // only when a trace happens to call GetPointer on two samples of one
  // generation (ALLOC.SAMPLE.LAYOUT). GetPointer changes nothing.
  std::vector<int> handed_out;
  if ((observed.written & spec::kOutSample) && observed.sample.valid()) {
    handed_out.push_back(observed.sample.index);
  }
  for (const spec::Completion& c : observed.completions) {
    if (c.sample.valid()) handed_out.push_back(c.sample.index);
  }
  const spec::State& m = candidates_.front().model;
  for (int id : handed_out) {
    spec::Outcome pointer = driver_->Run(spec::MakeSampleOp(spec::OpKind::kGetPointer, id));
    if (pointer.hr != S_OK || !(pointer.written & spec::kOutPointer)) {
      return "SAMPLE.POINTER: GetPointer on a sample just handed out gave " +
             spec::HresultName(pointer.hr);
    }
    spec::Outcome required;
    required.written = spec::kOutPointer;
    required.pointer_align =
        profile_ == spec::Profile::kStrict ? static_cast<uint32_t>(m.props.cbAlign) : 1u;
    if (std::string why = CheckAlignment(required, m, pointer); !why.empty()) return why;
    if (std::string why = CheckBufferPlacement(pointer); !why.empty()) return why;
  }
  return {};
}

std::string Lockstep::CheckBufferPlacement(const spec::Outcome& observed) {
  if (!(observed.written & spec::kOutPointer) || observed.hr != S_OK) return {};
  const spec::State& m = candidates_.front().model;
  if (m.generation != buffers_generation_) {
    buffers_.clear();  // new sample objects: new buffers
    buffers_generation_ = m.generation;
  }
  int id = observed.sample.index;
  uintptr_t p = observed.pointer;
  auto span = [&m](uintptr_t q) {
    return std::pair<uintptr_t, uintptr_t>(q - static_cast<uintptr_t>(m.props.cbPrefix),
                                           q + static_cast<uintptr_t>(m.props.cbBuffer));
  };
  auto [lo, hi] = span(p);
  for (const auto& [other, q] : buffers_) {
    if (other == id) {
      if (q == p) return {};
      return "ALLOC.COMMIT.REALLOC: sample #" + std::to_string(id) +
             "'s buffer moved without new samples being made";
    }
    auto [qlo, qhi] = span(q);
    // One address shown by two samples is shared even when the spans are
    // empty (cbPrefix = cbBuffer = 0).
    if ((lo < qhi && qlo < hi) || p == q) {
      return "ALLOC.SAMPLE.LAYOUT: the buffers (with prefixes) of samples #" + std::to_string(id) +
             " and #" + std::to_string(other) + " overlap";
    }
  }
  buffers_.emplace_back(id, p);
  return {};
}

std::string Lockstep::Apply(const spec::Op& op) {
  if (!divergence_.empty()) return divergence_;
  if (spec::GroupOf(op.kind) == spec::OpGroup::kControl) {
    // op.h "Repeat": blocks do not nest; a stray "}" is ignored.
    if (op.kind == spec::OpKind::kRepeat) {
      if (repeat_open_) {
        ++repeat_ignored_;  // an inner block: its "Repeat" and "}" are ignored
      } else {
        repeat_open_ = true;
        repeat_count_ = std::clamp(op.value, 1, spec::kMaxRepeat);
        repeat_body_.clear();
      }
    } else if (repeat_ignored_ > 0) {
      --repeat_ignored_;
    } else if (repeat_open_) {
      return CloseRepeat();
    }
    return {};
  }
  if (repeat_open_) repeat_body_.push_back(op);
  return ApplyOne(op);
}

std::string Lockstep::CloseRepeat() {
  repeat_open_ = false;
  repeat_ignored_ = 0;
  std::vector<spec::Op> body = std::move(repeat_body_);
  repeat_body_.clear();
  replay_.reset();
  // No op, nothing to repeat: "Repeat 100000 { }" costs no loop.
  if (body.empty()) return {};
  // A round starts where the one before it started (up to counts that
  // grow alike every round: TakeDeltas) in the loops a fuzzer repeats by
  // the thousand;
  // then the model's answers to the round are known, and the later rounds
  // are judged against the recorded one without stepping the model: every
  // call is still made and every result and count compared. A round whose
  // state does not repeat is recorded again, a few times at most.
  int recordings_left = 3;
  auto fail = [&](int round, const std::string& report) {
    SampleRound(true);
    divergence_ = "in round " + std::to_string(round) + " of Repeat " +
                  std::to_string(repeat_count_) + ":\n" + report;
    return divergence_;
  };
  for (int round = 2; round <= repeat_count_; ++round) {
    // The checks that cost calls of their own (the lock probe, a
    // hand-over per notification; GetFreeCount after every op; GetPointer
    // on every sample handed out) run in the first rounds, every 64th and
    // the last: what they catch shows in every round alike, and in the
    // rounds a fuzzer repeats thousands of times they would double the
    // cost. Those rounds run in full, from the model.
    const bool sampled = round <= 2 || round % 64 == 0 || round == repeat_count_;
    SampleRound(sampled);
    if (replay_ && !replay_->verified && !TakeDeltas(sampled)) replay_.reset();
    if (replay_ && replay_->verified && !sampled) {
      ++replayed_rounds_;
      if (std::string report = ReplayRound(round, body); !report.empty()) {
        return fail(round, report);
      }
      continue;
    }
    if (replay_) {
      // A sampled round, from the state the recorded rounds lead to.
      candidates_ = Shifted(replay_->start, static_cast<uint32_t>(round - replay_->round));
    }
    RecordedRound recorded;
    const bool confirming = replay_ && replay_->confirming && !replay_->verified;
    if (confirming) {
      recorded.round = round;
      recording_ = &recorded;
    } else if (replay_rounds_ && !replay_ && !sampled && recordings_left > 0) {
      --recordings_left;
      recorded.round = round;
      recorded.start = candidates_;
      recording_ = &recorded;
    }
    for (const spec::Op& op : body) {
      std::string report = ApplyOne(op);
      if (!report.empty()) {
        recording_ = nullptr;
        return fail(round, report);
      }
    }
    if (recording_ != nullptr && confirming) {
      recording_ = nullptr;
      if (!TakeValueGrowth(recorded)) replay_.reset();
    } else if (recording_ != nullptr) {
      recording_ = nullptr;
      bool replayable = std::all_of(recorded.steps.begin(), recorded.steps.end(),
                                    [](const RecordedStep& s) { return !s.ran || s.replayable; });
      if (replayable) replay_ = std::move(recorded);
    } else if (replay_ &&
               !IsShifted(replay_->start, static_cast<uint32_t>(round + 1 - replay_->round))) {
      replay_.reset();  // the sampled round's own checks told candidates apart
    }
  }
  replay_.reset();
  SampleRound(true);
  return {};
}

bool Lockstep::TakeDeltas(bool sampled) {
  // The round after the recorded one: does it start where that did, up
  // to counts that grew?
  RecordedRound& r = *replay_;
  const spec::State& now = candidates_.front().model;
  const spec::State& then = r.start.front().model;
  if (r.confirming) {
    // Two rounds after it: the confirming round grew every count as the
    // recorded one did. Counts that grow past where the model's rules
    // look (a reference count of 0 or 1, a lock count of 0) stay past
    // them, so from here on every round does the same.
    r.verified = IsShifted(r.start, 2);
    return r.verified;
  }
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    r.delta[cb] = now.callbacks[cb].notified - then.callbacks[cb].notified;
  }
  r.client_refs_delta = now.client_refs - then.client_refs;
  r.server_locks_delta = now.server_locks - then.server_locks;
  if (!IsShifted(r.start, 1)) return false;
  if (r.client_refs_delta == 0 && r.server_locks_delta == 0) {
    r.verified = true;
    return true;
  }
  // Only counts that grow (a shrinking one reaches the allocator's
  // destruction), by no more than a round's ops can add, and confirmed in
  // a round that is not sampled.
  constexpr uint32_t kMaxGrowth = 1u << 16;
  if (r.client_refs_delta > kMaxGrowth || r.server_locks_delta > kMaxGrowth || sampled) {
    return false;
  }
  // Nor a growth that would wrap a count before the last round (where the
  // model would meet 0 again).
  const uint64_t rounds_left = static_cast<uint64_t>(repeat_count_ - r.round);
  auto stays_below_wrap = [&](uint32_t start, uint32_t delta) {
    return start + rounds_left * delta < (uint64_t{1} << 31);
  };
  if (!stays_below_wrap(then.client_refs, r.client_refs_delta) ||
      !stays_below_wrap(then.server_locks, r.server_locks_delta)) {
    return false;
  }
  r.confirming = true;
  return true;
}

bool Lockstep::TakeValueGrowth(const RecordedRound& confirming) {
  std::vector<RecordedStep>& steps = replay_->steps;
  if (confirming.steps.size() != steps.size()) return false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const RecordedStep& next = confirming.steps[i];
    RecordedStep& first = steps[i];
    if (next.ran != first.ran) return false;
    if (!next.ran) continue;
    if (!next.replayable || !(next.call == first.call) || next.expect != first.expect) {
      return false;
    }
    first.value_growth = next.observed.value - first.observed.value;
    // The second round said what the first said but for the grown
    // counts: the replay extrapolates a round the model has seen twice,
    // not one whose answers already changed.
    spec::Outcome said = next.observed;
    said.value -= first.value_growth;
    if (!SameToTheDriver(said, first.observed) || next.callback_refs != first.callback_refs ||
        next.sample_refs != first.sample_refs) {
      return false;
    }
    for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
      if (next.notified[cb] != first.notified[cb] + replay_->delta[cb]) return false;
    }
  }
  return true;
}

void Lockstep::Shift(std::vector<Candidate>& candidates, uint32_t rounds) const {
  // Unsigned counts: a shift back (0u - rounds) undoes a shift forward
  // exactly.
  for (Candidate& c : candidates) {
    for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
      c.model.callbacks[cb].notified += rounds * replay_->delta[cb];
    }
    c.model.client_refs += rounds * replay_->client_refs_delta;
    c.model.server_locks += rounds * replay_->server_locks_delta;
  }
}

std::vector<Lockstep::Candidate> Lockstep::Shifted(std::vector<Candidate> candidates,
                                                   uint32_t rounds) const {
  Shift(candidates, rounds);
  return candidates;
}

bool Lockstep::IsShifted(const std::vector<Candidate>& start, uint32_t rounds) {
  Shift(candidates_, 0u - rounds);
  const bool same = candidates_ == start;
  Shift(candidates_, rounds);
  return same;
}

bool Lockstep::SameAsRecorded(const RecordedStep& step, uint32_t rounds_after,
                              spec::Outcome& observed) const {
  const spec::Outcome& then = step.observed;
  const int64_t grown = static_cast<int64_t>(rounds_after) * step.value_growth;
  observed.value -= grown;
  const bool same = SameToTheDriver(observed, then);
  observed.value += grown;
  if (!same) return false;
  if (driver_->HasViolations()) return false;
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    if (driver_->CallbackRefs(cb) != step.callback_refs[cb] ||
        driver_->CallbackNotifications(cb) !=
            step.notified[cb] + rounds_after * replay_->delta[cb]) {
      return false;
    }
  }
  return driver_->ClientSampleRefsAre(step.sample_refs);
}

std::string Lockstep::ReplayRound(int round, const std::vector<spec::Op>& body) {
  const uint32_t rounds_after = static_cast<uint32_t>(round - replay_->round);
  for (size_t i = 0; i < body.size(); ++i) {
    const RecordedStep& step = replay_->steps[i];
    if (!step.ran) {
      ++skipped_;
      continue;
    }
    spec::Outcome& observed = last_observed_;
    driver_->RunInto(step.call, step.expect, &observed);
    if (SameAsRecorded(step, rounds_after, observed)) {
      // The checks of an agreed op in a light round (light_ is set in
      // every replayed round).
      if (std::string report = AfterAgreement(body[i], observed); !report.empty()) {
        candidates_ = Shifted(step.before, rounds_after);
        replay_.reset();
        return report;
      }
      continue;
    }
    // Something else happened: judge it from the model's state before
    // this op, and go on in full (a later round may be recorded again).
    candidates_ = Shifted(step.before, rounds_after);
    replay_.reset();
    Plan plan;
    if (!MakePlan(body[i], &plan)) {
      return Diverged("internal: a replayed op fell outside the domain: " + spec::ToString(body[i]),
                      Divergence{"", spec::ToString(body[i]), "", "internal"});
    }
    CollectCompletions(plan, observed);
    if (std::string report = Judge(body[i], plan, observed); !report.empty()) return report;
    for (size_t j = i + 1; j < body.size(); ++j) {
      if (std::string report = ApplyOne(body[j]); !report.empty()) return report;
    }
    return {};
  }
  return {};
}

void Lockstep::SampleRound(bool sampled) {
  light_ = !sampled;
  driver_->SetProbeLock(sampled);
}

std::string Lockstep::ApplyOne(const spec::Op& op) {
  if (!divergence_.empty()) return divergence_;
  if (recording_ != nullptr) {
    recording_->steps.emplace_back();
    recording_->steps.back().before = candidates_;
  }
  Plan plan;
  if (!MakePlan(op, &plan)) {
    ++skipped_;
    last_observed_ = spec::Outcome();
    last_expected_ = spec::Outcome();
    return {};
  }
  // Observed straight into last_observed() (no copy per op); Judge sets
  // last_expected().
  spec::Outcome& observed = last_observed_;
  driver_->RunInto(plan.call, plan.expect, &observed);
  CollectCompletions(plan, observed);
  std::string report = Judge(op, plan, observed);
  if (report.empty() && recording_ != nullptr) RecordStep(plan, observed);
  return report;
}

void Lockstep::RecordStep(const Plan& plan, const spec::Outcome& observed) {
  RecordedStep& step = recording_->steps.back();
  step.ran = true;
  step.replayable = plan.expect == Driver::Expectation::kReturns && !plan.had_waiters &&
                    plan.completions == 0 && !observed.blocked && observed.completions.empty();
  step.call = plan.call;
  step.expect = plan.expect;
  step.observed = observed;
  const Candidate& c = candidates_.front();
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    step.callback_refs[cb] = c.model.callbacks[cb].refs;
    step.notified[cb] = c.model.callbacks[cb].notified;
  }
  c.binding.ForEachBound(c.model.generation, [&](int index, int id) {
    if (index < static_cast<int>(c.model.samples.size())) {
      step.sample_refs.emplace_back(id, c.model.samples[static_cast<size_t>(index)].refs);
    }
  });
}

bool Lockstep::MakePlan(const spec::Op& op, Plan* plan) {
  const Candidate& lead = candidates_.front();
  if (op.oom && !driver_->SupportsFaultInjection()) {
    return false;  // the implementation has no hook to fail an allocation
  }
  if (op.kind == spec::OpKind::kDllCanUnloadNow && !driver_->ServerIdleAtStart()) {
    return false;  // objects of an earlier run are alive: not judgeable
  }
  if (profile_ == spec::Profile::kStrict && candidates_.size() == 1) {
    if (!spec::InDomain(lead.model, op, profile_)) return false;
    if (!lead.binding.ToObserved(lead.model.generation, op, &plan->call)) return false;
    return StepInPlace(op, plan);
  }
  // Step.empty() is exactly !InDomain: one Step per candidate decides both.
  plan->steps.reserve(candidates_.size());
  plan->steps.push_back(spec::Step(lead.model, op, profile_));
  if (plan->steps.front().empty()) return false;
  if (!lead.binding.ToObserved(lead.model.generation, op, &plan->call)) {
    // A sample the client never saw (ReleaseBuffer of a never-handed-out
    // free sample): the driver has no pointer for it.
    return false;
  }
  // The driver runs one op: only explanations in which it means the same
  // call on the same sample stay (the others name another sample by this
  // index; they are relabellings of the ones kept).
  std::vector<size_t> kept = {0};
  for (size_t k = 1; k < candidates_.size(); ++k) {
    const Candidate& c = candidates_[k];
    spec::Op mine;
    if (!c.binding.ToObserved(c.model.generation, op, &mine) || !(mine == plan->call)) continue;
    spec::Transitions ts = spec::Step(c.model, op, profile_);
    if (ts.empty()) continue;
    plan->steps.push_back(std::move(ts));
    kept.push_back(k);
  }
  bool may_block = false;
  bool may_return = false;
  for (size_t k = 0; k < kept.size(); ++k) {
    plan->completions = std::max(plan->completions, ExpectedCompletions(plan->steps[k]));
    plan->had_waiters = plan->had_waiters || !candidates_[kept[k]].model.waiters.empty();
    for (const spec::Transition& t : plan->steps[k]) {
      // The driver runs thread 0's calls on the caller's own thread, so a
      // GetBuffer that blocks there would block the checker (skipped
      // before any candidate is dropped: nothing was observed).
      if (t.outcome.blocked && op.thread == 0) return false;
      may_block = may_block || t.outcome.blocked;
      may_return = may_return || !t.outcome.blocked;
    }
  }
  for (size_t k = 1; k < kept.size(); ++k) {
    if (kept[k] != k) candidates_[k] = std::move(candidates_[kept[k]]);
  }
  candidates_.erase(candidates_.begin() + static_cast<std::ptrdiff_t>(kept.size()),
                    candidates_.end());
  plan->may_block = may_block;
  // The driver need not find out by waiting what the model already knows.
  plan->expect = !may_block    ? Driver::Expectation::kReturns
                 : !may_return ? Driver::Expectation::kBlocks
                               : Driver::Expectation::kUnknown;
  return true;
}

bool Lockstep::StepInPlace(const spec::Op& op, Plan* plan) {
  // No State copied per op (a pool of thousands of samples would be that
  // many SampleStates): the model steps the candidate itself. Only a
  // GetBuffer of thread 0 may have to be undone (it is skipped if it
  // blocks, below); it steps scratch_, whose storage is reused.
  Candidate& lead = candidates_.front();
  plan->in_place = true;
  plan->generation_before = lead.model.generation;
  plan->had_waiters = !lead.model.waiters.empty();
  in_flight_generation_ = lead.model.generation;  // until JudgeInPlace
  if (op.kind == spec::OpKind::kGetBuffer && op.thread == 0) {
    scratch_ = lead.model;
    plan->outcome = spec::StepStrict(scratch_, op);
    // The driver runs thread 0's calls on the caller's own thread, so a
    // GetBuffer that blocks there would block the checker.
    if (plan->outcome.blocked) {
      in_flight_generation_.reset();
      return false;
    }
    std::swap(scratch_, lead.model);
  } else {
    plan->outcome = spec::StepStrict(lead.model, op);
  }
  plan->completions = plan->outcome.completions.size();
  plan->may_block = plan->outcome.blocked;
  plan->expect = plan->may_block ? Driver::Expectation::kBlocks : Driver::Expectation::kReturns;
  return true;
}

void Lockstep::CollectCompletions(const Plan& plan, spec::Outcome& observed) {
  std::vector<spec::Completion> early;
  if (observed.blocked && !plan.may_block) {
    // The driver calls a GetBuffer blocked when it has not returned after
    // `settle`; on a loaded machine a worker may simply not have run yet.
    // The model says it must return, so give it the hang timeout.
    for (const spec::Completion& c : driver_->AwaitCompletions(1)) {
      if (c.thread != plan.call.thread) {
        early.push_back(c);
        continue;
      }
      observed.blocked = false;
      observed.hr = c.hr;
      observed.written |= spec::kOutSample;
      observed.sample = c.sample;
    }
  }
  size_t completions = plan.completions;
  if (plan.had_waiters || completions > 0) {
    // Waiters return on their own threads; collect them (and any extra one
    // that should not have woken: AwaitCompletions waits a little longer).
    observed.completions =
        driver_->AwaitCompletions(completions - std::min(completions, early.size()));
  }
  observed.completions.insert(observed.completions.begin(), early.begin(), early.end());
}

std::string Lockstep::Judge(const spec::Op& op, Plan& plan, const spec::Outcome& observed) {
  if (plan.in_place) return JudgeInPlace(op, plan, observed);
  // The first outcome allowed, or the one that matched (last_expected()).
  spec::Outcome* expected_shown = nullptr;
  for (spec::Transitions& ts : plan.steps) {
    if (!ts.empty()) {
      expected_shown = &ts.front().outcome;
      break;
    }
  }
  bool matched = false;
  std::vector<Candidate> next;
  std::string first_mismatch;
  std::string first_expected;
  std::string_view rule;
  for (size_t k = 0; k < candidates_.size(); ++k) {
    for (spec::Transition& t : plan.steps[k]) {
      const bool new_generation = t.next.generation != candidates_[k].model.generation;
      Candidate c{std::move(t.next), candidates_[k].binding};
      std::string why = c.binding.Reconcile(observed, t.outcome);
      if (why.empty()) {
        if (new_generation) c.binding.StartGeneration(c.model.generation);
        why = CheckAlignment(t.outcome, c.model, observed);
      }
      if (why.empty()) why = CheckCounts(c);
      if (why.empty()) {
        NoteRuleApplied(t.outcome.rule);
        if (!matched) expected_shown = &t.outcome;
        matched = true;
        if (std::find(next.begin(), next.end(), c) == next.end()) {
          next.push_back(std::move(c));
        }
      } else if (first_mismatch.empty()) {
        first_mismatch = std::move(why);
        first_expected = spec::ToString(t.outcome);
        rule = t.outcome.rule;
      }
    }
  }
  std::string violations = ViolationReport();
  if (next.empty() || !violations.empty()) {
    return Disagreement(op, observed, expected_shown, next.empty() ? first_mismatch : "",
                        first_expected, rule, violations);
  }
  last_expected_ = expected_shown != nullptr ? std::move(*expected_shown) : spec::Outcome();
  if (next.size() > kMaxCandidates) next.resize(kMaxCandidates);
  candidates_ = std::move(next);
  return AfterAgreement(op, observed);
}

std::string Lockstep::JudgeInPlace(const spec::Op& op, Plan& plan, const spec::Outcome& observed) {
  // As Judge, for the one transition, with the candidate already in its
  // next state (a divergence ends the run, so nothing is rolled back).
  in_flight_generation_.reset();
  Candidate& c = candidates_.front();
  std::string why = c.binding.Reconcile(observed, plan.outcome);
  if (why.empty()) {
    if (c.model.generation != plan.generation_before) {
      c.binding.StartGeneration(c.model.generation);
    }
    why = CheckAlignment(plan.outcome, c.model, observed);
  }
  if (why.empty()) why = CheckCounts(c);
  std::string violations = ViolationReport();
  if (!why.empty() || !violations.empty()) {
    std::string expected = why.empty() ? std::string() : spec::ToString(plan.outcome);
    return Disagreement(op, observed, &plan.outcome, why, expected, plan.outcome.rule, violations);
  }
  NoteRuleApplied(plan.outcome.rule);
  last_expected_ = std::move(plan.outcome);
  return AfterAgreement(op, observed);
}

void Lockstep::NoteRuleApplied(std::string_view rule) {
  if (!rule.empty() && rule != last_rule_applied_) {
    last_rule_applied_ = *rules_applied_.insert(rule).first;
  }
}

std::string Lockstep::Disagreement(const spec::Op& op, const spec::Outcome& observed,
                                   const spec::Outcome* expected, const std::string& why,
                                   const std::string& why_expected, std::string_view rule,
                                   const std::string& violations) {
  last_expected_ = expected != nullptr ? *expected : spec::Outcome();
  std::string report =
      "divergence at op " + std::to_string(applied_ + 1) + ": " + spec::ToString(op) + "\n";
  Divergence facts;
  if (!why.empty()) {
    report += "  rule " + std::string(rule) + ": " + why + "\n";
    facts = DivergenceFromMessage(&op, why, why_expected);
    // A count check names its own rule; otherwise the rule is the one
    // the model applied to this op.
    if (facts.rule.empty()) facts.rule = std::string(rule);
    // The finding in words, unless it only introduces the two outcomes
    // ("outcome differs:"), which the observed outcome already says.
    const bool says_more = !facts.observed.empty() && facts.observed.back() != ':';
    facts.observed = spec::ToString(observed) + (says_more ? " (" + facts.observed + ")" : "");
  } else {
    facts = DivergenceFromMessage(&op, violations.substr(violations.find("violation ") + 10),
                                  "no violation");
  }
  report += violations;
  return Diverged(std::move(report), std::move(facts));
}

std::string Lockstep::AfterAgreement(const spec::Op& op, const spec::Outcome& observed) {
  ++applied_;
  std::string placement = CheckBufferPlacement(observed);
  if (placement.empty() && !light_) placement = ProbeNewBuffers(observed);
  if (!placement.empty()) {
    return Diverged("divergence at op " + std::to_string(applied_) + ": " + spec::ToString(op) +
                        "\n  " + placement + "\n",
                    DivergenceFromMessage(&op, placement, "aligned, stable and disjoint buffers"));
  }
  std::string free_count = light_ ? std::string() : CheckFreeCount();
  if (!free_count.empty()) {
    return Diverged("divergence after op " + std::to_string(applied_) + ": " + spec::ToString(op) +
                        "\n  " + free_count + "\n",
                    DivergenceFromMessage(&op, free_count, "GetFreeCount as the model counts"));
  }
  return {};
}

std::string Lockstep::CheckFreeCount() {
  // ALLOC.FREECOUNT after every op, not only when the trace asks: a wrong
  // count (a lost or duplicated sample) shows at once, where the trace
  // alone might reveal it many ops later or never.
  const spec::State& m = candidates_.front().model;
  if (m.destroyed || m.client_refs == 0 || !m.waiters.empty()) return {};
  // Portable: only where the interface exists (trait fixed at construction).
  if (profile_ == spec::Profile::kPortable && m.traits[spec::kTraitCallbackIface] != 1) {
    return {};
  }
  spec::Op probe = spec::MakeSimple(spec::OpKind::kGetFreeCount);
  spec::Outcome& observed = free_count_probe_;
  driver_->RunInto(probe, Driver::Expectation::kUnknown, &observed);
  auto disagrees = [&](const Candidate& c) {
    return observed.hr != S_OK || observed.value != c.model.FreeCount();
  };
  if (std::all_of(candidates_.begin(), candidates_.end(), disagrees)) {
    std::string report = "ALLOC.FREECOUNT: GetFreeCount gave " + spec::HresultName(observed.hr) +
                         " " + std::to_string(observed.value) + ", the model says " +
                         std::to_string(m.FreeCount());
    candidates_.resize(1);  // the lead stays: it is the one reported
    return report;
  }
  std::erase_if(candidates_, disagrees);
  return {};
}

std::string Lockstep::ApplyAll(const std::vector<spec::Op>& ops) {
  for (const spec::Op& op : ops) {
    std::string report = Apply(op);
    if (!report.empty()) return report;
  }
  return {};
}

std::string Lockstep::Finish() {
  if (!divergence_.empty()) return divergence_;
  if (repeat_open_) {
    if (std::string report = CloseRepeat(); !report.empty()) return report;
  }
  const spec::State& m = candidates_.front().model;
  // LIFE.SELFREF: while committed the allocator holds itself, so the world
  // still has an allocator even when the client holds no reference.
  driver_->Teardown(!m.destroyed);
  std::string violations = ViolationReport();
  if (!violations.empty()) {
    Divergence facts =
        DivergenceFromMessage(nullptr, violations.substr(violations.find("violation ") + 10),
                              "a clean teardown: every object gone, nothing left behind");
    return Diverged("at teardown:\n" + violations, std::move(facts));
  }
  return {};
}

}  // namespace dsalloc::harness
