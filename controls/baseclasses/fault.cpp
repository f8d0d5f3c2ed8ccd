// controls/baseclasses/fault.cpp

#include "fault.h"

#include <atomic>
#include <cstdlib>
#include <mutex>

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

void ArmFailure(long countdown, bool sticky) {
  std::lock_guard<std::mutex> lock(g_fault_mutex);
  g_countdown = countdown > 0 ? countdown : 0;
  g_sticky = sticky && countdown > 0;
  g_failing = false;
}

}  // namespace ctl_baseclasses
