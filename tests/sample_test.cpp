// ---------------------------------------------------------------------------
// File: tests/sample_test.cpp
// ---------------------------------------------------------------------------
//
// IMediaSample: every method with every documented result, NULL
// out-pointers (E_POINTER, nothing changed: improvement 2), the 64-bit media
// end time (improvement 4), deep media type copies and their pUnk
// references, and what recycling clears and keeps.

#include <climits>
#include <cstdint>
#include <cstring>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

class SampleTest : public OneSampleTest<256> {
 protected:
  // Releases the sample and gets the (only) one back: a recycle.
  void Recycle() {
    IMediaSample* raw = sample_.get();
    sample_.Reset();
    sample_ = Get();
    ASSERT_EQ(raw, sample_.get());
  }
};

using SampleGetPointer = SampleTest;
using SampleTime = SampleTest;
using SampleBooleans = SampleTest;
using SampleDataLength = SampleTest;
using SampleMediaType = SampleTest;
using SampleMediaTime = SampleTest;
using SampleRecycle = SampleTest;

// checks: SAMPLE.POINTER, SAMPLE.POINTER.NULL, SAMPLE.SIZE, GEN.BADINPUT
TEST_F(SampleGetPointer, GivesTheBufferOrEPointer) {
  EXPECT_HR(E_POINTER, sample_->GetPointer(nullptr));
  BYTE* p = nullptr;
  ASSERT_HR(S_OK, sample_->GetPointer(&p));
  ASSERT_NE(nullptr, p);
  std::memset(p, 0x77, 256);
  EXPECT_EQ(256, sample_->GetSize());
  EXPECT_EQ(p, SampleProps(sample_.get()).pbBuffer);
}

// checks: SAMPLE.GETTIME.NULL, GEN.BADINPUT, GEN.ATOMIC
TEST_F(SampleTime, GetTimeWithANullOutputGivesEPointerInEveryFlagState) {
  REFERENCE_TIME start = 10, stop = 20;
  for (int state = 0; state < 3; ++state) {
    if (state == 1) {
      ASSERT_HR(S_OK, sample_->SetTime(&start, nullptr));
    }
    if (state == 2) {
      ASSERT_HR(S_OK, sample_->SetTime(&start, &stop));
    }
    REFERENCE_TIME t = -1;
    EXPECT_HR(E_POINTER, sample_->GetTime(nullptr, &t));
    EXPECT_EQ(-1, t);
    EXPECT_HR(E_POINTER, sample_->GetTime(&t, nullptr));
    EXPECT_EQ(-1, t);
    EXPECT_HR(E_POINTER, sample_->GetTime(nullptr, nullptr));
  }
  EXPECT_EQ(AM_SAMPLE_TIMEVALID | AM_SAMPLE_STOPVALID,
            static_cast<int>(SampleFlags(sample_.get())));
}

// checks: SAMPLE.SETTIME.1, SAMPLE.SETTIME.2, SAMPLE.SETTIME.3, SAMPLE.GETTIME.1, SAMPLE.GETTIME.2, SAMPLE.GETTIME.3
TEST_F(SampleTime, SetTimeAndGetTimeInEveryCombination) {
  REFERENCE_TIME a = -1, b = -2;
  EXPECT_HR(VFW_E_SAMPLE_TIME_NOT_SET, sample_->GetTime(&a, &b));
  EXPECT_EQ(-1, a);
  EXPECT_EQ(-2, b);

  REFERENCE_TIME start = 1000, stop = 500;  // no ordering check
  EXPECT_HR(S_OK, sample_->SetTime(&start, &stop));
  EXPECT_HR(S_OK, sample_->GetTime(&a, &b));
  EXPECT_EQ(1000, a);
  EXPECT_EQ(500, b);

  start = INT64_MAX - 1;
  EXPECT_HR(S_OK, sample_->SetTime(&start, nullptr));
  EXPECT_HR(VFW_S_NO_STOP_TIME, sample_->GetTime(&a, &b));
  EXPECT_EQ(INT64_MAX - 1, a);
  EXPECT_EQ(INT64_MAX, b);
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TIMEVALID), SampleFlags(sample_.get()));

  // SetTime(NULL, stop): clears both flags, stores nothing.
  stop = 77;
  EXPECT_HR(S_OK, sample_->SetTime(nullptr, &stop));
  a = b = -3;
  EXPECT_HR(VFW_E_SAMPLE_TIME_NOT_SET, sample_->GetTime(&a, &b));
  EXPECT_EQ(-3, a);
  EXPECT_EQ(-3, b);
  AM_SAMPLE2_PROPERTIES p = SampleProps(sample_.get());
  EXPECT_EQ(0u, p.dwSampleFlags);
  EXPECT_EQ(INT64_MAX - 1, p.tStart) << "stored values untouched";
  EXPECT_EQ(500, p.tStop);

  start = -5;
  stop = -4;
  EXPECT_HR(S_OK, sample_->SetTime(&start, &stop));
  EXPECT_HR(S_OK, sample_->SetTime(nullptr, nullptr));
  EXPECT_HR(VFW_E_SAMPLE_TIME_NOT_SET, sample_->GetTime(&a, &b));
  EXPECT_EQ(0u, SampleFlags(sample_.get()));
}

