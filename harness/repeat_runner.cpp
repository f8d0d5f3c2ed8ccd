// harness/repeat_runner.cpp: Repeat blocks, recorded once and replayed
// (repeat_runner.h).

#include "repeat_runner.h"

#include <algorithm>
#include <utility>

namespace dsalloc::harness {
namespace {

// Two observed outcomes alike in every field the checks read, the driver's
// annotations included (a Repeat round replayed against a recorded one).
bool SameToTheDriver(const spec::Outcome& a, const spec::Outcome& b) {
  return a.SameObservable(b) && a.value == b.value && a.any_value == b.any_value &&
         a.pointer == b.pointer && a.generation == b.generation && a.reallocated == b.reallocated;
}

}  // namespace

std::string RepeatRunner::Apply(const spec::TraceLine& line) {
  if (const auto* op = std::get_if<spec::Op>(&line)) return Apply(*op);
  if (lockstep_.divergence().diverged()) return lockstep_.report();
  // trace.h: blocks do not nest; a stray "}" is ignored.
  if (const auto* open = std::get_if<spec::RepeatOpen>(&line)) {
    if (repeat_open_) {
      ++repeat_ignored_;  // an inner block: its "Repeat" and "}" are ignored
    } else {
      repeat_open_ = true;
      repeat_count_ = std::clamp(open->count, 1, spec::kMaxRepeat);
      repeat_body_.clear();
    }
  } else if (repeat_ignored_ > 0) {
    --repeat_ignored_;
  } else if (repeat_open_) {
    return CloseRepeat();
  }
  return {};
}

std::string RepeatRunner::Apply(const spec::Op& op) {
  if (lockstep_.divergence().diverged()) return lockstep_.report();
  if (repeat_open_) repeat_body_.push_back(op);
  return lockstep_.Apply(op);
}

std::string RepeatRunner::ApplyAll(const spec::Trace& trace) {
  for (const spec::TraceLine& line : trace) {
    std::string report = Apply(line);
    if (!report.empty()) return report;
  }
  return {};
}

std::string RepeatRunner::Finish() {
  if (lockstep_.divergence().diverged()) return lockstep_.report();
  if (repeat_open_) {
    if (std::string report = CloseRepeat(); !report.empty()) return report;
  }
  return lockstep_.Finish();
}

std::string RepeatRunner::ApplyOne(const spec::Op& op, RecordedRound* recording) {
  if (recording == nullptr) return lockstep_.Apply(op);
  recording->steps.emplace_back();
  return lockstep_.Apply(op, &recording->steps.back().seen);
}

std::string RepeatRunner::CloseRepeat() {
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
  auto fail = [&](int round) {
    lockstep_.SetLight(false);
    return lockstep_.PlaceInRepeat(round, repeat_count_);
  };
  std::vector<Candidate>& candidates = lockstep_.candidates().all();
  for (int round = 2; round <= repeat_count_; ++round) {
    // The checks that cost calls of their own (the lock probe, a
    // hand-over per notification; GetFreeCount after every op; GetPointer
    // on every sample handed out) run in the first rounds, every 64th and
    // the last: what they catch shows in every round alike, and in the
    // rounds a fuzzer repeats thousands of times they would double the
    // cost. Those rounds run in full, from the model.
    const bool sampled = round <= 2 || round % 64 == 0 || round == repeat_count_;
    lockstep_.SetLight(!sampled);
    if (replay_ && !replay_->verified && !TakeDeltas(sampled)) replay_.reset();
    if (replay_ && replay_->verified && !sampled) {
      ++replayed_rounds_;
      if (std::string report = ReplayRound(round, body); !report.empty()) return fail(round);
      continue;
    }
    if (replay_) {
      // A sampled round, from the state the recorded rounds lead to.
      candidates = Shifted(replay_->start, static_cast<uint32_t>(round - replay_->round));
    }
    RecordedRound recorded;
    RecordedRound* recording = nullptr;
    const bool confirming = replay_ && replay_->confirming && !replay_->verified;
    if (confirming) {
      recorded.round = round;
      recording = &recorded;
    } else if (replay_rounds_ && !replay_ && !sampled && recordings_left > 0) {
      --recordings_left;
      recorded.round = round;
      recorded.start = candidates;
      recording = &recorded;
    }
    for (const spec::Op& op : body) {
      if (std::string report = ApplyOne(op, recording); !report.empty()) return fail(round);
    }
    if (recording != nullptr && confirming) {
      if (!TakeValueGrowth(recorded)) replay_.reset();
    } else if (recording != nullptr) {
      bool replayable =
          std::all_of(recorded.steps.begin(), recorded.steps.end(),
                      [](const RecordedStep& s) { return !s.seen.ran || s.seen.replayable; });
      if (replayable) replay_ = std::move(recorded);
    } else if (replay_ &&
               !IsShifted(replay_->start, static_cast<uint32_t>(round + 1 - replay_->round))) {
      replay_.reset();  // the sampled round's own checks told candidates apart
    }
  }
  replay_.reset();
  lockstep_.SetLight(false);
  return {};
}

bool RepeatRunner::TakeDeltas(bool sampled) {
  // The round after the recorded one: does it start where that did, up
  // to counts that grew?
  RecordedRound& r = *replay_;
  const spec::State& now = lockstep_.model();
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

bool RepeatRunner::TakeValueGrowth(const RecordedRound& confirming) {
  std::vector<RecordedStep>& steps = replay_->steps;
  if (confirming.steps.size() != steps.size()) return false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Lockstep::StepRecord& next = confirming.steps[i].seen;
    RecordedStep& first = steps[i];
    if (next.ran != first.seen.ran) return false;
    if (!next.ran) continue;
    if (!next.replayable || !(next.call == first.seen.call) || next.expect != first.seen.expect) {
      return false;
    }
    first.value_growth = next.observed.value - first.seen.observed.value;
    // The second round said what the first said but for the grown
    // counts: the replay extrapolates a round the model has seen twice,
    // not one whose answers already changed.
    spec::Outcome said = next.observed;
    said.value -= first.value_growth;
    if (!SameToTheDriver(said, first.seen.observed) ||
        next.callback_refs != first.seen.callback_refs ||
        next.sample_refs != first.seen.sample_refs) {
      return false;
    }
    for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
      if (next.notified[cb] != first.seen.notified[cb] + replay_->delta[cb]) return false;
    }
  }
  return true;
}

