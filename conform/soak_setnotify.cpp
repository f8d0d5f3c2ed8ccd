// conform/soak_setnotify.cpp: the soak's SetNotify calls (soak_core.h):
// installing a callback at a rendezvous, the churn between epochs, and the
// removals that race the workers' releases.

#include <thread>

#include "soak_core.h"

namespace dsalloc::conform::soak_internal {

// One SetNotify call, watched: the call slot (a stuck call is named) and
// the target (what a callback destroyed meanwhile was given to), counted.
HRESULT Soak::CallSetNotify(SoakCallback* callback, const char* what) {
  setnotify_target_.store(callback);
  HRESULT hr = MySlot().Watched(what, nullptr, [&] { return cb_alloc_->SetNotify(callback); });
  setnotify_target_.store(nullptr);
  ++setnotify_calls_;
  return hr;
}

// At a rendezvous: the releases so far booked against the callback they
// notified, then `callback` installed (ALLOC.SETNOTIFY.1).
void Soak::Install(SoakCallback* callback) {
  if (cb_alloc_ == nullptr) return;
  Account();
  HRESULT hr = CallSetNotify(callback, "SetNotify");
  if (ExpectHr("ALLOC.SETNOTIFY.1", "SetNotify", S_OK, hr)) installed_.store(callback);
}

SoakCallback* Soak::NewDisposable() {
  const int index = static_cast<int>(callbacks_.size());
  callbacks_.push_back(std::make_unique<SoakCallback>(this, index));
  expected_notifies_.push_back(0);
  raced_slack_.push_back(0);
  ++disposables_;
  return callbacks_.back().get();
}

// SetNotify churn: another callback, NULL, the installed one again (also
// when the allocator holds its last reference: ALLOC.SETNOTIFY.SAME), or a
// fresh disposable callback the soak lets go of once it is installed
// (COM.CALLBACK.CLIENT), so that the next churn destroys it.
void Soak::Churn() {
  if (callbacks_.empty()) return;
  const uint64_t r = SplitMix(rng_);
  const int pick = static_cast<int>(r % (kCallbacks + 3));
  if (pick == kCallbacks + 1) {
    ChurnDisposable();
    return;
  }
  SoakCallback* target = nullptr;
  if (pick == kCallbacks + 2) {
    target = installed_.load();  // the same again (NULL again if none)
  } else if (pick < kCallbacks) {
    target = callbacks_[static_cast<size_t>(pick)].get();
  }
  Install(target);
}

void Soak::ChurnDisposable() {
  SoakCallback* fresh = NewDisposable();
  Install(fresh);
  if (installed_.load() != fresh) return;
  fresh->ReleaseOwn();
  // Once more, now that the allocator holds its last reference: the
  // AddRef must come before the Release (ALLOC.SETNOTIFY.SAME).
  Install(fresh);
}

bool Soak::SetNotifyRacing(SoakCallback* callback) {
  HRESULT hr = CallSetNotify(callback, "SetNotify during the traffic");
  if (!ExpectHr(callback == nullptr ? "ALLOC.SETNOTIFY.NULL" : "ALLOC.SETNOTIFY.1",
                "SetNotify during the traffic", S_OK, hr)) {
    return false;
  }
  installed_.store(callback);
  return true;
}

// While the workers release samples: SetNotify(NULL) on a disposable
// callback, so that the allocator's Release of its last reference races
// the releases that notify it. None of them may call it once it is
// destroyed, and it may not die while one of them notifies it
// (NOTIFY.SNAPSHOT, COM.CALLBACK.DEAD: the base classes' unsynchronised
// read does both). Only on the controller's thread, with the epoch started.
void Soak::RaceRemoval() {
  SoakCallback* cb = installed_.load();
  if (cb == nullptr || !cb->released_by_soak() || cb_alloc_ == nullptr) return;
  while (awake_.load() < threads_ && !abort_.load()) std::this_thread::yield();
  for (int round = 0; !stop_.load(); ++round) {
    cb->MarkRaced();
    raced_.push_back(cb);
    if (!SetNotifyRacing(nullptr)) return;
    ++races_;
    if (round + 1 == kRacesPerEpoch) return;
    // A fresh one, let go of at once, for the next round.
    SoakCallback* fresh = NewDisposable();
    fresh->MarkRaced();  // installed during the epoch: its count is a bound
    raced_.push_back(fresh);
    if (!SetNotifyRacing(fresh)) return;
    fresh->ReleaseOwn();
    cb = fresh;
  }
}

}  // namespace dsalloc::conform::soak_internal
