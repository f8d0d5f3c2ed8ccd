// ---------------------------------------------------------------------------
// File: tests/semantics_section5_test.cpp
// ---------------------------------------------------------------------------
//
// Every fact of SEMANTICS.md section 5 (items 1-59): native Windows
// behaviour as Wine's dlls/quartz/tests/memallocator.c observes it. One test
// per group of items, written from the facts (no code taken from Wine);
// the item numbers are in the comments. Item 41 is a disabled check in Wine
// (old quartz crashed); dsalloc's strict answer, E_POINTER, is checked.

#include <cstring>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

using Section5Properties = AllocatorTest;
using Section5Commit = AllocatorTest;

// --- test_properties: items 1-14 ---------------------------------------------

// Items 1, 2, 3.
// checks: FACTORY.CREATE, LIFE.CREATE, ALLOC.GETPROPS, ALLOC.PROPS.ALIGN, ALLOC.PROPS.ZERO
TEST(Section5Create, FreshAllocatorHasZeroPropertiesAndRejectsZeroAlign) {
  ComPtr<IMemAllocator> a;
  ASSERT_HR(S_OK, CreateAllocator(IID_IMemAllocator, a.put_void()));  // 1
  ALLOCATOR_PROPERTIES p;
  std::memset(&p, 0xCC, sizeof p);
  EXPECT_HR(S_OK, a->GetProperties(&p));  // 2
  EXPECT_EQ(Props(0, 0, 0, 0), p);
  ALLOCATOR_PROPERTIES req = Props(0, 0, 0, 0), actual;
  EXPECT_HR(VFW_E_BADALIGN, a->SetProperties(&req, &actual));  // 3
}

// Items 4-14, for every request of item 4, in order, on one allocator.
// (Along the way it also commits, decommits and releases; other tests own those rules.)
// checks: ALLOC.PROPS.ACCEPT, ALLOC.PROPS.STORE, ALLOC.PROPS.ROUND, ALLOC.GETPROPS, ALLOC.COMMIT.SIZE, SAMPLE.SIZE
TEST_F(Section5Properties, TheWholeTableOfRequests) {
  const ALLOCATOR_PROPERTIES requests[] = {
      Props(0, 0, 1, 0),   Props(1, 0, 1, 0),   Props(1, 1, 1, 0),   Props(1, 1, 4, 0),
      Props(2, 1, 1, 0),   Props(1, 2, 4, 0),   Props(1, 1, 16, 0),  Props(1, 16, 16, 0),
      Props(1, 17, 16, 0), Props(1, 32, 16, 0), Props(1, 1, 16, 1),  Props(1, 15, 16, 1),
      Props(1, 16, 16, 1), Props(1, 17, 16, 1), Props(1, 0, 16, 16), Props(1, 1, 16, 16),
      Props(1, 16, 16, 16)};
  for (const ALLOCATOR_PROPERTIES& r : requests) {
    SCOPED_TRACE(ToString(r));
    ALLOCATOR_PROPERTIES request = r;
    ALLOCATOR_PROPERTIES actual;
    std::memset(&actual, 0xCC, sizeof actual);
    ASSERT_HR(S_OK, alloc_->SetProperties(&request, &actual));  // 4, 14
    EXPECT_EQ(r, request);                                      // 5
    EXPECT_EQ(r.cBuffers, actual.cBuffers);                     // 6
    EXPECT_EQ(r.cbAlign, actual.cbAlign);
    EXPECT_EQ(r.cbPrefix, actual.cbPrefix);
    EXPECT_GE(actual.cbBuffer, r.cbBuffer);
    EXPECT_EQ(actual, GetProps());  // 7

    if (r.cbBuffer == 0) {
      EXPECT_HR(VFW_E_SIZENOTSET, alloc_->Commit());  // 8: no Decommit
      continue;
    }
    ASSERT_HR(S_OK, alloc_->Commit());  // 9
    ALLOCATOR_PROPERTIES again = r, out;
    EXPECT_HR(VFW_E_ALREADY_COMMITTED, alloc_->SetProperties(&again, &out));  // 10
    IMediaSample* sample = nullptr;
    ASSERT_HR(S_OK, alloc_->GetBuffer(&sample, nullptr, nullptr, 0));  // 11
    EXPECT_EQ(actual.cbBuffer, sample->GetSize());
    EXPECT_HR(S_OK, alloc_->Decommit());                                        // 12
    EXPECT_HR(VFW_E_BUFFERS_OUTSTANDING, alloc_->SetProperties(&again, &out));  // 13
    EXPECT_EQ(0u, sample->Release());                                           // 14
  }
}

