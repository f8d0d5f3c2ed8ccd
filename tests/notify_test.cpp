// ---------------------------------------------------------------------------
// File: tests/notify_test.cpp
// ---------------------------------------------------------------------------
//
// The callback contract on one thread, measured with CountingCallback:
// SetNotify's references (AddRef new before Release old, improvement 1),
// exactly one NotifyRelease per release in every state, the snapshot
// reference held during the call, no call after the callback's last
// release, the result ignored, the sample already back when the callback
// runs, the allocator alive during it, and re-entrant calls from inside it
// (each run under a bound, so a self-deadlock fails instead of hanging).

#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

using AllocatorSetNotify = AllocatorTest;
using NotifyRelease = AllocatorTest;
using NotifyReentrant = AllocatorTest;

// checks: ALLOC.SETNOTIFY.1, ALLOC.SETNOTIFY.NULL, COM.CALLBACK.REFS
TEST_F(AllocatorSetNotify, AddRefsTheNewAndReleasesTheOldInEveryState) {
  CountingCallback first, second;
  for (int state = 0; state < 3; ++state) {  // D, C, P
    SCOPED_TRACE(state);
    ComPtr<IMediaSample> held;
    if (state >= 1) Commit(2, 16);
    if (state == 2) {
      held = Get();
      ASSERT_HR(S_OK, alloc_->Decommit());
    }
    EXPECT_HR(S_OK, alloc_->SetNotify(&first));
    EXPECT_EQ(2, first.refs());
    EXPECT_HR(S_OK, alloc_->SetNotify(&second));
    EXPECT_EQ(1, first.refs()) << "old callback released";
    EXPECT_EQ(2, second.refs());
    EXPECT_HR(S_OK, alloc_->SetNotify(nullptr));
    EXPECT_EQ(1, second.refs());
    EXPECT_HR(S_OK, alloc_->SetNotify(nullptr));  // none installed: fine
    held.Reset();
    ASSERT_HR(S_OK, alloc_->Decommit());
  }
  EXPECT_EQ(first.add_refs(), first.releases());
  EXPECT_EQ(second.add_refs(), second.releases());
  EXPECT_EQ(0, first.calls_after_final_release());
  EXPECT_EQ(0, second.calls_after_final_release());
  EXPECT_EQ(0, first.notifies());
}

// checks: ALLOC.SETNOTIFY.SAME, COM.CALLBACK.REFS
TEST_F(AllocatorSetNotify, SameCallbackAgainIsSafeWithOnlyTheAllocatorsRef) {
  CountingCallback& cb = OwnedCallback();
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  cb.Release();  // the test lets go: the allocator's is the only reference
  ASSERT_EQ(1, cb.refs());
  for (int i = 0; i < 3; ++i) {
    EXPECT_HR(S_OK, alloc_->SetNotify(&cb));
    EXPECT_EQ(1, cb.refs());
    EXPECT_EQ(0, cb.calls_after_final_release()) << "count reached 0";
  }
  Commit(1, 16);
  { ComPtr<IMediaSample> s = Get(); }
  EXPECT_EQ(1, cb.notifies());
  EXPECT_HR(S_OK, alloc_->SetNotify(nullptr));  // final release
  EXPECT_EQ(0, cb.refs());
  { ComPtr<IMediaSample> s = Get(); }
  EXPECT_EQ(1, cb.notifies());
  EXPECT_EQ(0, cb.calls_after_final_release());
}

// checks: LIFE.DESTROY, COM.CALLBACK.REFS
TEST_F(AllocatorSetNotify, DestructionReleasesTheInstalledCallbackOnce) {
  CountingCallback& cb = OwnedCallback();
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(2, 16);
  { ComPtr<IMediaSample> s = Get(); }
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(2, cb.refs());
  alloc_.Reset();  // destroyed (D, no sample out)
  EXPECT_EQ(1, cb.refs());
  EXPECT_EQ(cb.add_refs(), cb.releases());
  EXPECT_EQ(0, cb.calls_after_final_release());
  EXPECT_HR(S_OK, ServerCanUnloadNow());
}

// checks: NOTIFY.ONCE, NOTIFY.SNAPSHOT, NOTIFY.THREAD, COM.CALLBACK.REFS
TEST_F(NotifyRelease, ExactlyOncePerReleaseInCommittedWithASnapshotRef) {
  CountingCallback& cb = OwnedCallback();
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(3, 16);
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  EXPECT_EQ(0, cb.notifies()) << "GetBuffer notifies nobody";
  a->AddRef();
  EXPECT_EQ(1u, a->Release());
  EXPECT_EQ(0, cb.notifies()) << "only a release to 0 notifies";
  a.Reset();
  EXPECT_EQ(1, cb.notifies());
  b.Reset();
  EXPECT_EQ(2, cb.notifies());
  for (int i = 0; i < 10; ++i) {
    ComPtr<IMediaSample> s = Get();
  }
  EXPECT_EQ(12, cb.notifies());
  // On entry the count was: the test's 1 + installed 1 + snapshot 1.
  EXPECT_EQ(3, cb.min_refs_in_notify());
  EXPECT_EQ(3, cb.max_refs_in_notify());
  EXPECT_EQ(2, cb.refs()) << "every snapshot was released";
  EXPECT_EQ(std::this_thread::get_id(), cb.last_notify_thread());
  EXPECT_EQ(1, cb.max_concurrent_notifies());
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
  EXPECT_EQ(cb.add_refs(), cb.releases());
}

