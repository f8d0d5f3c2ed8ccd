// ---------------------------------------------------------------------------
// File: spec/model/state.h
// ---------------------------------------------------------------------------
//
// spec::State is the whole abstract state of the model world (op.h): the
// allocator's properties and state (D/C/P), its samples as plain values,
// the free list in order, every reference count (allocator: client + self;
// samples; the allocator-held references on each test callback, the
// client's own reference on it and the callback's on the allocator), the
// installed callback, each callback's reaction and the notifications it has
// received, the FIFO of threads blocked in GetBuffer, and the server's
// LockServer count.
//
// It is a value: copyable, ==, hashable (Hash(), std::hash), with no
// threads, locks or addresses. Transitions are computed by step.h.
//
// Invariants (CheckInvariants() returns the first one broken, or ""):
//   - free list holds distinct sample indices, each with refs == 0;
//     every sample not on it has refs >= 1 (handed-off samples included);
//   - state D => every sample is free; waiters non-empty => state C and
//     the free list is empty (between ops: under the portable profile a
//     release may leave a sample free with waiters until the op's end,
//     ALLOC.RELEASEBUFFER.HANDOFF);
//   - self_refs == 1 <=> state is C or P (else 0); destroyed <=> total
//     refs == 0 (then no samples exist).

#ifndef DSALLOC_SPEC_MODEL_STATE_H_
#define DSALLOC_SPEC_MODEL_STATE_H_

#include <dsalloc/strmif.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "op.h"
#include "outcome.h"

namespace dsalloc::spec {

// Which specification a step follows (SPEC.md "Profiles").
enum class Profile : uint8_t {
  kStrict,    // exactly dsalloc (one outcome per op)
  kPortable,  // any conforming implementation (native, base classes, Wine)
};

// ALLOC.STATE: D, C, P.
enum class AllocState : uint8_t { kDecommitted, kCommitted, kPending };

// Portable profile only: implementation choices, fixed on first observation
// (an implementation behaves the same way every time). 0 = not yet seen,
// 1 = the strict behaviour, 2 = the alternative named below.
enum Trait : uint8_t {
  kTraitRounding,       // 2: cbBuffer stored unrounded (Wine)
  kTraitActualOnError,  // 2: *pActual untouched on failure (Wine)
  kTraitHeldCode,       // 2: SetProperties checks outstanding samples before
                        //    the committed state: C + samples held ->
                        //    BUFFERS_OUTSTANDING (Wine)
  kTraitDecommitWake,   // 2: woken waiter gets VFW_E_TIMEOUT (Wine)
  kTraitKeepSamples,    // 2: Commit from D always makes new samples (Wine)
  kTraitRecycleExtras,  // 2: recycle keeps dwTypeSpecificFlags (Wine)
  kTraitCallbackIface,  // 2: no IMemAllocatorCallbackTemp (Wine)
  kTraitStopOnlyTime,   // 2: STOPVALID w/o TIMEVALID -> TIME_NOT_SET (Wine)
  kTraitMediaTime32,    // 2: media end kept as 32-bit offset (base classes)
  kTraitSnapshotRef,    // 2: no COM reference on the callback during
                        //    NotifyRelease (kept alive some other way)
  kTraitAlignLast,      // 2: SetProperties checks cbAlign after the state
                        //    (ALREADY_COMMITTED / BUFFERS_OUTSTANDING) (Wine)
  kTraitRecycleStream,  // 2: recycle keeps dwStreamId (Wine)
  kNumTraits
};

struct SampleState {
  uint32_t refs = 0;  // references held by clients (0 when free)
  DWORD flags = 0;    // visible AM_SAMPLE_* flags
  bool media_time_valid = false;
  DWORD type_flags = 0;  // dwTypeSpecificFlags
  DWORD stream_id = 0;
  LONG actual = 0;         // lActual
  int8_t media_type = -1;  // stored type id, -1 = none
  REFERENCE_TIME t_start = 0, t_stop = 0;
  LONGLONG mt_start = 0, mt_stop = 0;
  bool used = false;  // handed out at least once in this generation
                      // (portable: unused free samples are
                      // interchangeable, ALLOC.FREELIST.ORDER)
  friend bool operator==(const SampleState&, const SampleState&) = default;
};

struct CallbackState {
  uint32_t refs = 0;        // references the allocator holds on it
  bool client_held = true;  // the client's own reference (COM.CALLBACK.CLIENT)
  uint32_t alloc_refs = 0;  // references it holds on the allocator (LIFE.CYCLE)
  uint32_t notified = 0;    // NotifyRelease calls received so far
  Reaction reaction = Reaction::kNone;
  int32_t arg = 0;
  bool persistent = false;
  // COM.CALLBACK.DEAD: its count reached 0, so the object is destroyed and
  // nothing may call it again.
  bool Dead() const { return !client_held && refs == 0; }
  friend bool operator==(const CallbackState&, const CallbackState&) = default;
};

struct State {
  ALLOCATOR_PROPERTIES props = {0, 0, 0, 0};
  AllocState state = AllocState::kDecommitted;
  bool changed = false;      // SetProperties since the last allocation
  uint32_t client_refs = 1;  // allocator references held by clients
  uint32_t self_refs = 0;    // LIFE.SELFREF (1 in C and P, else 0)
  bool destroyed = false;
  uint32_t generation = 0;           // bumped when samples are (re)created
  std::vector<SampleState> samples;  // current generation, by index
  std::vector<uint16_t> free_list;   // back() is the head (next handed out)
  int8_t callback = -1;              // installed callback, -1 = none
  std::array<CallbackState, kNumCallbacks> callbacks{};
  std::vector<uint8_t> waiters;              // blocked GetBuffer threads, oldest first
  std::array<uint8_t, kNumTraits> traits{};  // portable only
  uint32_t server_locks = 0;                 // LockServer(TRUE) not yet undone (FACTORY.LOCKSERVER)

  // Allocator references held by test callbacks (LIFE.CYCLE).
  uint32_t CallbackHeldRefs() const {
    uint32_t n = 0;
    for (const CallbackState& c : callbacks) n += c.alloc_refs;
    return n;
  }
  // Every reference but the self-reference: the client's and the callbacks'.
  uint32_t ExternalRefs() const { return client_refs + CallbackHeldRefs(); }
  uint32_t TotalRefs() const { return ExternalRefs() + self_refs; }
  bool IsFree(int index) const;
  int FreeCount() const;  // GetFreeCount's formula (ALLOC.FREECOUNT)
  SampleHandle Handle(int index) const {
    return SampleHandle{generation, static_cast<uint16_t>(index)};
  }

  size_t Hash() const;
  std::string CheckInvariants() const;
  friend bool operator==(const State& a, const State& b);
};

// A fresh allocator just created by CreateInstance (LIFE.CREATE).
State Initial();

// Multi-line dump for failure reports.
std::string ToString(const State& s);

}  // namespace dsalloc::spec

template <>
struct std::hash<dsalloc::spec::State> {
  size_t operator()(const dsalloc::spec::State& s) const { return s.Hash(); }
};

#endif  // DSALLOC_SPEC_MODEL_STATE_H_
