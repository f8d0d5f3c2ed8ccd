// ---------------------------------------------------------------------------
// File: tests/allocator_state_test.cpp
// ---------------------------------------------------------------------------
//
// Commit, Decommit and GetFreeCount in every state (D decommitted,
// C committed, P decommit pending): every documented result, the validation
// order of Commit and its limits (improvement 5: failures allocate nothing
// and leave the allocator usable), the self-reference, when samples are
// reused or created afresh, the LIFO free list.

#include <climits>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

using AllocatorCommit = AllocatorTest;
using AllocatorDecommit = AllocatorTest;
using AllocatorGetFreeCount = AllocatorTest;
using AllocatorFreeList = AllocatorTest;

// The allocator is in D, holds no self-reference, and works afterwards.
void ExpectDecommittedAndUsable(IMemAllocatorCallbackTemp* a) {
  EXPECT_EQ(1u, RefCount(a)) << "a failed Commit took a reference";
  IMediaSample* s = reinterpret_cast<IMediaSample*>(0x1);
  EXPECT_HR(VFW_E_NOT_COMMITTED, a->GetBuffer(&s, nullptr, nullptr, 0));
  EXPECT_EQ(nullptr, s);
  ASSERT_HR(S_OK, Configure(a, 2, 32));
  ComPtr<IMediaSample> sample;
  EXPECT_HR(S_OK, a->GetBuffer(sample.put(), nullptr, nullptr, 0));
  ASSERT_TRUE(sample);
  EXPECT_EQ(32, sample->GetSize());
  sample.Reset();
  EXPECT_HR(S_OK, a->Decommit());
  EXPECT_EQ(1u, RefCount(a));
}

// checks: ALLOC.COMMIT.SIZE, ALLOC.COMMIT.ATOMIC, LIFE.CREATE
TEST_F(AllocatorCommit, WithoutSetPropertiesGivesSizeNotSet) {
  EXPECT_HR(VFW_E_SIZENOTSET, alloc_->Commit());
  EXPECT_HR(VFW_E_SIZENOTSET, alloc_->Commit());
  ExpectDecommittedAndUsable(alloc_.get());
}

// checks: ALLOC.COMMIT.SIZE, ALLOC.COMMIT.ATOMIC, ALLOC.COMMIT.FAIL
TEST_F(AllocatorCommit, NonPositiveCountOrSizeGivesSizeNotSetFirst) {
  const ALLOCATOR_PROPERTIES cases[] = {
      Props(0, 1, 1, 0),      Props(1, 0, 1, 0),  Props(0, 0, 1, 0),
      Props(-1, 10, 1, 0),    Props(1, -1, 1, 0), Props(INT_MIN, INT_MIN, 1, INT_MIN),
      Props(1, 0, 16, 16),     // rounds to 0 (SEMANTICS 2.4 table)
      Props(0, 10, 1, -5),     // SIZENOTSET before the prefix check
      Props(5000, 0, 1, 0),    // SIZENOTSET before the count limit
      Props(0, INT_MAX, 2, 0)  // SIZENOTSET before the overflow check
  };
  for (const ALLOCATOR_PROPERTIES& r : cases) {
    ASSERT_HR(S_OK, SetProps(r.cBuffers, r.cbBuffer, r.cbAlign, r.cbPrefix)) << ToString(r);
    EXPECT_HR(VFW_E_SIZENOTSET, alloc_->Commit()) << ToString(r);
    EXPECT_EQ(1u, RefCount(alloc_.get())) << ToString(r);
    ExpectGetFails(VFW_E_NOT_COMMITTED);
  }
  ExpectDecommittedAndUsable(alloc_.get());
}

