// ---------------------------------------------------------------------------
// File: tests/lifetime_test.cpp
// ---------------------------------------------------------------------------
//
// Who keeps whom alive: the self-reference taken at Commit keeps an
// allocator with outstanding samples alive after the client's last Release;
// the last sample back completes the decommit, notifies, then lets the
// allocator die, which releases its callback (observed through
// DllCanUnloadNow and the callback's final Release). Memory is never freed
// under an outstanding sample (ASan would report the writes below).

#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

class LifetimeTest : public ServerIdleTest {
 protected:
  // A committed allocator with `n` buffers of `cb` bytes and cb_ installed
  // (the allocator then holds the callback's only reference).
  IMemAllocatorCallbackTemp* MakeCommitted(LONG n, LONG cb) {
    IMemAllocatorCallbackTemp* a = nullptr;
    EXPECT_HR(S_OK, CreateAllocator(IID_IMemAllocatorCallbackTemp, reinterpret_cast<void**>(&a)));
    if (a == nullptr) return nullptr;
    EXPECT_HR(S_OK, Configure(a, n, cb));
    EXPECT_HR(S_OK, a->SetNotify(&cb_));
    cb_.Release();
    return a;
  }
  CountingCallback cb_;
};

using AllocatorLifetime = LifetimeTest;

// checks: LIFE.SELFREF, LIFE.SAMPLEALIVE, ALLOC.RELEASEBUFFER.COMPLETE, NOTIFY.BEFORESELF, LIFE.DESTROY, FACTORY.UNLOAD
TEST_F(AllocatorLifetime, LastSampleBackDestroysAReleasedAllocator) {
  IMemAllocatorCallbackTemp* a = MakeCommitted(2, 4096);
  ASSERT_NE(nullptr, a);
  IMediaSample* s1 = nullptr;
  IMediaSample* s2 = nullptr;
  ASSERT_HR(S_OK, a->GetBuffer(&s1, nullptr, nullptr, 0));
  ASSERT_HR(S_OK, a->GetBuffer(&s2, nullptr, nullptr, 0));
  ASSERT_HR(S_OK, a->Decommit());  // P
  EXPECT_EQ(1u, a->Release()) << "the self-reference remains";
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  // The samples are fully usable.
  for (IMediaSample* s : {s1, s2}) {
    BYTE* p = nullptr;
    ASSERT_HR(S_OK, s->GetPointer(&p));
    std::memset(p, 0x3C, static_cast<size_t>(s->GetSize()));
    EXPECT_HR(S_OK, s->SetActualDataLength(10));
    REFERENCE_TIME t0 = 1, t1 = 2;
    EXPECT_HR(S_OK, s->SetTime(&t0, &t1));
  }
  EXPECT_EQ(0u, s1->Release());
  EXPECT_EQ(1, cb_.notifies());
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  EXPECT_EQ(1, cb_.refs());
  EXPECT_EQ(0u, s2->Release());  // completes, notifies, destroys
  EXPECT_EQ(2, cb_.notifies());
  EXPECT_EQ(0, cb_.refs()) << "the dying allocator released its callback";
  EXPECT_EQ(0, cb_.calls_after_final_release());
  EXPECT_EQ(cb_.add_refs() + 1, cb_.releases());  // + the test's own
  EXPECT_HR(S_OK, ServerCanUnloadNow());
}

// checks: LIFE.SELFREF, ALLOC.RELEASEBUFFER.COMPLETE, LIFE.DESTROY, THREAD.SAFE
TEST_F(AllocatorLifetime, LastSampleBackOnAnotherThreadDestroysIt) {
  IMemAllocatorCallbackTemp* a = MakeCommitted(1, 256);
  ASSERT_NE(nullptr, a);
  IMediaSample* s = nullptr;
  ASSERT_HR(S_OK, a->GetBuffer(&s, nullptr, nullptr, 0));
  ASSERT_HR(S_OK, a->Decommit());
  EXPECT_EQ(1u, a->Release());
  ULONG result = 99;
  ASSERT_TRUE(RunBounded([&] { result = s->Release(); }));
  EXPECT_EQ(0u, result);
  EXPECT_EQ(1, cb_.notifies());
  EXPECT_EQ(0, cb_.refs());
  EXPECT_HR(S_OK, ServerCanUnloadNow());
}