// checks: SAMPLE.FLAGS.GET, SAMPLE.FLAGS.SET
TEST_F(SampleBooleans, EachFlagIsSetAndClearedIndependently) {
  const SampleBoolean pairs[] = {kSyncPoint, kPreroll, kDiscontinuity};
  IMediaSample* s = sample_.get();
  DWORD expected = 0;
  for (const SampleBoolean& p : pairs) {
    EXPECT_HR(S_FALSE, (s->*p.is)());
    EXPECT_HR(S_OK, (s->*p.set)(TRUE));
    expected |= p.bit;
    EXPECT_HR(S_OK, (s->*p.is)());
    EXPECT_EQ(expected, SampleFlags(s));
    EXPECT_HR(S_OK, (s->*p.set)(TRUE));  // idempotent
    EXPECT_EQ(expected, SampleFlags(s));
  }
  for (const SampleBoolean& p : pairs) {
    EXPECT_HR(S_OK, (s->*p.set)(FALSE));
    expected &= ~p.bit;
    EXPECT_HR(S_FALSE, (s->*p.is)());
    EXPECT_EQ(expected, SampleFlags(s));
    for (const SampleBoolean& q : pairs) {
      EXPECT_HR((expected & q.bit) ? S_OK : S_FALSE, (s->*q.is)());
    }
  }
  // Any non-zero BOOL sets.
  EXPECT_HR(S_OK, s->SetPreroll(2));
  EXPECT_HR(S_OK, s->IsPreroll());
  EXPECT_HR(S_OK, s->SetPreroll(-1));
  EXPECT_HR(S_OK, s->IsPreroll());
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_PREROLL), SampleFlags(s));
}

// checks: SAMPLE.LENGTH.GET, SAMPLE.LENGTH.SET, SAMPLE.LENGTH.RANGE, GEN.ATOMIC
TEST_F(SampleDataLength, AcceptsZeroToSizeAndNothingElse) {
  EXPECT_EQ(256, sample_->GetActualDataLength());
  ASSERT_HR(S_OK, sample_->SetActualDataLength(100));
  for (LONG bad : {257, 258, INT_MAX, -1, -256, INT_MIN}) {
    EXPECT_HR(VFW_E_BUFFER_OVERFLOW, sample_->SetActualDataLength(bad)) << bad;
    EXPECT_EQ(100, sample_->GetActualDataLength()) << bad;
  }
  for (LONG good : {0, 1, 255, 256}) {
    EXPECT_HR(S_OK, sample_->SetActualDataLength(good)) << good;
    EXPECT_EQ(good, sample_->GetActualDataLength());
    EXPECT_EQ(good, SampleProps(sample_.get()).lActual);
  }
}

