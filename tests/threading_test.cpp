// ---------------------------------------------------------------------------
// File: tests/threading_test.cpp
// ---------------------------------------------------------------------------
//
// The allocator under threads: a blocked GetBuffer woken by a release (hand-
// off, FIFO, only as many woken as samples released) and by Decommit (every
// waiter, however many: improvement 3); NOWAIT leaving no phantom waiter
// among real ones; a callback that waits for another thread to enter the
// allocator (THREAD.NOLOCK: would deadlock under the allocator lock, so it
// is bounded); SetNotify racing with releases (no notification lost, none to
// a released callback); Decommit/Commit racing with releases; concurrent
// calls on one sample. Every wait is bounded: a hang becomes a failure.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

using std::chrono::milliseconds;

using AllocatorBlockingGetBuffer = AllocatorTest;
using AllocatorDecommitWake = AllocatorTest;
using NotifyThreads = AllocatorTest;
using AllocatorRaces = AllocatorTest;
using SampleThreads = AllocatorTest;

// Starts waiters one after the other, each given time to block, so their
// arrival order is known.
std::vector<std::unique_ptr<AsyncGetBuffer>> StartWaiters(IMemAllocator* a, int n,
                                                          DWORD flags = 0) {
  std::vector<std::unique_ptr<AsyncGetBuffer>> waiters;
  for (int i = 0; i < n; ++i) {
    waiters.push_back(std::make_unique<AsyncGetBuffer>(a, flags));
    std::this_thread::sleep_for(kSettleTime);
  }
  return waiters;
}

int CountDone(const std::vector<std::unique_ptr<AsyncGetBuffer>>& waiters) {
  int n = 0;
  for (const auto& w : waiters) n += w->done() ? 1 : 0;
  return n;
}

// checks: ALLOC.GETBUFFER.WAIT, ALLOC.RELEASEBUFFER.HANDOFF, THREAD.NOLOSTWAKE
TEST_F(AllocatorBlockingGetBuffer, IsWokenByAReleaseWithTheReleasedSample) {
  Commit(1, 64);
  ComPtr<IMediaSample> held = Get();
  IMediaSample* raw = held.get();
  AsyncGetBuffer waiter(alloc_.get());
  EXPECT_FALSE(waiter.Wait(kSettleTime * 2)) << "returned without a sample";
  held.Reset();
  ASSERT_TRUE(waiter.Wait()) << "a release did not wake the waiter";
  EXPECT_HR(S_OK, waiter.hr());
  EXPECT_EQ(raw, waiter.sample());
  EXPECT_EQ(1u, RefCount(waiter.sample()));
  EXPECT_EQ(0, FreeCount()) << "handed over, never on the free list";
  EXPECT_EQ(1u, waiter.ReleaseSample() + 1u);
  EXPECT_EQ(1, FreeCount());
}

// checks: ALLOC.GETBUFFER.FIFO, ALLOC.RELEASEBUFFER.HANDOFF, ALLOC.GETBUFFER.FLAGS
TEST_F(AllocatorBlockingGetBuffer, WaitersAreServedOldestFirst) {
  Commit(1, 64);
  ComPtr<IMediaSample> held = Get();
  // Every flag bit but NOWAIT: they still block.
  auto waiters = StartWaiters(alloc_.get(), 3, ~static_cast<DWORD>(AM_GBF_NOWAIT));
  EXPECT_EQ(0, CountDone(waiters));
  held.Reset();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(waiters[i]->Wait()) << "waiter " << i << " not served";
    EXPECT_HR(S_OK, waiters[i]->hr());
    std::this_thread::sleep_for(kSettleTime);
    EXPECT_EQ(i + 1, CountDone(waiters)) << "served out of order";
    waiters[i]->ReleaseSample();  // passes it to the next one
  }
  EXPECT_EQ(1, FreeCount());
}

