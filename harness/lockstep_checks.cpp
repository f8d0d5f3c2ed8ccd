// harness/lockstep_checks.cpp: the state checks Lockstep makes after an
// op (lockstep.h): counts, buffer layout and placement, the free count.
// Each returns a Finding (divergence.h), not found when all is well.

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lockstep.h"

namespace dsalloc::harness {
namespace {

Finding CountFinding(const char* rule, std::string detail, int64_t observed, int64_t expected) {
  return Finding{rule, std::move(detail), Counts{observed, expected}};
}

}  // namespace

Finding Lockstep::CheckCounts(const Candidate& c) const {
  const spec::State& m = c.model;
  for (int cb = 0; cb < spec::kNumCallbacks; ++cb) {
    // COM.CALLBACK.REFS: the references the allocator holds on a callback
    // are exactly the installed one (plus none: snapshots are released
    // before the op returns).
    uint32_t refs = driver_->CallbackRefs(cb);
    if (refs != m.callbacks[cb].refs) {
      return CountFinding("COM.CALLBACK.REFS",
                          "callback " + std::to_string(cb) + " has " + std::to_string(refs) +
                              " allocator-held references, expected " +
                              std::to_string(m.callbacks[cb].refs),
                          refs, m.callbacks[cb].refs);
    }
    // NOTIFY.ONCE: one NotifyRelease per release, none lost, none extra.
    uint32_t notified = driver_->CallbackNotifications(cb);
    if (notified != m.callbacks[cb].notified) {
      return CountFinding("NOTIFY.ONCE",
                          "callback " + std::to_string(cb) + " received " +
                              std::to_string(notified) + " NotifyRelease calls, expected " +
                              std::to_string(m.callbacks[cb].notified),
                          notified, m.callbacks[cb].notified);
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
  const uint32_t expected = m.samples[static_cast<size_t>(wrong)].refs;
  return CountFinding("COM.SAMPLE.RELEASE",
                      "the client holds " + std::to_string(wrong_refs) + " references on sample " +
                          std::to_string(wrong) + " (#" + std::to_string(wrong_id) +
                          "), expected " + std::to_string(expected),
                      wrong_refs, expected);
}

Finding Lockstep::CheckAlignment(const spec::Outcome& expected, const spec::State& model,
                                 const spec::Outcome& observed) const {
  // ALLOC.SAMPLE.LAYOUT: the prefix start of every buffer is aligned to
  // cbAlign. The model states the requirement; only the pointer shows it.
  if (!(expected.written & spec::kOutPointer) || expected.pointer_align <= 1) return {};
  if (!(observed.written & spec::kOutPointer)) return {};
  uintptr_t prefix_start = observed.pointer - static_cast<uintptr_t>(model.props.cbPrefix);
  if (prefix_start % expected.pointer_align == 0) return {};
  return Finding{"ALLOC.SAMPLE.LAYOUT",
                 "GetPointer - cbPrefix = " + std::to_string(prefix_start) +
                     " is not a multiple of cbAlign " + std::to_string(expected.pointer_align),
                 std::nullopt};
}

Finding Lockstep::ProbeNewBuffers(const spec::Outcome& observed) {
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
    spec::Outcome pointer = driver_->Run(spec::MakeOp(spec::call::GetPointer{id}));
    if (pointer.hr != S_OK || !(pointer.written & spec::kOutPointer)) {
      return Finding{"SAMPLE.POINTER",
                     "GetPointer on a sample just handed out gave " + spec::HresultName(pointer.hr),
                     std::nullopt};
    }
    spec::Outcome required;
    required.written = spec::kOutPointer;
    required.pointer_align =
        profile_ == spec::Profile::kStrict ? static_cast<uint32_t>(m.props.cbAlign) : 1u;
    if (Finding why = CheckAlignment(required, m, pointer); why.found()) return why;
    if (Finding why = CheckBuffers(pointer); why.found()) return why;
  }
  return {};
}

Finding Lockstep::CheckBuffers(const spec::Outcome& observed) {
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
      return Finding{
          "ALLOC.COMMIT.REALLOC",
          "sample #" + std::to_string(id) + "'s buffer moved without new samples being made",
          std::nullopt};
    }
    auto [qlo, qhi] = span(q);
    // One address shown by two samples is shared even when the spans are
    // empty (cbPrefix = cbBuffer = 0).
    if ((lo < qhi && qlo < hi) || p == q) {
      return Finding{"ALLOC.SAMPLE.LAYOUT",
                     "the buffers (with prefixes) of samples #" + std::to_string(id) + " and #" +
                         std::to_string(other) + " overlap",
                     std::nullopt};
    }
  }
  buffers_.emplace_back(id, p);
  return {};
}

Finding Lockstep::CheckFreeCount() {
  // ALLOC.FREECOUNT after every op, not only when the trace asks: a wrong
  // count (a lost or duplicated sample) shows at once, where the trace
  // alone might reveal it many ops later or never.
  const spec::State& m = candidates_.front().model;
  if (m.destroyed || m.client_refs == 0 || !m.waiters.empty()) return {};
  // Portable: only where the interface exists (trait fixed at construction).
  if (profile_ == spec::Profile::kPortable && m.traits[spec::kTraitCallbackIface] != 1) {
    return {};
  }
  spec::Op probe = spec::MakeOp(spec::call::GetFreeCount{});
  spec::Outcome& observed = free_count_probe_;
  driver_->RunInto(probe, Driver::Expectation::kUnknown, &observed);
  // The lead's count, before Retain may leave only the lead.
  const int64_t expected = m.FreeCount();
  if (candidates_.Retain([&](const Candidate& c) {
        return observed.hr != S_OK || observed.value != c.model.FreeCount();
      })) {
    return {};
  }
  return CountFinding("ALLOC.FREECOUNT",
                      "GetFreeCount gave " + spec::HresultName(observed.hr) + " " +
                          std::to_string(observed.value) + ", the model says " +
                          std::to_string(expected),
                      observed.value, expected);
}

}  // namespace dsalloc::harness
