// Two process-wide counts for DllCanUnloadNow: objects and explicit locks.

#include "server_lock.h"

#include <atomic>

namespace dsalloc::internal {
namespace {
std::atomic<long> live_objects{0};
std::atomic<long> server_locks{0};
}  // namespace

void CountObject() { live_objects.fetch_add(1, std::memory_order_relaxed); }
void UncountObject() { live_objects.fetch_sub(1, std::memory_order_acq_rel); }

void LockServer() { server_locks.fetch_add(1, std::memory_order_relaxed); }

void UnlockServer() {
  long locks = server_locks.load(std::memory_order_relaxed);
  while (locks > 0 &&
         !server_locks.compare_exchange_weak(locks, locks - 1, std::memory_order_acq_rel)) {
  }
}

bool ServerInUse() {
  return live_objects.load(std::memory_order_acquire) != 0 ||
         server_locks.load(std::memory_order_acquire) != 0;
}

}  // namespace dsalloc::internal
