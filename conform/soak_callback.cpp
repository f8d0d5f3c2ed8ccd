// conform/soak_callback.cpp: the soak's counting callback (soak_callback.h).

#include "soak_callback.h"

#include <algorithm>

#include "soak_core.h"

namespace dsalloc::conform::soak_internal {

void SoakCallback::DeadCall(const char* rule, const std::string& what) {
  soak_->Fail(rule, "callback #" + std::to_string(index_) +
                        " (let go of by the soak, the allocator held its last reference): "
                        "expected no call after its count reached 0 (destroyed), observed " +
                        what);
}

void SoakCallback::CallAfterFinalRelease(const std::string& what) {
  soak_->Fail("COM.CALLBACK.REFS", "callback #" + std::to_string(index_) +
                                       ": expected no call after its final Release, observed " +
                                       what);
}

ULONG SoakCallback::AddRef() {
  long before = refs_.fetch_add(1);
  if (before <= 0 && released_by_soak_.load()) {
    // Inside SetNotify(this): it released the callback it was given before
    // its AddRef (ALLOC.SETNOTIFY.SAME).
    DeadCall(soak_->setnotify_target() == this ? "ALLOC.SETNOTIFY.SAME" : "COM.CALLBACK.DEAD",
             "AddRef");
  } else if (before <= 0) {
    CallAfterFinalRelease("AddRef at count " + std::to_string(before));
  }
  return static_cast<ULONG>(before + 1);
}

ULONG SoakCallback::Release() {
  long after = refs_.fetch_sub(1) - 1;
  if (after == 0 && released_by_soak_.load() && notifying_.load() > 0) {
    DeadCall("NOTIFY.SNAPSHOT", "its count reach 0 while a NotifyRelease on it was running");
  } else if (after < 0 && released_by_soak_.load()) {
    DeadCall("COM.CALLBACK.DEAD", "Release");
  } else if (after < 0) {
    CallAfterFinalRelease("Release at count 0");
  } else if (after == 0 && !released_by_soak_.load()) {
    soak_->Fail("COM.CALLBACK.REFS",
                "callback #" + std::to_string(index_) +
                    ": expected the allocator to release only references it took, observed "
                    "the count reach 0 while the soak still held its own reference");
  }
  return static_cast<ULONG>(std::max(after, 0L));
}

HRESULT SoakCallback::NotifyRelease() {
  notifying_.fetch_add(1);
  if (refs_.load() <= 0 && released_by_soak_.load()) {
    DeadCall("NOTIFY.SNAPSHOT", "NotifyRelease");
  } else if (refs_.load() <= 0) {
    CallAfterFinalRelease("NotifyRelease");
  }
  const SoakCallback* now = soak_->installed();
  if (now != this && !raced_.load()) {
    soak_->Fail("NOTIFY.ONCE",
                "expected NotifyRelease only on the installed callback (" +
                    (now == nullptr ? std::string("none")
                                    : std::string("#") + std::to_string(now->index())) +
                    "), observed it on callback #" + std::to_string(index_));
  }
  long long n = notified_.fetch_add(1) + 1;
  if (!soak_->SerialFreeCount() && n % kReentrantEvery == 0) soak_->ReentrantFreeCount();
  notifying_.fetch_sub(1);
  return S_OK;
}

}  // namespace dsalloc::conform::soak_internal
