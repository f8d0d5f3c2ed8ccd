// ---------------------------------------------------------------------------
// File: conform/soak_call_slot.h
// ---------------------------------------------------------------------------
//
// Not a public header (see soak_core.h). CallSlot: one soak thread's window
// on the watchdog (soak_watchdog.h). Every call the thread makes into the
// implementation runs inside its slot (Watched): the sequence number is odd
// while the thread is inside, and `call` names the call and `rule` the rule
// broken beyond GEN.NOHANG if it never returns. A call made from inside
// another (NotifyRelease calling back into the allocator) runs as Nested:
// the number stays odd, only the names change for its duration.
//
// Threading: a slot is written by its own thread only and read by the
// watchdog (seq: release / acquire). tls_slot is the calling thread's slot,
// null on threads that are not the soak's. Lifetime: the soak's.

#ifndef DSALLOC_CONFORM_SOAK_CALL_SLOT_H_
#define DSALLOC_CONFORM_SOAK_CALL_SLOT_H_

#include <atomic>
#include <cstdint>

namespace dsalloc::conform::soak_internal {

struct CallSlot {
  std::atomic<uint64_t> seq{0};  // odd: inside a call
  std::atomic<const char*> call{""};
  std::atomic<const char*> rule{nullptr};  // broken beyond GEN.NOHANG if stuck here

  void Enter(const char* what, const char* hang_rule) {
    call.store(what, std::memory_order_relaxed);
    rule.store(hang_rule, std::memory_order_relaxed);
    seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  void Leave() { seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  // fn() inside the slot, named `what`: what it returns.
  template <typename Fn>
  auto Watched(const char* what, const char* hang_rule, Fn fn) {
    Enter(what, hang_rule);
    auto result = fn();
    Leave();
    return result;
  }

  // fn() from inside the call now running, named `what` while it runs.
  template <typename Fn>
  auto Nested(const char* what, const char* hang_rule, Fn fn) {
    const char* outer_call = call.load(std::memory_order_relaxed);
    const char* outer_rule = rule.load(std::memory_order_relaxed);
    call.store(what, std::memory_order_relaxed);
    rule.store(hang_rule, std::memory_order_relaxed);
    auto result = fn();
    call.store(outer_call, std::memory_order_relaxed);
    rule.store(outer_rule, std::memory_order_relaxed);
    return result;
  }
};

inline thread_local CallSlot* tls_slot = nullptr;

}  // namespace dsalloc::conform::soak_internal

#endif  // DSALLOC_CONFORM_SOAK_CALL_SLOT_H_
