// conform/tests/hostile_server.cpp: a deliberately hostile in-process server
// (libdsalloc_conform_hostile.so) that proves dsalloc-conform's isolation
// (child_process.h): a crash, a hang or a runaway allocation in the server
// must fail the case it happens in, with a rule and a detail, and the run
// must go on.
//
// It forwards to the real dsalloc (linked statically) through a wrapper
// allocator whose misbehaviour is chosen, at call time, by the environment
// variable DSALLOC_HOSTILE:
//   allocate  Commit, after a SetProperties request with cBuffers * cbBuffer
//             > 256 MiB, mallocs that many bytes (64 MiB at a time) and writes
//             every page; when malloc fails (the kit's RLIMIT_AS) it writes
//             through the NULL pointer anyway.
//   hang      Commit sleeps forever when the last request had cBuffers > 1000.
//   crash     GetBuffer with AM_GBF_NOWAIT dereferences NULL while a
//             SetNotify callback is installed.
//   other     plain forwarding.
//
// The wrapper is one COM identity (IUnknown, IMemAllocator and
// IMemAllocatorCallbackTemp all give the wrapper); samples are dsalloc's own.
// dsalloc's DllGetClassObject cannot be linked next to ours (it shares an
// object file with DsallocCreateMemoryAllocator), so the inner allocator
// comes from dsalloc::Allocator::Create and the object count behind
// DllCanUnloadNow is dsalloc's own (internal/server_lock.h), which the
// wrapper and the factory join.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include <comkit/class_factory.h>
#include <dsalloc/dsalloc.h>
#include <dsalloc/testing.h>

#include "src/allocator.h"
#include "src/internal/fault_injection.h"
#include "src/internal/server_lock.h"

