// ---------------------------------------------------------------------------
// File: tests/support/test_support.cpp
// ---------------------------------------------------------------------------
//
// How the helpers of test_support.h work. The server under test is the
// harness's selected implementation (harness/implementation.h).

#include "test_support.h"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <dsalloc/dsalloc.h>

namespace dsalloc::testing {

// --- Server -----------------------------------------------------------------

const Server& CurrentServer() { return harness::Selected(); }

HRESULT CreateAllocator(REFIID riid, void** pp) {
  if (pp == nullptr) return E_POINTER;
  *pp = nullptr;
  ComPtr<IClassFactory> factory;
  HRESULT hr = CurrentServer().get_class_object(CLSID_MemoryAllocator, IID_IClassFactory,
                                                factory.put_void());
  if (FAILED(hr)) return hr;
  if (!factory) return E_UNEXPECTED;
  return factory->CreateInstance(nullptr, riid, pp);
}

ComPtr<IMemAllocatorCallbackTemp> CreateAllocator() {
  ComPtr<IMemAllocatorCallbackTemp> a;
  if (FAILED(CreateAllocator(IID_IMemAllocatorCallbackTemp, a.put_void()))) {
    return ComPtr<IMemAllocatorCallbackTemp>();
  }
  return a;
}

HRESULT ServerCanUnloadNow() { return CurrentServer().can_unload_now(); }

// --- Values -------------------------------------------------------------------

std::string ToString(const ALLOCATOR_PROPERTIES& p) {
  return "{" + std::to_string(p.cBuffers) + "," + std::to_string(p.cbBuffer) + "," +
         std::to_string(p.cbAlign) + "," + std::to_string(p.cbPrefix) + "}";
}

std::string HrName(HRESULT hr) {
  struct Known {
    HRESULT hr;
    const char* name;
  };
  static const Known kKnown[] = {
      {S_OK, "S_OK"},
      {S_FALSE, "S_FALSE"},
      {E_NOINTERFACE, "E_NOINTERFACE"},
      {E_POINTER, "E_POINTER"},
      {E_FAIL, "E_FAIL"},
      {E_UNEXPECTED, "E_UNEXPECTED"},
      {E_OUTOFMEMORY, "E_OUTOFMEMORY"},
      {E_INVALIDARG, "E_INVALIDARG"},
      {CLASS_E_NOAGGREGATION, "CLASS_E_NOAGGREGATION"},
      {CLASS_E_CLASSNOTAVAILABLE, "CLASS_E_CLASSNOTAVAILABLE"},
      {VFW_E_BUFFER_NOTSET, "VFW_E_BUFFER_NOTSET"},
      {VFW_E_BUFFER_OVERFLOW, "VFW_E_BUFFER_OVERFLOW"},
      {VFW_E_BADALIGN, "VFW_E_BADALIGN"},
      {VFW_E_ALREADY_COMMITTED, "VFW_E_ALREADY_COMMITTED"},
      {VFW_E_BUFFERS_OUTSTANDING, "VFW_E_BUFFERS_OUTSTANDING"},
      {VFW_E_NOT_COMMITTED, "VFW_E_NOT_COMMITTED"},
      {VFW_E_SIZENOTSET, "VFW_E_SIZENOTSET"},
      {VFW_E_TIMEOUT, "VFW_E_TIMEOUT"},
      {VFW_E_SAMPLE_TIME_NOT_SET, "VFW_E_SAMPLE_TIME_NOT_SET"},
      {VFW_E_MEDIA_TIME_NOT_SET, "VFW_E_MEDIA_TIME_NOT_SET"},
      {VFW_S_NO_STOP_TIME, "VFW_S_NO_STOP_TIME"},
  };
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(hr));
  std::string s = buf;
  for (const Known& k : kKnown) {
    if (k.hr == hr) return s + " (" + k.name + ")";
  }
  return s;
}

HRESULT Configure(IMemAllocator* a, LONG c, LONG cb, LONG align, LONG prefix) {
  ALLOCATOR_PROPERTIES request = Props(c, cb, align, prefix);
  ALLOCATOR_PROPERTIES actual;
  HRESULT hr = a->SetProperties(&request, &actual);
  if (FAILED(hr)) return hr;
  return a->Commit();
}

AM_SAMPLE2_PROPERTIES SampleProps(IMediaSample* s, HRESULT* hr_out) {
  AM_SAMPLE2_PROPERTIES p;
  std::memset(&p, 0xEE, sizeof p);
  HRESULT hr = E_NOINTERFACE;
  IMediaSample2* s2 = nullptr;
  if (SUCCEEDED(s->QueryInterface(IID_IMediaSample2, reinterpret_cast<void**>(&s2)))) {
    hr = s2->GetProperties(sizeof p, reinterpret_cast<BYTE*>(&p));
    s2->Release();
  }
  if (hr_out != nullptr) *hr_out = hr;
  return p;
}

DWORD SampleFlags(IMediaSample* s) { return SampleProps(s).dwSampleFlags; }

AM_MEDIA_TYPE PatternMediaType() {
  AM_MEDIA_TYPE mt;
  std::memset(&mt, 0xCC, sizeof mt);
  mt.pUnk = nullptr;
  mt.cbFormat = 0;
  mt.pbFormat = nullptr;
  return mt;
}

void DeleteMediaTypeCopy(AM_MEDIA_TYPE* pmt) {
  if (pmt == nullptr) return;
  if (pmt->pbFormat != nullptr) CoTaskMemFree(pmt->pbFormat);
  if (pmt->pUnk != nullptr) pmt->pUnk->Release();
  CoTaskMemFree(pmt);
}