// checks: LIFE.SELFREF, COM.ALLOC.RELEASE, ALLOC.DECOMMIT.2
TEST_F(AllocatorLifetime, AnAllocatorLeftCommittedIsNeverDestroyed) {
  IMemAllocatorCallbackTemp* a = MakeCommitted(2, 64);
  ASSERT_NE(nullptr, a);
  IMediaSample* s = nullptr;
  ASSERT_HR(S_OK, a->GetBuffer(&s, nullptr, nullptr, 0));
  EXPECT_EQ(1u, a->Release());
  EXPECT_EQ(0u, s->Release());  // in C: nothing completes
  EXPECT_EQ(1, cb_.notifies());
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  EXPECT_EQ(1, cb_.refs());
  // Only the self-reference keeps it; decommitting drops it.
  EXPECT_HR(S_OK, a->Decommit());
  EXPECT_HR(S_OK, ServerCanUnloadNow());
  EXPECT_EQ(0, cb_.refs());
  EXPECT_EQ(0, cb_.calls_after_final_release());
}

// The documented cycle: a callback that holds its allocator, installed, and
// let go of by the client. Only SetNotify(NULL) breaks it: the callback is
// destroyed, gives the allocator back, and the client's reference is the
// allocator's last.
// checks: LIFE.CYCLE, ALLOC.SETNOTIFY.NULL, COM.CALLBACK.CLIENT, COM.ALLOC.ADDREF
TEST_F(AllocatorLifetime, SetNotifyNullBreaksTheReferenceCycle) {
  IMemAllocatorCallbackTemp* a = nullptr;
  ASSERT_HR(S_OK, CreateAllocator(IID_IMemAllocatorCallbackTemp, reinterpret_cast<void**>(&a)));
  ASSERT_NE(nullptr, a);
  a->AddRef();  // the callback's reference on the allocator
  cb_.SetReleaseReaction([a](CountingCallback&, LONG now) {
    if (now == 0) a->Release();  // the callback's destructor
  });
  ASSERT_HR(S_OK, a->SetNotify(&cb_));
  cb_.Release();  // the client lets go: the allocator holds the last reference
  EXPECT_EQ(1, cb_.refs());
  EXPECT_EQ(3u, a->AddRef()) << "the client's, the callback's, this one";
  EXPECT_EQ(2u, a->Release());
  ASSERT_HR(S_OK, a->SetNotify(nullptr));  // breaks the cycle
  EXPECT_EQ(0, cb_.refs()) << "destroyed";
  EXPECT_EQ(2u, a->AddRef()) << "the callback gave its reference back";
  EXPECT_EQ(1u, a->Release());
  EXPECT_EQ(0u, a->Release()) << "the client's was the last";
  EXPECT_EQ(0, cb_.calls_after_final_release());
}

// checks: LIFE.DESTROY, COM.ALLOC.RELEASE, LIFE.FREEMEM
TEST_F(AllocatorLifetime, ReleasingADecommittedAllocatorDestroysItAtOnce) {
  IMemAllocatorCallbackTemp* a = MakeCommitted(3, 64);
  ASSERT_NE(nullptr, a);
  {
    IMediaSample* s = nullptr;
    ASSERT_HR(S_OK, a->GetBuffer(&s, nullptr, nullptr, 0));
    s->Release();
  }
  EXPECT_EQ(2u, RefCount(a));
  ASSERT_HR(S_OK, a->Decommit());
  EXPECT_EQ(1u, RefCount(a));
  EXPECT_EQ(0u, a->Release());
  EXPECT_HR(S_OK, ServerCanUnloadNow());
  EXPECT_EQ(0, cb_.refs());
}

// checks: LIFE.FREEMEM, LIFE.SAMPLEALIVE, ALLOC.COMMIT.REALLOC
TEST_F(AllocatorLifetime, MemoryIsKeptUntilReallocationOrDestruction) {
  IMemAllocatorCallbackTemp* a = MakeCommitted(1, 8192);
  ASSERT_NE(nullptr, a);
  IMediaSample* s = nullptr;
  ASSERT_HR(S_OK, a->GetBuffer(&s, nullptr, nullptr, 0));
  BYTE* p = nullptr;
  ASSERT_HR(S_OK, s->GetPointer(&p));
  ASSERT_HR(S_OK, a->Decommit());
  std::memset(p, 0x11, 8192);   // still ours in P
  EXPECT_EQ(0u, s->Release());  // D
  // The samples and their memory survive the decommit: the same buffer
  // comes back after a Commit with unchanged properties.
  ASSERT_HR(S_OK, a->Commit());
  ASSERT_HR(S_OK, a->GetBuffer(&s, nullptr, nullptr, 0));
  BYTE* q = nullptr;
  ASSERT_HR(S_OK, s->GetPointer(&q));
  EXPECT_EQ(p, q);
  EXPECT_EQ(0x11, q[8191]) << "contents kept: the memory was not freed";
  s->Release();
  ASSERT_HR(S_OK, a->Decommit());
  EXPECT_EQ(0u, a->Release());
  EXPECT_HR(S_OK, ServerCanUnloadNow());
}

}  // namespace
}  // namespace dsalloc::testing
