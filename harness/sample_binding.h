// ---------------------------------------------------------------------------
// File: harness/sample_binding.h
// ---------------------------------------------------------------------------
//
// SampleBinding relates the samples a Driver observes (observed ids, see
// driver.h) to the model's samples (spec::SampleHandle: generation, index).
// A binding is made the first time a checker sees an observed id where the
// model expects a sample it has not yet bound, and from then on both sides
// must agree: the same observed id always stands for the same model sample
// of the current generation, and vice versa (a bijection). This is how
// ALLOC.GETBUFFER.POP (LIFO) and "the same sample comes back" are checked
// without assuming anything about addresses.
//
// It is a small value type (copyable, ==), so the linearizability search
// can carry one per search node.
//
// Threading: thread-compatible. Errors: Reconcile returns the first
// difference as a Mismatch (none when the outcomes agree).

#ifndef DSALLOC_HARNESS_SAMPLE_BINDING_H_
#define DSALLOC_HARNESS_SAMPLE_BINDING_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "spec/model/op.h"
#include "spec/model/outcome.h"

namespace dsalloc::harness {

class SampleBinding {
 public:
  // What Reconcile found: its kind is data, its detail is for people.
  struct Mismatch {
    enum class Kind : uint8_t {
      kNone,     // the outcomes agree
      kOutcome,  // a field differs: the two outcomes, shown whole, say which
      kSample,   // a sample is not the one the binding says: detail names it
    };
    Kind kind = Kind::kNone;
    std::string detail;  // kOutcome: "outcome differs:" and both outcomes
    bool found() const { return kind != Kind::kNone; }
  };

  // The observed id bound to model sample `index` of `generation`, or -1.
  int ObservedId(uint32_t generation, int index) const;
  // The model handle bound to observed id `id`, or an invalid handle.
  spec::SampleHandle ModelHandle(int id) const;
  // f(model index, observed id) for every sample of `generation` bound, in
  // the order they were bound.
  template <typename F>
  void ForEachBound(uint32_t generation, F f) const {
    for (const auto& [id, handle] : pairs_) {
      if (handle.generation == generation) f(static_cast<int>(handle.index), id);
    }
  }

  // Rewrites the samples an op names (op.sample for sample ops and
  // ReleaseBuffer) from model indices of `generation` to observed ids.
  // False if a named sample is not bound (the checker must not issue it).
  bool ToObserved(uint32_t generation, const spec::Op& model_op, spec::Op* observed_op) const;
  // The reverse, for ops recorded with observed ids (parallel histories):
  // false if the id is unbound or bound to another generation.
  bool ToModel(uint32_t generation, const spec::Op& observed_op, spec::Op* model_op) const;

  // Compares an observed Outcome (observed ids) with a model Outcome
  // (model handles), field by field as Outcome::SameObservable does, with
  // samples compared through the binding; unbound pairs are bound. Returns
  // no mismatch and updates *this when they agree; otherwise returns the
  // first difference and leaves *this unchanged.
  Mismatch Reconcile(const spec::Outcome& observed, const spec::Outcome& expected);

  // Forgets every binding of generations other than `generation` (called
  // when a model Commit reports reallocated == true).
  void StartGeneration(uint32_t generation);

  friend bool operator==(const SampleBinding&, const SampleBinding&) = default;

 private:
  // (observed id, model handle) pairs; small, so a vector.
  std::vector<std::pair<int, spec::SampleHandle>> pairs_;
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_SAMPLE_BINDING_H_
