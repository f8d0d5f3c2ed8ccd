// harness/repeat_growth_test.cpp: a Repeat round that leaves the
// allocator's reference count (or the server's lock count) higher each time
// is replayed from a recorded round like any other (RepeatRunner::CloseRepeat),
// and what it returns is still checked in every round: an AddRef that
// miscounts once, in a round no sampled round covers, is caught.

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include <comkit/class_factory.h>

#include "implementation.h"
#include "repeat_runner.h"
#include "spec/model/op.h"
#include "spec/model/trace.h"

namespace dsalloc::harness {
namespace {

// IMemAllocator in front of the embedded dsalloc's, identical but for
// AddRef, which returns one less when the count reaches kMiscountAt. Only
// IUnknown and IMemAllocator are its own; other interfaces are the inner
// object's (the Lockstep asks for IMemAllocatorCallbackTemp).
constexpr ULONG kMiscountAt = 700;

class MiscountingAllocator final : public IMemAllocator {
 public:
  explicit MiscountingAllocator(IMemAllocator* inner) : inner_(inner) {}
  virtual ~MiscountingAllocator() = default;

  STDMETHODIMP QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (IsEqualGUID(riid, IID_IUnknown) || IsEqualGUID(riid, IID_IMemAllocator)) {
      *ppv = static_cast<IMemAllocator*>(this);
      AddRef();
      return S_OK;
    }
    return inner_->QueryInterface(riid, ppv);
  }
  STDMETHODIMP_(ULONG) AddRef() override {
    ++own_;
    ULONG n = inner_->AddRef();
    return n == kMiscountAt ? n - 1 : n;
  }
  STDMETHODIMP_(ULONG) Release() override {
    ULONG own = --own_;
    ULONG n = inner_->Release();
    if (own == 0) delete this;
    return n;
  }
  STDMETHODIMP SetProperties(ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual) override {
    return inner_->SetProperties(request, actual);
  }
  STDMETHODIMP GetProperties(ALLOCATOR_PROPERTIES* props) override {
    return inner_->GetProperties(props);
  }
  STDMETHODIMP Commit() override { return inner_->Commit(); }
  STDMETHODIMP Decommit() override { return inner_->Decommit(); }
  STDMETHODIMP GetBuffer(IMediaSample** sample, REFERENCE_TIME* start, REFERENCE_TIME* end,
                         DWORD flags) override {
    return inner_->GetBuffer(sample, start, end, flags);
  }
  STDMETHODIMP ReleaseBuffer(IMediaSample* sample) override {
    return inner_->ReleaseBuffer(sample);
  }

 private:
  IMemAllocator* inner_;  // one reference per reference on this object
  std::atomic<ULONG> own_{1};
};

// A fresh embedded allocator behind a MiscountingAllocator, queried for riid.
HRESULT CreateMiscounting(REFIID riid, void** ppv) {
  void* inner = nullptr;
  HRESULT hr = Embedded().CreateAllocator(IID_IMemAllocator, &inner);
  if (FAILED(hr)) return hr;
  auto* wrapper = new MiscountingAllocator(static_cast<IMemAllocator*>(inner));
  hr = wrapper->QueryInterface(riid, ppv);
  wrapper->Release();
  return hr;
}

Implementation Miscounting() {
  Implementation impl = Embedded();
  impl.name = "embedded dsalloc, AddRef miscounting at 700";
  impl.get_class_object = comkit::StaticClassFactory<&CreateMiscounting>::GetClassObject;
  impl.arm_allocation_failure = nullptr;
  return impl;
}

std::string RunTrace(const Implementation& impl, const std::string& trace, int* replayed) {
  RepeatRunner lockstep(impl, spec::Profile::kStrict);
  int bad = 0;
  auto ops = spec::ParseTrace(trace, &bad);
  EXPECT_TRUE(ops.has_value()) << "line " << bad;
  if (!ops) return "unparsed";
  std::string report = lockstep.ApplyAll(*ops);
  if (report.empty()) report = lockstep.Finish();
  *replayed = lockstep.replayed_rounds();
  return report;
}

// The count reaches 700 in round 699, neither sampled (1, 2, every 64th,
// the last) nor one of the rounds the replay records or confirms.
constexpr char kGrowingRound[] = R"(
  Repeat 1000 {
  AddRef
  GetProperties
  }
)";

// checks: COM.ALLOC.ADDREF
TEST(LockstepRepeatGrowth, RoundsThatLeaveAReferenceMoreAreReplayed) {
  int replayed = 0;
  EXPECT_EQ(RunTrace(Embedded(), kGrowingRound, &replayed), "");
  // All but the sampled rounds (1, 2, the 15 multiples of 64, the last)
  // and the recorded and confirming ones.
  EXPECT_GT(replayed, 900);
}

// checks: COM.ALLOC.ADDREF
TEST(LockstepRepeatGrowth, AMiscountInAReplayedRoundIsCaught) {
  int replayed = 0;
  std::string report = RunTrace(Miscounting(), kGrowingRound, &replayed);
  EXPECT_NE(report.find("round 699 of Repeat 1000"), std::string::npos) << report;
  EXPECT_NE(report.find("COM.ALLOC.ADDREF"), std::string::npos) << report;
  EXPECT_GT(replayed, 600);  // the rounds before it were replayed
}

// checks: FACTORY.LOCKSERVER
TEST(LockstepRepeatGrowth, RoundsThatLeaveALockMoreAreReplayed) {
  int replayed = 0;
  EXPECT_EQ(RunTrace(Embedded(), R"(
    Repeat 1000 {
    LockServer 1
    DllCanUnloadNow
    }
    Repeat 1000 {
    LockServer 0
    }
    DllCanUnloadNow
  )",
                     &replayed),
            "");
  EXPECT_GT(replayed, 900);
}

}  // namespace
}  // namespace dsalloc::harness