// checks: ALLOC.RELEASEBUFFER.HANDOFF, ALLOC.GETBUFFER.WAIT, ALLOC.BOUND
TEST_F(AllocatorBlockingGetBuffer, AReleaseWakesOnlyOneWaiter) {
  Commit(2, 64);
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  auto waiters = StartWaiters(alloc_.get(), 8);
  EXPECT_EQ(0, CountDone(waiters));
  a.Reset();
  ASSERT_TRUE(WaitUntil([&] { return CountDone(waiters) >= 1; }));
  std::this_thread::sleep_for(kSettleTime * 2);
  EXPECT_EQ(1, CountDone(waiters));
  b.Reset();
  ASSERT_TRUE(WaitUntil([&] { return CountDone(waiters) >= 2; }));
  std::this_thread::sleep_for(kSettleTime * 2);
  EXPECT_EQ(2, CountDone(waiters));
  std::set<IMediaSample*> got;
  for (auto& w : waiters) {
    if (w->done()) {
      EXPECT_HR(S_OK, w->hr());
      got.insert(w->sample());
    }
  }
  EXPECT_EQ(2u, got.size()) << "one sample to two waiters";
  EXPECT_EQ(0, FreeCount());
  // Decommit (P, two out) ends the other six.
  ASSERT_HR(S_OK, alloc_->Decommit());
  for (auto& w : waiters) {
    ASSERT_TRUE(w->Wait());
    if (got.count(w->sample()) == 0) {
      EXPECT_HR(VFW_E_NOT_COMMITTED, w->hr());
      EXPECT_TRUE(w->out_cleared());
    }
  }
  waiters.clear();  // releases the two samples: the decommit completes
  EXPECT_EQ(1u, RefCount(alloc_.get()));
}

// checks: ALLOC.GETBUFFER.NOWAIT, ALLOC.RELEASEBUFFER.HANDOFF, THREAD.NOLOSTWAKE
TEST_F(AllocatorBlockingGetBuffer, NoWaitFailuresDoNotStealFromRealWaiters) {
  Commit(1, 64);
  ComPtr<IMediaSample> held = Get();
  for (int i = 0; i < 3; ++i) ExpectGetFails(VFW_E_TIMEOUT, AM_GBF_NOWAIT);
  AsyncGetBuffer first(alloc_.get());
  std::this_thread::sleep_for(kSettleTime);
  for (int i = 0; i < 3; ++i) ExpectGetFails(VFW_E_TIMEOUT, AM_GBF_NOWAIT);
  AsyncGetBuffer second(alloc_.get());
  std::this_thread::sleep_for(kSettleTime);
  held.Reset();
  ASSERT_TRUE(first.Wait()) << "the release went to a phantom waiter";
  EXPECT_HR(S_OK, first.hr());
  EXPECT_FALSE(second.Wait(kSettleTime));
  first.ReleaseSample();
  ASSERT_TRUE(second.Wait()) << "the release went to a phantom waiter";
  EXPECT_HR(S_OK, second.hr());
  second.ReleaseSample();
  EXPECT_EQ(1, FreeCount());
}

// checks: ALLOC.DECOMMIT.WAKE, ALLOC.GETBUFFER.CLEAR, ALLOC.DECOMMIT.3
TEST_F(AllocatorDecommitWake, WakesEveryWaiterMoreWaitersThanBuffers) {
  Commit(2, 64);
  ComPtr<IMediaSample> a = Get();
  ComPtr<IMediaSample> b = Get();
  for (int n : {8, 32}) {
    SCOPED_TRACE(n);
    std::vector<std::unique_ptr<AsyncGetBuffer>> waiters;
    for (int i = 0; i < n; ++i) {
      waiters.push_back(std::make_unique<AsyncGetBuffer>(alloc_.get()));
    }
    std::this_thread::sleep_for(kSettleTime * 2);
    EXPECT_EQ(0, CountDone(waiters));
    ASSERT_HR(S_OK, alloc_->Decommit());
    for (size_t i = 0; i < waiters.size(); ++i) {
      ASSERT_TRUE(waiters[i]->Wait()) << "waiter " << i << " still blocked";
      EXPECT_HR(VFW_E_NOT_COMMITTED, waiters[i]->hr());
      EXPECT_TRUE(waiters[i]->out_cleared());
      EXPECT_EQ(nullptr, waiters[i]->sample());
    }
    ASSERT_HR(S_OK, alloc_->Commit());  // P -> C, both samples still out
  }
  ASSERT_HR(S_OK, alloc_->Decommit());
  a.Reset();
  b.Reset();
  EXPECT_EQ(1u, RefCount(alloc_.get()));
}