// checks: ALLOC.COMMIT.LIMIT, ALLOC.COMMIT.ATOMIC, ALLOC.COMMIT.FAIL
TEST_F(AllocatorCommit, NegativePrefixOverflowAndTooManyBuffersGiveOutOfMemory) {
  const ALLOCATOR_PROPERTIES cases[] = {
      Props(1, 10, 1, -1),            // negative prefix
      Props(1, 10, 16, INT_MIN),      // very negative prefix
      Props(1, INT_MAX, 2, 0),        // roundup(cbBuffer, 2) > INT32_MAX
      Props(1, INT_MAX - 14, 16, 0),  // roundup(.., 16) = 2^31
      Props(1, INT_MAX, 1, 1),        // cbBuffer + cbPrefix > INT32_MAX
      Props(1, 1, 1, INT_MAX),        // prefix alone fills 32 bits
      Props(2, 0x40000000, 1, 0),     // 2 * 2^30 > INT32_MAX
      Props(3, 0x2AAAAAAB, 1, 0),     // 3 * that > INT32_MAX
      Props(0x10000, 0x8000, 1, 0),   // 2^31 in total
      Props(INT_MAX, 1, 1, 0),        // count limit and product
      Props(4097, 1, 1, 0),           // one over kMaxBuffers
      Props(4097, 1, 65536, 0),       // over both limits
  };
  for (const ALLOCATOR_PROPERTIES& r : cases) {
    ASSERT_HR(S_OK, SetProps(r.cBuffers, r.cbBuffer, r.cbAlign, r.cbPrefix)) << ToString(r);
    EXPECT_HR(E_OUTOFMEMORY, alloc_->Commit()) << ToString(r);
    EXPECT_EQ(1u, RefCount(alloc_.get())) << ToString(r);
    ExpectGetFails(VFW_E_NOT_COMMITTED);
    // Nothing was allocated: the free count is the formula on no samples.
    EXPECT_EQ(r.cBuffers, FreeCount()) << ToString(r);
  }
  ExpectDecommittedAndUsable(alloc_.get());
}

// checks: ALLOC.COMMIT.LIMIT, ALLOC.COMMIT.3
TEST_F(AllocatorCommit, ExactlyTheBufferLimitSucceeds) {
  Commit(4096, 1);
  EXPECT_EQ(4096, FreeCount());
  ComPtr<IMediaSample> s = Get();
  EXPECT_EQ(4095, FreeCount());
}

// checks: ALLOC.COMMIT.ATOMIC, ALLOC.COMMIT.REALLOC
TEST_F(AllocatorCommit, FailureKeepsTheExistingSamples) {
  Commit(2, 64);
  IMediaSample* first = nullptr;
  {
    ComPtr<IMediaSample> s = Get();
    first = s.get();
    ASSERT_HR(S_OK, s->SetActualDataLength(9));
  }
  ASSERT_HR(S_OK, alloc_->Decommit());
  ASSERT_HR(S_OK, SetProps(1, 10, 1, -1));
  EXPECT_HR(E_OUTOFMEMORY, alloc_->Commit());
  // 1 stored - 2 samples that still exist + 2 free.
  EXPECT_EQ(1, FreeCount());
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  // New properties: the next successful Commit allocates afresh.
  Commit(1, 64);
  ComPtr<IMediaSample> s = Get();
  EXPECT_EQ(64, s->GetActualDataLength());
  (void)first;
}

// checks: ALLOC.COMMIT.3, LIFE.SELFREF, ALLOC.STATE
TEST_F(AllocatorCommit, FromDecommittedTakesOneSelfReference) {
  ASSERT_HR(S_OK, SetProps(2, 16, 1, 0));
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  ASSERT_HR(S_OK, alloc_->Commit());
  EXPECT_EQ(2u, RefCount(alloc_.get()));
  EXPECT_EQ(2, FreeCount());
  ComPtr<IMediaSample> s = Get();
  EXPECT_TRUE(s);
}

// checks: ALLOC.COMMIT.1, LIFE.SELFREF
TEST_F(AllocatorCommit, InCommittedDoesNothing) {
  Commit(2, 16);
  ComPtr<IMediaSample> held = Get();
  ASSERT_HR(S_OK, held->SetActualDataLength(3));
  EXPECT_HR(S_OK, alloc_->Commit());
  EXPECT_HR(S_OK, alloc_->Commit());
  EXPECT_EQ(2u, RefCount(alloc_.get()));
  EXPECT_EQ(1, FreeCount());
  EXPECT_EQ(3, held->GetActualDataLength());
  EXPECT_EQ(Props(2, 16, 1, 0), GetProps());
}

// checks: ALLOC.COMMIT.2, LIFE.SELFREF, ALLOC.STATE
TEST_F(AllocatorCommit, InDecommitPendingRecommitsWithoutReallocating) {
  Commit(2, 16);
  ComPtr<IMediaSample> held = Get();
  BYTE* held_buffer = nullptr;
  ASSERT_HR(S_OK, held->GetPointer(&held_buffer));
  ASSERT_HR(S_OK, alloc_->Decommit());  // P
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  EXPECT_HR(S_OK, alloc_->Commit());  // P -> C
  EXPECT_EQ(2u, RefCount(alloc_.get())) << "no second self-reference";
  EXPECT_EQ(1, FreeCount());
  ComPtr<IMediaSample> other = Get();
  ASSERT_TRUE(other);
  EXPECT_NE(held.get(), other.get());
  ExpectGetFails(VFW_E_TIMEOUT, AM_GBF_NOWAIT);
  // The held sample is returned normally, to the free list of C.
  BYTE* p = nullptr;
  ASSERT_HR(S_OK, held->GetPointer(&p));
  EXPECT_EQ(held_buffer, p);
  IMediaSample* held_raw = held.get();
  held.Reset();
  EXPECT_EQ(1, FreeCount());
  ComPtr<IMediaSample> again = Get(AM_GBF_NOWAIT);
  EXPECT_EQ(held_raw, again.get());
  again.Reset();
  other.Reset();
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
}

