// controls/baseclasses/fault.h
//
// Every heap allocation of the control goes through TryAlloc, which returns
// NULL on failure (it never throws). The optional test hook
// DsallocArmAllocationFailure (exported by server.cpp) makes the n-th
// TryAlloc from now fail, so checkers can reach every E_OUTOFMEMORY path.

#ifndef DSALLOC_CONTROLS_BASECLASSES_FAULT_H_
#define DSALLOC_CONTROLS_BASECLASSES_FAULT_H_

#include <cstddef>

namespace ctl_baseclasses {

// malloc(bytes), or NULL when it fails or an injected fault fires.
// Release the result with std::free (or CoTaskMemFree, the same heap).
void* TryAlloc(std::size_t bytes);

// For arrays that can be huge (the sample objects of a hostile cBuffers):
// like TryAlloc, one allocation for the fault hook, but a request of
// kLargeAllocation bytes or more is a private anonymous mapping, so the
// kernel's overcommit policy (not a sanitizer's malloc, which aborts on an
// impossible request) decides, and untouched pages cost nothing. Release
// with FreeLarge(p, bytes).
inline constexpr std::size_t kLargeAllocation = std::size_t{64} << 20;
void* TryAllocLarge(std::size_t bytes);
void FreeLarge(void* p, std::size_t bytes);

// countdown 0 disarms; n > 0 fails the n-th allocation from now, and every
// later one too when sticky.
void ArmFailure(long countdown, bool sticky);

}  // namespace ctl_baseclasses

#endif  // DSALLOC_CONTROLS_BASECLASSES_FAULT_H_