// --- test_commit: items 15-25 ------------------------------------------------

// Items 15-20.
// checks: ALLOC.GETBUFFER.NOTCOMMITTED, ALLOC.COMMIT.3, ALLOC.COMMIT.1, ALLOC.GETBUFFER.POP, ALLOC.DECOMMIT.2, ALLOC.DECOMMIT.1
TEST_F(Section5Commit, CommitAndDecommitTwice) {
  ALLOCATOR_PROPERTIES request = Props(2, 65536, 1, 0), actual;
  ASSERT_HR(S_OK, alloc_->SetProperties(&request, &actual));  // 15
  ExpectGetFails(VFW_E_NOT_COMMITTED);                        // 16
  EXPECT_HR(S_OK, alloc_->Commit());                          // 17
  EXPECT_HR(S_OK, alloc_->Commit());
  IMediaSample* sample = nullptr;
  ASSERT_HR(S_OK, alloc_->GetBuffer(&sample, nullptr, nullptr, 0));  // 18
  sample->Release();
  EXPECT_HR(S_OK, alloc_->Decommit());  // 19
  EXPECT_HR(S_OK, alloc_->Decommit());
  EXPECT_HR(S_OK, alloc_->Commit());  // 20
}

// Items 20-25.
// checks: ALLOC.COMMIT.3, SAMPLE.POINTER, ALLOC.DECOMMIT.3, LIFE.SAMPLEALIVE, ALLOC.GETBUFFER.NOTCOMMITTED, GEN.NOLEAK
TEST_F(Section5Commit, HeldSampleStaysValidAfterDecommit) {
  ALLOCATOR_PROPERTIES request = Props(2, 65536, 1, 0), actual;
  ASSERT_HR(S_OK, alloc_->SetProperties(&request, &actual));
  ASSERT_HR(S_OK, alloc_->Commit());  // 20
  IMediaSample* sample = nullptr;
  ASSERT_HR(S_OK, alloc_->GetBuffer(&sample, nullptr, nullptr, 0));  // 21
  BYTE* data = nullptr;
  ASSERT_HR(S_OK, sample->GetPointer(&data));
  EXPECT_HR(S_OK, alloc_->Decommit());  // 22
  std::memset(data, 0xCC, 65536);       // 23: must not fault
  ExpectGetFails(VFW_E_NOT_COMMITTED);  // 24
  sample->Release();                    // 25 (the fixture releases the
}  //     allocator and checks leaks)

// --- test_sample_time: items 26-38 -------------------------------------------