// checks: ALLOC.COMMIT.REALLOC, SAMPLE.RECYCLE.2, ALLOC.FREELIST.ORDER
TEST_F(AllocatorCommit, WithoutNewPropertiesReusesTheSameSamples) {
  Commit(2, 64);
  IMediaSample* a_raw = nullptr;
  IMediaSample* b_raw = nullptr;
  {
    ComPtr<IMediaSample> a = Get();
    ComPtr<IMediaSample> b = Get();
    a_raw = a.get();
    b_raw = b.get();
    ASSERT_HR(S_OK, a->SetActualDataLength(11));
    REFERENCE_TIME start = 100, stop = 200;
    ASSERT_HR(S_OK, a->SetTime(&start, &stop));
    // Release b first, then a: a is on top of the free list.
  }
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  ASSERT_HR(S_OK, alloc_->Commit());
  ComPtr<IMediaSample> first = Get();
  ComPtr<IMediaSample> second = Get();
  EXPECT_EQ(a_raw, first.get()) << "the same objects, in LIFO order";
  EXPECT_EQ(b_raw, second.get());
  EXPECT_EQ(11, first->GetActualDataLength());
  AM_SAMPLE2_PROPERTIES p = SampleProps(first.get());
  EXPECT_EQ(100, p.tStart);
  EXPECT_EQ(200, p.tStop);
  EXPECT_EQ(0u, p.dwSampleFlags);
}

// checks: ALLOC.COMMIT.REALLOC, ALLOC.PROPS.STORE, ALLOC.SAMPLE.FRESH
TEST_F(AllocatorCommit, AfterAnySetPropertiesCreatesFreshSamples) {
  Commit(1, 64);
  {
    ComPtr<IMediaSample> s = Get();
    ASSERT_HR(S_OK, s->SetActualDataLength(11));
    REFERENCE_TIME start = 100, stop = 200;
    ASSERT_HR(S_OK, s->SetTime(&start, &stop));
    ASSERT_HR(S_OK, s->SetMediaTime(&start, &stop));
  }
  ASSERT_HR(S_OK, alloc_->Decommit());
  ASSERT_HR(S_OK, SetProps(1, 64, 1, 0));  // identical values: still "changed"
  ASSERT_HR(S_OK, alloc_->Commit());
  ComPtr<IMediaSample> s = Get();
  EXPECT_EQ(64, s->GetActualDataLength());
  AM_SAMPLE2_PROPERTIES p = SampleProps(s.get());
  EXPECT_EQ(0, p.tStart);
  EXPECT_EQ(0, p.tStop);
  EXPECT_EQ(64, p.lActual);
}

// checks: ALLOC.DECOMMIT.1
TEST_F(AllocatorDecommit, InDecommittedIsANoOp) {
  EXPECT_HR(S_OK, alloc_->Decommit());
  EXPECT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  EXPECT_EQ(Props(0, 0, 0, 0), GetProps());
  ASSERT_HR(S_OK, SetProps(3, 8, 1, 0));
  EXPECT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(3, FreeCount());
}

// checks: ALLOC.DECOMMIT.2, LIFE.SELFREF, ALLOC.FREECOUNT
TEST_F(AllocatorDecommit, InCommittedWithNoSampleOutGoesToDecommitted) {
  Commit(3, 8);
  { ComPtr<IMediaSample> s = Get(); }
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  ExpectGetFails(VFW_E_NOT_COMMITTED, AM_GBF_NOWAIT);
  EXPECT_EQ(3, FreeCount());              // the samples are kept
  EXPECT_HR(S_OK, SetProps(1, 8, 1, 0));  // D: allowed
  EXPECT_HR(S_OK, alloc_->Decommit());
}

