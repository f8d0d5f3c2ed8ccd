// conform/soak_watchdog.cpp: stuck calls found and charged (soak_watchdog.h).

#include "soak_watchdog.h"

namespace dsalloc::conform::soak_internal {

Watchdog::Watchdog(Soak& soak, std::chrono::milliseconds bound, Clock::time_point start)
    : soak_(soak),
      bound_(bound),
      n_(soak.slot_count()),
      last_seq_(static_cast<size_t>(n_), 0),
      since_(static_cast<size_t>(n_), start) {}

bool Watchdog::ChargeStuckCalls(Clock::time_point now) {
  bool other_than_wait = false;
  const std::vector<int> stuck = FindStuck(now, &other_than_wait);
  std::string also;
  for (int i : stuck) {
    CallSlot& slot = soak_.slot(i);
    const std::string call = slot.call.load(std::memory_order_relaxed);
    if (other_than_wait && call == kBlockingGetBuffer) {
      also += (also.empty() ? "" : ", ") + Who(i) + " in " + call;
      continue;
    }
    const std::string message = StuckMessage(call, Who(i));
    if (const char* rule = slot.rule.load(std::memory_order_relaxed)) soak_.Fail(rule, message);
    soak_.Fail("GEN.NOHANG", message);
  }
  if (!also.empty()) {
    soak_.Fail("GEN.NOHANG", "blocked behind the stuck call(s) above: " + also);
  }
  return !stuck.empty();
}

// A slot is stuck when its number is odd (inside a call) and has not
// changed for longer than the bound.
std::vector<int> Watchdog::FindStuck(Clock::time_point now, bool* other_than_wait) {
  std::vector<int> stuck;
  for (int i = 0; i < n_; ++i) {
    CallSlot& slot = soak_.slot(i);
    const uint64_t seq = slot.seq.load(std::memory_order_acquire);
    const size_t k = static_cast<size_t>(i);
    if ((seq & 1) == 0 || seq != last_seq_[k]) {
      last_seq_[k] = seq;
      since_[k] = now;
      continue;
    }
    if (now - since_[k] <= bound_) continue;
    stuck.push_back(i);
    if (std::string(slot.call.load(std::memory_order_relaxed)) != kBlockingGetBuffer) {
      *other_than_wait = true;
    }
  }
  return stuck;
}

// The last slot is the controller's, the others the workers'.
std::string Watchdog::Who(int thread) const {
  return thread == n_ - 1 ? std::string("the controller") : "worker " + std::to_string(thread);
}

std::string Watchdog::StuckMessage(const std::string& call, const std::string& who) const {
  std::string message =
      "expected " + call + " to return within " + std::to_string(bound_.count()) + " ms";
  if (call == kBlockingGetBuffer) {
    message +=
        " (once a sample is released or Decommit runs; every other thread "
        "finishes its epoch and releases what it holds)";
  } else if (call == kFreeCountInsideNotify) {
    message +=
        " (NotifyRelease calls back into the allocator, NOTIFY.REENTRANT; a lock "
        "held across the callback deadlocks here)";
  }
  return message + ", observed " + who + " still inside it";
}

}  // namespace dsalloc::conform::soak_internal
