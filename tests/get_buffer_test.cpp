// ---------------------------------------------------------------------------
// File: tests/get_buffer_test.cpp
// ---------------------------------------------------------------------------
//
// IMemAllocator::GetBuffer on one thread (blocking is in threading_test):
// NULL, the cleared out-pointer, NOT_COMMITTED before NOWAIT, the count of a
// returned sample, ignored times and flags, NOWAIT without a phantom waiter
// (improvement 3), zero-initialised fresh samples (improvement 4), the
// buffer layout and its alignment (improvement 6), the bound.

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

using AllocatorGetBuffer = AllocatorTest;
using AllocatorFreshSample = AllocatorTest;
using AllocatorBufferLayout = AllocatorTest;

// checks: ALLOC.GETBUFFER.NULL, GEN.BADINPUT, GEN.ATOMIC
TEST_F(AllocatorGetBuffer, NullOutPointerGivesEPointerInEveryState) {
  EXPECT_HR(E_POINTER, alloc_->GetBuffer(nullptr, nullptr, nullptr, 0));
  Commit(2, 16);
  EXPECT_HR(E_POINTER, alloc_->GetBuffer(nullptr, nullptr, nullptr, 0));
  EXPECT_HR(E_POINTER, alloc_->GetBuffer(nullptr, nullptr, nullptr, AM_GBF_NOWAIT));
  EXPECT_EQ(2, FreeCount()) << "nothing taken";
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  // None free: still E_POINTER at once, never a block.
  EXPECT_HR(E_POINTER, alloc_->GetBuffer(nullptr, nullptr, nullptr, 0));
  ASSERT_HR(S_OK, alloc_->Decommit());  // P
  EXPECT_HR(E_POINTER, alloc_->GetBuffer(nullptr, nullptr, nullptr, 0));
  a.Reset();
  EXPECT_EQ(1, FreeCount());
}

// checks: ALLOC.GETBUFFER.NOTCOMMITTED, ALLOC.GETBUFFER.CLEAR
TEST_F(AllocatorGetBuffer, InDecommittedIsNotCommittedEvenWithNoWait) {
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  ExpectGetFails(VFW_E_NOT_COMMITTED, AM_GBF_NOWAIT);
  ASSERT_HR(S_OK, SetProps(1, 16, 1, 0));
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  Commit(1, 16);
  ASSERT_HR(S_OK, alloc_->Decommit());
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  ExpectGetFails(VFW_E_NOT_COMMITTED, AM_GBF_NOWAIT);
}

// checks: ALLOC.GETBUFFER.NOTCOMMITTED, ALLOC.GETBUFFER.CLEAR, ALLOC.DECOMMIT.3
TEST_F(AllocatorGetBuffer, InDecommitPendingIsNotCommittedEvenWithFreeSamples) {
  Commit(3, 16);
  ComPtr<IMediaSample> held = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(2, FreeCount());
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  ExpectGetFails(VFW_E_NOT_COMMITTED, AM_GBF_NOWAIT);
  EXPECT_EQ(2, FreeCount());
}

// checks: ALLOC.GETBUFFER.POP, COM.SAMPLE.ADDREF, ALLOC.BOUND
TEST_F(AllocatorGetBuffer, ReturnsDistinctSamplesWithCountOneUpToTheBound) {
  Commit(4, 16);
  std::vector<ComPtr<IMediaSample>> held;
  std::set<IMediaSample*> seen;
  for (int i = 0; i < 4; ++i) {
    held.push_back(Get());
    ASSERT_TRUE(held.back());
    EXPECT_EQ(1u, RefCount(held.back().get()));
    EXPECT_TRUE(seen.insert(held.back().get()).second) << "handed out twice";
    EXPECT_EQ(3 - i, FreeCount());
  }
  ExpectGetFails(VFW_E_TIMEOUT, AM_GBF_NOWAIT);
  held.pop_back();
  EXPECT_EQ(1, FreeCount());
  held.push_back(Get(AM_GBF_NOWAIT));
  EXPECT_TRUE(held.back());
}

