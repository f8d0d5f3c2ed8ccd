// ---------------------------------------------------------------------------
// File: tests/allocator_properties_test.cpp
// ---------------------------------------------------------------------------
//
// IMemAllocator::SetProperties and GetProperties in every state: NULL
// pointers, the zero-filled *pActual, the alignment rule (powers of two
// 1..65536, improvement 6), the state errors and their order, what is
// accepted (0, negative, overflowing values: they fail only at Commit,
// improvement 5), the rounding of cbBuffer.

#include <climits>
#include <cstring>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

using AllocatorSetProperties = AllocatorTest;
using AllocatorGetProperties = AllocatorTest;

const LONG kBadAligns[] = {0,     3,      5,       6,       7,       12, 24, 65535,  65537,
                           98304, 131072, 1 << 20, 1 << 30, INT_MAX, -1, -2, -65536, INT_MIN};

// checks: ALLOC.PROPS.NULL, GEN.BADINPUT, GEN.ATOMIC
TEST_F(AllocatorSetProperties, NullPointerGivesEPointerAndWritesNothing) {
  ASSERT_HR(S_OK, SetProps(2, 100, 4, 8));
  ALLOCATOR_PROPERTIES before = GetProps();
  ALLOCATOR_PROPERTIES request = Props(5, 50, 1, 0);
  ALLOCATOR_PROPERTIES actual = Props(-7, -7, -7, -7);
  EXPECT_HR(E_POINTER, alloc_->SetProperties(nullptr, &actual));
  EXPECT_EQ(Props(-7, -7, -7, -7), actual) << "nothing written";
  EXPECT_HR(E_POINTER, alloc_->SetProperties(&request, nullptr));
  EXPECT_HR(E_POINTER, alloc_->SetProperties(nullptr, nullptr));
  EXPECT_EQ(Props(5, 50, 1, 0), request);
  EXPECT_EQ(before, GetProps());
  // Nothing was marked changed either: the reused samples keep lActual.
  ASSERT_HR(S_OK, alloc_->Commit());
  {
    ComPtr<IMediaSample> s = Get();
    ASSERT_HR(S_OK, s->SetActualDataLength(7));
  }
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_HR(E_POINTER, alloc_->SetProperties(&request, nullptr));
  ASSERT_HR(S_OK, alloc_->Commit());
  ComPtr<IMediaSample> s = Get();
  EXPECT_EQ(7, s->GetActualDataLength());
}

// checks: ALLOC.PROPS.ALIGN, ALLOC.PROPS.ZERO, GEN.ATOMIC
TEST_F(AllocatorSetProperties, AlignmentNotAPowerOfTwoUpTo65536IsBadAlign) {
  ASSERT_HR(S_OK, SetProps(2, 100, 4, 8));
  ALLOCATOR_PROPERTIES before = GetProps();
  for (LONG align : kBadAligns) {
    ALLOCATOR_PROPERTIES actual;
    EXPECT_HR(VFW_E_BADALIGN, SetProps(3, 64, align, 0, &actual)) << "cbAlign " << align;
    EXPECT_EQ(Props(0, 0, 0, 0), actual) << "cbAlign " << align;
    EXPECT_EQ(before, GetProps()) << "cbAlign " << align;
  }
}

// checks: ALLOC.PROPS.ALIGN, ALLOC.PROPS.STORE
TEST_F(AllocatorSetProperties, EveryPowerOfTwoFromOneTo65536IsAccepted) {
  for (LONG align = 1; align <= 65536; align *= 2) {
    ALLOCATOR_PROPERTIES actual;
    EXPECT_HR(S_OK, SetProps(1, 1, align, 0, &actual)) << "cbAlign " << align;
    EXPECT_EQ(Props(1, align, align, 0), actual) << "cbAlign " << align;
  }
}

// checks: ALLOC.PROPS.ALIGN, ALLOC.PROPS.COMMITTED, ALLOC.PROPS.ZERO, GEN.ATOMIC
TEST_F(AllocatorSetProperties, InCommittedAlignmentIsCheckedFirst) {
  Commit(2, 64, 8, 0);
  ALLOCATOR_PROPERTIES before = GetProps();
  ALLOCATOR_PROPERTIES actual;
  EXPECT_HR(VFW_E_BADALIGN, SetProps(1, 1, 0, 0, &actual));
  EXPECT_EQ(Props(0, 0, 0, 0), actual);
  EXPECT_HR(VFW_E_BADALIGN, SetProps(1, 1, 3, 0, &actual));
  EXPECT_HR(VFW_E_ALREADY_COMMITTED, SetProps(1, 1, 1, 0, &actual));
  EXPECT_EQ(Props(0, 0, 0, 0), actual);
  EXPECT_EQ(before, GetProps());
  EXPECT_EQ(2, FreeCount());
}

