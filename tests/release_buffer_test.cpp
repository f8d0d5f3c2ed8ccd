// ---------------------------------------------------------------------------
// File: tests/release_buffer_test.cpp
// ---------------------------------------------------------------------------
//
// IMemAllocator::ReleaseBuffer called directly by a client (normally only a
// sample calls it, from its last Release): NULL gives E_POINTER; a sample of
// another allocator, one that still has references, one already free, or an
// object that is no sample at all gives E_INVALIDARG and changes nothing,
// not even a notification (improvement 7). The normal path (the sample's own
// Release) completes a pending decommit.

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

// An IMediaSample that is not any allocator's; every method counts a call.
class FakeSample final : public IMediaSample {
 public:
  int calls = 0;
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {
    ++calls;
    if (ppv) *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++calls, 1; }
  ULONG STDMETHODCALLTYPE Release() override { return ++calls, 1; }
  HRESULT STDMETHODCALLTYPE GetPointer(BYTE**) override { return Bad(); }
  LONG STDMETHODCALLTYPE GetSize() override { return ++calls, 0; }
  HRESULT STDMETHODCALLTYPE GetTime(REFERENCE_TIME*, REFERENCE_TIME*) override { return Bad(); }
  HRESULT STDMETHODCALLTYPE SetTime(REFERENCE_TIME*, REFERENCE_TIME*) override { return Bad(); }
  HRESULT STDMETHODCALLTYPE IsSyncPoint() override { return Bad(); }
  HRESULT STDMETHODCALLTYPE SetSyncPoint(BOOL) override { return Bad(); }
  HRESULT STDMETHODCALLTYPE IsPreroll() override { return Bad(); }
  HRESULT STDMETHODCALLTYPE SetPreroll(BOOL) override { return Bad(); }
  LONG STDMETHODCALLTYPE GetActualDataLength() override { return ++calls, 0; }
  HRESULT STDMETHODCALLTYPE SetActualDataLength(LONG) override { return Bad(); }
  HRESULT STDMETHODCALLTYPE GetMediaType(AM_MEDIA_TYPE**) override { return Bad(); }
  HRESULT STDMETHODCALLTYPE SetMediaType(AM_MEDIA_TYPE*) override { return Bad(); }
  HRESULT STDMETHODCALLTYPE IsDiscontinuity() override { return Bad(); }
  HRESULT STDMETHODCALLTYPE SetDiscontinuity(BOOL) override { return Bad(); }
  HRESULT STDMETHODCALLTYPE GetMediaTime(LONGLONG*, LONGLONG*) override { return Bad(); }
  HRESULT STDMETHODCALLTYPE SetMediaTime(LONGLONG*, LONGLONG*) override { return Bad(); }

 private:
  HRESULT Bad() {
    ++calls;
    return E_NOTIMPL;
  }
};

class AllocatorReleaseBuffer : public AllocatorTest {
 protected:
  void SetUp() override {
    AllocatorTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_HR(S_OK, alloc_->SetNotify(&callback_));
  }
  void TearDown() override {
    if (alloc_ && !BoundedWaitTimedOut()) alloc_->SetNotify(nullptr);
    AllocatorTest::TearDown();
  }
  CountingCallback callback_;
};

// checks: ALLOC.RELEASEBUFFER.NULL, GEN.BADINPUT, GEN.ATOMIC
TEST_F(AllocatorReleaseBuffer, NullGivesEPointerAndNoNotification) {
  EXPECT_HR(E_POINTER, alloc_->ReleaseBuffer(nullptr));
  Commit(2, 16);
  ComPtr<IMediaSample> held = Get();
  EXPECT_HR(E_POINTER, alloc_->ReleaseBuffer(nullptr));
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_HR(E_POINTER, alloc_->ReleaseBuffer(nullptr));
  EXPECT_EQ(0, callback_.notifies());
  EXPECT_EQ(1, FreeCount());
}

// checks: ALLOC.RELEASEBUFFER.MISUSE, GEN.ATOMIC, NOTIFY.ONCE
TEST_F(AllocatorReleaseBuffer, HeldSampleGivesInvalidArgAndChangesNothing) {
  Commit(2, 16);
  ComPtr<IMediaSample> held = Get();
  ASSERT_HR(S_OK, held->SetActualDataLength(5));
  ASSERT_HR(S_OK, held->SetSyncPoint(TRUE));
  EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(held.get()));
  EXPECT_EQ(1u, RefCount(held.get()));
  EXPECT_EQ(1, FreeCount());
  EXPECT_EQ(0, callback_.notifies());
  EXPECT_HR(S_OK, held->IsSyncPoint()) << "the sample was not recycled";
  // Not on the free list: only the other sample can be had.
  ComPtr<IMediaSample> other = Get(AM_GBF_NOWAIT);
  EXPECT_NE(held.get(), other.get());
  ExpectGetFails(VFW_E_TIMEOUT, AM_GBF_NOWAIT);
  // Its own last Release still returns it exactly once.
  held.Reset();
  EXPECT_EQ(1, callback_.notifies());
  EXPECT_EQ(1, FreeCount());
}

