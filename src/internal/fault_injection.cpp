// The allocation-failure countdown behind AllocationMayFail().

#include "fault_injection.h"

#include <atomic>

namespace dsalloc::internal {
namespace {

std::atomic<long> countdown{0};
std::atomic<bool> sticky_failure{false};

}  // namespace

bool AllocationMayFail() noexcept {
  long now = countdown.load(std::memory_order_relaxed);
  if (now == 0) return false;
  if (now < 0) return true;  // sticky and already fired
  if (countdown.fetch_sub(1, std::memory_order_relaxed) != 1) return false;
  if (sticky_failure.load(std::memory_order_relaxed)) countdown.store(-1);
  return true;
}

void ArmAllocationFailure(long n, bool sticky) noexcept {
  sticky_failure.store(sticky, std::memory_order_relaxed);
  countdown.store(n, std::memory_order_relaxed);
}

}  // namespace dsalloc::internal
