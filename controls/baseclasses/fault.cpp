// controls/baseclasses/fault.cpp

#include "fault.h"

#include <atomic>
#include <cstdlib>
#include <mutex>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/mman.h>
#endif

namespace ctl_baseclasses {
namespace {

std::mutex g_fault_mutex;
long g_countdown = 0;  // 0: disarmed
bool g_sticky = false;
bool g_failing = false;  // a sticky fault has fired

bool InjectedFailure() {
  std::lock_guard<std::mutex> lock(g_fault_mutex);
  if (g_failing) return true;
  if (g_countdown <= 0) return false;
  if (--g_countdown > 0) return false;
  if (g_sticky) g_failing = true;
  return true;
}

}  // namespace

void* TryAlloc(std::size_t bytes) {
  if (InjectedFailure()) return nullptr;
  return std::malloc(bytes == 0 ? 1 : bytes);
}

void* TryAllocLarge(std::size_t bytes) {
  if (bytes < kLargeAllocation) return TryAlloc(bytes);
  if (InjectedFailure()) return nullptr;
#if defined(_WIN32)
  return VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
#else
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
#endif
}

void FreeLarge(void* p, std::size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kLargeAllocation) {
    std::free(p);
  } else {
#if defined(_WIN32)
    VirtualFree(p, 0, MEM_RELEASE);
#else
    munmap(p, bytes);
#endif
  }
}

void ArmFailure(long countdown, bool sticky) {
  std::lock_guard<std::mutex> lock(g_fault_mutex);
  g_countdown = countdown > 0 ? countdown : 0;
  g_sticky = sticky && countdown > 0;
  g_failing = false;
}

}  // namespace ctl_baseclasses