// checks: SAMPLE.GETTYPE.NULL, SAMPLE.GETTYPE.NONE, SAMPLE.SETTYPE.NULL, GEN.BADINPUT
TEST_F(SampleMediaType, WithoutATypeGivesSFalseAndNull) {
  EXPECT_HR(E_POINTER, sample_->GetMediaType(nullptr));
  AM_MEDIA_TYPE* mt = reinterpret_cast<AM_MEDIA_TYPE*>(0x1);
  EXPECT_HR(S_FALSE, sample_->GetMediaType(&mt));
  EXPECT_EQ(nullptr, mt);
  EXPECT_HR(S_OK, sample_->SetMediaType(nullptr));
  mt = reinterpret_cast<AM_MEDIA_TYPE*>(0x1);
  EXPECT_HR(S_FALSE, sample_->GetMediaType(&mt));
  EXPECT_EQ(nullptr, mt);
  EXPECT_EQ(0u, SampleFlags(sample_.get()));
  AM_MEDIA_TYPE pattern = PatternMediaType();
  ASSERT_HR(S_OK, sample_->SetMediaType(&pattern));
  EXPECT_HR(E_POINTER, sample_->GetMediaType(nullptr));
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TYPECHANGED), SampleFlags(sample_.get()));
}

// checks: SAMPLE.SETTYPE.COPY, SAMPLE.GETTYPE.COPY, SAMPLE.SETTYPE.NULL, SAMPLE2.GETPROPS.IMAGE
TEST_F(SampleMediaType, StoresAndReturnsDeepCopiesAndBalancesPUnk) {
  CountingCallback unk;  // stands in for the format's IUnknown
  BYTE format[40];
  for (size_t i = 0; i < sizeof format; ++i) format[i] = static_cast<BYTE>(i);
  AM_MEDIA_TYPE mt = PatternMediaType();
  mt.pUnk = &unk;
  mt.cbFormat = sizeof format;
  mt.pbFormat = format;
  AM_MEDIA_TYPE original = mt;
  ASSERT_HR(S_OK, sample_->SetMediaType(&mt));
  EXPECT_EQ(0, std::memcmp(&original, &mt, sizeof mt)) << "input untouched";
  EXPECT_EQ(2, unk.refs()) << "the stored copy holds pUnk";
  std::memset(format, 0, sizeof format);  // the copy must not share it

  AM_MEDIA_TYPE* copy = nullptr;
  ASSERT_HR(S_OK, sample_->GetMediaType(&copy));
  ASSERT_NE(nullptr, copy);
  EXPECT_NE(&mt, copy);
  EXPECT_EQ(0, std::memcmp(&copy->majortype, &mt.majortype, offsetof(AM_MEDIA_TYPE, pUnk)));
  EXPECT_EQ(&unk, copy->pUnk);
  EXPECT_EQ(3, unk.refs()) << "the returned copy holds pUnk too";
  ASSERT_EQ(sizeof format, copy->cbFormat);
  ASSERT_NE(nullptr, copy->pbFormat);
  EXPECT_NE(format, copy->pbFormat);
  for (size_t i = 0; i < sizeof format; ++i) {
    EXPECT_EQ(static_cast<BYTE>(i), copy->pbFormat[i]) << i;
  }
  // The sample's own stored pointer, through IMediaSample2.
  AM_SAMPLE2_PROPERTIES p = SampleProps(sample_.get());
  ASSERT_NE(nullptr, p.pMediaType);
  EXPECT_NE(copy, p.pMediaType);
  EXPECT_EQ(0, std::memcmp(p.pMediaType->pbFormat, copy->pbFormat, sizeof format));
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TYPECHANGED), p.dwSampleFlags);
  DeleteMediaTypeCopy(copy);
  EXPECT_EQ(2, unk.refs());

  // Replacing releases the old copy's pUnk.
  AM_MEDIA_TYPE plain = PatternMediaType();
  ASSERT_HR(S_OK, sample_->SetMediaType(&plain));
  EXPECT_EQ(1, unk.refs());
  ASSERT_HR(S_OK, sample_->SetMediaType(&original));  // format zeroed now
  EXPECT_EQ(2, unk.refs());
  ASSERT_HR(S_OK, sample_->SetMediaType(nullptr));
  EXPECT_EQ(1, unk.refs());
  EXPECT_EQ(0u, SampleFlags(sample_.get()));
  // Recycling deletes a stored type as well.
  ASSERT_HR(S_OK, sample_->SetMediaType(&original));
  EXPECT_EQ(2, unk.refs());
  Recycle();
  EXPECT_EQ(1, unk.refs());
  EXPECT_EQ(0, unk.calls_after_final_release());
}