// checks: NOTIFY.ONCE, ALLOC.RELEASEBUFFER.COMPLETE, NOTIFY.SNAPSHOT
TEST_F(NotifyRelease, OncePerReleaseInPendingAndAtCompletion) {
  CountingCallback& cb = OwnedCallback();
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  cb.Release();  // only the allocator's reference left
  Commit(3, 16);
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  ComPtr<IMediaSample> c = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());
  a.Reset();
  EXPECT_EQ(1, cb.notifies());
  b.Reset();
  EXPECT_EQ(2, cb.notifies());
  c.Reset();  // completes the decommit
  EXPECT_EQ(3, cb.notifies());
  EXPECT_EQ(2, cb.min_refs_in_notify()) << "installed + snapshot";
  EXPECT_EQ(1, cb.refs());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
  EXPECT_EQ(0, cb.refs());
  EXPECT_EQ(0, cb.calls_after_final_release());
}

// checks: ALLOC.SETNOTIFY.NULL, NOTIFY.ONCE
TEST_F(NotifyRelease, NobodyIsNotifiedAfterSetNotifyNull) {
  CountingCallback& cb = OwnedCallback();
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(2, 16);
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  a.Reset();
  ASSERT_EQ(1, cb.notifies());
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
  b.Reset();
  { ComPtr<IMediaSample> s = Get(); }
  EXPECT_EQ(1, cb.notifies());
  EXPECT_EQ(1, cb.refs());
}

// checks: ALLOC.SETNOTIFY.1, NOTIFY.ONCE
TEST_F(NotifyRelease, OnlyTheCallbackInstalledAtTheReleaseIsNotified) {
  CountingCallback first, second;
  ASSERT_HR(S_OK, alloc_->SetNotify(&first));
  Commit(2, 16);
  { ComPtr<IMediaSample> s = Get(); }
  ASSERT_HR(S_OK, alloc_->SetNotify(&second));
  { ComPtr<IMediaSample> s = Get(); }
  { ComPtr<IMediaSample> s = Get(); }
  EXPECT_EQ(1, first.notifies());
  EXPECT_EQ(2, second.notifies());
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
}

// checks: NOTIFY.RESULT
TEST_F(NotifyRelease, TheCallbacksResultIsIgnored) {
  CountingCallback& cb = OwnedCallback();
  cb.SetResult(E_FAIL);
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(1, 16);
  IMediaSample* s = nullptr;
  ASSERT_HR(S_OK, alloc_->GetBuffer(&s, nullptr, nullptr, 0));
  EXPECT_EQ(0u, s->Release());
  EXPECT_EQ(1, FreeCount());
  cb.SetResult(S_FALSE);
  ASSERT_HR(S_OK, alloc_->GetBuffer(&s, nullptr, nullptr, 0));
  EXPECT_EQ(0u, s->Release());
  EXPECT_EQ(2, cb.notifies());
  ComPtr<IMediaSample> again = Get(AM_GBF_NOWAIT);
  EXPECT_TRUE(again);
  again.Reset();
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
}

// checks: NOTIFY.AFTERFREE, NOTIFY.REENTRANT, SAMPLE.RECYCLE.1
TEST_F(NotifyRelease, TheSampleIsBackAndRecycledWhenTheCallbackRuns) {
  CountingCallback& cb = OwnedCallback();
  IMemAllocatorCallbackTemp* a = alloc_.get();
  LONG free_seen = -1;
  HRESULT get_hr = E_FAIL;
  IMediaSample* got = nullptr;
  DWORD flags_seen = 0xFFFF;
  cb.SetReaction([&](CountingCallback&) {
    a->GetFreeCount(&free_seen);
    get_hr = a->GetBuffer(&got, nullptr, nullptr, AM_GBF_NOWAIT);
    if (got != nullptr) flags_seen = SampleFlags(got);
  });
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(1, 16);
  IMediaSample* raw = nullptr;
  ASSERT_TRUE(RunBounded([&] {
    ComPtr<IMediaSample> s = Get();
    raw = s.get();
    ASSERT_HR(S_OK, s->SetPreroll(TRUE));
    s.Reset();
  })) << "deadlock: a call from NotifyRelease blocked";
  EXPECT_EQ(1, free_seen);
  EXPECT_HR(S_OK, get_hr);
  EXPECT_EQ(raw, got);
  EXPECT_EQ(0u, flags_seen);
  cb.SetReaction(nullptr);
  ASSERT_NE(nullptr, got);
  got->Release();
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
}

