// harness/lockstep.cpp: the model and an implementation side by side, one
// op at a time (lockstep.h). The state checks are in lockstep_checks.cpp,
// the portable candidate search in candidates.cpp.

#include "lockstep.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace dsalloc::harness {
namespace {

// Portable profile: whether the implementation has IMemAllocatorCallbackTemp
// at all (Wine has not: S1.11). Asked once, on a throwaway allocator, so the
// model knows before the first op instead of guessing per call.
uint8_t CallbackInterfaceTrait(const Implementation& impl) {
  void* p = nullptr;
  HRESULT hr = impl.CreateAllocator(IID_IMemAllocatorCallbackTemp, &p);
  if (SUCCEEDED(hr) && p != nullptr) static_cast<IUnknown*>(p)->Release();
  return SUCCEEDED(hr) ? 1 : 2;
}

// The facts of a divergence the driver's first violation shows.
Divergence FromViolations(std::vector<Violation> violations, std::string expected) {
  Divergence d;
  d.rule = violations.front().rule;
  d.observed = std::string(FirstLine(violations.front().detail));
  d.expected = std::move(expected);
  d.violations = std::move(violations);
  return d;
}

}  // namespace

Lockstep::Lockstep(const Implementation& impl, spec::Profile profile, Driver::Options options)
    : profile_(profile), candidates_(Candidate{spec::Initial(), SampleBinding()}) {
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
    Divergence d;
    d.stage = DivergenceStage::kCreate;
    d.finding = {"LIFE.CREATE",
                 "the implementation did not create an allocator (" + impl.name + ")",
                 std::nullopt};
    // The facts stay empty, as the kit has always shown this case (its
    // rule table reads the report's first line instead).
    Diverged(std::move(d), nullptr);
  }
}

Lockstep::~Lockstep() = default;

bool Lockstep::SupportsFaultInjection() const { return driver_->SupportsFaultInjection(); }

void Lockstep::ContinueFrom(const spec::State& model, const SampleBinding& binding) {
  candidates_.Reset(Candidate{model, binding});
}

std::string Lockstep::Diverged(Divergence d, const spec::Op* op) {
  if (op != nullptr) d.op = spec::ToString(*op);
  divergence_ = std::move(d);
  report_ = Report(divergence_);
  return report_;
}

std::string Lockstep::PlaceInRepeat(int round, int count) {
  divergence_.repeat_round = round;
  divergence_.repeat_count = count;
  report_ = Report(divergence_);
  return report_;
}

void Lockstep::SetLight(bool light) {
  light_ = light;
  driver_->SetProbeLock(!light);
}

spec::Outcome& Lockstep::Run(const spec::Op& call, Driver::Expectation expect) {
  driver_->RunInto(call, expect, &last_observed_);
  return last_observed_;
}

std::string Lockstep::Apply(const spec::Op& op, StepRecord* record) {
  if (divergence_.diverged()) return report_;
  if (record != nullptr) record->before = candidates_.all();
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
  if (report.empty() && record != nullptr) RecordStep(plan, observed, record);
  return report;
}

std::string Lockstep::Rejudge(const spec::Op& op, spec::Outcome& observed) {
  Plan plan;
  if (!MakePlan(op, &plan)) {
    Divergence d;
    d.stage = DivergenceStage::kInternal;
    d.finding.detail = "a replayed op fell outside the domain: " + spec::ToString(op);
    d.observed = "internal";
    return Diverged(std::move(d), &op);
  }
  CollectCompletions(plan, observed);
  return Judge(op, plan, observed);
}