// checks: SAMPLE.GETMEDIATIME.NULL, SAMPLE.SETMEDIATIME.2, GEN.BADINPUT, GEN.ATOMIC
TEST_F(SampleMediaTime, NullPointersGiveEPointerAndChangeNothing) {
  LONGLONG t = -1;
  EXPECT_HR(E_POINTER, sample_->GetMediaTime(nullptr, &t));
  EXPECT_HR(E_POINTER, sample_->GetMediaTime(&t, nullptr));
  EXPECT_HR(E_POINTER, sample_->GetMediaTime(nullptr, nullptr));
  EXPECT_EQ(-1, t);
  LONGLONG start = 5, stop = 6;
  ASSERT_HR(S_OK, sample_->SetMediaTime(&start, &stop));
  EXPECT_HR(E_POINTER, sample_->GetMediaTime(nullptr, &t));
  EXPECT_EQ(-1, t);
  LONGLONG other = 99;
  EXPECT_HR(E_POINTER, sample_->SetMediaTime(&other, nullptr));
  LONGLONG a = 0, b = 0;
  EXPECT_HR(S_OK, sample_->GetMediaTime(&a, &b));
  EXPECT_EQ(5, a);
  EXPECT_EQ(6, b);
  // And when no media time is set, it stays unset.
  ASSERT_HR(S_OK, sample_->SetMediaTime(nullptr, nullptr));
  EXPECT_HR(E_POINTER, sample_->SetMediaTime(&other, nullptr));
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, sample_->GetMediaTime(&a, &b));
}

// checks: SAMPLE.SETMEDIATIME.1, SAMPLE.SETMEDIATIME.3, SAMPLE.GETMEDIATIME.1, SAMPLE.GETMEDIATIME.2
TEST_F(SampleMediaTime, KeepsAllSixtyFourBitsOfBothEnds) {
  const LONGLONG cases[][2] = {
      {0, 1LL << 40}, {-5, INT64_MAX}, {INT64_MIN, INT64_MAX}, {1LL << 33, 1}, {0x123, 0x321}};
  for (const auto& c : cases) {
    LONGLONG start = c[0], stop = c[1];
    ASSERT_HR(S_OK, sample_->SetMediaTime(&start, &stop));
    LONGLONG a = 0, b = 0;
    EXPECT_HR(S_OK, sample_->GetMediaTime(&a, &b));
    EXPECT_EQ(c[0], a);
    EXPECT_EQ(c[1], b);
    EXPECT_EQ(0u, SampleFlags(sample_.get())) << "no visible flag";
  }
  LONGLONG ignored = 9;
  EXPECT_HR(S_OK, sample_->SetMediaTime(nullptr, &ignored));
  LONGLONG a = 7, b = 8;
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, sample_->GetMediaTime(&a, &b));
  EXPECT_EQ(7, a);
  EXPECT_EQ(8, b);
}

// checks: SAMPLE.MEDIATIME.INDEPENDENT
TEST_F(SampleMediaTime, IsIndependentOfTheStreamTime) {
  REFERENCE_TIME s = 10, e = 20;
  LONGLONG ms = 30, me = 40;
  ASSERT_HR(S_OK, sample_->SetTime(&s, &e));
  LONGLONG a = 1, b = 2;
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, sample_->GetMediaTime(&a, &b));
  ASSERT_HR(S_OK, sample_->SetMediaTime(&ms, &me));
  REFERENCE_TIME x = 0, y = 0;
  EXPECT_HR(S_OK, sample_->GetTime(&x, &y));
  EXPECT_EQ(10, x);
  EXPECT_EQ(20, y);
  ASSERT_HR(S_OK, sample_->SetTime(nullptr, nullptr));
  EXPECT_HR(S_OK, sample_->GetMediaTime(&a, &b));
  EXPECT_EQ(30, a);
  EXPECT_EQ(40, b);
  ASSERT_HR(S_OK, sample_->SetTime(&s, &e));
  ASSERT_HR(S_OK, sample_->SetMediaTime(nullptr, nullptr));
  EXPECT_HR(S_OK, sample_->GetTime(&x, &y));
}

