// conform/soak_test.cpp: the soak phase (soak.h) passes the embedded
// dsalloc and catches the bugs its traffic can see: a wrapper that swallows
// one NotifyRelease in a thousand (written here, so the soak is proven to
// bite without the seeded variant), and the broken variants of
// src/internal/variant.h loaded from ${CMAKE_BINARY_DIR}/variants.

#include "soak.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <comkit/class_factory.h>
#include <comkit/notify_callback_base.h>

#include "harness/implementation.h"

namespace dsalloc::conform {
namespace {

// The sanitizer this test runs under: g++ defines __SANITIZE_*__, clang
// answers __has_feature.
#if defined(__has_feature)
#define DSALLOC_SOAK_TEST_HAS(feature) __has_feature(feature)
#else
#define DSALLOC_SOAK_TEST_HAS(feature) 0
#endif
#if defined(__SANITIZE_THREAD__) || DSALLOC_SOAK_TEST_HAS(thread_sanitizer)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
#if defined(__SANITIZE_ADDRESS__) || DSALLOC_SOAK_TEST_HAS(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
constexpr bool kSanitized = kThreadSanitizer || kAddressSanitizer;

bool HasRule(const SoakReport& report, const std::string& rule) {
  for (const auto& f : report.failures) {
    if (f.first == rule) return true;
  }
  return false;
}

std::string Describe(const SoakReport& report) {
  std::string s = report.summary + "\n";
  for (const auto& f : report.failures) s += "  " + f.first + ": " + f.second + "\n";
  return s;
}

// --- A wrapper implementation: every Nth NotifyRelease is swallowed ----------

// Stands between the embedded allocator and the soak's callback, forwarding
// NotifyRelease except every `every`th call (0: never) of its allocator.
// Identity: comkit::NotifyCallbackBase.
class SwallowingCallback final : public comkit::NotifyCallbackBase {
 public:
  SwallowingCallback(IMemAllocatorNotifyCallbackTemp* inner,
                     std::shared_ptr<std::atomic<long long>> calls, long long every)
      : inner_(inner), calls_(std::move(calls)), every_(every) {
    inner_->AddRef();
  }

  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override {
    ULONG left = --refs_;
    if (left == 0) {
      inner_->Release();
      delete this;
    }
    return left;
  }
  HRESULT STDMETHODCALLTYPE NotifyRelease() override {
    if (every_ > 0 && ++*calls_ % every_ == 0) return S_OK;  // swallowed
    return inner_->NotifyRelease();
  }

