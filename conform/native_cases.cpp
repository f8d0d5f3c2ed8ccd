// conform/native_cases.cpp: cases written against the COM interfaces
// (native_cases.h).

#include "native_cases.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "spec/model/outcome.h"

namespace dsalloc::conform {
namespace {

constexpr char kThreadSample[] = "thread-sample-concurrent-calls";

// THREAD.SAMPLE: four threads call one sample's setters and getters; every
// pair a getter returns must be one some setter wrote whole (start and end
// written together come back together), and the sample's count ends where
// it began.
CheckResult ThreadSample(const harness::Implementation& impl) {
  CheckResult r;
  r.name = kThreadSample;
  r.rules = {"THREAD.SAMPLE"};
  auto fail = [&r](std::string expected, std::string observed) {
    r.status = Status::kFail;
    r.divergence = Divergence{"THREAD.SAMPLE", "", std::move(expected), std::move(observed)};
    r.detail = r.divergence.observed;
  };
  IMemAllocator* allocator = nullptr;
  HRESULT hr = impl.CreateAllocator(IID_IMemAllocator, reinterpret_cast<void**>(&allocator));
  if (FAILED(hr) || allocator == nullptr) {
    fail("CreateInstance(IID_IMemAllocator) S_OK", spec::HresultName(hr));
    return r;
  }
  ALLOCATOR_PROPERTIES want{1, 256, 1, 0}, got{};
  IMediaSample* sample = nullptr;
  if (allocator->SetProperties(&want, &got) != S_OK || allocator->Commit() != S_OK ||
      allocator->GetBuffer(&sample, nullptr, nullptr, 0) != S_OK || sample == nullptr) {
    fail("SetProperties(1, 256, 1, 0), Commit and GetBuffer to succeed", "they did not");
    allocator->Release();
    return r;
  }
  IMediaSample2* sample2 = nullptr;
  sample->QueryInterface(IID_IMediaSample2, reinterpret_cast<void**>(&sample2));
  std::atomic<int> torn{0}, bad_length{0}, bad_props{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        REFERENCE_TIME a = t * 1000000 + i, b = a + 1000;
        sample->SetTime(&a, &b);
        REFERENCE_TIME x = 0, y = 0;
        if (sample->GetTime(&x, &y) == S_OK && y != x + 1000) ++torn;
        LONGLONG ms = a, me = a + 7;
        sample->SetMediaTime(&ms, &me);
        LONGLONG mx = 0, my = 0;
        if (sample->GetMediaTime(&mx, &my) == S_OK && my != mx + 7) ++torn;
        sample->SetActualDataLength(i % 257);
        LONG length = sample->GetActualDataLength();
        if (length < 0 || length > 256) ++bad_length;
        sample->SetSyncPoint(i & 1);
        sample->IsSyncPoint();
        sample->AddRef();
        sample->Release();
        if (sample2 != nullptr) {
          AM_SAMPLE2_PROPERTIES p{};
          if (sample2->GetProperties(sizeof p, reinterpret_cast<BYTE*>(&p)) == S_OK &&
              p.cbBuffer != 256) {
            ++bad_props;
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (sample2 != nullptr) sample2->Release();
  ULONG left = sample->Release();
  allocator->Decommit();
  allocator->Release();
  if (torn.load() > 0) {
    fail("every time pair read back as some SetTime/SetMediaTime wrote it",
         std::to_string(torn.load()) + " torn pairs (start from one call, end from another)");
  } else if (bad_length.load() > 0) {
    fail("GetActualDataLength within 0..256", std::to_string(bad_length.load()) + " out of range");
  } else if (bad_props.load() > 0) {
    fail("GetProperties: cbBuffer 256", std::to_string(bad_props.load()) + " wrong");
  } else if (left != 0) {
    fail("the last Release returns 0", std::to_string(left));
  }
  return r;
}

}  // namespace

std::vector<CaseInfo> NativeCases() {
  CaseInfo c;
  c.name = kThreadSample;
  c.checks = {"THREAD.SAMPLE"};
  c.about = "4 threads call setters and getters of one sample; no torn value, counts balanced";
  c.native = true;
  c.portable_note = "not checked (a sample is used by one owner at a time)";
  return {c};
}

CheckResult RunNativeCase(const CaseInfo& c, const harness::Implementation& impl,
                          spec::Profile profile) {
  auto start = std::chrono::steady_clock::now();
  CheckResult r;
  if (profile == spec::Profile::kPortable && !c.portable_note.empty()) {
    r.name = c.name;
    r.rules = c.checks;
    r.status = Status::kNotApplicable;
    r.detail = "portable: " + c.portable_note;
    return r;  // concurrent calls on one sample may crash a portable server
  }
  if (c.name == kThreadSample) r = ThreadSample(impl);
  r.phase = Phase::kCases;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace dsalloc::conform