// checks: ALLOC.DECOMMIT.WAKE, ALLOC.COMMIT.2
TEST_F(AllocatorDecommitWake, WaitersGetNotCommittedEvenIfCommitRunsAgain) {
  Commit(1, 64);
  ComPtr<IMediaSample> held = Get();
  std::vector<std::unique_ptr<AsyncGetBuffer>> waiters;
  for (int i = 0; i < 6; ++i) {
    waiters.push_back(std::make_unique<AsyncGetBuffer>(alloc_.get()));
  }
  std::this_thread::sleep_for(kSettleTime * 2);
  ASSERT_HR(S_OK, alloc_->Decommit());  // P
  ASSERT_HR(S_OK, alloc_->Commit());    // C again, before they run
  for (auto& w : waiters) {
    ASSERT_TRUE(w->Wait()) << "a waiter slept through the Decommit";
    EXPECT_HR(VFW_E_NOT_COMMITTED, w->hr());
    EXPECT_TRUE(w->out_cleared());
  }
  // Later waiters block normally again.
  AsyncGetBuffer late(alloc_.get());
  EXPECT_FALSE(late.Wait(kSettleTime));
  held.Reset();
  ASSERT_TRUE(late.Wait());
  EXPECT_HR(S_OK, late.hr());
}

// checks: ALLOC.DECOMMIT.WAKE, ALLOC.DECOMMIT.2
TEST_F(AllocatorDecommitWake, InCommittedWithNothingOutYetWaitersEnd) {
  // Waiters exist only while every sample is out, so Decommit always goes to
  // P here; a waiter woken and then racing a completed decommit still ends.
  Commit(1, 64);
  IMediaSample* s = nullptr;
  ASSERT_HR(S_OK, alloc_->GetBuffer(&s, nullptr, nullptr, 0));
  AsyncGetBuffer w(alloc_.get());
  std::this_thread::sleep_for(kSettleTime);
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(0u, s->Release());  // completes: D
  ASSERT_TRUE(w.Wait());
  EXPECT_HR(VFW_E_NOT_COMMITTED, w.hr());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
}

// Inside a callback (its NotifyRelease or its Release): another thread calls
// into the allocator, GetFreeCount and GetProperties, and with take_buffer
// also a GetBuffer(NOWAIT) between them, and this one waits for it
// (bounded). Counts the calls that got through. A buffer the helper got goes
// back after it signalled: its release is a nested notification.
struct EnterFromCallbackProbe {
  EnterFromCallbackProbe(IMemAllocatorCallbackTemp* a, bool take_buffer)
      : allocator(a), take_buffer(take_buffer) {}
  IMemAllocatorCallbackTemp* allocator;
  bool take_buffer;
  std::atomic<int> entered{0};
  std::atomic<int> timed_out{0};
  std::mutex mu;
  std::vector<std::thread> helpers;

  void operator()() {
    auto done = std::make_shared<std::atomic<bool>>(false);
    IMemAllocatorCallbackTemp* a = allocator;
    std::thread helper([a, done, take = take_buffer] {
      LONG n = 0;
      a->GetFreeCount(&n);
      IMediaSample* s = nullptr;
      HRESULT hr = take ? a->GetBuffer(&s, nullptr, nullptr, AM_GBF_NOWAIT) : E_FAIL;
      ALLOCATOR_PROPERTIES p;
      a->GetProperties(&p);
      done->store(true);
      if (SUCCEEDED(hr) && s != nullptr) s->Release();
    });
    if (WaitUntil([&] { return done->load(); }, milliseconds(2000))) {
      entered.fetch_add(1);
    } else {
      timed_out.fetch_add(1);
    }
    std::lock_guard<std::mutex> lock(mu);
    helpers.push_back(std::move(helper));
  }
  void Join() {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& t : helpers) t.join();
    helpers.clear();
  }
};