 private:
  IMemAllocatorNotifyCallbackTemp* const inner_;
  const std::shared_ptr<std::atomic<long long>> calls_;
  const long long every_;
  std::atomic<ULONG> refs_{1};
};

// Forwards every method to an embedded allocator; SetNotify installs the
// caller's callback behind a SwallowingCallback.
class WrappingAllocator final : public IMemAllocatorCallbackTemp {
 public:
  WrappingAllocator(IMemAllocatorCallbackTemp* inner, long long every)
      : inner_(inner), every_(every) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IMemAllocator ||
        riid == IID_IMemAllocatorCallbackTemp) {
      *ppv = static_cast<IMemAllocatorCallbackTemp*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override {
    ULONG left = --refs_;
    if (left != 0) return left;
    ULONG inner_left = inner_->Release();
    delete this;
    return inner_left;  // 0 unless the embedded allocator leaks itself
  }
  HRESULT STDMETHODCALLTYPE SetProperties(ALLOCATOR_PROPERTIES* pRequest,
                                          ALLOCATOR_PROPERTIES* pActual) override {
    return inner_->SetProperties(pRequest, pActual);
  }
  HRESULT STDMETHODCALLTYPE GetProperties(ALLOCATOR_PROPERTIES* pProps) override {
    return inner_->GetProperties(pProps);
  }
  HRESULT STDMETHODCALLTYPE Commit() override { return inner_->Commit(); }
  HRESULT STDMETHODCALLTYPE Decommit() override { return inner_->Decommit(); }
  HRESULT STDMETHODCALLTYPE GetBuffer(IMediaSample** ppBuffer, REFERENCE_TIME* pStartTime,
                                      REFERENCE_TIME* pEndTime, DWORD dwFlags) override {
    return inner_->GetBuffer(ppBuffer, pStartTime, pEndTime, dwFlags);
  }
  HRESULT STDMETHODCALLTYPE ReleaseBuffer(IMediaSample* pBuffer) override {
    return inner_->ReleaseBuffer(pBuffer);
  }
  HRESULT STDMETHODCALLTYPE SetNotify(IMemAllocatorNotifyCallbackTemp* pNotify) override {
    if (pNotify == nullptr) return inner_->SetNotify(nullptr);
    auto* wrapped = new SwallowingCallback(pNotify, calls_, every_);
    HRESULT hr = inner_->SetNotify(wrapped);
    wrapped->Release();  // the embedded allocator holds it now
    return hr;
  }
  HRESULT STDMETHODCALLTYPE GetFreeCount(LONG* plBuffersFree) override {
    return inner_->GetFreeCount(plBuffersFree);
  }

 private:
  IMemAllocatorCallbackTemp* const inner_;
  const long long every_;
  const std::shared_ptr<std::atomic<long long>> calls_ =
      std::make_shared<std::atomic<long long>>(0);
  std::atomic<ULONG> refs_{1};
};

// A fresh embedded allocator behind a WrappingAllocator, queried for riid.
template <long long kEvery>
HRESULT CreateWrapping(REFIID riid, void** ppv) {
  void* inner = nullptr;
  HRESULT hr = harness::Embedded().CreateAllocator(IID_IMemAllocatorCallbackTemp, &inner);
  if (FAILED(hr)) return hr;
  auto* wrapper = new WrappingAllocator(static_cast<IMemAllocatorCallbackTemp*>(inner), kEvery);
  hr = wrapper->QueryInterface(riid, ppv);
  wrapper->Release();
  return hr;
}

template <long long kEvery>
harness::Implementation WrappingImplementation() {
  harness::Implementation impl;
  impl.name = kEvery == 0 ? "embedded dsalloc behind a forwarding wrapper"
                          : "embedded dsalloc, every " + std::to_string(kEvery) +
                                "th NotifyRelease swallowed";
  // One factory per swallowing rate.
  impl.get_class_object = &comkit::StaticClassFactory<&CreateWrapping<kEvery>>::GetClassObject;
  return impl;
}

// --- The embedded dsalloc passes -----------------------------------------------

// checks: NOTIFY.ONCE, COM.CALLBACK.REFS, ALLOC.BOUND, ALLOC.DECOMMIT.WAKE, GEN.NOLEAK,
// checks: GEN.NOHANG, THREAD.NOLOSTWAKE
TEST(SoakEmbedded, PassesTwoThreadsDefaultCycles) {
  SoakOptions options;  // 200,000 cycles, 2 workers
  long long last = -1;
  options.progress = [&last](long long done, long long total) {
    EXPECT_GE(done, last);
    EXPECT_LE(done, total);
    last = done;
  };
  SoakReport report = RunSoak(harness::Embedded(), options);
  std::printf("%s\n", report.summary.c_str());
  EXPECT_TRUE(report.passed) << Describe(report);
  EXPECT_EQ(report.cycles_done, 200000);
  EXPECT_EQ(last, report.cycles_done);
  testing::Test::RecordProperty("cycles_per_second",
                                std::to_string(static_cast<long long>(
                                    static_cast<double>(report.cycles_done) / report.seconds)));
  if (!kSanitized) {
    EXPECT_LT(report.seconds, 10.0) << Describe(report);
  }
}

// checks: NOTIFY.ONCE, ALLOC.BOUND, ALLOC.DECOMMIT.WAKE
TEST(SoakEmbedded, PassesFourThreadsOtherSeeds) {
  for (uint64_t seed : {2u, 3u, 4u}) {
    SoakOptions options;
    options.cycles = 40000;
    options.threads = 4;
    options.seed = seed;
    SoakReport report = RunSoak(harness::Embedded(), options);
    EXPECT_TRUE(report.passed) << "seed " << seed << ": " << Describe(report);
    EXPECT_EQ(report.cycles_done, 40000);
  }
}

TEST(SoakEmbedded, ThreadsBelowTwoAreRaisedToTwo) {
  SoakOptions options;
  options.cycles = 2000;
  options.threads = 1;
  SoakReport report = RunSoak(harness::Embedded(), options);
  EXPECT_TRUE(report.passed) << Describe(report);
  EXPECT_NE(report.summary.find("on 2 workers"), std::string::npos) << report.summary;
}

// --- The wrapper: transparent, then swallowing ----------------------------------

// The control: the wrapper alone changes nothing the soak can see.
TEST(SoakWrapper, ForwardingWrapperPasses) {
  SoakOptions options;
  options.cycles = 50000;
  SoakReport report = RunSoak(WrappingImplementation<0>(), options);
  EXPECT_TRUE(report.passed) << Describe(report);
}

// checks: NOTIFY.ONCE
TEST(SoakWrapper, CatchesOneSwallowedNotifyInAThousand) {
  SoakOptions options;  // the defaults, as dsalloc-conform runs it
  SoakReport report = RunSoak(WrappingImplementation<1000>(), options);
  std::printf("%s\n", report.summary.c_str());
  EXPECT_FALSE(report.passed);
  EXPECT_TRUE(HasRule(report, "NOTIFY.ONCE")) << Describe(report);
  // Found at the first rendezvous after the 1000th release, long before the end.
  EXPECT_LT(report.cycles_done, 10000) << Describe(report);
}

// --- The broken variants the soak's traffic can see ------------------------------

struct VariantCase {
  const char* variant;
  std::vector<std::string> any_of;  // one of these rules must fail
  bool under_tsan;                  // false: the bug itself trips ThreadSanitizer (a double lock)
};

// ctest lists a case by its variant's name.
void PrintTo(const VariantCase& c, std::ostream* os) { *os << c.variant; }

class SoakVariant : public testing::TestWithParam<VariantCase> {};

TEST_P(SoakVariant, IsCaught) {
  const VariantCase& c = GetParam();
  if (kThreadSanitizer && !c.under_tsan) GTEST_SKIP() << "this bug trips TSan itself";
  const std::string path =
      std::string(DSALLOC_VARIANTS_DIR) + "/libdsalloc_variant_" + c.variant + ".so";
  std::string error;
  auto impl = harness::Load(path, &error);
  ASSERT_TRUE(impl.has_value()) << error;
  SoakOptions options;
  options.stuck_bound = std::chrono::milliseconds(1000);
  const auto start = std::chrono::steady_clock::now();
  SoakReport report = RunSoak(*impl, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %s\n", c.variant, Describe(report).c_str());
  EXPECT_FALSE(report.passed);
  bool caught = false;
  for (const std::string& rule : c.any_of) caught = caught || HasRule(report, rule);
  EXPECT_TRUE(caught) << Describe(report);
  // A hang is reported and abandoned, never waited out.
  EXPECT_LT(seconds, 15.0);
}

// checks: NOTIFY.ONCE, COM.CALLBACK.REFS, ALLOC.DECOMMIT.WAKE, GEN.NOHANG, THREAD.NOLOSTWAKE,
// checks: GEN.NOLEAK, THREAD.NOLOCK, NOTIFY.AFTERFREE, ALLOC.FREECOUNT, ALLOC.SETNOTIFY.SAME
INSTANTIATE_TEST_SUITE_P(
    Variants, SoakVariant,
    testing::Values(VariantCase{"kLostNotify", {"NOTIFY.ONCE"}, true},
                    VariantCase{"kSetNotifyNoAddRef", {"COM.CALLBACK.REFS"}, true},
                    VariantCase{"kOldCallbackKept", {"COM.CALLBACK.REFS"}, true},
                    VariantCase{"kDecommitWakesOne", {"ALLOC.DECOMMIT.WAKE"}, true},
                    VariantCase{
                        "kPhantomWaiter", {"ALLOC.RELEASEBUFFER.PUSH", "THREAD.NOLOSTWAKE"}, true},
                    VariantCase{"kLeakedSelfRef", {"GEN.NOLEAK"}, true},
                    VariantCase{"kNotifyUnderLock", {"THREAD.NOLOCK"}, false},
                    VariantCase{"kNotifyBeforeFree", {"NOTIFY.AFTERFREE"}, true},
                    VariantCase{"kFreeCountOffByOne", {"ALLOC.FREECOUNT"}, true},
                    // Churn's SetNotify(same) of a callback the soak let go of.
                    VariantCase{"kSetNotifyReleaseFirst", {"ALLOC.SETNOTIFY.SAME"}, true}),
    [](const testing::TestParamInfo<VariantCase>& info) {
      return std::string(info.param.variant);
    });

}  // namespace
}  // namespace dsalloc::conform