// checks: ALLOC.DECOMMIT.3, ALLOC.DECOMMIT.4, LIFE.SAMPLEALIVE, ALLOC.GETBUFFER.NOTCOMMITTED
TEST_F(AllocatorDecommit, InCommittedWithSamplesOutGoesToPending) {
  Commit(2, 4096);
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(2u, RefCount(alloc_.get())) << "self-reference kept in P";
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  ExpectGetFails(VFW_E_NOT_COMMITTED, AM_GBF_NOWAIT);
  EXPECT_HR(VFW_E_BUFFERS_OUTSTANDING, SetProps(1, 1, 1, 0));
  // The held samples stay fully usable.
  BYTE* p = nullptr;
  ASSERT_HR(S_OK, a->GetPointer(&p));
  for (LONG i = 0; i < a->GetSize(); ++i) p[i] = static_cast<BYTE>(i);
  EXPECT_HR(S_OK, a->SetActualDataLength(100));
  EXPECT_EQ(100, a->GetActualDataLength());
  // Decommit in P: S_OK, stays P.
  EXPECT_HR(S_OK, alloc_->Decommit());
  EXPECT_HR(VFW_E_BUFFERS_OUTSTANDING, SetProps(1, 1, 1, 0));
  a.Reset();
  EXPECT_EQ(2u, RefCount(alloc_.get()));
  EXPECT_HR(VFW_E_BUFFERS_OUTSTANDING, SetProps(1, 1, 1, 0));
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  b.Reset();  // the last one back completes the decommit
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  EXPECT_HR(S_OK, SetProps(1, 1, 1, 0));
}

// checks: ALLOC.FREECOUNT, LIFE.CREATE
TEST_F(AllocatorGetFreeCount, FollowsTheFormulaInEveryState) {
  EXPECT_EQ(0, FreeCount());  // fresh
  ASSERT_HR(S_OK, SetProps(3, 16, 1, 0));
  EXPECT_EQ(3, FreeCount());  // before any Commit: cBuffers
  ASSERT_HR(S_OK, alloc_->Commit());
  EXPECT_EQ(3, FreeCount());
  ComPtr<IMediaSample> a = Get();
  EXPECT_EQ(2, FreeCount());
  ComPtr<IMediaSample> b = Get();
  EXPECT_EQ(1, FreeCount());
  ASSERT_HR(S_OK, alloc_->Decommit());  // P
  EXPECT_EQ(1, FreeCount());
  a.Reset();
  EXPECT_EQ(2, FreeCount());
  b.Reset();  // D
  EXPECT_EQ(3, FreeCount());
  ASSERT_HR(S_OK, SetProps(5, 16, 1, 0));  // 5 - 3 existing + 3 free
  EXPECT_EQ(5, FreeCount());
  ASSERT_HR(S_OK, SetProps(1, 16, 1, 0));
  EXPECT_EQ(1, FreeCount());
  ASSERT_HR(S_OK, SetProps(-4, 16, 1, 0));
  EXPECT_EQ(-4, FreeCount());
  ASSERT_HR(S_OK, SetProps(2, 16, 1, 0));
  ASSERT_HR(S_OK, alloc_->Commit());  // reallocates 2
  EXPECT_EQ(2, FreeCount());
}

// checks: ALLOC.FREECOUNT.NULL, GEN.BADINPUT
TEST_F(AllocatorGetFreeCount, NullGivesEPointer) {
  EXPECT_HR(E_POINTER, alloc_->GetFreeCount(nullptr));
  Commit(1, 1);
  EXPECT_HR(E_POINTER, alloc_->GetFreeCount(nullptr));
  EXPECT_EQ(1, FreeCount());
}

// checks: ALLOC.FREELIST.ORDER, ALLOC.RELEASEBUFFER.PUSH
TEST_F(AllocatorFreeList, IsLastInFirstOut) {
  Commit(3, 64);
  ComPtr<IMediaSample> s2 = Get();
  ComPtr<IMediaSample> s1 = Get();
  ComPtr<IMediaSample> s0 = Get();
  // A fresh allocation pushes sample 0 first, so the samples come out in
  // reverse: with one block cut in order, at decreasing addresses.
  BYTE *p2 = nullptr, *p1 = nullptr, *p0 = nullptr;
  ASSERT_HR(S_OK, s2->GetPointer(&p2));
  ASSERT_HR(S_OK, s1->GetPointer(&p1));
  ASSERT_HR(S_OK, s0->GetPointer(&p0));
  EXPECT_GT(p2, p1);
  EXPECT_GT(p1, p0);
  IMediaSample* r1 = s1.get();
  IMediaSample* r0 = s0.get();
  IMediaSample* r2 = s2.get();
  s1.Reset();
  EXPECT_EQ(r1, Get().get()) << "a released sample is next out";
  s0.Reset();
  s2.Reset();
  ComPtr<IMediaSample> x = Get();
  ComPtr<IMediaSample> y = Get();
  ComPtr<IMediaSample> z = Get();
  EXPECT_EQ(r2, x.get());
  EXPECT_EQ(r0, y.get());
  EXPECT_EQ(r1, z.get());
}

}  // namespace
}  // namespace dsalloc::testing
