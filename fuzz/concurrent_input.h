// ---------------------------------------------------------------------------
// File: fuzz/concurrent_input.h
// ---------------------------------------------------------------------------
//
// The byte format of the concurrent fuzzer: how libFuzzer's bytes become a
// parallel case (harness/parallel/parallel_runner.h: a sequential prefix,
// then 2-3 thread lists that start together), and back.
//
// Byte 0 chooses the number of threads (2 + bit 0) and a schedule seed
// (the other bits; the runner varies each thread's small random delays
// before its calls with it). The rest is the differential fuzzer's records
// (fuzz_input.h), one op each; a record's thread bits (0..3) say where the
// op goes: 0 to the prefix, T > 0 to thread ((T - 1) % threads) + 1, in
// input order. What the parallel vocabulary does not allow is replaced op
// for op, so every input stays valid and mutations stay local: the prefix
// and the thread lists keep to the parallel properties' vocabulary (no
// reactions, factory ops, fault injection, Repeat or NULL pointers, small
// valid properties: the runner checks no domain, so every state the prefix
// leaves must keep the threads' calls in it), any other op becomes
// GetFreeCount, and samples are 0..kSlotRange-1 (in a thread list, slots:
// the thread's k-th GetBuffer). A thread-list record also carries a
// schedule hint (parallel_runner.h ScheduleHint: none, yield, short or long
// spin before the call) in byte 1's bits 7 (low) and 2 (high); the prefix
// ignores them.
// Lists are cut at kMaxPrefix / kMaxPerThread ops, so the history stays
// small enough for the linearizability search.
//
// Threading: pure functions. Errors: none (every input decodes).

#ifndef DSALLOC_FUZZ_CONCURRENT_INPUT_H_
#define DSALLOC_FUZZ_CONCURRENT_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "harness/parallel/parallel_runner.h"

namespace dsalloc::fuzz {

inline constexpr size_t kMaxPrefix = 32;
inline constexpr size_t kMaxPerThread = 8;
inline constexpr int kSlotRange = 4;

struct ConcurrentInput {
  props::parallel::ParallelCase c;
  uint32_t schedule_seed = 0;
};

ConcurrentInput DecodeConcurrent(const uint8_t* data, size_t size);
// The input that decodes to c (ops the format cannot express are
// approximated as in Encode; *exact says whether any was).
std::vector<uint8_t> EncodeConcurrent(const props::parallel::ParallelCase& c,
                                      bool* exact = nullptr);
// The prefix records' selectors made canonical (fuzz_input.h
// CanonicalizeSelector; a thread record's bit 7 is its hint, not a
// selector); the number of records changed.
size_t CanonicalizeConcurrentSelectors(uint8_t* data, size_t size);

}  // namespace dsalloc::fuzz

#endif  // DSALLOC_FUZZ_CONCURRENT_INPUT_H_