// checks: ALLOC.PROPS.COMMITTED, GEN.ATOMIC
TEST_F(AllocatorSetProperties, InCommittedWithSamplesHeldIsAlreadyCommitted) {
  Commit(2, 64);
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  ALLOCATOR_PROPERTIES actual;
  EXPECT_HR(VFW_E_ALREADY_COMMITTED, SetProps(4, 32, 1, 0, &actual));
  EXPECT_EQ(Props(0, 0, 0, 0), actual);
  EXPECT_EQ(Props(2, 64, 1, 0), GetProps());
  EXPECT_EQ(64, a->GetSize());
}

// checks: ALLOC.PROPS.PENDING, ALLOC.PROPS.ALIGN, ALLOC.PROPS.ZERO, GEN.ATOMIC
TEST_F(AllocatorSetProperties, InDecommitPendingIsBuffersOutstanding) {
  Commit(2, 64);
  ComPtr<IMediaSample> held = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());
  ALLOCATOR_PROPERTIES actual;
  EXPECT_HR(VFW_E_BADALIGN, SetProps(1, 1, 6, 0, &actual));
  EXPECT_EQ(Props(0, 0, 0, 0), actual);
  EXPECT_HR(VFW_E_BUFFERS_OUTSTANDING, SetProps(1, 1, 1, 0, &actual));
  EXPECT_EQ(Props(0, 0, 0, 0), actual);
  EXPECT_EQ(Props(2, 64, 1, 0), GetProps());
  held.Reset();  // completes the decommit
  EXPECT_HR(S_OK, SetProps(1, 1, 1, 0, &actual));
  EXPECT_EQ(Props(1, 1, 1, 0), actual);
}

// checks: ALLOC.PROPS.ACCEPT, ALLOC.PROPS.STORE, ALLOC.PROPS.ROUND
TEST_F(AllocatorSetProperties, ZeroAndNegativeValuesAreStoredAsRequested) {
  const ALLOCATOR_PROPERTIES requests[] = {
      Props(0, 0, 1, 0),          Props(-1, 10, 1, 0),   Props(1, -5, 4, 0),
      Props(1, 5, 4, -3),         Props(-9, -9, 16, -9), Props(INT_MIN, INT_MIN, 1, INT_MIN),
      Props(INT_MAX, 0, 65536, 0)};
  for (const ALLOCATOR_PROPERTIES& r : requests) {
    ALLOCATOR_PROPERTIES actual;
    EXPECT_HR(S_OK, SetProps(r.cBuffers, r.cbBuffer, r.cbAlign, r.cbPrefix, &actual))
        << ToString(r);
    EXPECT_EQ(r, actual) << ToString(r);
    EXPECT_EQ(r, GetProps()) << ToString(r);
  }
}

struct RoundCase {
  ALLOCATOR_PROPERTIES request;
  LONG actual_cb;
};