// One 65536-byte buffer, its IMediaSample2 queried (item 26) in SetUp.
class Section5Sample : public OneSampleTest<65536, Held::kSampleAndSample2> {
 protected:
  AM_SAMPLE2_PROPERTIES Props2() {
    AM_SAMPLE2_PROPERTIES p;
    std::memset(&p, 0xCC, sizeof p);
    EXPECT_HR(S_OK, sample2_->GetProperties(sizeof p, reinterpret_cast<BYTE*>(&p)));
    return p;
  }
  HRESULT SetProps2(const AM_SAMPLE2_PROPERTIES& p) {
    return sample2_->SetProperties(sizeof p, reinterpret_cast<const BYTE*>(&p));
  }
  // Item `item`: `get` (GetTime or GetMediaTime) fails with `hr` and leaves
  // both out-values as they were.
  void ExpectUnsetAndUntouched(int item,
                               HRESULT (STDMETHODCALLTYPE IMediaSample::*get)(LONGLONG*, LONGLONG*),
                               HRESULT hr) {
    SCOPED_TRACE(::testing::Message() << "item " << item);
    LONGLONG start = 0xdeadbeef, end = 0xdeadf00d;
    EXPECT_HR(hr, (sample_.get()->*get)(&start, &end));
    EXPECT_EQ(0xdeadbeef, start);
    EXPECT_EQ(0xdeadf00d, end);
  }
  // The sample's time as item `item` sees it, through GetTime and through
  // IMediaSample2's flags and times. None: VFW_E_SAMPLE_TIME_NOT_SET, no flag.
  void ExpectNoTime(int item) {
    SCOPED_TRACE(::testing::Message() << "item " << item);
    REFERENCE_TIME start = 0, end = 0;
    EXPECT_HR(VFW_E_SAMPLE_TIME_NOT_SET, sample_->GetTime(&start, &end));
    EXPECT_EQ(0u, Props2().dwSampleFlags);
  }
  // A start only: VFW_S_NO_STOP_TIME with the end start + 1, TIMEVALID.
  void ExpectStartOnly(int item, REFERENCE_TIME start) {
    SCOPED_TRACE(::testing::Message() << "item " << item);
    REFERENCE_TIME got_start = 0, got_end = 0;
    EXPECT_HR(VFW_S_NO_STOP_TIME, sample_->GetTime(&got_start, &got_end));
    EXPECT_EQ(start, got_start);
    EXPECT_EQ(start + 1, got_end);
    AM_SAMPLE2_PROPERTIES p = Props2();
    EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TIMEVALID), p.dwSampleFlags);
    EXPECT_EQ(start, p.tStart);
  }
  // Both: S_OK with both, TIMEVALID | STOPVALID.
  void ExpectStartAndStop(int item, REFERENCE_TIME start, REFERENCE_TIME stop) {
    SCOPED_TRACE(::testing::Message() << "item " << item);
    REFERENCE_TIME got_start = 0, got_end = 0;
    EXPECT_HR(S_OK, sample_->GetTime(&got_start, &got_end));
    EXPECT_EQ(start, got_start);
    EXPECT_EQ(stop, got_end);
    AM_SAMPLE2_PROPERTIES p = Props2();
    EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TIMEVALID | AM_SAMPLE_STOPVALID), p.dwSampleFlags);
    EXPECT_EQ(start, p.tStart);
    EXPECT_EQ(stop, p.tStop);
  }
  // Item `item`'s sample without a media type: GetMediaType S_FALSE with
  // *ppMediaType NULL, and IMediaSample2 shows no flag and no type.
  void ExpectNoMediaType(int item) {
    SCOPED_TRACE(::testing::Message() << "item " << item);
    AM_MEDIA_TYPE* mt = reinterpret_cast<AM_MEDIA_TYPE*>(0xdeadbeef);
    EXPECT_HR(S_FALSE, sample_->GetMediaType(&mt));
    EXPECT_EQ(nullptr, mt);
    AM_SAMPLE2_PROPERTIES p = Props2();
    EXPECT_EQ(0u, p.dwSampleFlags);
    EXPECT_EQ(nullptr, p.pMediaType);
  }
  // Releases both interfaces and gets the single buffer again.
  void ReleaseAndGetAgain(REFERENCE_TIME* start, REFERENCE_TIME* stop) {
    IMediaSample* old = sample_.get();
    sample2_.Reset();
    EXPECT_EQ(0u, sample_.Reset());
    ASSERT_HR(S_OK, alloc_->GetBuffer(sample_.put(), start, stop, 0));
    EXPECT_EQ(old, sample_.get());
    ASSERT_HR(S_OK, sample_->QueryInterface(IID_IMediaSample2, sample2_.put_void()));
  }
  // The same, handing GetBuffer times (0x123, 0x321) it must ignore.
  void ReleaseAndGetAgainGivingTimes() {
    REFERENCE_TIME start = 0x123, stop = 0x321;
    ReleaseAndGetAgain(&start, &stop);
  }
  // What item `item` sees of a fresh or a recycled sample through
  // IMediaSample2: no flag, no start time, stream 0, no media type, the whole
  // buffer, and a length of `actual`.
  void ExpectClearedProperties(int item, LONG actual) {
    SCOPED_TRACE(::testing::Message() << "item " << item);
    AM_SAMPLE2_PROPERTIES p = Props2();
    EXPECT_EQ(0u, p.dwTypeSpecificFlags);
    EXPECT_EQ(0u, p.dwSampleFlags);
    EXPECT_EQ(actual, p.lActual);
    EXPECT_EQ(0, p.tStart);
    EXPECT_EQ(0u, p.dwStreamId);
    EXPECT_EQ(nullptr, p.pMediaType);
    EXPECT_EQ(65536, p.cbBuffer);
  }
};

