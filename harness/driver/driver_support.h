// ---------------------------------------------------------------------------
// File: harness/driver/driver_support.h
// ---------------------------------------------------------------------------
//
// Not a public header: the small tools the pieces of the Driver
// (harness/driver/*.cpp, see driver_core.h) share, and nothing else may
// include it. Checkers use driver.h.
//
//   sentinels      - values pre-filled into out-parameters
//   Observed       - an observed id as the SampleHandle an Outcome carries
//   LiveMutex/LiveCounts - live Cores per server (Teardown, LIFE.DESTROY)
//   RecorderScope  - which Outcome a NotifyRelease on this thread belongs to
//   FaultScope     - the implementation's fault hook around one call
//
// Threading: LiveCounts (under LiveMutex) is thread-safe; a
// RecorderScope belongs to one thread; the rest are values.

#ifndef DSALLOC_HARNESS_DRIVER_SUPPORT_H_
#define DSALLOC_HARNESS_DRIVER_SUPPORT_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "harness/annotated_mutex.h"
#include "harness/driver.h"
#include "harness/keep_forever.h"

namespace dsalloc::harness::driver_internal {

using Clock = std::chrono::steady_clock;
// The typed calls (spec/model/calls.h): call::Commit, call::GetBuffer...
namespace call = spec::call;
using spec::Completion;
using spec::Iid;
using spec::Notification;
using spec::Op;
using spec::Outcome;
using spec::Reaction;
using spec::SampleHandle;

// --- sentinels ------------------------------------------------------------------
// Out-parameters are pre-filled with values no implementation produces by
// accident; an out-parameter still holding its sentinel was not written.

inline constexpr uintptr_t kSentinelAddress =
    static_cast<uintptr_t>(0x5EB7DEAD0F00ull & UINTPTR_MAX);
inline constexpr LONG kSentinelLong = 0x5EB7C0DE;
inline constexpr int64_t kSentinelTime = 0x5EB7C0DE5EB7C0DEll;
// The second sentinel of each kind. A call may legitimately write the first
// one (a fuzzer asks for cBuffers = kSentinelLong, or SetTime of
// kSentinelTime), so a query without side effects (GetFreeCount, GetTime,
// GetMediaTime) whose out-parameter still holds the first sentinel is
// asked again with the second: the value was written if that changes too.
inline constexpr LONG kSentinelLong2 = ~kSentinelLong;
inline constexpr int64_t kSentinelTime2 = ~kSentinelTime;
inline constexpr ALLOCATOR_PROPERTIES kSentinelProps = {kSentinelLong, kSentinelLong, kSentinelLong,
                                                        kSentinelLong};

template <typename T>
T* Sentinel() {
  return reinterpret_cast<T*>(kSentinelAddress);
}

template <typename T>
bool IsReal(T* p) {
  return p != nullptr && p != Sentinel<T>();
}

inline SampleHandle Observed(int id) {
  if (id < 0) return SampleHandle{};
  return SampleHandle{kObservedGeneration, static_cast<uint16_t>(id)};
}

inline std::string PointerString(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

// --- live drivers (driver.cpp) -----------------------------------------------------

// Live Cores per server, so Teardown asks DllCanUnloadNow only when no other
// driver's objects can keep the server busy.
Mutex& LiveMutex();
std::map<uintptr_t, int>& LiveCounts();

// --- recording (driver_reactions.cpp) -----------------------------------------------

struct Recorder {
  const void* owner;  // the Core whose op this is
  Outcome* outcome;
  uint8_t depth;  // Notification::depth of the next notification
};

// Makes `outcome` the one NotifyRelease appends to on this thread until the
// scope ends (the previous one is restored).
class RecorderScope {
 public:
  RecorderScope(const void* owner, Outcome* outcome);
  ~RecorderScope();
  RecorderScope(const RecorderScope&) = delete;
  RecorderScope& operator=(const RecorderScope&) = delete;

 private:
  Recorder recorder_;
  Recorder* previous_;
};

// --- fault injection ----------------------------------------------------------------

// Arms the implementation's fault hook around one call ("oom" ops): the
// next allocation fails, and the hook is disarmed afterwards whether or not
// the call allocated.
class FaultScope {
 public:
  FaultScope(ArmAllocationFailureFn arm, bool on) : arm_(on ? arm : nullptr) {
    if (arm_ != nullptr) arm_(1, 0);
  }
  ~FaultScope() {
    if (arm_ != nullptr) arm_(0, 0);
  }
  FaultScope(const FaultScope&) = delete;
  FaultScope& operator=(const FaultScope&) = delete;

 private:
  ArmAllocationFailureFn arm_;
};

}  // namespace dsalloc::harness::driver_internal

#endif  // DSALLOC_HARNESS_DRIVER_SUPPORT_H_
