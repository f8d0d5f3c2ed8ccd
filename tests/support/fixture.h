// ---------------------------------------------------------------------------
// File: tests/support/fixture.h
// ---------------------------------------------------------------------------
//
// GoogleTest glue over test_support.h: AllocatorTest gives every test a
// fresh allocator (IMemAllocatorCallbackTemp) and, after the test, checks
// GEN.NOLEAK: decommit, release, and the server must have no live object.
// OneSampleTest adds one committed buffer, held. Also EXPECT_HR / ASSERT_HR,
// which print HRESULT names on failure, and ExpectSameFields, which compares
// two AM_SAMPLE2_PROPERTIES images field by field.

#ifndef DSALLOC_TESTS_SUPPORT_FIXTURE_H_
#define DSALLOC_TESTS_SUPPORT_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "test_support.h"

namespace dsalloc::testing {

struct HrMatch {
  HRESULT hr;
};
inline bool operator==(HrMatch a, HrMatch b) { return a.hr == b.hr; }
inline void PrintTo(HrMatch h, std::ostream* os) { *os << HrName(h.hr); }

#define EXPECT_HR(expected, actual) \
  EXPECT_EQ(::dsalloc::testing::HrMatch{(expected)}, ::dsalloc::testing::HrMatch{(actual)})
#define ASSERT_HR(expected, actual) \
  ASSERT_EQ(::dsalloc::testing::HrMatch{(expected)}, ::dsalloc::testing::HrMatch{(actual)})

// A test that starts and must end with the server idle (no live object, no
// lock: DllCanUnloadNow S_OK), so every test doubles as a leak check.
class ServerIdleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (BoundedWaitTimedOut()) {
      GTEST_SKIP() << "an earlier test left a thread stuck in an allocator";
    }
    ASSERT_HR(S_OK, ServerCanUnloadNow()) << "an earlier test leaked";
  }
  void TearDown() override {
    if (!HasFailure() && !IsSkipped()) {
      EXPECT_HR(S_OK, ServerCanUnloadNow()) << "GEN.NOLEAK: an object of the server is still alive";
    }
  }
};

class AllocatorTest : public ServerIdleTest {
 protected:
  void SetUp() override {
    ServerIdleTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    alloc_ = CreateAllocator();
    ASSERT_TRUE(alloc_) << "CreateAllocator failed";
  }

  void TearDown() override {
    if (BoundedWaitTimedOut()) {
      alloc_.detach();  // a stuck thread may hold its lock: leak, don't call
      return;
    }
    if (alloc_) {
      alloc_->Decommit();
      alloc_.Reset();
    }
    ServerIdleTest::TearDown();
  }

  // A callback owned by the fixture, destroyed only after TearDown released
  // the allocator: a test that stops at a failed ASSERT with it installed
  // (as a broken variant makes it do) leaves the allocator no dangling
  // pointer to call at its destruction.
  CountingCallback& OwnedCallback() {
    return *owned_callbacks_.emplace_back(std::make_unique<CountingCallback>());
  }

  // SetProperties + Commit, expecting both to succeed.
  void Commit(LONG c, LONG cb, LONG align = 1, LONG prefix = 0) {
    ASSERT_HR(S_OK, Configure(alloc_.get(), c, cb, align, prefix));
  }

  // GetBuffer(flags) expecting S_OK.
  ComPtr<IMediaSample> Get(DWORD flags = 0) {
    ComPtr<IMediaSample> s;
    EXPECT_HR(S_OK, alloc_->GetBuffer(s.put(), nullptr, nullptr, flags));
    return s;
  }

  // GetBuffer(flags) expecting failure hr with *ppBuffer NULL.
  void ExpectGetFails(HRESULT hr, DWORD flags = 0) {
    IMediaSample* s = reinterpret_cast<IMediaSample*>(0x1);
    EXPECT_HR(hr, alloc_->GetBuffer(&s, nullptr, nullptr, flags));
    EXPECT_EQ(nullptr, s);
  }

