// ---------------------------------------------------------------------------
// File: conform/soak_callback.h
// ---------------------------------------------------------------------------
//
// Not a public header (see soak_core.h). SoakCallback: a counting
// NotifyRelease callback that checks the rules on every call it gets
// (identity: comkit::NotifyCallbackBase) and reports what it sees through
// its soak's Fail.
//
// The soak holds one reference on the first kCallbacks from creation until
// teardown, so their count never reaches 0 before that. A disposable one
// (Churn, RaceRemoval) the soak lets go of as soon as it is installed: the
// allocator then holds its last reference (COM.CALLBACK.CLIENT), and the
// SetNotify that replaces it destroys it; a call after that, or its death
// during a NotifyRelease, is reported (COM.CALLBACK.DEAD, NOTIFY.SNAPSHOT).
// "Destroyed" is only counted: the object lives as long as its soak.
//
// Threading: every method may run on any thread, concurrently.

#ifndef DSALLOC_CONFORM_SOAK_CALLBACK_H_
#define DSALLOC_CONFORM_SOAK_CALLBACK_H_

#include <atomic>
#include <string>

#include <comkit/notify_callback_base.h>

namespace dsalloc::conform::soak_internal {

class Soak;

class SoakCallback final : public comkit::NotifyCallbackBase {
 public:
  SoakCallback(Soak* soak, int index) : soak_(soak), index_(index) {}

  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;
  HRESULT STDMETHODCALLTYPE NotifyRelease() override;

  long refs() const { return refs_.load(); }
  long long notified() const { return notified_.load(); }
  int index() const { return index_; }
  // The soak's own Release (teardown, or a disposable one's right after it
  // is installed), once, if the count allows it.
  void ReleaseOwn() {
    if (released_by_soak_.load() || refs_.load() <= 0) return;
    released_by_soak_.store(true);
    Release();
  }
  // The soak let go of it: its count is the allocator's alone.
  bool released_by_soak() const { return released_by_soak_.load(); }
  // Removed by a SetNotify(NULL) racing the workers' releases
  // (RaceRemoval): releases already under way may still notify it.
  void MarkRaced() { raced_.store(true); }
  bool raced() const { return raced_.load(); }

 private:
  // A call on it after the soak let go and its count reached 0: destroyed
  // (COM.CALLBACK.DEAD), under the rule of the step that made the call.
  void DeadCall(const char* rule, const std::string& what);
  // A call after its final Release while the soak still held it
  // (COM.CALLBACK.REFS): `what` observed.
  void CallAfterFinalRelease(const std::string& what);

  Soak* const soak_;
  const int index_;
  std::atomic<long> refs_{1};
  std::atomic<long long> notified_{0};
  std::atomic<int> notifying_{0};  // NotifyRelease calls now running
  std::atomic<bool> released_by_soak_{false};
  std::atomic<bool> raced_{false};
};

}  // namespace dsalloc::conform::soak_internal

#endif  // DSALLOC_CONFORM_SOAK_CALLBACK_H_