void Lockstep::RecordStep(const Plan& plan, const spec::Outcome& observed,
                          StepRecord* record) const {
  StepRecord& step = *record;
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
  if (spec::Is<spec::call::DllCanUnloadNow>(op.call) && !driver_->ServerIdleAtStart()) {
    return false;  // objects of an earlier run are alive: not judgeable
  }
  if (profile_ == spec::Profile::kStrict && candidates_.size() == 1) {
    if (!spec::InDomain(lead.model, op, profile_)) return false;
    if (!lead.binding.ToObserved(lead.model.generation, op, &plan->call)) return false;
    return StepInPlace(op, plan);
  }
  Candidates::Expansion& e = plan->expansion;
  if (!candidates_.Expand(op, profile_, &plan->call, &e)) return false;
  plan->completions = e.completions;
  plan->had_waiters = e.had_waiters;
  plan->may_block = e.may_block;
  // The driver need not find out by waiting what the model already knows.
  plan->expect = !e.may_block    ? Driver::Expectation::kReturns
                 : !e.may_return ? Driver::Expectation::kBlocks
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
  if (spec::Is<spec::call::GetBuffer>(op.call) && op.thread == 0) {
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

Finding Lockstep::Explains(Candidate& next, const spec::Outcome& expected, bool new_generation,
                           const spec::Outcome& observed) const {
  SampleBinding::Mismatch mismatch = next.binding.Reconcile(observed, expected);
  Finding why{{}, std::move(mismatch.detail), std::nullopt};
  why.outcomes_only = mismatch.kind == SampleBinding::Mismatch::Kind::kOutcome;
  if (!why.found()) {
    if (new_generation) next.binding.StartGeneration(next.model.generation);
    why = CheckAlignment(expected, next.model, observed);
  }
  if (!why.found()) why = CheckCounts(next);
  return why;
}

std::string Lockstep::Judge(const spec::Op& op, Plan& plan, const spec::Outcome& observed) {
  if (plan.in_place) return JudgeInPlace(op, plan, observed);
  // The first outcome allowed, or the one that matched (last_expected()).
  spec::Outcome* expected_shown = nullptr;
  for (spec::Transitions& ts : plan.expansion.steps) {
    if (!ts.empty()) {
      expected_shown = &ts.front().outcome;
      break;
    }
  }
  bool matched = false;
  Finding first_mismatch;
  const spec::Outcome* first_expected = nullptr;
  std::vector<Candidate> next = candidates_.Narrow(
      plan.expansion, [&](Candidate& c, spec::Transition& t, const Candidate& before) {
        const bool new_generation = c.model.generation != before.model.generation;
        Finding why = Explains(c, t.outcome, new_generation, observed);
        if (!why.found()) {
          NoteRuleApplied(t.outcome.rule);
          if (!matched) expected_shown = &t.outcome;
          matched = true;
          return true;
        }
        if (!first_mismatch.found()) {
          first_mismatch = std::move(why);
          first_expected = &t.outcome;
        }
        return false;
      });
  std::vector<Violation> violations = driver_->TakeViolations();
  if (next.empty() || !violations.empty()) {
    if (!next.empty()) first_mismatch = Finding();
    return Disagreement(op, observed, expected_shown, std::move(first_mismatch), first_expected,
                        first_expected != nullptr ? first_expected->rule : std::string_view(),
                        std::move(violations));
  }
  last_expected_ = expected_shown != nullptr ? std::move(*expected_shown) : spec::Outcome();
  candidates_.Adopt(std::move(next));
  return AfterAgreement(op, observed);
}

std::string Lockstep::JudgeInPlace(const spec::Op& op, Plan& plan, const spec::Outcome& observed) {
  // As Judge, for the one transition, with the candidate already in its
  // next state (a divergence ends the run, so nothing is rolled back).
  in_flight_generation_.reset();
  Candidate& c = candidates_.front();
  Finding why = Explains(c, plan.outcome, c.model.generation != plan.generation_before, observed);
  std::vector<Violation> violations = driver_->TakeViolations();
  if (why.found() || !violations.empty()) {
    const bool found = why.found();
    return Disagreement(op, observed, &plan.outcome, std::move(why),
                        found ? &plan.outcome : nullptr, plan.outcome.rule, std::move(violations));
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
                                   const spec::Outcome* expected, Finding why,
                                   const spec::Outcome* why_expected, std::string_view rule,
                                   std::vector<Violation> violations) {
  last_expected_ = expected != nullptr ? *expected : spec::Outcome();
  Divergence d;
  if (why.found()) {
    // A count check names its own rule; otherwise the rule is the one
    // the model applied to this op.
    d.rule = why.rule.empty() ? std::string(rule) : why.rule;
    d.expected = why_expected != nullptr ? spec::ToString(*why_expected) : std::string();
    // The finding in words, unless it is only that the outcomes differ,
    // which the observed outcome already says.
    d.observed = spec::ToString(observed) +
                 (why.outcomes_only ? std::string() : " (" + std::string(why.Summary()) + ")");
    d.counts = why.counts;
    d.violations = std::move(violations);
  } else {
    d = FromViolations(std::move(violations), "no violation");
  }
  d.stage = DivergenceStage::kOp;
  d.op_number = applied_ + 1;
  d.model_rule = std::string(rule);
  d.finding = std::move(why);
  return Diverged(std::move(d), &op);
}

std::string Lockstep::AfterAgreement(const spec::Op& op, const spec::Outcome& observed) {
  ++applied_;
  // Nothing is built unless a check finds something: this runs after
  // every agreed op, and a Divergence is seven strings and a vector.
  Finding placement = CheckBuffers(observed);
  if (!placement.found() && !light_) placement = ProbeNewBuffers(observed);
  if (placement.found()) {
    return AfterOpDiverged(op, DivergenceStage::kBuffers, "aligned, stable and disjoint buffers",
                           std::move(placement));
  }
  if (light_) return {};
  if (Finding free_count = CheckFreeCount(); free_count.found()) {
    return AfterOpDiverged(op, DivergenceStage::kAfterOp, "GetFreeCount as the model counts",
                           std::move(free_count));
  }
  return {};
}

std::string Lockstep::AfterOpDiverged(const spec::Op& op, DivergenceStage stage,
                                      std::string_view expected, Finding finding) {
  Divergence d;
  d.stage = stage;
  d.expected = std::string(expected);
  d.rule = finding.rule;
  d.observed = std::string(finding.Summary());
  d.counts = finding.counts;
  d.finding = std::move(finding);
  d.op_number = applied_;
  return Diverged(std::move(d), &op);
}

std::string Lockstep::ApplyAll(const std::vector<spec::Op>& ops) {
  for (const spec::Op& op : ops) {
    std::string report = Apply(op);
    if (!report.empty()) return report;
  }
  return {};
}

std::string Lockstep::Finish() {
  if (divergence_.diverged()) return report_;
  const spec::State& m = candidates_.front().model;
  // LIFE.SELFREF: while committed the allocator holds itself, so the world
  // still has an allocator even when the client holds no reference.
  driver_->Teardown(!m.destroyed);
  std::vector<Violation> violations = driver_->TakeViolations();
  if (violations.empty()) return {};
  Divergence d = FromViolations(std::move(violations),
                                "a clean teardown: every object gone, nothing left behind");
  d.stage = DivergenceStage::kTeardown;
  return Diverged(std::move(d), nullptr);
}

}  // namespace dsalloc::harness