// checks: NOTIFY.BEFORESELF, ALLOC.RELEASEBUFFER.COMPLETE, LIFE.SELFREF, LIFE.DESTROY
TEST_F(NotifyRelease, TheAllocatorIsAliveDuringTheCompletingCallback) {
  CountingCallback& cb = OwnedCallback();
  IMemAllocatorCallbackTemp* a = alloc_.get();
  ULONG count_seen = 0;
  LONG free_seen = -1;
  HRESULT unload_seen = E_FAIL;
  cb.SetReaction([&](CountingCallback&) {
    count_seen = a->AddRef();
    a->Release();
    a->GetFreeCount(&free_seen);
    unload_seen = ServerCanUnloadNow();
  });
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(2, 16);
  IMediaSample* s = nullptr;
  ASSERT_HR(S_OK, alloc_->GetBuffer(&s, nullptr, nullptr, 0));
  ASSERT_HR(S_OK, alloc_->Decommit());  // P
  alloc_.Reset();                       // only the self-reference is left
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  ASSERT_TRUE(RunBounded([&] { EXPECT_EQ(0u, s->Release()); }));
  EXPECT_EQ(1, cb.notifies());
  EXPECT_EQ(2u, count_seen) << "self-reference still held during the call";
  EXPECT_EQ(2, free_seen);
  EXPECT_HR(S_FALSE, unload_seen);
  EXPECT_HR(S_OK, ServerCanUnloadNow()) << "then the allocator died";
  EXPECT_EQ(1, cb.refs()) << "and released its callback";
  EXPECT_EQ(0, cb.calls_after_final_release());
}

// The allocator holds the callback's last reference (COM.CALLBACK.CLIENT), so
// the removal must not destroy it before NotifyRelease returns
// (COM.CALLBACK.DEAD).
// checks: NOTIFY.REENTRANT, ALLOC.SETNOTIFY.NULL, NOTIFY.SNAPSHOT, THREAD.NOLOCK
// checks: COM.CALLBACK.DEAD, COM.CALLBACK.CLIENT
TEST_F(NotifyReentrant, SetNotifyNullFromInsideTheCallback) {
  CountingCallback& cb = OwnedCallback();
  IMemAllocatorCallbackTemp* a = alloc_.get();
  LONG refs_after_removal = -1;
  cb.SetReaction([&](CountingCallback& self) {
    EXPECT_HR(S_OK, a->SetNotify(nullptr));
    refs_after_removal = self.refs();
  });
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  cb.Release();  // the allocator holds the only reference
  Commit(2, 16);
  ASSERT_TRUE(RunBounded([&] {
    ComPtr<IMediaSample> s = Get();
    ComPtr<IMediaSample> t = Get();
    s.Reset();
    t.Reset();  // nobody to notify any more
  }));
  EXPECT_EQ(1, cb.notifies());
  EXPECT_EQ(1, refs_after_removal) << "the snapshot keeps it alive";
  EXPECT_EQ(0, cb.refs());
  EXPECT_EQ(0, cb.calls_after_final_release());
}

// checks: NOTIFY.REENTRANT, ALLOC.SETNOTIFY.SAME, ALLOC.SETNOTIFY.1
TEST_F(NotifyReentrant, SetNotifyItselfOrAnotherFromInsideTheCallback) {
  CountingCallback cb, next;
  IMemAllocatorCallbackTemp* a = alloc_.get();
  int calls = 0;
  cb.SetReaction([&](CountingCallback& self) {
    ++calls;
    EXPECT_HR(S_OK, a->SetNotify(calls == 1 ? &self : &next));
  });
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  cb.Release();
  Commit(1, 16);
  ASSERT_TRUE(RunBounded([&] {
    { ComPtr<IMediaSample> s = Get(); }  // re-installs itself
    EXPECT_EQ(1, cb.refs());
    { ComPtr<IMediaSample> s = Get(); }  // switches to `next`
    { ComPtr<IMediaSample> s = Get(); }
  }));
  EXPECT_EQ(2, cb.notifies());
  EXPECT_EQ(1, next.notifies());
  EXPECT_EQ(0, cb.refs());
  EXPECT_EQ(0, cb.calls_after_final_release());
  EXPECT_EQ(2, next.refs());
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
  EXPECT_EQ(1, next.refs());
}