// checks: THREAD.NOLOCK, NOTIFY.REENTRANT, GEN.NOHANG
TEST_F(NotifyThreads, ACallbackCanWaitForAnotherThreadInTheAllocator) {
  CountingCallback& cb = OwnedCallback();
  EnterFromCallbackProbe probe(alloc_.get(), /*take_buffer=*/true);
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(2, 64);
  // Only the first notification waits for a helper thread that calls
  // GetFreeCount, GetBuffer(NOWAIT) and GetProperties; the helper's own
  // release (nested notification) returns at once.
  cb.SetReaction([&, reaction_rounds = std::make_shared<std::atomic<int>>(0)](CountingCallback&) {
    if (reaction_rounds->fetch_add(1) >= 1) return;  // only the first
    probe();
  });
  ASSERT_TRUE(RunBounded([&] { ComPtr<IMediaSample> s = Get(); }, milliseconds(10000)));
  probe.Join();
  EXPECT_EQ(1, probe.entered.load());
  EXPECT_EQ(0, probe.timed_out.load())
      << "another thread could not enter the allocator during NotifyRelease";
  cb.SetReaction(nullptr);
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
}

// checks: THREAD.NOLOCK, ALLOC.SETNOTIFY.1, NOTIFY.SNAPSHOT
TEST_F(NotifyThreads, OldCallbackAndSnapshotAreReleasedOutsideTheLock) {
  CountingCallback old_cb, new_cb;
  EnterFromCallbackProbe probe(alloc_.get(), /*take_buffer=*/false);
  ASSERT_HR(S_OK, alloc_->SetNotify(&old_cb));
  old_cb.SetReleaseReaction([&](CountingCallback&, LONG) { probe(); });
  // SetNotify's Release of the old callback.
  ASSERT_TRUE(RunBounded([&] { alloc_->SetNotify(&new_cb); }, milliseconds(10000)));
  probe.Join();
  EXPECT_EQ(1, probe.entered.load());
  EXPECT_EQ(0, probe.timed_out.load()) << "old callback released under lock";
  old_cb.SetReleaseReaction(nullptr);
  // ReleaseBuffer's Release of the snapshot (count back to the installed 1
  // + the test's 1 = 2).
  Commit(1, 16);
  new_cb.SetReleaseReaction([&](CountingCallback&, LONG now) {
    if (now == 2) probe();
  });
  ASSERT_TRUE(RunBounded([&] { ComPtr<IMediaSample> s = Get(); }, milliseconds(10000)));
  probe.Join();
  EXPECT_EQ(2, probe.entered.load());
  EXPECT_EQ(0, probe.timed_out.load()) << "snapshot released under lock";
  new_cb.SetReleaseReaction(nullptr);
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
}

// checks: NOTIFY.SNAPSHOT, NOTIFY.ONCE, ALLOC.SETNOTIFY.1, COM.CALLBACK.REFS
TEST_F(NotifyThreads, SetNotifyRacingWithReleasesLosesNothing) {
  // Every callback is installed once and the test drops its own reference
  // at once, so the allocator's is the only one: when SetNotify swaps it
  // out, its count reaches 0, and any later call on it is recorded.
  constexpr int kCallbacks = 2000;
  constexpr int kWorkers = 3;
  std::vector<std::unique_ptr<CountingCallback>> cbs;
  for (int i = 0; i < kCallbacks; ++i) {
    cbs.push_back(std::make_unique<CountingCallback>());
  }
  ASSERT_HR(S_OK, alloc_->SetNotify(cbs[0].get()));
  cbs[0]->Release();
  Commit(kWorkers, 16);
  std::atomic<int> releases{0};
  std::atomic<bool> stop{false};
  bool finished = RunBounded(
      [&] {
        std::vector<std::thread> workers;
        for (int w = 0; w < kWorkers; ++w) {
          workers.emplace_back([&] {
            while (!stop.load()) {
              IMediaSample* s = nullptr;
              if (FAILED(alloc_->GetBuffer(&s, nullptr, nullptr, 0))) break;
              s->Release();
              releases.fetch_add(1);
            }
          });
        }
        std::thread toggler([&] {
          for (int i = 1; i < kCallbacks; ++i) {
            alloc_->SetNotify(cbs[i].get());
            cbs[i]->Release();
            if (i % 8 == 0) std::this_thread::yield();
          }
        });
        toggler.join();
        stop.store(true);
        for (auto& t : workers) t.join();
      },
      milliseconds(20000));
  ASSERT_TRUE(finished) << "hang";
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
  long notifies = 0, late = 0;
  for (auto& cb : cbs) {
    notifies += cb->notifies();
    late += cb->calls_after_final_release();
    EXPECT_EQ(0, cb->refs()) << "a reference was kept or over-released";
  }
  EXPECT_GT(releases.load(), 0);
  EXPECT_EQ(releases.load(), notifies) << "notifications lost or duplicated";
  EXPECT_EQ(0, late) << "a call reached a released callback";
}