// checks: ALLOC.GETBUFFER.FLAGS, SAMPLE.GETTIME.3, SAMPLE.GETMEDIATIME.2
TEST_F(AllocatorGetBuffer, IgnoresTheTimesAndEveryFlagButNoWait) {
  Commit(2, 16);
  REFERENCE_TIME start = 0x123, stop = 0x321;
  ComPtr<IMediaSample> s;
  ASSERT_HR(S_OK, alloc_->GetBuffer(s.put(), &start, &stop, 0));
  EXPECT_EQ(0x123, start);
  EXPECT_EQ(0x321, stop);
  REFERENCE_TIME t0 = 7, t1 = 8;
  EXPECT_HR(VFW_E_SAMPLE_TIME_NOT_SET, s->GetTime(&t0, &t1));
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, s->GetMediaTime(&t0, &t1));
  EXPECT_EQ(0u, SampleFlags(s.get()));
  EXPECT_EQ(0, SampleProps(s.get()).tStart);
  // Every other flag bit: served like 0.
  const DWORD other = ~static_cast<DWORD>(AM_GBF_NOWAIT);
  ComPtr<IMediaSample> t;
  ASSERT_HR(S_OK, alloc_->GetBuffer(t.put(), &start, nullptr, other));
  EXPECT_EQ(0u, SampleFlags(t.get()));
  // All bits including NOWAIT, nothing free: NOWAIT decides.
  IMediaSample* u = reinterpret_cast<IMediaSample*>(0x1);
  EXPECT_HR(VFW_E_TIMEOUT, alloc_->GetBuffer(&u, nullptr, &stop, ~0u));
  EXPECT_EQ(nullptr, u);
  EXPECT_HR(VFW_E_TIMEOUT, alloc_->GetBuffer(&u, nullptr, nullptr,
                                             AM_GBF_NOWAIT | AM_GBF_PREVFRAMESKIPPED |
                                                 AM_GBF_NOTASYNCPOINT | AM_GBF_NODDSURFACELOCK));
}

// checks: ALLOC.GETBUFFER.NOWAIT, ALLOC.GETBUFFER.CLEAR, ALLOC.RELEASEBUFFER.PUSH
TEST_F(AllocatorGetBuffer, NoWaitFailureLeavesNoPhantomWaiter) {
  Commit(1, 16);
  ComPtr<IMediaSample> held = Get();
  for (int i = 0; i < 5; ++i) ExpectGetFails(VFW_E_TIMEOUT, AM_GBF_NOWAIT);
  EXPECT_EQ(0, FreeCount());
  IMediaSample* raw = held.get();
  held.Reset();
  // The sample went to the free list, not to a waiter that no longer waits.
  EXPECT_EQ(1, FreeCount());
  ComPtr<IMediaSample> again = Get(AM_GBF_NOWAIT);
  EXPECT_EQ(raw, again.get());
}

// checks: ALLOC.SAMPLE.FRESH, SAMPLE2.GETPROPS.IMAGE, SAMPLE.GETTYPE.NONE
TEST_F(AllocatorFreshSample, EveryFieldIsZeroAndTheLengthIsTheSize) {
  Commit(4, 100, 4, 12);  // cbBuffer rounds to 100 (112 = 28 * 4)
  std::vector<ComPtr<IMediaSample>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(Get());
    IMediaSample* s = held.back().get();
    ASSERT_NE(nullptr, s);
    HRESULT hr = E_FAIL;
    AM_SAMPLE2_PROPERTIES p = SampleProps(s, &hr);
    EXPECT_HR(S_OK, hr);
    BYTE* buffer = nullptr;
    ASSERT_HR(S_OK, s->GetPointer(&buffer));
    AM_SAMPLE2_PROPERTIES fresh = {};  // every field 0 but these
    fresh.cbData = sizeof(AM_SAMPLE2_PROPERTIES);
    fresh.lActual = 100;
    fresh.pbBuffer = buffer;
    fresh.cbBuffer = 100;
    ExpectSameFields(fresh, p);
    EXPECT_EQ(100, s->GetSize());
    EXPECT_EQ(100, s->GetActualDataLength());
    EXPECT_HR(S_FALSE, s->IsSyncPoint());
    EXPECT_HR(S_FALSE, s->IsPreroll());
    EXPECT_HR(S_FALSE, s->IsDiscontinuity());
    REFERENCE_TIME a = 5, b = 6;
    EXPECT_HR(VFW_E_SAMPLE_TIME_NOT_SET, s->GetTime(&a, &b));
    LONGLONG m0 = 5, m1 = 6;
    EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, s->GetMediaTime(&m0, &m1));
    EXPECT_EQ(5, m0);
    EXPECT_EQ(6, m1);
    AM_MEDIA_TYPE* mt = reinterpret_cast<AM_MEDIA_TYPE*>(0x1);
    EXPECT_HR(S_FALSE, s->GetMediaType(&mt));
    EXPECT_EQ(nullptr, mt);
  }
}

