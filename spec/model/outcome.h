// ---------------------------------------------------------------------------
// File: spec/model/outcome.h
// ---------------------------------------------------------------------------
//
// Outcome: everything a caller can observe from one Op (op.h) — the
// HRESULT or return value, every out-parameter, the notifications delivered
// while the call ran (with each callback's re-entrant reaction), and the
// blocked GetBuffer calls the op completed. `rule` names the SPEC.md rule
// that decided the result, so a divergence report names its rule.
//
// Comparison conventions for drivers:
//   - `hr` is the HRESULT; for methods returning ULONG/LONG (AddRef, Release,
//     GetSize, GetActualDataLength) hr is S_OK and `value` is the return.
//   - `written` says which out-parameters the call wrote (kOut* bits);
//     drivers pre-fill outputs with a sentinel and compare only those.
//   - callback reference counts are the references the ALLOCATOR holds
//     (installed + snapshot); the driver adds its own references.
//   - Outcome == ignores `rule` (two profiles may cite different rules).

#ifndef DSALLOC_SPEC_MODEL_OUTCOME_H_
#define DSALLOC_SPEC_MODEL_OUTCOME_H_

#include <dsalloc/strmif.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "op.h"

namespace dsalloc::spec {

// A sample object: its index within one allocation generation. Generation
// g+1 starts when a Commit (re)creates the samples; the Commit outcome
// reports it. index == kNoSample means "no sample" (NULL).
struct SampleHandle {
  static constexpr uint16_t kNoSample = 0xFFFF;
  uint32_t generation = 0;
  uint16_t index = kNoSample;
  bool valid() const { return index != kNoSample; }
  friend bool operator==(const SampleHandle&, const SampleHandle&) = default;
};
// Every sample the model holds has an index below kNoSample.
static_assert(kMaxModelSamples <= SampleHandle::kNoSample);

// One NotifyRelease delivered during an op.
struct Notification {
  int8_t callback = -1;                 // which test callback (0..2)
  uint32_t refs_at_entry = 0;           // allocator-held references at entry (>= 1)
  uint8_t depth = 0;                    // 0 = caused by the op itself, 1 = by a
                                        // reaction inside a depth-0 notification...
  Reaction reaction = Reaction::kNone;  // the reaction it performed
  HRESULT reaction_hr = S_OK;           // its result (S_FALSE: skipped)
  int32_t reaction_value = 0;           // GetFreeCount's *pl
  SampleHandle reaction_sample;         // GetBufferNoWait's sample
  friend bool operator==(const Notification&, const Notification&) = default;
};

// A blocked GetBuffer (thread `thread`) that returned during this op.
struct Completion {
  uint8_t thread = 0;
  HRESULT hr = S_OK;
  SampleHandle sample;  // valid iff hr == S_OK
  friend bool operator==(const Completion&, const Completion&) = default;
};

// Out-parameter bits of Outcome::written.
enum OutBits : uint32_t {
  kOutProps = 1u << 0,      // ALLOCATOR_PROPERTIES (pActual / pProps)
  kOutSample = 1u << 1,     // *ppBuffer (sample, or NULL if !sample.valid())
  kOutInterface = 1u << 2,  // *ppv (non-NULL iff hr == S_OK)
  kOutPointer = 1u << 3,    // GetPointer's *ppBuffer
  kOutStart = 1u << 4,      // *pTimeStart
  kOutEnd = 1u << 5,        // *pTimeEnd
  kOutMediaType = 1u << 6,  // *ppMediaType (media_type; -1 = NULL)
  kOutCount = 1u << 7,      // GetFreeCount's *plBuffersFree (value)
  kOutSample2 = 1u << 8,    // GetProperties2 image (sample2, bytes)
};

struct Outcome {
  std::string_view rule;  // SPEC.md rule that decided the result
  HRESULT hr = S_OK;
  bool blocked = false;    // GetBuffer is now waiting (state holds the waiter)
  uint32_t written = 0;    // OutBits
  int64_t value = 0;       // count, size, length, new refcount, free count
  bool any_value = false;  // portable: `value` is not specified (AddRef and
                           // Release of the allocator: Wine has no self-ref)
  ALLOCATOR_PROPERTIES props = {0, 0, 0, 0};
  SampleHandle sample;                      // GetBuffer's sample; GetPointer's buffer owner
  int64_t start = 0, end = 0;               // GetTime / GetMediaTime
  int8_t media_type = -1;                   // GetMediaType (id of the copy; -1 = NULL)
  Sample2Image sample2;                     // GetProperties2 (media_type = stored id)
  uint32_t bytes = 0;                       // GetProperties2: bytes written
  uint32_t generation = 0;                  // Commit: the generation now current
  bool reallocated = false;                 // Commit: new sample objects were created
                                            // (both annotations for the driver's
                                            // handle map; not compared)
  uint32_t pointer_align = 1;               // GetPointer: a REQUIREMENT the driver checks,
                                            // (p - cbPrefix) % align == 0; not compared
  uintptr_t pointer = 0;                    // GetPointer: the address *ppBuffer received,
                                            // reported by a driver (the model leaves it
                                            // 0); the checker's input for pointer_align
                                            // and buffer placement; not compared
  std::vector<Notification> notifications;  // in delivery order
  std::vector<Completion> completions;      // in completion order

  // Equal in every observable field (rule not compared).
  bool SameObservable(const Outcome& o) const;
  // Back to a default Outcome (a field added above is reset here too); the
  // vectors keep their storage, so a caller that reuses one Outcome per
  // call allocates nothing for it.
  void Reset();
  friend bool operator==(const Outcome& a, const Outcome& b) { return a.SameObservable(b); }
};

// Human-readable single line, e.g.
//   "hr=S_OK sample=(1,2) notify[cb0 refs=2 GetFreeCount->S_OK 3] rule=..."
std::string ToString(const Outcome& o);
// "(generation,index)", or "NULL" for an invalid handle.
std::string ToString(const SampleHandle& h);
// "S_OK", "VFW_E_TIMEOUT", or "0x80004005".
std::string HresultName(HRESULT hr);

}  // namespace dsalloc::spec

#endif  // DSALLOC_SPEC_MODEL_OUTCOME_H_