// checks: THREAD.SAFE, ALLOC.BOUND, NOTIFY.ONCE, ALLOC.COMMIT.2, ALLOC.DECOMMIT.3, ALLOC.RELEASEBUFFER.COMPLETE
TEST_F(AllocatorRaces, DecommitAndCommitRacingWithReleases) {
  constexpr LONG kBuffers = 3;
  constexpr int kWorkers = 4;
  CountingCallback& cb = OwnedCallback();
  ASSERT_HR(S_OK, alloc_->SetNotify(&cb));
  Commit(kBuffers, 32);
  std::atomic<bool> stop{false};
  std::atomic<int> gets{0}, not_committed{0}, outstanding{0}, max_out{0};
  std::atomic<int> violations{0};
  std::mutex owners_mu;
  std::set<IMediaSample*> owners;
  bool finished = RunBounded(
      [&] {
        std::vector<std::thread> workers;
        for (int w = 0; w < kWorkers; ++w) {
          workers.emplace_back([&] {
            while (!stop.load()) {
              IMediaSample* s = nullptr;
              HRESULT hr = alloc_->GetBuffer(&s, nullptr, nullptr, 0);
              if (hr == VFW_E_NOT_COMMITTED) {
                not_committed.fetch_add(1);
                std::this_thread::yield();
                continue;
              }
              if (FAILED(hr) || s == nullptr) {
                violations.fetch_add(1);
                continue;
              }
              gets.fetch_add(1);
              int now = outstanding.fetch_add(1) + 1;
              int seen = max_out.load();
              while (now > seen && !max_out.compare_exchange_weak(seen, now)) {
              }
              {
                std::lock_guard<std::mutex> lock(owners_mu);
                if (!owners.insert(s).second) violations.fetch_add(1);
              }
              BYTE* p = nullptr;
              if (FAILED(s->GetPointer(&p))) violations.fetch_add(1);
              p[0] = 1;  // the buffer is ours (ASan: still allocated)
              {
                std::lock_guard<std::mutex> lock(owners_mu);
                owners.erase(s);
              }
              outstanding.fetch_sub(1);
              s->Release();
            }
          });
        }
        // At least 300 cycles, and on until the workers got 200 samples
        // (a loaded machine may start them late).
        for (int i = 0; (i < 300 || gets.load() < 200) && i < 200000; ++i) {
          alloc_->Decommit();
          std::this_thread::yield();
          alloc_->Commit();
          std::this_thread::sleep_for(std::chrono::microseconds(20));
        }
        stop.store(true);
        alloc_->Decommit();  // wakes any waiter; then no more gets
        for (auto& t : workers) t.join();
      },
      milliseconds(20000));
  ASSERT_TRUE(finished) << "hang";
  EXPECT_EQ(0, violations.load());
  EXPECT_LE(max_out.load(), kBuffers);
  EXPECT_GT(gets.load(), 0);
  EXPECT_EQ(gets.load(), cb.notifies()) << "one notification per release";
  EXPECT_EQ(1u, RefCount(alloc_.get())) << "decommit completed exactly once";
  EXPECT_EQ(kBuffers, FreeCount());
  ASSERT_HR(S_OK, alloc_->SetNotify(nullptr));
  EXPECT_EQ(1, cb.refs());
  EXPECT_EQ(cb.add_refs(), cb.releases());
}