// checks: NOTIFY.REENTRANT, ALLOC.COMMIT.3, ALLOC.DECOMMIT.2, ALLOC.STATE
TEST_F(NotifyReentrant, CommitAndDecommitFromInsideTheCallback) {
  CountingCallback& cb = OwnedCallback();
  IMemAllocatorCallbackTemp* a = alloc_.get();
  HRESULT commit_hr = E_FAIL, decommit_hr = E_FAIL;
  cb.SetReaction([&](CountingCallback&) {
    decommit_hr = a->Decommit();  // C, nothing out -> D
    commit_hr = a->Commit();      // D -> C again (samples reused)
  });
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(1, 16);
  ASSERT_TRUE(RunBounded([&] { ComPtr<IMediaSample> s = Get(); }));
  EXPECT_HR(S_OK, decommit_hr);
  EXPECT_HR(S_OK, commit_hr);
  EXPECT_EQ(2u, RefCount(alloc_.get())) << "exactly one self-reference";
  EXPECT_EQ(1, FreeCount());
  cb.SetReaction(nullptr);
  ComPtr<IMediaSample> s = Get(AM_GBF_NOWAIT);
  EXPECT_TRUE(s);
  s.Reset();
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
}

// checks: NOTIFY.REENTRANT, NOTIFY.ONCE, ALLOC.RELEASEBUFFER.COMPLETE
TEST_F(NotifyReentrant, ReleasingAnotherSampleFromInsideNestsANotification) {
  CountingCallback& cb = OwnedCallback();
  IMediaSample* other = nullptr;
  cb.SetReaction([&](CountingCallback&) {
    if (IMediaSample* o = std::exchange(other, nullptr)) o->Release();
  });
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(2, 16);
  ComPtr<IMediaSample> first = Get();
  ASSERT_HR(S_OK, alloc_->GetBuffer(&other, nullptr, nullptr, 0));
  ASSERT_HR(S_OK, alloc_->Decommit());  // P: the nested release completes it
  ASSERT_TRUE(RunBounded([&] { first.Reset(); }));
  EXPECT_EQ(2, cb.notifies());
  EXPECT_EQ(2, cb.max_concurrent_notifies()) << "the nested call";
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  EXPECT_EQ(2, FreeCount());
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
}

// checks: NOTIFY.REENTRANT, ALLOC.GETBUFFER.NOWAIT, ALLOC.GETBUFFER.NOTCOMMITTED
TEST_F(NotifyReentrant, GetBufferNoWaitFromInsideSeesTheState) {
  CountingCallback& cb = OwnedCallback();
  IMemAllocatorCallbackTemp* a = alloc_.get();
  std::vector<HRESULT> results;
  cb.SetReaction([&](CountingCallback&) {
    IMediaSample* s = reinterpret_cast<IMediaSample*>(0x1);
    HRESULT hr = a->GetBuffer(&s, nullptr, nullptr, AM_GBF_NOWAIT);
    results.push_back(hr);
    if (SUCCEEDED(hr)) {
      ComPtr<IMediaSample> keep(s);  // hold it across one more NOWAIT
      IMediaSample* t = reinterpret_cast<IMediaSample*>(0x1);
      results.push_back(a->GetBuffer(&t, nullptr, nullptr, AM_GBF_NOWAIT));
      EXPECT_EQ(nullptr, t);
      cb.SetReaction(nullptr);  // the nested release of `keep` is silent
    } else {
      EXPECT_EQ(nullptr, s);
    }
  });
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(1, 16);
  ComPtr<IMediaSample> held = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());  // P ...
  ASSERT_HR(S_OK, alloc_->Commit());    // ... and back to C
  ASSERT_TRUE(RunBounded([&] { held.Reset(); }));
  ASSERT_EQ(2u, results.size());
  EXPECT_HR(S_OK, results[0]);
  EXPECT_HR(VFW_E_TIMEOUT, results[1]);
  // In P the callback's NOWAIT gets NOT_COMMITTED, even with one free.
  ASSERT_HR(S_OK, alloc_->Decommit());
  results.clear();
  cb.SetReaction([&](CountingCallback&) {
    IMediaSample* s = reinterpret_cast<IMediaSample*>(0x1);
    results.push_back(a->GetBuffer(&s, nullptr, nullptr, AM_GBF_NOWAIT));
    EXPECT_EQ(nullptr, s);
  });
  Commit(2, 16);
  ComPtr<IMediaSample> x = Get();
  ComPtr<IMediaSample> y = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());
  ASSERT_TRUE(RunBounded([&] {
    x.Reset();
    y.Reset();
  }));
  ASSERT_EQ(2u, results.size());
  EXPECT_HR(VFW_E_NOT_COMMITTED, results[0]);
  EXPECT_HR(VFW_E_NOT_COMMITTED, results[1]);
  cb.SetReaction(nullptr);
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
}

}  // namespace
}  // namespace dsalloc::testing
