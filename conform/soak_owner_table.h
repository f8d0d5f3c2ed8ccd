// ---------------------------------------------------------------------------
// File: conform/soak_owner_table.h
// ---------------------------------------------------------------------------
//
// Not a public header (see soak_core.h). OwnerTable: which holder owns each
// sample pointer, so that a GetBuffer handing out a sample someone still
// holds is seen at once (ALLOC.BOUND). Open addressing over kSize slots,
// keys never removed (Reset only at a rendezvous), so Claim is exact
// without a lock.
//
// Threading: Claim and Disclaim from any thread; Reset only while no other
// thread uses the table. Errors: a full table claims everything.

#ifndef DSALLOC_CONFORM_SOAK_OWNER_TABLE_H_
#define DSALLOC_CONFORM_SOAK_OWNER_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <dsalloc/strmif.h>

namespace dsalloc::conform::soak_internal {

class OwnerTable {
 public:
  static constexpr int kSize = 64;

  // False if s is owned already; true when claimed (or the table is full).
  bool Claim(IMediaSample* s) {
    int i = Find(s, true);
    return i < 0 || owned_[i].exchange(1, std::memory_order_acq_rel) == 0;
  }
  void Disclaim(IMediaSample* s) {
    int i = Find(s, false);
    if (i >= 0) owned_[i].store(0, std::memory_order_release);
  }
  void Reset() {
    for (int i = 0; i < kSize; ++i) {
      key_[i].store(nullptr, std::memory_order_relaxed);
      owned_[i].store(0, std::memory_order_relaxed);
    }
  }

 private:
  int Find(IMediaSample* s, bool insert) {
    size_t start = (reinterpret_cast<uintptr_t>(s) >> 4) % kSize;
    for (int probe = 0; probe < kSize; ++probe) {
      int j = static_cast<int>((start + static_cast<size_t>(probe)) % kSize);
      IMediaSample* k = key_[j].load(std::memory_order_acquire);
      if (k == s) return j;
      if (k != nullptr) continue;
      if (!insert) return -1;
      if (key_[j].compare_exchange_strong(k, s, std::memory_order_acq_rel) || k == s) return j;
    }
    return -1;
  }

  std::atomic<IMediaSample*> key_[kSize] = {};
  std::atomic<int> owned_[kSize] = {};
};

}  // namespace dsalloc::conform::soak_internal

#endif  // DSALLOC_CONFORM_SOAK_OWNER_TABLE_H_
