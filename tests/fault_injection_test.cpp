// ---------------------------------------------------------------------------
// File: tests/fault_injection_test.cpp
// ---------------------------------------------------------------------------
//
// Every E_OUTOFMEMORY path, SQLite style: fail the 1st, 2nd, 3rd...
// allocation until the operation succeeds, once with a single fault and once
// with the fault left on, and check after each failure that nothing changed
// and nothing leaked. The one seam used is the server's optional exported
// test hook DsallocArmAllocationFailure (<dsalloc/testing.h>); a server
// without it (DSALLOC_IMPL=<other.so>) skips these tests.

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

// The server's fault hook: the countdown-th allocation from now fails.
void ArmAllocationFailure(long countdown, bool sticky) {
  CurrentServer().arm_allocation_failure(countdown, sticky ? 1 : 0);
}

class FaultInjectionTest : public AllocatorTest {
 protected:
  void SetUp() override {
    if (!CurrentServer().SupportsFaultInjection()) {
      GTEST_SKIP() << CurrentServer().name << " has no DsallocArmAllocationFailure";
    }
    AllocatorTest::SetUp();
  }
  void TearDown() override {
    ArmAllocationFailure(0, false);
    AllocatorTest::TearDown();
  }
};

using AllocatorCommitOutOfMemory = FaultInjectionTest;
using SampleOutOfMemory = FaultInjectionTest;

constexpr long kMaxFaults = 64;  // more allocations than any path makes

// checks: ALLOC.COMMIT.LIMIT, ALLOC.COMMIT.ATOMIC, GEN.ATOMIC, GEN.NOLEAK
TEST_F(AllocatorCommitOutOfMemory, EveryFailedAllocationLeavesItDecommitted) {
  for (bool sticky : {false, true}) {
    SCOPED_TRACE(sticky ? "sticky" : "single");
    ASSERT_HR(S_OK, SetProps(3, 1000, 16, 8));
    long n = 1;
    HRESULT hr = E_FAIL;
    for (; n <= kMaxFaults; ++n) {
      ArmAllocationFailure(n, sticky);
      hr = alloc_->Commit();
      ArmAllocationFailure(0, false);
      if (hr == S_OK) break;
      ASSERT_HR(E_OUTOFMEMORY, hr) << "fault " << n;
      EXPECT_EQ(1u, RefCount(alloc_.get())) << "fault " << n;
      ExpectGetFails(VFW_E_NOT_COMMITTED);
      EXPECT_EQ(3, FreeCount()) << "fault " << n;
    }
    ASSERT_HR(S_OK, hr) << "Commit never succeeded";
    EXPECT_GT(n, 1) << "Commit made no allocation the hook could fail";
    ComPtr<IMediaSample> s = Get();
    ASSERT_TRUE(s);
    EXPECT_EQ(1000, s->GetSize());
    s.Reset();
    ASSERT_HR(S_OK, alloc_->Decommit());
  }
}

