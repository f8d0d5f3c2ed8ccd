// harness/driver/watchdog.cpp: the process's watchdog thread and its
// armed guards (watchdog.h).

#include "watchdog.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "harness/annotated_mutex.h"

namespace dsalloc::harness::driver_internal {
namespace {

// How often the watchdog looks: a hang bound of seconds needs no finer
// grain, and a thread that sleeps between looks costs nothing per call.
constexpr std::chrono::milliseconds kPollPeriod{50};

class Watchdog {
 public:
  void Arm(WatchGuard::Entry* e) HARNESS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (!started_) {
      started_ = true;
      std::thread([this] { Main(); }).detach();
    }
    armed_.push_back(e);
  }

  void Disarm(WatchGuard::Entry* e) HARNESS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    while (e->firing) lock.Wait(fired_cv_);
    armed_.erase(std::find(armed_.begin(), armed_.end(), e));
  }

 private:
  void Main() HARNESS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    for (;;) {
      lock.WaitUntil(poll_cv_, Clock::now() + kPollPeriod);
      const Clock::time_point now = Clock::now();
      for (size_t i = 0; i < armed_.size(); ++i) {
        WatchGuard::Entry* e = armed_[i];
        if (e->fired || now < e->deadline) continue;
        e->fired = true;
        e->firing = true;
        lock.Unlock();
        e->on_expiry();  // e stays armed (Disarm waits for firing to clear)
        lock.Lock();
        e->firing = false;
        fired_cv_.NotifyAll();
        i = static_cast<size_t>(-1);  // armed_ may have changed meanwhile
      }
    }
  }

  Mutex mu_;
  CondVar poll_cv_;   // never notified: the poll period's timer
  CondVar fired_cv_;  // an on_expiry returned
  bool started_ HARNESS_GUARDED_BY(mu_) = false;
  std::vector<WatchGuard::Entry*> armed_ HARNESS_GUARDED_BY(mu_);
};

// Never destroyed: its thread uses it until the process exits.
Watchdog& TheWatchdog() {
  static Watchdog* dog = new Watchdog;
  return *dog;
}

}  // namespace

WatchGuard::WatchGuard(std::chrono::milliseconds timeout, std::function<void()> on_expiry) {
  entry_.deadline = Clock::now() + timeout;
  entry_.on_expiry = std::move(on_expiry);
  TheWatchdog().Arm(&entry_);
}

WatchGuard::~WatchGuard() { TheWatchdog().Disarm(&entry_); }

}  // namespace dsalloc::harness::driver_internal
