// ---------------------------------------------------------------------------
// File: tests/support/test_support.h
// ---------------------------------------------------------------------------
//
// Test support for every black-box checker of a CLSID_MemoryAllocator: it
// speaks only the COM surface of <dsalloc/strmif.h>, so the same helpers
// drive our allocator or any other in-process server.
//
//   ComPtr<T>          owning interface pointer (Release on destruction).
//   CurrentServer()    the implementation under test (harness/implementation.h):
//                      the embedded libdsalloc, or the in-process server named
//                      by the environment variable DSALLOC_IMPL (dlopen),
//                      e.g. a deliberately broken libdsalloc_variant_<kName>.so.
//   CreateAllocator()  DllGetClassObject -> IClassFactory::CreateInstance.
//   SampleBoolean      IMediaSample's Is/Set pairs (sync point, preroll,
//                      discontinuity) with their sample flag bits.
//   CountingCallback   an IMemAllocatorNotifyCallbackTemp (identity:
//                      comkit::NotifyCallbackBase) that counts
//                      AddRef/Release/NotifyRelease, records every call made
//                      after its count reached 0, the count seen inside
//                      NotifyRelease, and runs optional reactions inside
//                      NotifyRelease and Release.
//   RunBounded()       runs a body on its own thread and gives up after a
//                      timeout, so a deadlock becomes a failure, not a hang.
//   AsyncGetBuffer     a GetBuffer on its own thread, waited for with a bound.
//
// Threading: CountingCallback is thread-safe (atomics; the reaction runs on
// the notifying thread). ComPtr is thread-compatible.
// Lifetime: CountingCallback never deletes itself; the test owns the object
// and must keep it alive until the allocator can no longer call it.

#ifndef DSALLOC_TESTS_SUPPORT_TEST_SUPPORT_H_
#define DSALLOC_TESTS_SUPPORT_TEST_SUPPORT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <comkit/notify_callback_base.h>
#include <dsalloc/strmif.h>

#include "harness/implementation.h"