// checks: ALLOC.PROPS.ROUND, ALLOC.PROPS.STORE
TEST_F(AllocatorSetProperties, RoundsBufferPlusPrefixUpToTheAlignment) {
  // SEMANTICS 2.4 table, plus prefix/alignment and 32-bit edge cases.
  const RoundCase cases[] = {
      {Props(1, 1, 4, 0), 4},
      {Props(1, 2, 4, 0), 4},
      {Props(1, 1, 16, 0), 16},
      {Props(1, 17, 16, 0), 32},
      {Props(1, 1, 16, 1), 15},
      {Props(1, 15, 16, 1), 15},
      {Props(1, 16, 16, 1), 31},
      {Props(1, 17, 16, 1), 31},
      {Props(1, 1, 16, 16), 16},
      {Props(1, 16, 16, 16), 16},
      {Props(1, 0, 16, 16), 0},
      {Props(0, 0, 1, 0), 0},
      {Props(1, 0, 16, 0), 0},
      {Props(1, 0, 16, 3), 13},
      {Props(1, 1, 65536, 0), 65536},
      {Props(1, 65537, 65536, 100), 131072 - 100},
      {Props(1, 100, 1, 7), 100},
      {Props(1, 1000, 8, 24), 1000},
      {Props(1, 1001, 8, 24), 1008},
      // The largest sums that still fit in 32 bits are rounded...
      {Props(1, INT_MAX - 16, 16, 0), INT_MAX - 15},
      {Props(1, INT_MAX - 1, 1, 1), INT_MAX - 1},
      {Props(1, INT_MAX - 100, 64, 36), INT_MAX - 63 - 36},
      // ...sums that overflow are stored unrounded (Commit rejects them).
      {Props(1, INT_MAX - 14, 16, 0), INT_MAX - 14},
      {Props(1, INT_MAX, 2, 0), INT_MAX},
      {Props(1, INT_MAX, 1, 1), INT_MAX},
      {Props(1, 1, 1, INT_MAX), 1},
      {Props(1, INT_MAX - 10, 1, 11), INT_MAX - 10},
  };
  for (const RoundCase& c : cases) {
    const ALLOCATOR_PROPERTIES& r = c.request;
    ALLOCATOR_PROPERTIES actual;
    ASSERT_HR(S_OK, SetProps(r.cBuffers, r.cbBuffer, r.cbAlign, r.cbPrefix, &actual))
        << ToString(r);
    ALLOCATOR_PROPERTIES want = r;
    want.cbBuffer = c.actual_cb;
    EXPECT_EQ(want, actual) << "request " << ToString(r);
    EXPECT_EQ(want, GetProps()) << "request " << ToString(r);
  }
}

// checks: ALLOC.PROPS.STORE
TEST_F(AllocatorSetProperties, NeverModifiesTheRequest) {
  ALLOCATOR_PROPERTIES request = Props(3, 17, 16, 1);
  ALLOCATOR_PROPERTIES actual;
  ASSERT_HR(S_OK, alloc_->SetProperties(&request, &actual));
  EXPECT_EQ(Props(3, 17, 16, 1), request);
  EXPECT_EQ(Props(3, 31, 16, 1), actual);
  // The same structure as request and actual is allowed (in-place use).
  ALLOCATOR_PROPERTIES both = Props(2, 17, 16, 0);
  ASSERT_HR(S_OK, alloc_->SetProperties(&both, &both));
  EXPECT_EQ(Props(2, 32, 16, 0), GetProps());
}

// checks: ALLOC.PROPS.STORE, ALLOC.COMMIT.REALLOC
TEST_F(AllocatorSetProperties, AllocatesNothingUntilCommit) {
  ASSERT_HR(S_OK, SetProps(3, 4096, 1, 0));
  EXPECT_EQ(3, FreeCount());  // cBuffers - 0 allocated + 0 free
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  ASSERT_HR(S_OK, SetProps(5, 1, 1, 0));
  EXPECT_EQ(5, FreeCount());
}

// checks: ALLOC.GETPROPS, LIFE.CREATE
TEST_F(AllocatorGetProperties, FreshAllocatorOverwritesEveryByteWithZero) {
  ALLOCATOR_PROPERTIES p;
  std::memset(&p, 0xCC, sizeof p);
  EXPECT_HR(S_OK, alloc_->GetProperties(&p));
  EXPECT_EQ(Props(0, 0, 0, 0), p);
}

// checks: ALLOC.GETPROPS.NULL, GEN.BADINPUT
TEST_F(AllocatorGetProperties, NullGivesEPointer) {
  EXPECT_HR(E_POINTER, alloc_->GetProperties(nullptr));
  Commit(1, 8);
  EXPECT_HR(E_POINTER, alloc_->GetProperties(nullptr));
}

// checks: ALLOC.GETPROPS, ALLOC.STATE
TEST_F(AllocatorGetProperties, GivesTheStoredValuesInEveryState) {
  ASSERT_HR(S_OK, SetProps(2, 17, 16, 1));
  const ALLOCATOR_PROPERTIES want = Props(2, 31, 16, 1);
  EXPECT_EQ(want, GetProps());  // D
  ASSERT_HR(S_OK, alloc_->Commit());
  EXPECT_EQ(want, GetProps());  // C
  ComPtr<IMediaSample> held = Get();
  EXPECT_EQ(want, GetProps());  // C, sample out
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(want, GetProps());  // P
  held.Reset();
  EXPECT_EQ(want, GetProps());  // D after a completed decommit
}

}  // namespace
}  // namespace dsalloc::testing