struct LayoutCase {
  LONG count, cb, align, prefix;
};

// checks: ALLOC.SAMPLE.LAYOUT, SAMPLE.POINTER, SAMPLE.SIZE, ALLOC.PROPS.ROUND
TEST_F(AllocatorBufferLayout, PrefixStartsAreAlignedAndBuffersDoNotOverlap) {
  const LayoutCase cases[] = {
      {3, 1, 1, 0},     {3, 10, 2, 0},
      {4, 100, 4, 3},   {5, 17, 16, 1},
      {2, 1, 16, 16},   {3, 33, 64, 5},
      {3, 100, 256, 0}, {2, 10, 4096, 100},
      {3, 1, 65536, 0}, {2, 70000, 65536, 65535},
      {4, 7, 8, 9},
  };
  for (const LayoutCase& c : cases) {
    SCOPED_TRACE(ToString(Props(c.count, c.cb, c.align, c.prefix)));
    ASSERT_HR(S_OK, Configure(alloc_.get(), c.count, c.cb, c.align, c.prefix));
    ALLOCATOR_PROPERTIES actual = GetProps();
    std::vector<ComPtr<IMediaSample>> held;
    std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
    for (LONG i = 0; i < c.count; ++i) {
      held.push_back(Get());
      IMediaSample* s = held.back().get();
      ASSERT_NE(nullptr, s);
      BYTE* p = nullptr;
      ASSERT_HR(S_OK, s->GetPointer(&p));
      BYTE* again = nullptr;
      ASSERT_HR(S_OK, s->GetPointer(&again));
      EXPECT_EQ(p, again);
      EXPECT_EQ(actual.cbBuffer, s->GetSize());
      EXPECT_GE(actual.cbBuffer, c.cb);
      uintptr_t prefix_start = reinterpret_cast<uintptr_t>(p) - c.prefix;
      EXPECT_EQ(0u, prefix_start % static_cast<uintptr_t>(c.align))
          << "prefix start " << prefix_start;
      // The prefix and the whole buffer are ours to write (ASan checks).
      for (LONG k = -c.prefix; k < actual.cbBuffer; k += 97) p[k] = 0x5A;
      p[actual.cbBuffer - 1] = 0xA5;
      if (c.prefix > 0) p[-c.prefix] = 0xA5;
      ranges.emplace_back(prefix_start, reinterpret_cast<uintptr_t>(p) + actual.cbBuffer);
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i) {
      EXPECT_LE(ranges[i - 1].second, ranges[i].first) << "overlap";
    }
    // Addresses are stable across recycling.
    BYTE* before = nullptr;
    ASSERT_HR(S_OK, held[0]->GetPointer(&before));
    IMediaSample* raw = held[0].get();
    held[0].Reset();
    ComPtr<IMediaSample> back = Get();
    ASSERT_EQ(raw, back.get());
    BYTE* after = nullptr;
    ASSERT_HR(S_OK, back->GetPointer(&after));
    EXPECT_EQ(before, after);
    back.Reset();
    held.clear();
    ASSERT_HR(S_OK, alloc_->Decommit());
  }
}

}  // namespace
}  // namespace dsalloc::testing