namespace {

// kNoCallback is not hostile: it leaves out IMemAllocatorCallbackTemp, as
// Wine does, for the kit's portable "interface absent" path.
enum class Mode { kForward, kAllocate, kHang, kCrash, kNoCallback };

Mode CurrentMode() {
  const char* value = std::getenv("DSALLOC_HOSTILE");
  if (value == nullptr) return Mode::kForward;
  if (std::strcmp(value, "allocate") == 0) return Mode::kAllocate;
  if (std::strcmp(value, "hang") == 0) return Mode::kHang;
  if (std::strcmp(value, "crash") == 0) return Mode::kCrash;
  if (std::strcmp(value, "nocallback") == 0) return Mode::kNoCallback;
  return Mode::kForward;
}

constexpr std::uint64_t kRunawayThreshold = 256ull << 20;  // bytes

// What a hostile server does: grows by malloc until it has `bytes`, writing
// every page (so the memory is really used, not just reserved), and never
// checks malloc's result. Under the kit's RLIMIT_AS a malloc fails part way,
// at about the limit, and the write through its NULL ends the child.
[[gnu::noinline]] void RunawayAllocation(std::uint64_t bytes) {
  constexpr std::uint64_t kChunk = 64ull << 20;
  constexpr std::uint64_t kPage = 4096;  // the smallest page: every page is written
  for (std::uint64_t got = 0; got < bytes; got += kChunk) {
    volatile char* const block = static_cast<char*>(std::malloc(kChunk));
    for (std::uint64_t at = 0; at < kChunk; at += kPage) {
      block[at] = 1;  // NULL[0] first when malloc failed
    }
  }
  // Kept: a runaway allocation is never given back.
}

[[noreturn]] void HangForever() {
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

[[gnu::noinline]] void CrashThroughNull() {
  volatile int* volatile null = nullptr;
  *null = 42;
}

class HostileAllocator final : public IMemAllocatorCallbackTemp {
 public:
  // Takes over the caller's reference on inner.
  explicit HostileAllocator(IMemAllocator* inner) : inner_(inner) {
    void* callback = nullptr;
    if (CurrentMode() != Mode::kNoCallback &&
        inner_->QueryInterface(IID_IMemAllocatorCallbackTemp, &callback) == S_OK) {
      callback_ = static_cast<IMemAllocatorCallbackTemp*>(callback);
      callback_->Release();  // a borrowed view of inner_, which we hold
    }
  }

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IMemAllocator ||
        (riid == IID_IMemAllocatorCallbackTemp && callback_ != nullptr)) {
      *ppv = static_cast<IMemAllocatorCallbackTemp*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override {
    return refs_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  ULONG STDMETHODCALLTYPE Release() override {
    ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left == 0) delete this;
    return left;
  }

  HRESULT STDMETHODCALLTYPE SetProperties(ALLOCATOR_PROPERTIES* request,
                                          ALLOCATOR_PROPERTIES* actual) override {
    if (request != nullptr) {
      requested_buffers_.store(request->cBuffers, std::memory_order_relaxed);
      requested_size_.store(request->cbBuffer, std::memory_order_relaxed);
    }
    return inner_->SetProperties(request, actual);
  }
  HRESULT STDMETHODCALLTYPE GetProperties(ALLOCATOR_PROPERTIES* props) override {
    return inner_->GetProperties(props);
  }
  HRESULT STDMETHODCALLTYPE Commit() override {
    const long buffers = requested_buffers_.load(std::memory_order_relaxed);
    const long size = requested_size_.load(std::memory_order_relaxed);
    switch (CurrentMode()) {
      case Mode::kAllocate:
        if (buffers > 0 && size > 0) {
          std::uint64_t bytes =
              static_cast<std::uint64_t>(buffers) * static_cast<std::uint64_t>(size);
          if (bytes > kRunawayThreshold) RunawayAllocation(bytes);
        }
        break;
      case Mode::kHang:
        if (buffers > 1000) HangForever();
        break;
      default:
        break;
    }
    return inner_->Commit();
  }
  HRESULT STDMETHODCALLTYPE Decommit() override { return inner_->Decommit(); }
  HRESULT STDMETHODCALLTYPE GetBuffer(IMediaSample** buffer, REFERENCE_TIME* start,
                                      REFERENCE_TIME* end, DWORD flags) override {
    if ((flags & AM_GBF_NOWAIT) != 0 && notify_installed_.load(std::memory_order_relaxed) &&
        CurrentMode() == Mode::kCrash) {
      CrashThroughNull();
    }
    return inner_->GetBuffer(buffer, start, end, flags);
  }
  HRESULT STDMETHODCALLTYPE ReleaseBuffer(IMediaSample* buffer) override {
    return inner_->ReleaseBuffer(buffer);
  }

  // Only reachable through QueryInterface when callback_ is set.
  HRESULT STDMETHODCALLTYPE SetNotify(IMemAllocatorNotifyCallbackTemp* notify) override {
    HRESULT hr = callback_->SetNotify(notify);
    if (SUCCEEDED(hr)) notify_installed_.store(notify != nullptr, std::memory_order_relaxed);
    return hr;
  }
  HRESULT STDMETHODCALLTYPE GetFreeCount(LONG* free) override {
    return callback_->GetFreeCount(free);
  }

 private:
  ~HostileAllocator() { inner_->Release(); }

  dsalloc::internal::ServerReference server_;
  std::atomic<ULONG> refs_{1};
  IMemAllocator* inner_;
  IMemAllocatorCallbackTemp* callback_ = nullptr;
  std::atomic<long> requested_buffers_{0};
  std::atomic<long> requested_size_{0};
  std::atomic<bool> notify_installed_{false};
};

HRESULT CreateHostile(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  void* inner = nullptr;
  HRESULT hr = dsalloc::Allocator::Create(IID_IMemAllocator, &inner);
  if (FAILED(hr)) return hr;
  auto* wrapper = new (std::nothrow) HostileAllocator(static_cast<IMemAllocator*>(inner));
  if (wrapper == nullptr) {
    static_cast<IMemAllocator*>(inner)->Release();
    return E_OUTOFMEMORY;
  }
  hr = wrapper->QueryInterface(riid, ppv);
  wrapper->Release();  // the creation reference; a successful QI holds one
  return hr;
}

// dsalloc's own object count and LockServer, which the wrapper joins.
struct Server {
  static void ObjectCreated() { dsalloc::internal::CountObject(); }
  static void ObjectDestroyed() { dsalloc::internal::UncountObject(); }
  static void Lock() { dsalloc::internal::LockServer(); }
  static void Unlock() { dsalloc::internal::UnlockServer(); }
};

using HostileFactory = comkit::ServerClassFactory<&CreateHostile, Server>;

}  // namespace

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllGetClassObject(REFCLSID rclsid, REFIID riid,
                                                              LPVOID* ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  if (!IsEqualCLSID(rclsid, CLSID_MemoryAllocator)) return CLASS_E_CLASSNOTAVAILABLE;
  IClassFactory* factory = HostileFactory::New();
  if (factory == nullptr) return E_OUTOFMEMORY;
  HRESULT hr = factory->QueryInterface(riid, ppv);
  factory->Release();
  return hr;
}

EXTERN_C DSALLOC_API HRESULT STDAPICALLTYPE DllCanUnloadNow() {
  return dsalloc::internal::ServerInUse() ? S_FALSE : S_OK;
}

// Forwarded, so the kit's fault-injection cases run against it too.
EXTERN_C DSALLOC_API void STDAPICALLTYPE DsallocArmAllocationFailure(long countdown, int sticky) {
  dsalloc::internal::ArmAllocationFailure(countdown, sticky != 0);
}
