// One process-wide count of objects and locks for DllCanUnloadNow.

#include "server_lock.h"

#include <atomic>

namespace dsalloc::internal {
namespace {
std::atomic<long> server_users{0};
}  // namespace

void LockServer() { server_users.fetch_add(1, std::memory_order_relaxed); }
void UnlockServer() { server_users.fetch_sub(1, std::memory_order_acq_rel); }
bool ServerInUse() { return server_users.load(std::memory_order_acquire) != 0; }

}  // namespace dsalloc::internal
