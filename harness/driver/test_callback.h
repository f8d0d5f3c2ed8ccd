// ---------------------------------------------------------------------------
// File: harness/driver/test_callback.h
// ---------------------------------------------------------------------------
//
// Not a public header (see driver_core.h). TestCallback: the Driver's test
// callbacks (ids 0..2 of op.h), each an
// IMemAllocatorNotifyCallbackTemp that counts its references and the
// NotifyRelease calls it receives, notices every call made after its count
// reached 0 and every Release below the driver's own reference, and hands
// each NotifyRelease to its Host (the driver), which records it and performs
// the callback's Reaction (op.h).
//
// The count starts at 1: the driver's own reference, which it keeps for the
// callback's whole life and never gives back through Release (the driver
// deletes the object itself once only its reference is left, see
// driver.cpp), so any Release that takes the count below 1 was made by the
// allocator on a reference it did not hold (COM.CALLBACK.REFS).
//
// Threading: every method is thread-safe (atomics; the reaction under a
// small mutex, never held while calling out). Lifetime: owned by the driver;
// DetachHost() before the host goes away while the object must live on.

#ifndef DSALLOC_HARNESS_DRIVER_TEST_CALLBACK_H_
#define DSALLOC_HARNESS_DRIVER_TEST_CALLBACK_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <dsalloc/strmif.h>

#include "model/op.h"
#include "mutex.h"

namespace dsalloc::harness {

class TestCallback final : public IMemAllocatorNotifyCallbackTemp {
 public:
  class Host {
   public:
    // Inside every NotifyRelease, on the notifying thread; `refs` is the
    // callback's count at entry (the driver's reference included).
    virtual void OnNotifyRelease(TestCallback& callback, LONG refs) = 0;
    // A misuse of the callback object, named by its SPEC.md rule.
    virtual void OnMisuse(std::string_view rule, std::string detail) = 0;

   protected:
    ~Host() = default;
  };

  // The reaction to perform inside one NotifyRelease.
  struct Pending {
    spec::Reaction reaction = spec::Reaction::kNone;
    int32_t arg = 0;
  };

  TestCallback(int id, Host* host) : id_(id), host_(host) {}
  TestCallback(const TestCallback&) = delete;
  TestCallback& operator=(const TestCallback&) = delete;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;
  HRESULT STDMETHODCALLTYPE NotifyRelease() override;

  int id() const { return id_; }
  // The whole count, the driver's reference included.
  LONG refs() const { return refs_.load(std::memory_order_acquire); }
  uint32_t notifications() const { return notified_.load(std::memory_order_acquire); }

  // `callback N react ...` (op.h Reaction).
  void SetReaction(spec::Reaction reaction, int32_t arg, bool persistent);
  // The reaction for the NotifyRelease now running; a one-shot reaction
  // reverts to kNone before it runs (op.h).
  Pending TakeReaction();

  // From now on misuse is only counted, not reported, and NotifyRelease
  // does nothing but count (the host is going away).
  void DetachHost() { host_.store(nullptr, std::memory_order_release); }

 private:
  // Reports a call made while the count is already 0 (LIFE.DESTROY).
  void CheckAlive(const char* method);

  const int id_;
  std::atomic<Host*> host_;
  std::atomic<LONG> refs_{1};
  std::atomic<uint32_t> notified_{0};
  Mutex mu_;
  spec::Reaction reaction_ HARNESS_GUARDED_BY(mu_) = spec::Reaction::kNone;
  int32_t arg_ HARNESS_GUARDED_BY(mu_) = 0;
  bool persistent_ HARNESS_GUARDED_BY(mu_) = false;
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_DRIVER_TEST_CALLBACK_H_
