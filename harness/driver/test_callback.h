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
// The count starts at 1: the client's own reference (the driver's). The
// client may give it back (`callback N Release`, ClientRelease); until then
// any Release that takes the count below 1 was made by the allocator on a
// reference it did not hold (COM.CALLBACK.REFS). Once the count reaches 0
// with the client's reference gone, the callback is dead: a real one would
// be destroyed, so every later call on it (AddRef, Release, QueryInterface,
// NotifyRelease) is reported, and so is a death while a NotifyRelease on it
// is still running (COM.CALLBACK.DEAD; the Host names the rule). The object
// itself is never freed while the allocator may still call it (the driver
// deletes it only when no reference is left, see driver.cpp).
//
// A callback may hold references on the allocator (LIFE.CYCLE,
// HoldAllocator): it releases them when it dies, as a real callback's
// destructor would, or when told to (ReleaseAllocator).
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
#include <vector>

#include <dsalloc/strmif.h>

#include "harness/annotated_mutex.h"
#include "spec/model/op.h"

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
    // A call on the callback after it died (COM.CALLBACK.DEAD), or its death
    // while a NotifyRelease on it runs (`method` "death during
    // NotifyRelease"); the host names the rule from what is running.
    virtual void OnDeadCall(TestCallback& callback, std::string_view method) = 0;

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
  // The whole count, the client's reference included while it holds one.
  LONG refs() const { return refs_.load(std::memory_order_acquire); }
  // The references the allocator holds: the count less the client's own.
  LONG AllocatorRefs() const { return refs() - (client_held() ? 1 : 0); }
  bool client_held() const { return client_held_.load(std::memory_order_acquire); }
  bool dead() const { return dead_.load(std::memory_order_acquire); }

  // `callback N Release`: the client gives its own reference back
  // (COM.CALLBACK.CLIENT); the callback dies if it was the last.
  void ClientRelease();
  // `callback N HoldAllocator`: keep one reference on `alloc`, already
  // AddRef'd by the caller (LIFE.CYCLE).
  void HoldAllocator(IUnknown* alloc);
  // `callback N ReleaseAllocator` and teardown: gives one (or every) held
  // allocator reference back; returns what the last Release returned.
  ULONG ReleaseAllocator();
  void ReleaseAllAllocatorRefs();
  uint32_t HeldAllocatorRefs() const;
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
  // Reports a call made on a dead callback, or while the count is already
  // 0 (COM.CALLBACK.DEAD).
  void CheckAlive(const char* method);
  // The count reached 0 with the client's reference gone.
  void Die();

  const int id_;
  std::atomic<Host*> host_;
  std::atomic<LONG> refs_{1};
  std::atomic<bool> client_held_{true};
  std::atomic<bool> dead_{false};
  std::atomic<int> notifying_{0};  // NotifyRelease calls now running
  std::atomic<uint32_t> notified_{0};
  mutable Mutex mu_;
  std::vector<IUnknown*> alloc_refs_ HARNESS_GUARDED_BY(mu_);  // LIFE.CYCLE
  spec::Reaction reaction_ HARNESS_GUARDED_BY(mu_) = spec::Reaction::kNone;
  int32_t arg_ HARNESS_GUARDED_BY(mu_) = 0;
  bool persistent_ HARNESS_GUARDED_BY(mu_) = false;
};

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_DRIVER_TEST_CALLBACK_H_