namespace dsalloc::testing {

// How long a test waits for something that must happen ("never hangs").
inline constexpr std::chrono::milliseconds kHangTimeout{5000};
// How long a test waits to be reasonably sure a thread has blocked.
inline constexpr std::chrono::milliseconds kSettleTime{60};

// --- ComPtr -----------------------------------------------------------------

template <typename T>
class ComPtr {
 public:
  ComPtr() = default;
  explicit ComPtr(T* p) : p_(p) {}  // adopts one reference
  ComPtr(const ComPtr& o) : p_(o.p_) {
    if (p_) p_->AddRef();
  }
  ComPtr(ComPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  ComPtr& operator=(ComPtr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~ComPtr() { Reset(); }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  // The address for an out-parameter; releases what was held first.
  T** put() {
    Reset();
    return &p_;
  }
  void** put_void() { return reinterpret_cast<void**>(put()); }
  // Gives up ownership without releasing.
  T* detach() { return std::exchange(p_, nullptr); }
  // Releases the held reference; returns what Release returned (or 0).
  ULONG Reset() {
    T* p = std::exchange(p_, nullptr);
    return p ? p->Release() : 0;
  }

 private:
  T* p_ = nullptr;
};

// The count of a COM object as AddRef/Release report it (AddRef then
// Release; the second returns the count as it was).
inline ULONG RefCount(IUnknown* p) {
  p->AddRef();
  return p->Release();
}

// --- The server under test --------------------------------------------------

using Server = harness::Implementation;

// The server every helper uses: harness::Selected() (see the banner).
const Server& CurrentServer();

// CreateAllocator()
//
// A fresh allocator from CurrentServer(), queried for riid (default
// IMemAllocatorCallbackTemp). Returns S_OK and stores it in *pp, or the
// failing HRESULT with *pp NULL.
HRESULT CreateAllocator(REFIID riid, void** pp);
ComPtr<IMemAllocatorCallbackTemp> CreateAllocator();

// S_OK when the server under test has no live object and no lock.
HRESULT ServerCanUnloadNow();

// --- Values -------------------------------------------------------------------

inline ALLOCATOR_PROPERTIES Props(LONG c, LONG cb, LONG align, LONG prefix) {
  ALLOCATOR_PROPERTIES p;
  p.cBuffers = c;
  p.cbBuffer = cb;
  p.cbAlign = align;
  p.cbPrefix = prefix;
  return p;
}
std::string ToString(const ALLOCATOR_PROPERTIES& p);
// "0x80040211 (VFW_E_NOT_COMMITTED)" for failure messages.
std::string HrName(HRESULT hr);

// SetProperties(request) then Commit(); returns the first failure or S_OK.
HRESULT Configure(IMemAllocator* a, LONG c, LONG cb, LONG align = 1, LONG prefix = 0);

// The full IMediaSample2::GetProperties image of a sample (asserts S_OK is
// left to the caller: *hr receives the result when non-NULL).
AM_SAMPLE2_PROPERTIES SampleProps(IMediaSample* s, HRESULT* hr = nullptr);
// AM_SAMPLE2_PROPERTIES::dwSampleFlags as GetProperties reports it.
DWORD SampleFlags(IMediaSample* s);

// A media type whose every byte is 0xCC except pUnk, cbFormat, pbFormat
// (SEMANTICS 5.50).
AM_MEDIA_TYPE PatternMediaType();
// Frees a GetMediaType result the way DeleteMediaType does (format block,
// pUnk, then the struct itself), without needing libdsalloc.
void DeleteMediaTypeCopy(AM_MEDIA_TYPE* pmt);

// One of IMediaSample's boolean properties: its getter (S_OK set, S_FALSE
// not), its setter, and the dwSampleFlags bit IMediaSample2 shows it as.
struct SampleBoolean {
  HRESULT (STDMETHODCALLTYPE IMediaSample::*is)();
  HRESULT (STDMETHODCALLTYPE IMediaSample::*set)(BOOL);
  DWORD bit;
};
inline constexpr SampleBoolean kSyncPoint = {&IMediaSample::IsSyncPoint,
                                             &IMediaSample::SetSyncPoint, AM_SAMPLE_SPLICEPOINT};
inline constexpr SampleBoolean kPreroll = {&IMediaSample::IsPreroll, &IMediaSample::SetPreroll,
                                           AM_SAMPLE_PREROLL};
inline constexpr SampleBoolean kDiscontinuity = {
    &IMediaSample::IsDiscontinuity, &IMediaSample::SetDiscontinuity, AM_SAMPLE_DATADISCONTINUITY};

// --- CountingCallback -------------------------------------------------------

class CountingCallback final : public comkit::NotifyCallbackBase {
 public:
  // The count starts at 1: the reference of the test that created it.
  CountingCallback() = default;

  // NotifyCallbackBase's, counting a call on a released object first.
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;
  HRESULT STDMETHODCALLTYPE NotifyRelease() override;

  // Runs inside every NotifyRelease, on the notifying thread.
  void SetReaction(std::function<void(CountingCallback&)> reaction);
  // Runs inside every Release, after the count dropped, with the new count.
  void SetReleaseReaction(std::function<void(CountingCallback&, LONG)> r);
  // What NotifyRelease returns (NOTIFY.RESULT: must be ignored).
  void SetResult(HRESULT hr) { result_ = hr; }

  LONG refs() const { return refs_.load(); }
  LONG add_refs() const { return add_refs_.load(); }
  LONG releases() const { return releases_.load(); }
  LONG notifies() const { return notifies_.load(); }
  // Calls of any method made while the count was already 0 (a call on a
  // released object), and Release calls that would take it below 0.
  LONG calls_after_final_release() const { return late_calls_.load(); }
  // The smallest / largest count seen on entry to NotifyRelease (-1: none).
  LONG min_refs_in_notify() const { return min_refs_in_notify_.load(); }
  LONG max_refs_in_notify() const { return max_refs_in_notify_.load(); }
  // NotifyRelease calls running at the same moment, at most (nesting or
  // concurrency).
  LONG max_concurrent_notifies() const { return max_active_.load(); }
  std::thread::id last_notify_thread() const;

 private:
  void NoteLateCall();

  std::atomic<LONG> refs_{1};
  std::atomic<LONG> add_refs_{0};
  std::atomic<LONG> releases_{0};
  std::atomic<LONG> notifies_{0};
  std::atomic<LONG> late_calls_{0};
  std::atomic<LONG> min_refs_in_notify_{-1};
  std::atomic<LONG> max_refs_in_notify_{-1};
  std::atomic<LONG> active_{0};
  std::atomic<LONG> max_active_{0};
  std::atomic<HRESULT> result_{S_OK};
  mutable std::mutex mu_;
  std::function<void(CountingCallback&)> reaction_;                // guarded by mu_
  std::function<void(CountingCallback&, LONG)> release_reaction_;  // mu_
  std::thread::id last_thread_;                                    // guarded by mu_
};

// --- Bounded waiting ---------------------------------------------------------

// RunBounded()
//
// Runs body on a new thread and waits up to timeout for it. Returns true if
// it finished. On a timeout the thread is detached and left running (the
// test fails; whatever it uses is leaked on purpose so it stays valid).
bool RunBounded(std::function<void()> body, std::chrono::milliseconds timeout = kHangTimeout);

// True once any RunBounded() call has timed out in this process: a thread
// may be stuck inside the allocator (possibly holding its lock), so no
// further call into that allocator is safe (fixture.h then leaks it).
bool BoundedWaitTimedOut();

// Polls pred every millisecond until it is true or timeout passes.
bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kHangTimeout);

// A GetBuffer(flags) running on its own thread. The thread holds a
// reference on the allocator while it runs. If the call never returns, the
// destructor detaches the thread (the allocator then leaks, never dangles).
class AsyncGetBuffer {
 public:
  AsyncGetBuffer(IMemAllocator* allocator, DWORD flags = 0);
  ~AsyncGetBuffer();
  AsyncGetBuffer(const AsyncGetBuffer&) = delete;
  AsyncGetBuffer& operator=(const AsyncGetBuffer&) = delete;

  // True once GetBuffer has returned.
  bool done() const;
  // Waits up to timeout for the return; true if it returned.
  bool Wait(std::chrono::milliseconds timeout = kHangTimeout);
  // Valid after done(): the result and the sample (owned by this object
  // until TakeSample()).
  HRESULT hr() const;
  // False if GetBuffer failed without storing NULL in *ppBuffer.
  bool out_cleared() const;
  IMediaSample* sample() const;
  IMediaSample* TakeSample();  // caller now owns the reference
  // Releases the sample (if any) held by this object; returns Release's
  // result.
  ULONG ReleaseSample();

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace dsalloc::testing

// Field-wise equality of ALLOCATOR_PROPERTIES (global, for ADL from
// GoogleTest's EXPECT_EQ).
inline bool operator==(const ALLOCATOR_PROPERTIES& a, const ALLOCATOR_PROPERTIES& b) {
  return a.cBuffers == b.cBuffers && a.cbBuffer == b.cbBuffer && a.cbAlign == b.cbAlign &&
         a.cbPrefix == b.cbPrefix;
}

#endif  // DSALLOC_TESTS_SUPPORT_TEST_SUPPORT_H_