// checks: SAMPLE.SETTYPE.OOM, SAMPLE.GETTYPE.OOM, SAMPLE2.SETPROPS.TYPE, GEN.ATOMIC
TEST_F(SampleOutOfMemory, MediaTypeCopiesFailWithoutChangingTheSample) {
  Commit(1, 64);
  ComPtr<IMediaSample> s = Get();
  ASSERT_TRUE(s);
  ComPtr<IMediaSample2> s2;
  ASSERT_HR(S_OK, s->QueryInterface(IID_IMediaSample2, s2.put_void()));
  CountingCallback unk;
  BYTE format[24] = {1, 2, 3, 4, 5};
  AM_MEDIA_TYPE first = PatternMediaType();
  first.cbFormat = sizeof format;
  first.pbFormat = format;
  first.pUnk = &unk;
  ASSERT_HR(S_OK, s->SetMediaType(&first));
  AM_MEDIA_TYPE second = PatternMediaType();
  second.lSampleSize = 4242;
  second.cbFormat = 8;
  second.pbFormat = format;

  for (bool sticky : {false, true}) {
    SCOPED_TRACE(sticky ? "sticky" : "single");
    // SetMediaType: the old type and TYPECHANGED survive a failure.
    for (long n = 1; n <= kMaxFaults; ++n) {
      ArmAllocationFailure(n, sticky);
      HRESULT hr = s->SetMediaType(&second);
      ArmAllocationFailure(0, false);
      if (hr == S_OK) {
        EXPECT_GT(n, 1);
        break;
      }
      ASSERT_HR(E_OUTOFMEMORY, hr) << "fault " << n;
      AM_SAMPLE2_PROPERTIES p = SampleProps(s.get());
      EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TYPECHANGED), p.dwSampleFlags);
      ASSERT_NE(nullptr, p.pMediaType);
      EXPECT_EQ(&unk, p.pMediaType->pUnk) << "old type kept";
      EXPECT_EQ(2, unk.refs());
    }
    ASSERT_HR(S_OK, s->SetMediaType(&first));
    EXPECT_EQ(2, unk.refs());

    // GetMediaType: E_OUTOFMEMORY, *pp NULL, the stored type untouched.
    for (long n = 1; n <= kMaxFaults; ++n) {
      AM_MEDIA_TYPE* got = reinterpret_cast<AM_MEDIA_TYPE*>(0x1);
      ArmAllocationFailure(n, sticky);
      HRESULT hr = s->GetMediaType(&got);
      ArmAllocationFailure(0, false);
      if (hr == S_OK) {
        EXPECT_GT(n, 1);
        ASSERT_NE(nullptr, got);
        EXPECT_EQ(0, std::memcmp(got->pbFormat, format, sizeof format));
        DeleteMediaTypeCopy(got);
        break;
      }
      ASSERT_HR(E_OUTOFMEMORY, hr) << "fault " << n;
      EXPECT_EQ(nullptr, got);
      EXPECT_EQ(2, unk.refs()) << "no pUnk reference leaked";
    }

    // IMediaSample2::SetProperties with a type: all or nothing.
    for (long n = 1; n <= kMaxFaults; ++n) {
      AM_SAMPLE2_PROPERTIES p = SampleProps(s.get());
      p.dwSampleFlags = AM_SAMPLE_TYPECHANGED | AM_SAMPLE_PREROLL;
      p.dwStreamId = 3;
      p.pMediaType = &second;
      ArmAllocationFailure(n, sticky);
      HRESULT hr = s2->SetProperties(sizeof p, reinterpret_cast<BYTE*>(&p));
      ArmAllocationFailure(0, false);
      AM_SAMPLE2_PROPERTIES now = SampleProps(s.get());
      if (hr == S_OK) {
        EXPECT_EQ(3u, now.dwStreamId);
        ASSERT_NE(nullptr, now.pMediaType);
        EXPECT_EQ(4242u, now.pMediaType->lSampleSize);
        EXPECT_EQ(1, unk.refs());
        break;
      }
      ASSERT_HR(E_OUTOFMEMORY, hr) << "fault " << n;
      EXPECT_EQ(0u, now.dwStreamId);
      EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TYPECHANGED), now.dwSampleFlags);
      EXPECT_EQ(2, unk.refs());
    }
    ASSERT_HR(S_OK, s->SetMediaType(&first));  // back to the first type
    AM_SAMPLE2_PROPERTIES reset = SampleProps(s.get());
    reset.dwStreamId = 0;
    reset.dwSampleFlags = AM_SAMPLE_TYPECHANGED;
    reset.pMediaType = nullptr;
    ASSERT_HR(S_OK, s2->SetProperties(offsetof(AM_SAMPLE2_PROPERTIES, pMediaType),
                                      reinterpret_cast<BYTE*>(&reset)));
  }
  s2.Reset();
  s.Reset();
  EXPECT_EQ(1, unk.refs());
}

}  // namespace
}  // namespace dsalloc::testing