using Section5SampleTime = Section5Sample;
using Section5MediaTime = Section5Sample;
using Section5SampleProperties = Section5Sample;

// Items 26-33.
// checks: SAMPLE.GETTIME.3, SAMPLE.SETTIME.1, SAMPLE.SETTIME.2, SAMPLE.GETTIME.2, SAMPLE.SETTIME.3, SAMPLE.GETTIME.1
TEST_F(Section5SampleTime, SetTimeAndGetTime) {
  ExpectUnsetAndUntouched(27, &IMediaSample::GetTime, VFW_E_SAMPLE_TIME_NOT_SET);
  EXPECT_EQ(0u, Props2().dwSampleFlags);  // 28

  REFERENCE_TIME start = 0, end = 0;
  EXPECT_HR(S_OK, sample_->SetTime(nullptr, nullptr));  // 29
  ExpectNoTime(29);

  start = 0x123;
  EXPECT_HR(S_OK, sample_->SetTime(&start, nullptr));  // 30
  ExpectStartOnly(30, 0x123);

  EXPECT_HR(S_OK, sample_->SetTime(nullptr, nullptr));  // 31
  ExpectNoTime(31);

  end = 0x321;
  EXPECT_HR(S_OK, sample_->SetTime(nullptr, &end));  // 32
  ExpectNoTime(32);

  start = 0x123;
  end = 0x321;
  EXPECT_HR(S_OK, sample_->SetTime(&start, &end));  // 33
  ExpectStartAndStop(33, 0x123, 0x321);
}

// Items 34-36.
// checks: SAMPLE2.SETPROPS.ASSIGN, SAMPLE.GETTIME.3, SAMPLE.GETTIME.2, SAMPLE.GETTIME.1
TEST_F(Section5SampleTime, TimesThroughIMediaSample2) {
  REFERENCE_TIME start = 0x123, end = 0x321;
  ASSERT_HR(S_OK, sample_->SetTime(&start, &end));
  AM_SAMPLE2_PROPERTIES p = Props2();
  p.dwSampleFlags = 0;
  EXPECT_HR(S_OK, SetProps2(p));  // 34
  ExpectNoTime(34);

  p.dwSampleFlags = AM_SAMPLE_TIMEVALID;
  p.tStart = 0x123;
  EXPECT_HR(S_OK, SetProps2(p));  // 35
  ExpectStartOnly(35, 0x123);

  p.dwSampleFlags = AM_SAMPLE_TIMEVALID | AM_SAMPLE_STOPVALID;
  p.tStart = 0x1234;
  p.tStop = 0x4321;
  EXPECT_HR(S_OK, SetProps2(p));  // 36
  ExpectStartAndStop(36, 0x1234, 0x4321);
}

// Items 37-38.
// checks: ALLOC.GETBUFFER.FLAGS, SAMPLE.RECYCLE.1, SAMPLE.GETTIME.3, SAMPLE.MEDIATIME.INDEPENDENT
TEST_F(Section5SampleTime, RecycleClearsTimesAndGetBufferIgnoresItsTimes) {
  REFERENCE_TIME start = 0x1234, end = 0x4321;
  ASSERT_HR(S_OK, sample_->SetTime(&start, &end));
  ReleaseAndGetAgainGivingTimes();  // 37
  ExpectUnsetAndUntouched(37, &IMediaSample::GetTime, VFW_E_SAMPLE_TIME_NOT_SET);
  EXPECT_EQ(0u, Props2().dwSampleFlags);
  LONGLONG ms = 0x123, me = 0x321;
  EXPECT_HR(S_OK, sample_->SetMediaTime(&ms, &me));  // 38
  EXPECT_HR(VFW_E_SAMPLE_TIME_NOT_SET, sample_->GetTime(&start, &end));
}

