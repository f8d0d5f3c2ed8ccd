// harness/helper_thread.cpp: the park of idle helper threads
// (helper_thread.h). Each parked thread has a slot: a mailbox for one body
// at a time and a count of bodies finished, which join() waits on.

#include "helper_thread.h"

#include <cstdlib>
#include <thread>
#include <utility>
#include <vector>

#include "harness/annotated_mutex.h"

namespace dsalloc::harness {

struct ParkedThread {
  Mutex mu;
  CondVar cv;
  std::function<void()> body HARNESS_GUARDED_BY(mu);
  uint64_t posted HARNESS_GUARDED_BY(mu) = 0;    // bodies given to this thread
  uint64_t finished HARNESS_GUARDED_BY(mu) = 0;  // bodies that returned
};

namespace {

class Park {
 public:
  // A slot whose thread is waiting for `body`, which it then runs; the
  // number of that job, for join().
  std::pair<ParkedThread*, uint64_t> Start(std::function<void()> body) HARNESS_EXCLUDES(mu_) {
    ParkedThread* slot = nullptr;
    {
      MutexLock lock(mu_);
      if (!idle_.empty()) {
        slot = idle_.back();
        idle_.pop_back();
      }
    }
    bool fresh = slot == nullptr;
    if (fresh) slot = new ParkedThread;  // never freed: its thread may be stuck in a body
    uint64_t job;
    {
      MutexLock lock(slot->mu);
      slot->body = std::move(body);
      job = ++slot->posted;
      slot->cv.NotifyAll();
    }
    if (fresh) std::thread([this, slot] { Main(*slot); }).detach();
    return {slot, job};
  }

 private:
  void Main(ParkedThread& slot) HARNESS_EXCLUDES(mu_) {
    for (;;) {
      std::function<void()> body;
      {
        MutexLock lock(slot.mu);
        while (slot.posted == slot.finished) lock.Wait(slot.cv);
        body = std::move(slot.body);
      }
      body();
      body = nullptr;  // the body's captures go before join() returns
      {
        // Idle again before the joiner wakes, so a Start right after
        // join() reuses this thread instead of starting one.
        MutexLock lock(mu_);
        idle_.push_back(&slot);
      }
      MutexLock lock(slot.mu);
      ++slot.finished;
      slot.cv.NotifyAll();
    }
  }

  Mutex mu_;
  std::vector<ParkedThread*> idle_ HARNESS_GUARDED_BY(mu_);
};

// Never destroyed: parked threads use it until the process exits.
Park& ThePark() {
  static Park* park = new Park;
  return *park;
}

}  // namespace

HelperThread::HelperThread(std::function<void()> body) {
  std::tie(slot_, job_) = ThePark().Start(std::move(body));
}

HelperThread::HelperThread(HelperThread&& other) noexcept
    : slot_(std::exchange(other.slot_, nullptr)), job_(other.job_) {}

HelperThread& HelperThread::operator=(HelperThread&& other) noexcept {
  if (joinable()) std::abort();  // as std::thread: a running body is not dropped
  slot_ = std::exchange(other.slot_, nullptr);
  job_ = other.job_;
  return *this;
}

HelperThread::~HelperThread() {
  if (joinable()) std::abort();
}

void HelperThread::join() {
  ParkedThread* slot = std::exchange(slot_, nullptr);
  if (slot == nullptr) return;
  MutexLock lock(slot->mu);
  while (slot->finished < job_) lock.Wait(slot->cv);
}

void HelperThread::detach() { slot_ = nullptr; }

}  // namespace dsalloc::harness