void RepeatRunner::Shift(std::vector<Candidate>& candidates, uint32_t rounds) const {
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

std::vector<Candidate> RepeatRunner::Shifted(std::vector<Candidate> candidates,
                                             uint32_t rounds) const {
  Shift(candidates, rounds);
  return candidates;
}

bool RepeatRunner::IsShifted(const std::vector<Candidate>& start, uint32_t rounds) {
  std::vector<Candidate>& now = lockstep_.candidates().all();
  Shift(now, 0u - rounds);
  const bool same = now == start;
  Shift(now, rounds);
  return same;
}

bool RepeatRunner::SameAsRecorded(const RecordedStep& step, uint32_t rounds_after,
                                  spec::Outcome& observed) {
  const spec::Outcome& then = step.seen.observed;
  const int64_t grown = static_cast<int64_t>(rounds_after) * step.value_growth;
  observed.value -= grown;
  const bool same = SameToTheDriver(observed, then);
  observed.value += grown;
  if (!same) return false;
  Driver& driver = lockstep_.driver();
  if (driver.HasViolations()) return false;
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    if (driver.CallbackRefs(cb) != step.seen.callback_refs[cb] ||
        driver.CallbackNotifications(cb) !=
            step.seen.notified[cb] + rounds_after * replay_->delta[cb]) {
      return false;
    }
  }
  return driver.ClientSampleRefsAre(step.seen.sample_refs);
}

std::string RepeatRunner::ReplayRound(int round, const std::vector<spec::Op>& body) {
  const uint32_t rounds_after = static_cast<uint32_t>(round - replay_->round);
  for (size_t i = 0; i < body.size(); ++i) {
    const RecordedStep& step = replay_->steps[i];
    if (!step.seen.ran) {
      lockstep_.CountSkipped();
      continue;
    }
    spec::Outcome& observed = lockstep_.Run(step.seen.call, step.seen.expect);
    if (SameAsRecorded(step, rounds_after, observed)) {
      // The checks of an agreed op in a light round (every replayed round
      // is light).
      if (std::string report = lockstep_.AfterAgreement(body[i], observed); !report.empty()) {
        lockstep_.candidates().all() = Shifted(step.seen.before, rounds_after);
        replay_.reset();
        return report;
      }
      continue;
    }
    // Something else happened: judge it from the model's state before
    // this op, and go on in full (a later round may be recorded again).
    lockstep_.candidates().all() = Shifted(step.seen.before, rounds_after);
    replay_.reset();
    if (std::string report = lockstep_.Rejudge(body[i], observed); !report.empty()) return report;
    for (size_t j = i + 1; j < body.size(); ++j) {
      if (std::string report = lockstep_.Apply(body[j]); !report.empty()) return report;
    }
    return {};
  }
  return {};
}

}  // namespace dsalloc::harness