// --- test_media_time: items 39-46 --------------------------------------------

// Items 39-43.
// checks: SAMPLE.GETMEDIATIME.2, SAMPLE.SETMEDIATIME.1, SAMPLE.SETMEDIATIME.2, SAMPLE.SETMEDIATIME.3, SAMPLE.GETMEDIATIME.1
TEST_F(Section5MediaTime, SetMediaTimeAndGetMediaTime) {
  ExpectUnsetAndUntouched(39, &IMediaSample::GetMediaTime, VFW_E_MEDIA_TIME_NOT_SET);
  LONGLONG start = 0, end = 0;
  EXPECT_HR(S_OK, sample_->SetMediaTime(nullptr, nullptr));  // 40
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, sample_->GetMediaTime(&start, &end));
  start = 0x123;
  EXPECT_HR(E_POINTER, sample_->SetMediaTime(&start, nullptr));  // 41
  end = 0x321;
  EXPECT_HR(S_OK, sample_->SetMediaTime(nullptr, &end));  // 42
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, sample_->GetMediaTime(&start, &end));
  start = 0x123;
  end = 0x321;
  EXPECT_HR(S_OK, sample_->SetMediaTime(&start, &end));  // 43
  start = end = 0;
  EXPECT_HR(S_OK, sample_->GetMediaTime(&start, &end));
  EXPECT_EQ(0x123, start);
  EXPECT_EQ(0x321, end);
}

// Items 44-46.
// checks: ALLOC.GETBUFFER.FLAGS, SAMPLE.RECYCLE.1, SAMPLE.GETMEDIATIME.2, SAMPLE.MEDIATIME.INDEPENDENT
TEST_F(Section5MediaTime, RecycleClearsTheMediaTime) {
  LONGLONG start = 0x123, end = 0x321;
  ASSERT_HR(S_OK, sample_->SetMediaTime(&start, &end));
  ReleaseAndGetAgainGivingTimes();  // 44
  ExpectUnsetAndUntouched(44, &IMediaSample::GetMediaTime, VFW_E_MEDIA_TIME_NOT_SET);
  REFERENCE_TIME ts = 0x123, te = 0x321;
  EXPECT_HR(S_OK, sample_->SetTime(&ts, &te));  // 45
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, sample_->GetMediaTime(&start, &end));
  start = 0x123;
  end = 0x321;
  EXPECT_HR(S_OK, sample_->SetMediaTime(&start, &end));  // 46
  ReleaseAndGetAgain(nullptr, nullptr);
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, sample_->GetMediaTime(&start, &end));
}

// --- test_sample_properties: items 47-59 -------------------------------------

// Items 47-51.
// checks: ALLOC.SAMPLE.FRESH, SAMPLE2.GETPROPS.IMAGE, SAMPLE.GETTYPE.NONE, SAMPLE.SETTYPE.NULL, SAMPLE.SETTYPE.COPY, SAMPLE.GETTYPE.COPY
TEST_F(Section5SampleProperties, FreshPropertiesAndMediaType) {
  BYTE* data = nullptr;
  ASSERT_HR(S_OK, sample_->GetPointer(&data));
  ExpectClearedProperties(47, 65536);
  EXPECT_EQ(data, Props2().pbBuffer);

  AM_MEDIA_TYPE* mt = reinterpret_cast<AM_MEDIA_TYPE*>(0xdeadbeef);
  EXPECT_HR(S_FALSE, sample_->GetMediaType(&mt));  // 48
  EXPECT_EQ(nullptr, mt);

  EXPECT_HR(S_OK, sample_->SetMediaType(nullptr));  // 49
  ExpectNoMediaType(49);

  AM_MEDIA_TYPE pattern = PatternMediaType();
  EXPECT_HR(S_OK, sample_->SetMediaType(&pattern));  // 50
  ASSERT_HR(S_OK, sample_->GetMediaType(&mt));
  ASSERT_NE(nullptr, mt);
  EXPECT_EQ(0, std::memcmp(mt, &pattern, sizeof(AM_MEDIA_TYPE)));
  CoTaskMemFree(mt);
  AM_SAMPLE2_PROPERTIES p = Props2();
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TYPECHANGED), p.dwSampleFlags);
  ASSERT_NE(nullptr, p.pMediaType);
  EXPECT_EQ(0, std::memcmp(p.pMediaType, &pattern, sizeof(AM_MEDIA_TYPE)));

  EXPECT_HR(S_OK, sample_->SetMediaType(nullptr));  // 51
  ExpectNoMediaType(51);
}