// checks: THREAD.NOLOSTWAKE, ALLOC.BOUND, THREAD.SAFE, GEN.NOHANG
TEST_F(AllocatorRaces, ManyThreadsCyclingFewBuffersNeverStall) {
  constexpr LONG kBuffers = 2;
  constexpr int kWorkers = 6;
  constexpr int kRounds = 400;
  Commit(kBuffers, 16);
  std::atomic<int> outstanding{0}, max_out{0}, failures{0}, timeouts{0};
  bool finished = RunBounded(
      [&] {
        std::vector<std::thread> workers;
        for (int w = 0; w < kWorkers; ++w) {
          workers.emplace_back([&, w] {
            for (int i = 0; i < kRounds; ++i) {
              DWORD flags = ((i + w) % 5 == 0) ? AM_GBF_NOWAIT : 0;
              IMediaSample* s = nullptr;
              HRESULT hr = alloc_->GetBuffer(&s, nullptr, nullptr, flags);
              if (hr == VFW_E_TIMEOUT && flags == AM_GBF_NOWAIT) {
                timeouts.fetch_add(1);
                continue;
              }
              if (hr != S_OK) {
                failures.fetch_add(1);
                continue;
              }
              int now = outstanding.fetch_add(1) + 1;
              int seen = max_out.load();
              while (now > seen && !max_out.compare_exchange_weak(seen, now)) {
              }
              if ((i & 7) == 0) std::this_thread::yield();
              outstanding.fetch_sub(1);
              s->Release();
            }
          });
        }
        for (auto& t : workers) t.join();
      },
      milliseconds(20000));
  ASSERT_TRUE(finished) << "stalled: a release was lost";
  EXPECT_EQ(0, failures.load());
  EXPECT_LE(max_out.load(), kBuffers);
  EXPECT_EQ(kBuffers, FreeCount());
}

// checks: THREAD.SAMPLE
TEST_F(SampleThreads, ConcurrentCallsOnOneSampleAreLinearizable) {
  Commit(1, 256);
  ComPtr<IMediaSample> s = Get();
  ComPtr<IMediaSample2> s2;
  ASSERT_HR(S_OK, s->QueryInterface(IID_IMediaSample2, s2.put_void()));
  std::atomic<int> bad{0};
  bool finished = RunBounded(
      [&] {
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
          threads.emplace_back([&, t] {
            AM_MEDIA_TYPE mt = PatternMediaType();
            for (int i = 0; i < 500; ++i) {
              REFERENCE_TIME a = t * 100000 + i, b = a + 1000;
              s->SetTime(&a, &b);
              REFERENCE_TIME x = 0, y = 0;
              HRESULT hr = s->GetTime(&x, &y);
              if (hr == S_OK && y != x + 1000) bad.fetch_add(1);
              LONGLONG ms = a, me = a + 7;
              s->SetMediaTime(&ms, &me);
              LONGLONG mx = 0, my = 0;
              if (s->GetMediaTime(&mx, &my) == S_OK && my != mx + 7) {
                bad.fetch_add(1);
              }
              s->SetActualDataLength(i % 257);
              LONG len = s->GetActualDataLength();
              if (len < 0 || len > 256) bad.fetch_add(1);
              if (i % 3 == 0) {
                s->SetMediaType(&mt);
              } else if (i % 3 == 1) {
                s->SetMediaType(nullptr);
              }
              AM_MEDIA_TYPE* got = nullptr;
              if (s->GetMediaType(&got) == S_OK) {
                if (got == nullptr || got->cbFormat != 0) bad.fetch_add(1);
                DeleteMediaTypeCopy(got);
              }
              s->SetSyncPoint(i & 1);
              s->IsSyncPoint();
              AM_SAMPLE2_PROPERTIES p;
              s2->GetProperties(sizeof p, reinterpret_cast<BYTE*>(&p));
              if (p.cbBuffer != 256) bad.fetch_add(1);
            }
          });
        }
        for (auto& t : threads) t.join();
      },
      milliseconds(20000));
  ASSERT_TRUE(finished) << "hang";
  EXPECT_EQ(0, bad.load());
}

}  // namespace
}  // namespace dsalloc::testing
