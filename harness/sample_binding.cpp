// harness/sample_binding.cpp: the observed-id <-> model-handle bijection
// (sample_binding.h).

#include "sample_binding.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace dsalloc::harness {
namespace {

// Completions that happen together (Decommit waking every waiter) have no
// defined order between real threads, so both sides are compared sorted by
// thread; a thread is in at most one completion per op.
std::vector<spec::Completion> SortedByThread(std::vector<spec::Completion> c) {
  std::sort(c.begin(), c.end(), [](const spec::Completion& a, const spec::Completion& b) {
    return a.thread < b.thread;
  });
  return c;
}

SampleBinding::Mismatch OutcomesDiffer(const spec::Outcome& expected,
                                       const spec::Outcome& observed) {
  return {SampleBinding::Mismatch::Kind::kOutcome,
          "outcome differs:\n  expected: " + spec::ToString(expected) +
              "\n  observed: " + spec::ToString(observed)};
}

}  // namespace

int SampleBinding::ObservedId(uint32_t generation, int index) const {
  for (const auto& [id, handle] : pairs_) {
    if (handle.generation == generation && handle.index == index) return id;
  }
  return -1;
}

spec::SampleHandle SampleBinding::ModelHandle(int id) const {
  for (const auto& [observed, handle] : pairs_) {
    if (observed == id) return handle;
  }
  return spec::SampleHandle{};
}

bool SampleBinding::ToObserved(uint32_t generation, const spec::Op& model_op,
                               spec::Op* observed_op) const {
  *observed_op = model_op;
  int32_t* sample = spec::NamedSample(observed_op->call);
  if (sample == nullptr) return true;
  int id = ObservedId(generation, *sample);
  if (id < 0) return false;
  *sample = id;
  return true;
}

bool SampleBinding::ToModel(uint32_t generation, const spec::Op& observed_op,
                            spec::Op* model_op) const {
  *model_op = observed_op;
  int32_t* sample = spec::NamedSample(model_op->call);
  if (sample == nullptr) return true;
  spec::SampleHandle h = ModelHandle(*sample);
  if (!h.valid() || h.generation != generation) return false;
  *sample = h.index;
  return true;
}

SampleBinding::Mismatch SampleBinding::Reconcile(const spec::Outcome& observed,
                                                 const spec::Outcome& expected) {
  const bool binds_sample = (expected.written & (spec::kOutSample | spec::kOutPointer)) &&
                            (observed.written & (spec::kOutSample | spec::kOutPointer));
  if (!binds_sample && observed.notifications.empty() && expected.notifications.empty() &&
      observed.completions.empty() && expected.completions.empty()) {
    // No handle to bind or translate (most ops): the comparison below
    // without its copies.
    if (observed.SameObservable(expected)) return {};
    return OutcomesDiffer(expected, observed);
  }
  SampleBinding tentative = *this;
  std::string why;
  // Binds observed handle `o` (index = observed id) to model handle `e`, or
  // checks an existing binding. Both NULL is a match.
  auto bind = [&](const spec::SampleHandle& o, const spec::SampleHandle& e, const char* what) {
    if (!why.empty()) return;
    if (o.valid() != e.valid()) {
      why = std::string(what) + ": expected sample " + spec::ToString(e) + ", observed " +
            (o.valid() ? "sample #" + std::to_string(o.index) : "NULL");
      return;
    }
    if (!o.valid()) return;
    int id = o.index;
    spec::SampleHandle bound = tentative.ModelHandle(id);
    if (bound.valid()) {
      if (bound != e) {
        why = std::string(what) + ": observed sample #" + std::to_string(id) + " is model sample " +
              spec::ToString(bound) + ", expected " + spec::ToString(e);
      }
      return;
    }
    int other = tentative.ObservedId(e.generation, e.index);
    if (other >= 0) {
      why = std::string(what) + ": expected model sample " + spec::ToString(e) + " (observed #" +
            std::to_string(other) + "), observed a different sample #" + std::to_string(id);
      return;
    }
    tentative.pairs_.emplace_back(id, e);
  };

  // The observed outcome rewritten into model handles where they bind, so
  // that everything else is compared by the model's own SameObservable.
  spec::Outcome translated = observed;
  translated.completions = SortedByThread(observed.completions);
  std::vector<spec::Completion> want_completions = SortedByThread(expected.completions);

  if (expected.written & (spec::kOutSample | spec::kOutPointer) &&
      (observed.written & (spec::kOutSample | spec::kOutPointer))) {
    bind(observed.sample, expected.sample, "returned sample");
    translated.sample = expected.sample;
  }
  if (observed.notifications.size() == expected.notifications.size()) {
    for (size_t i = 0; i < observed.notifications.size(); ++i) {
      bind(observed.notifications[i].reaction_sample, expected.notifications[i].reaction_sample,
           "sample a reaction got");
      translated.notifications[i].reaction_sample = expected.notifications[i].reaction_sample;
    }
  }
  if (translated.completions.size() == want_completions.size()) {
    for (size_t i = 0; i < want_completions.size(); ++i) {
      if (translated.completions[i].thread != want_completions[i].thread) break;
      bind(translated.completions[i].sample, want_completions[i].sample,
           "sample a woken GetBuffer got");
      translated.completions[i].sample = want_completions[i].sample;
    }
  }
  if (!why.empty()) return {Mismatch::Kind::kSample, std::move(why)};

  spec::Outcome want = expected;
  want.completions = std::move(want_completions);
  if (!translated.SameObservable(want)) return OutcomesDiffer(want, observed);
  *this = std::move(tentative);
  return {};
}

void SampleBinding::StartGeneration(uint32_t generation) {
  std::erase_if(pairs_, [generation](const std::pair<int, spec::SampleHandle>& p) {
    return p.second.generation != generation;
  });
}

}  // namespace dsalloc::harness
