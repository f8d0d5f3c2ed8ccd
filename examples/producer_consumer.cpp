// A producer that never blocks inside the allocator: it asks for buffers
// with GetBuffer(AM_GBF_NOWAIT) and, when none is free, waits for the
// allocator's NotifyRelease callback instead. A consumer thread takes the
// filled samples, checks them and releases them, which returns each buffer
// to the pool and fires the callback.
//
// The allocator is reached the COM way, through the in-process server's
// DllGetClassObject, as any DirectShow filter would reach CLSID_MemoryAllocator.
//
// Usage: dsalloc_producer_consumer [frames]   (default 24)

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include <dsalloc/dsalloc.h>
#include <dsalloc/strmif.h>

namespace {

constexpr LONG kBuffers = 3;
constexpr LONG kBufferSize = 4096;
constexpr REFERENCE_TIME kFrameDuration = 400000;  // 40 ms in 100 ns units

// Counts NotifyRelease calls and lets the producer wait for the next one.
// NotifyRelease runs on the consumer's thread, with no allocator lock held.
class ReleaseSignal final : public IMemAllocatorNotifyCallbackTemp {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IMemAllocatorNotifyCallbackTemp)) {
      *ppv = static_cast<IMemAllocatorNotifyCallbackTemp*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs_; }  // on stack

  HRESULT STDMETHODCALLTYPE NotifyRelease() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++notifications_;
    changed_.notify_all();
    return S_OK;
  }

  long Notifications() {
    std::lock_guard<std::mutex> lock(mu_);
    return notifications_;
  }
  // Blocks until more than `seen` notifications have arrived.
  void WaitBeyond(long seen) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return notifications_ > seen; });
  }
  ULONG References() const { return refs_; }

 private:
  std::atomic<ULONG> refs_{0};
  std::mutex mu_;
  std::condition_variable changed_;
  long notifications_ = 0;
};

// Filled samples on their way to the consumer; null means end of stream.
class SampleQueue {
 public:
  void Push(IMediaSample* sample) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(sample);
    ready_.notify_one();
  }
  IMediaSample* Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !queue_.empty(); });
    IMediaSample* sample = queue_.front();
    queue_.pop_front();
    return sample;
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<IMediaSample*> queue_;
};

bool Check(HRESULT hr, const char* what) {
  if (SUCCEEDED(hr)) return true;
  std::fprintf(stderr, "%s failed: 0x%08x\n", what, static_cast<unsigned>(hr));
  return false;
}

// The consumer: verifies each frame's payload and time stamps, releases it.
void Consume(SampleQueue* queue, long* frames_ok, long* frames_bad) {
  while (IMediaSample* sample = queue->Pop()) {
    BYTE* data = nullptr;
    REFERENCE_TIME start = 0, stop = 0;
    bool ok = SUCCEEDED(sample->GetPointer(&data)) && SUCCEEDED(sample->GetTime(&start, &stop)) &&
              sample->GetActualDataLength() == kBufferSize;
    const BYTE expected = static_cast<BYTE>(start / kFrameDuration);
    for (LONG i = 0; ok && i < kBufferSize; ++i) ok = data[i] == expected;
    ++*(ok ? frames_ok : frames_bad);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // "render"
    sample->Release();  // back to the pool; the allocator calls NotifyRelease
  }
}

int Run(long frames) {
  IClassFactory* factory = nullptr;
  if (!Check(DllGetClassObject(CLSID_MemoryAllocator, IID_IClassFactory,
                               reinterpret_cast<void**>(&factory)),
             "DllGetClassObject")) {
    return 1;
  }
  IMemAllocatorCallbackTemp* allocator = nullptr;
  HRESULT hr = factory->CreateInstance(nullptr, IID_IMemAllocatorCallbackTemp,
                                       reinterpret_cast<void**>(&allocator));
  factory->Release();
  if (!Check(hr, "CreateInstance")) return 1;

  ReleaseSignal signal;
  ALLOCATOR_PROPERTIES request = {kBuffers, kBufferSize, 1, 0};
  ALLOCATOR_PROPERTIES actual = {};
  if (!Check(allocator->SetProperties(&request, &actual), "SetProperties") ||
      !Check(allocator->SetNotify(&signal), "SetNotify") || !Check(allocator->Commit(), "Commit")) {
    allocator->Release();
    return 1;
  }
  std::printf("allocator: %ld buffers of %ld bytes, align %ld\n",
              static_cast<long>(actual.cBuffers), static_cast<long>(actual.cbBuffer),
              static_cast<long>(actual.cbAlign));

  SampleQueue queue;
  long frames_ok = 0, frames_bad = 0;
  std::thread consumer(Consume, &queue, &frames_ok, &frames_bad);

  long immediate = 0, after_wait = 0;
  for (long frame = 0; frame < frames; ++frame) {
    IMediaSample* sample = nullptr;
    bool waited = false;
    for (;;) {
      // Read the count first, so a release between the failed GetBuffer and
      // the wait cannot be missed.
      const long seen = signal.Notifications();
      hr = allocator->GetBuffer(&sample, nullptr, nullptr, AM_GBF_NOWAIT);
      if (hr != VFW_E_TIMEOUT) break;
      waited = true;
      signal.WaitBeyond(seen);
    }
    if (!Check(hr, "GetBuffer")) break;
    ++*(waited ? &after_wait : &immediate);

    BYTE* data = nullptr;
    sample->GetPointer(&data);
    for (LONG i = 0; i < kBufferSize; ++i) data[i] = static_cast<BYTE>(frame);
    REFERENCE_TIME start = frame * kFrameDuration;
    REFERENCE_TIME stop = start + kFrameDuration;
    sample->SetTime(&start, &stop);
    sample->SetActualDataLength(kBufferSize);
    sample->SetSyncPoint(TRUE);
    queue.Push(sample);  // the consumer now owns our reference
  }
  queue.Push(nullptr);
  consumer.join();

  LONG free_count = -1;
  allocator->GetFreeCount(&free_count);
  allocator->Decommit();
  allocator->SetNotify(nullptr);
  allocator->Release();

  std::printf(
      "produced %ld frames: %ld with a free buffer at hand, %ld after "
      "waiting for NotifyRelease\n",
      frames, immediate, after_wait);
  std::printf("consumed %ld frames intact, %ld damaged\n", frames_ok, frames_bad);
  std::printf(
      "NotifyRelease calls: %ld; free buffers at the end: %ld of %ld; "
      "references left on the callback: %lu\n",
      signal.Notifications(), static_cast<long>(free_count), static_cast<long>(kBuffers),
      static_cast<unsigned long>(signal.References()));
  const bool clean = frames_ok == frames && frames_bad == 0 && signal.Notifications() == frames &&
                     free_count == kBuffers && signal.References() == 0;
  std::printf("%s\n", clean ? "OK" : "FAILED");
  return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  long frames = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 24;
  if (frames < 1) frames = 1;
  return Run(frames);
}