// checks: ALLOC.RELEASEBUFFER.MISUSE, GEN.ATOMIC
TEST_F(AllocatorReleaseBuffer, AlreadyFreeSampleGivesInvalidArg) {
  Commit(1, 16);
  IMediaSample* raw = nullptr;
  { raw = Get().get(); }  // got and released: free again, object alive
  EXPECT_EQ(1, callback_.notifies());
  EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(raw));
  EXPECT_EQ(1, callback_.notifies());
  EXPECT_EQ(1, FreeCount()) << "not on the free list twice";
  ComPtr<IMediaSample> s = Get(AM_GBF_NOWAIT);
  EXPECT_EQ(raw, s.get());
  ExpectGetFails(VFW_E_TIMEOUT, AM_GBF_NOWAIT);
  s.Reset();
  // Also in D, where every sample is free.
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(raw));
  EXPECT_EQ(1, FreeCount());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
}

// checks: ALLOC.RELEASEBUFFER.MISUSE, GEN.ATOMIC
TEST_F(AllocatorReleaseBuffer, AnotherAllocatorsSampleGivesInvalidArg) {
  Commit(1, 16);
  CountingCallback other_callback;  // outlives `other`
  ComPtr<IMemAllocatorCallbackTemp> other = CreateAllocator();
  ASSERT_TRUE(other);
  ASSERT_HR(S_OK, Configure(other.get(), 2, 16));
  ASSERT_HR(S_OK, other->SetNotify(&other_callback));
  ComPtr<IMediaSample> foreign;
  ASSERT_HR(S_OK, other->GetBuffer(foreign.put(), nullptr, nullptr, 0));
  IMediaSample* foreign_free = nullptr;
  {
    ComPtr<IMediaSample> f;
    ASSERT_HR(S_OK, other->GetBuffer(f.put(), nullptr, nullptr, 0));
    foreign_free = f.get();
  }
  ASSERT_EQ(1, other_callback.notifies());
  // A held and a free sample of the other allocator, in C and in P.
  for (int round = 0; round < 2; ++round) {
    ComPtr<IMediaSample> mine = Get();
    if (round == 1) {
      ASSERT_HR(S_OK, alloc_->Decommit());
    }
    EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(foreign.get()));
    EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(foreign_free));
    EXPECT_EQ(1u, RefCount(foreign.get()));
    EXPECT_EQ(0, callback_.notifies() - round);
    EXPECT_EQ(1, other_callback.notifies());
    EXPECT_EQ(0, FreeCount());
    LONG other_free = -1;
    ASSERT_HR(S_OK, other->GetFreeCount(&other_free));
    EXPECT_EQ(1, other_free);
    mine.Reset();
    EXPECT_EQ(round + 1, callback_.notifies());
  }
  foreign.Reset();
  ASSERT_HR(S_OK, other->SetNotify(nullptr));
  ASSERT_HR(S_OK, other->Decommit());
  other.Reset();
  EXPECT_EQ(1, other_callback.refs());
}

// checks: ALLOC.RELEASEBUFFER.MISUSE, GEN.NOCRASH
TEST_F(AllocatorReleaseBuffer, AnObjectThatIsNoSampleGivesInvalidArg) {
  FakeSample fake;
  EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(&fake));
  Commit(1, 16);
  EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(&fake));
  ComPtr<IMediaSample> held = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(&fake));
  EXPECT_EQ(0, callback_.notifies());
  EXPECT_EQ(2u, RefCount(alloc_.get())) << "still pending";
}

// checks: ALLOC.RELEASEBUFFER.MISUSE, ALLOC.RELEASEBUFFER.COMPLETE, GEN.ATOMIC
TEST_F(AllocatorReleaseBuffer, MisuseInDecommitPendingDoesNotComplete) {
  Commit(1, 16);
  ComPtr<IMediaSample> held = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_HR(E_INVALIDARG, alloc_->ReleaseBuffer(held.get()));
  EXPECT_EQ(2u, RefCount(alloc_.get()));
  EXPECT_HR(VFW_E_BUFFERS_OUTSTANDING, SetProps(1, 1, 1, 0));
  EXPECT_EQ(0, callback_.notifies());
  held.Reset();  // the real release completes it
  EXPECT_EQ(1, callback_.notifies());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  EXPECT_HR(S_OK, SetProps(1, 1, 1, 0));
}

// checks: ALLOC.RELEASEBUFFER.COMPLETE, ALLOC.RELEASEBUFFER.PUSH, LIFE.SELFREF
TEST_F(AllocatorReleaseBuffer, LastSampleBackInPendingCompletesTheDecommit) {
  Commit(3, 16);
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());
  a.Reset();
  EXPECT_EQ(2u, RefCount(alloc_.get()));
  EXPECT_EQ(2, FreeCount());
  b.Reset();
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  EXPECT_EQ(3, FreeCount());
  EXPECT_EQ(2, callback_.notifies());
  ExpectGetFails(VFW_E_NOT_COMMITTED);
  Commit(3, 16);
}

}  // namespace
}  // namespace dsalloc::testing