// --- CountingCallback -------------------------------------------------------

void CountingCallback::NoteLateCall() { late_calls_.fetch_add(1); }

HRESULT CountingCallback::QueryInterface(REFIID riid, void** ppv) {
  if (refs_.load() <= 0) NoteLateCall();
  return NotifyCallbackBase::QueryInterface(riid, ppv);
}

ULONG CountingCallback::AddRef() {
  add_refs_.fetch_add(1);
  LONG now = refs_.fetch_add(1) + 1;
  if (now <= 1) NoteLateCall();  // revived from 0 (or below)
  return static_cast<ULONG>(now);
}

ULONG CountingCallback::Release() {
  releases_.fetch_add(1);
  LONG now = refs_.fetch_sub(1) - 1;
  if (now < 0) NoteLateCall();  // released more often than referenced
  std::function<void(CountingCallback&, LONG)> reaction;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reaction = release_reaction_;
  }
  if (reaction) reaction(*this, now);
  return static_cast<ULONG>(now < 0 ? 0 : now);
}

HRESULT CountingCallback::NotifyRelease() {
  LONG refs = refs_.load();
  if (refs <= 0) NoteLateCall();
  LONG seen = min_refs_in_notify_.load();
  while ((seen == -1 || refs < seen) && !min_refs_in_notify_.compare_exchange_weak(seen, refs)) {
  }
  seen = max_refs_in_notify_.load();
  while (refs > seen && !max_refs_in_notify_.compare_exchange_weak(seen, refs)) {
  }
  LONG active = active_.fetch_add(1) + 1;
  seen = max_active_.load();
  while (active > seen && !max_active_.compare_exchange_weak(seen, active)) {
  }
  notifies_.fetch_add(1);
  std::function<void(CountingCallback&)> reaction;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_thread_ = std::this_thread::get_id();
    reaction = reaction_;
  }
  if (reaction) reaction(*this);
  active_.fetch_sub(1);
  return result_.load();
}

void CountingCallback::SetReaction(std::function<void(CountingCallback&)> reaction) {
  std::lock_guard<std::mutex> lock(mu_);
  reaction_ = std::move(reaction);
}

void CountingCallback::SetReleaseReaction(std::function<void(CountingCallback&, LONG)> reaction) {
  std::lock_guard<std::mutex> lock(mu_);
  release_reaction_ = std::move(reaction);
}

std::thread::id CountingCallback::last_notify_thread() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_thread_;
}

// --- Bounded waiting ---------------------------------------------------------

namespace {

std::atomic<bool> g_timed_out{false};

struct Completion {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
};

}  // namespace

bool RunBounded(std::function<void()> body, std::chrono::milliseconds timeout) {
  auto completion = std::make_shared<Completion>();
  std::thread t([completion, body = std::move(body)] {
    body();
    std::lock_guard<std::mutex> lock(completion->mu);
    completion->done = true;
    completion->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(completion->mu);
  bool done = completion->cv.wait_for(lock, timeout, [&] { return completion->done; });
  lock.unlock();
  if (done) {
    t.join();
  } else {
    g_timed_out.store(true);
    t.detach();
  }
  return done;
}

bool BoundedWaitTimedOut() { return g_timed_out.load(); }

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

struct AsyncGetBuffer::Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  HRESULT hr = E_UNEXPECTED;
  IMediaSample* sample = nullptr;
  bool out_cleared = true;
};

AsyncGetBuffer::AsyncGetBuffer(IMemAllocator* allocator, DWORD flags)
    : shared_(std::make_shared<Shared>()) {
  allocator->AddRef();
  thread_ = std::thread([shared = shared_, allocator, flags] {
    IMediaSample* const kGarbage = reinterpret_cast<IMediaSample*>(0x1);
    IMediaSample* sample = kGarbage;
    HRESULT hr = allocator->GetBuffer(&sample, nullptr, nullptr, flags);
    // Let go of the allocator before reporting, so that a test that saw
    // done() also sees the allocator's count without this thread's reference
    // (a sample it got keeps the allocator alive through the self-reference).
    allocator->Release();
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->hr = hr;
      shared->out_cleared = FAILED(hr) ? sample == nullptr : true;
      // Only a success hands over a sample; never Release garbage.
      shared->sample = SUCCEEDED(hr) && sample != kGarbage ? sample : nullptr;
      shared->done = true;
      shared->cv.notify_all();
    }
  });
}

AsyncGetBuffer::~AsyncGetBuffer() {
  if (Wait(std::chrono::milliseconds(0))) {
    thread_.join();
    ReleaseSample();
  } else {
    thread_.detach();  // never returned: leak rather than dangle
  }
}

bool AsyncGetBuffer::done() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->done;
}

bool AsyncGetBuffer::Wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(shared_->mu);
  return shared_->cv.wait_for(lock, timeout, [&] { return shared_->done; });
}

HRESULT AsyncGetBuffer::hr() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->hr;
}

bool AsyncGetBuffer::out_cleared() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->out_cleared;
}

IMediaSample* AsyncGetBuffer::sample() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->sample;
}

IMediaSample* AsyncGetBuffer::TakeSample() {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return std::exchange(shared_->sample, nullptr);
}

ULONG AsyncGetBuffer::ReleaseSample() {
  IMediaSample* s = TakeSample();
  return s != nullptr ? s->Release() : 0;
}

}  // namespace dsalloc::testing
