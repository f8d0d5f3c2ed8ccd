// ---------------------------------------------------------------------------
// File: conform/soak_plan.h
// ---------------------------------------------------------------------------
//
// Not a public header (see soak_core.h). The soak's plan in numbers: the
// pool it asks for, how long an epoch is, what the controller does before
// each epoch, how an epoch's cycles are shared among the workers, and the
// seeded generators every choice is drawn from. Constants and pure
// functions only: the same seed gives the same plan on every platform.

#ifndef DSALLOC_CONFORM_SOAK_PLAN_H_
#define DSALLOC_CONFORM_SOAK_PLAN_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <dsalloc/strmif.h>

namespace dsalloc::conform::soak_internal {

inline constexpr size_t kMaxFailures = 16;  // listed in the report; the rest counted
inline constexpr LONG kBufferSize = 1024;
inline constexpr long long kCyclesPerEpoch = 1024;  // per worker
inline constexpr long long kDecommitEvery = 4;      // epochs; a quiescent one half-way
inline constexpr int kCallbacks = 3;                // held by the soak from Setup to Teardown
inline constexpr int kReentrantEvery = 16;          // NotifyRelease calls GetFreeCount
inline constexpr int kRacesPerEpoch = 8;            // SetNotify(NULL) calls of a RaceRemoval

// The controller's source (pool sizes, SetNotify churn, races) and the
// seeds of the threads' own generators.
inline uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A thread's own source, one step per cycle (state never 0).
inline uint64_t XorShift(uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// cBuffers of the next commit: 2 to 4.
inline LONG DrawPoolSize(uint64_t& rng) { return static_cast<LONG>(2 + SplitMix(rng) % 3); }

// What the controller does before epoch `epoch` (counted from 1): every
// kDecommitEvery-th a decommit with every worker waiting, half-way between
// a decommit with nothing out.
enum class Chore { kNone, kDecommitWithWaiters, kQuiescentDecommit };
inline Chore ChoreBefore(long long epoch) {
  if (epoch % kDecommitEvery == 0) return Chore::kDecommitWithWaiters;
  if (epoch % kDecommitEvery == kDecommitEvery / 2) return Chore::kQuiescentDecommit;
  return Chore::kNone;
}

// The cycles of the next epoch: kCyclesPerEpoch per worker, or what remains.
inline long long EpochCycles(long long remaining, int threads) {
  return std::min(remaining, kCyclesPerEpoch * threads);
}

// Worker `index`'s share of an epoch's `cycles`: equal shares, the
// remainder one each to the first workers.
inline long long Quota(long long cycles, int threads, int index) {
  return cycles / threads + (index < cycles % threads);
}

}  // namespace dsalloc::conform::soak_internal

#endif  // DSALLOC_CONFORM_SOAK_PLAN_H_