// Items 52-54.
// checks: SAMPLE.LENGTH.GET, SAMPLE.LENGTH.RANGE, SAMPLE.LENGTH.SET, SAMPLE2.SETPROPS.ASSIGN
TEST_F(Section5SampleProperties, ActualDataLength) {
  EXPECT_EQ(65536, sample_->GetActualDataLength());                       // 52
  EXPECT_HR(VFW_E_BUFFER_OVERFLOW, sample_->SetActualDataLength(65537));  // 53
  EXPECT_HR(VFW_E_BUFFER_OVERFLOW, sample_->SetActualDataLength(-1));
  EXPECT_HR(S_OK, sample_->SetActualDataLength(65536));
  EXPECT_HR(S_OK, sample_->SetActualDataLength(0));
  EXPECT_EQ(0, sample_->GetActualDataLength());
  AM_SAMPLE2_PROPERTIES p = Props2();
  EXPECT_EQ(0, p.lActual);
  p.lActual = 123;
  EXPECT_HR(S_OK, SetProps2(p));  // 54
  EXPECT_EQ(123, Props2().lActual);
  EXPECT_EQ(123, sample_->GetActualDataLength());
}

// Items 55-58.
// checks: SAMPLE.FLAGS.GET, SAMPLE.FLAGS.SET, SAMPLE2.SETPROPS.ASSIGN
TEST_F(Section5SampleProperties, BooleanFlags) {
  const SampleBoolean pairs[] = {kPreroll, kDiscontinuity, kSyncPoint};  // 55, 56, 57
  IMediaSample* s = sample_.get();
  for (const SampleBoolean& pair : pairs) {
    EXPECT_HR(S_FALSE, (s->*pair.is)());
    EXPECT_HR(S_OK, (s->*pair.set)(TRUE));
    EXPECT_HR(S_OK, (s->*pair.is)());
    EXPECT_EQ(pair.bit, Props2().dwSampleFlags);
    EXPECT_HR(S_OK, (s->*pair.set)(FALSE));
    EXPECT_HR(S_FALSE, (s->*pair.is)());
    EXPECT_EQ(0u, Props2().dwSampleFlags);
  }
  AM_SAMPLE2_PROPERTIES p = Props2();
  p.dwSampleFlags = AM_SAMPLE_PREROLL | AM_SAMPLE_DATADISCONTINUITY | AM_SAMPLE_SPLICEPOINT;
  EXPECT_HR(S_OK, SetProps2(p));  // 58
  EXPECT_HR(S_OK, s->IsPreroll());
  EXPECT_HR(S_OK, s->IsDiscontinuity());
  EXPECT_HR(S_OK, s->IsSyncPoint());
  EXPECT_EQ(
      static_cast<DWORD>(AM_SAMPLE_PREROLL | AM_SAMPLE_DATADISCONTINUITY | AM_SAMPLE_SPLICEPOINT),
      Props2().dwSampleFlags);
}

// Item 59 (after 54 and 58).
// checks: SAMPLE.RECYCLE.1, SAMPLE.RECYCLE.2, ALLOC.GETBUFFER.POP
TEST_F(Section5SampleProperties, RecycleClearsFlagsAndTypeButKeepsLength) {
  AM_SAMPLE2_PROPERTIES p = Props2();
  p.lActual = 123;
  p.dwSampleFlags = AM_SAMPLE_PREROLL | AM_SAMPLE_DATADISCONTINUITY | AM_SAMPLE_SPLICEPOINT;
  ASSERT_HR(S_OK, SetProps2(p));
  AM_MEDIA_TYPE pattern = PatternMediaType();
  ASSERT_HR(S_OK, sample_->SetMediaType(&pattern));
  ReleaseAndGetAgain(nullptr, nullptr);
  ExpectClearedProperties(59, 123);
}

}  // namespace
}  // namespace dsalloc::testing