  LONG FreeCount() {
    LONG n = -12345;
    EXPECT_HR(S_OK, alloc_->GetFreeCount(&n));
    return n;
  }

  ALLOCATOR_PROPERTIES GetProps() {
    ALLOCATOR_PROPERTIES p = Props(-7, -7, -7, -7);
    EXPECT_HR(S_OK, alloc_->GetProperties(&p));
    return p;
  }

  HRESULT SetProps(LONG c, LONG cb, LONG align, LONG prefix,
                   ALLOCATOR_PROPERTIES* actual_out = nullptr) {
    ALLOCATOR_PROPERTIES request = Props(c, cb, align, prefix);
    ALLOCATOR_PROPERTIES actual = Props(-7, -7, -7, -7);
    HRESULT hr = alloc_->SetProperties(&request, &actual);
    if (actual_out != nullptr) *actual_out = actual;
    return hr;
  }

  // Before alloc_, so destroyed after it.
  std::vector<std::unique_ptr<CountingCallback>> owned_callbacks_;  // OwnedCallback()
  ComPtr<IMemAllocatorCallbackTemp> alloc_;
};

// What OneSampleTest holds of its sample.
enum class Held { kSample, kSampleAndSample2 };

// The sample tests' start: the allocator set to one buffer of kBufferSize
// bytes (alignment 1, no prefix; SetProperties and Commit each S_OK), and
// that buffer taken with GetBuffer as sample_; with Held::kSampleAndSample2
// also its IMediaSample2, as sample2_. Both are released before
// AllocatorTest's checks, and leaked instead after a timed-out wait.
template <LONG kBufferSize, Held kHeld = Held::kSample>
class OneSampleTest : public AllocatorTest {
 protected:
  void SetUp() override {
    AllocatorTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_HR(S_OK, SetProps(1, kBufferSize, 1, 0));
    ASSERT_HR(S_OK, alloc_->Commit());
    sample_ = Get();
    ASSERT_TRUE(sample_);
    if (kHeld == Held::kSampleAndSample2) {
      ASSERT_HR(S_OK, sample_->QueryInterface(IID_IMediaSample2, sample2_.put_void()));
    }
  }
  void TearDown() override {
    if (BoundedWaitTimedOut()) {  // never call a possibly locked allocator
      sample2_.detach();
      sample_.detach();
    }
    sample2_.Reset();
    sample_.Reset();
    AllocatorTest::TearDown();
  }

  ComPtr<IMediaSample> sample_;
  ComPtr<IMediaSample2> sample2_;  // Held::kSampleAndSample2 only
};

// Field by field, one EXPECT_EQ a field: the image `got` of
// IMediaSample2::GetProperties is `want` (padding bytes are nobody's).
inline void ExpectSameFields(const AM_SAMPLE2_PROPERTIES& want, const AM_SAMPLE2_PROPERTIES& got) {
  EXPECT_EQ(want.cbData, got.cbData);
  EXPECT_EQ(want.dwTypeSpecificFlags, got.dwTypeSpecificFlags);
  EXPECT_EQ(want.dwSampleFlags, got.dwSampleFlags);
  EXPECT_EQ(want.lActual, got.lActual);
  EXPECT_EQ(want.tStart, got.tStart);
  EXPECT_EQ(want.tStop, got.tStop);
  EXPECT_EQ(want.dwStreamId, got.dwStreamId);
  EXPECT_EQ(want.pMediaType, got.pMediaType);
  EXPECT_EQ(want.pbBuffer, got.pbBuffer);
  EXPECT_EQ(want.cbBuffer, got.cbBuffer);
}

}  // namespace dsalloc::testing

// Printed as {cBuffers,cbBuffer,cbAlign,cbPrefix} in failure messages.
inline void PrintTo(const ALLOCATOR_PROPERTIES& p, std::ostream* os) {
  *os << ::dsalloc::testing::ToString(p);
}

#endif  // DSALLOC_TESTS_SUPPORT_FIXTURE_H_