// checks: SAMPLE.RECYCLE.1, SAMPLE.RECYCLE.2, COM.SAMPLE.RELEASE
TEST_F(SampleRecycle, ClearsFlagsTypeTypeFlagsStreamIdAndKeepsTheRest) {
  BYTE* buffer = nullptr;
  ASSERT_HR(S_OK, sample_->GetPointer(&buffer));
  REFERENCE_TIME s = 111, e = 222;
  LONGLONG ms = 333, me = 444;
  ASSERT_HR(S_OK, sample_->SetTime(&s, &e));
  ASSERT_HR(S_OK, sample_->SetMediaTime(&ms, &me));
  ASSERT_HR(S_OK, sample_->SetSyncPoint(TRUE));
  ASSERT_HR(S_OK, sample_->SetPreroll(TRUE));
  ASSERT_HR(S_OK, sample_->SetDiscontinuity(TRUE));
  AM_MEDIA_TYPE mt = PatternMediaType();
  ASSERT_HR(S_OK, sample_->SetMediaType(&mt));
  ASSERT_HR(S_OK, sample_->SetActualDataLength(123));
  // Type-specific flags, stream id and the other flags via IMediaSample2.
  {
    ComPtr<IMediaSample2> s2;
    ASSERT_HR(S_OK, sample_->QueryInterface(IID_IMediaSample2, s2.put_void()));
    AM_SAMPLE2_PROPERTIES p = SampleProps(sample_.get());
    p.dwTypeSpecificFlags = 0xABCD;
    p.dwStreamId = AM_STREAM_CONTROL;
    p.dwSampleFlags |= AM_SAMPLE_TIMEDISCONTINUITY | AM_SAMPLE_FLUSH_ON_PAUSE;
    // p.pMediaType is the sample's own stored type: copied onto itself.
    ASSERT_HR(S_OK, s2->SetProperties(sizeof p, reinterpret_cast<BYTE*>(&p)));
    AM_SAMPLE2_PROPERTIES q = SampleProps(sample_.get());
    ASSERT_EQ(0x1DFu, q.dwSampleFlags);
    ASSERT_EQ(0xABCDu, q.dwTypeSpecificFlags);
  }
  Recycle();
  AM_SAMPLE2_PROPERTIES p = SampleProps(sample_.get());
  EXPECT_EQ(0u, p.dwSampleFlags);
  EXPECT_EQ(0u, p.dwTypeSpecificFlags);
  EXPECT_EQ(0u, p.dwStreamId);
  EXPECT_EQ(nullptr, p.pMediaType);
  EXPECT_EQ(123, p.lActual);
  EXPECT_EQ(111, p.tStart);
  EXPECT_EQ(222, p.tStop);
  EXPECT_EQ(buffer, p.pbBuffer);
  EXPECT_EQ(256, p.cbBuffer);
  REFERENCE_TIME x = -1, y = -1;
  EXPECT_HR(VFW_E_SAMPLE_TIME_NOT_SET, sample_->GetTime(&x, &y));
  LONGLONG a = -1, b = -1;
  EXPECT_HR(VFW_E_MEDIA_TIME_NOT_SET, sample_->GetMediaTime(&a, &b));
  EXPECT_EQ(-1, a);
  AM_MEDIA_TYPE* got = reinterpret_cast<AM_MEDIA_TYPE*>(0x1);
  EXPECT_HR(S_FALSE, sample_->GetMediaType(&got));
  EXPECT_EQ(nullptr, got);
  EXPECT_HR(S_FALSE, sample_->IsSyncPoint());
  EXPECT_HR(S_FALSE, sample_->IsPreroll());
  EXPECT_HR(S_FALSE, sample_->IsDiscontinuity());
}

}  // namespace
}  // namespace dsalloc::testing
