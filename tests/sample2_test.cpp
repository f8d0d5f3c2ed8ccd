// ---------------------------------------------------------------------------
// File: tests/sample2_test.cpp
// ---------------------------------------------------------------------------
//
// IMediaSample2::GetProperties and SetProperties (SEMANTICS 4.8, 4.9): the
// byte counts (zero, short, partial fields, longer than the structure), the
// image written, every validation step of SetProperties with "all checks
// before any change", the assignments, and the TYPECHANGED fix-up.

#include <cstddef>
#include <cstring>

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

constexpr DWORD kSize = sizeof(AM_SAMPLE2_PROPERTIES);
// "Field included" = offset + size <= the effective byte count.
constexpr DWORD kThroughTypeFlags = offsetof(AM_SAMPLE2_PROPERTIES, dwSampleFlags);
constexpr DWORD kThroughFlags = offsetof(AM_SAMPLE2_PROPERTIES, lActual);
constexpr DWORD kThroughActual = offsetof(AM_SAMPLE2_PROPERTIES, tStart);
constexpr DWORD kThroughStart = offsetof(AM_SAMPLE2_PROPERTIES, tStop);
constexpr DWORD kThroughStop = offsetof(AM_SAMPLE2_PROPERTIES, dwStreamId);
constexpr DWORD kThroughType = offsetof(AM_SAMPLE2_PROPERTIES, pbBuffer);
constexpr DWORD kThroughBuffer = offsetof(AM_SAMPLE2_PROPERTIES, cbBuffer);

// True for the bytes of AM_SAMPLE2_PROPERTIES that belong to a field (not
// padding, whose content nobody defines).
bool IsFieldByte(size_t i) {
  const size_t fields[][2] = {
      {offsetof(AM_SAMPLE2_PROPERTIES, cbData), sizeof(DWORD)},
      {offsetof(AM_SAMPLE2_PROPERTIES, dwTypeSpecificFlags), sizeof(DWORD)},
      {offsetof(AM_SAMPLE2_PROPERTIES, dwSampleFlags), sizeof(DWORD)},
      {offsetof(AM_SAMPLE2_PROPERTIES, lActual), sizeof(LONG)},
      {offsetof(AM_SAMPLE2_PROPERTIES, tStart), sizeof(REFERENCE_TIME)},
      {offsetof(AM_SAMPLE2_PROPERTIES, tStop), sizeof(REFERENCE_TIME)},
      {offsetof(AM_SAMPLE2_PROPERTIES, dwStreamId), sizeof(DWORD)},
      {offsetof(AM_SAMPLE2_PROPERTIES, pMediaType), sizeof(void*)},
      {offsetof(AM_SAMPLE2_PROPERTIES, pbBuffer), sizeof(void*)},
      {offsetof(AM_SAMPLE2_PROPERTIES, cbBuffer), sizeof(LONG)},
  };
  for (const auto& f : fields) {
    if (i >= f[0] && i < f[0] + f[1]) return true;
  }
  return false;
}

class Sample2Test : public OneSampleTest<256, Held::kSampleAndSample2> {
 protected:
  void SetUp() override {
    OneSampleTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_HR(S_OK, sample_->GetPointer(&buffer_));
  }
  AM_SAMPLE2_PROPERTIES Current() { return SampleProps(sample_.get()); }
  HRESULT Set(DWORD cb, const AM_SAMPLE2_PROPERTIES& p) {
    return sample2_->SetProperties(cb, reinterpret_cast<const BYTE*>(&p));
  }
  // Everything a failed call must leave as it was.
  struct Snapshot {
    AM_SAMPLE2_PROPERTIES props;
    LONG length;
    HRESULT time_hr;
    REFERENCE_TIME t0, t1;
  };
  Snapshot Take() {
    Snapshot s;
    s.props = Current();
    s.length = sample_->GetActualDataLength();
    s.t0 = s.t1 = -99;
    s.time_hr = sample_->GetTime(&s.t0, &s.t1);
    return s;
  }
  void ExpectUnchanged(const Snapshot& before) {
    Snapshot now = Take();
    ExpectSameFields(before.props, now.props);
    EXPECT_EQ(before.length, now.length);
    EXPECT_HR(before.time_hr, now.time_hr);
    EXPECT_EQ(before.t0, now.t0);
    EXPECT_EQ(before.t1, now.t1);
  }

  BYTE* buffer_ = nullptr;
};

using Sample2GetProperties = Sample2Test;
using Sample2SetProperties = Sample2Test;

// checks: SAMPLE2.GETPROPS.ZERO, SAMPLE2.GETPROPS.NULL, GEN.BADINPUT
TEST_F(Sample2GetProperties, ZeroBytesWritesNothingAndNullGivesEPointer) {
  EXPECT_HR(S_OK, sample2_->GetProperties(0, nullptr));
  AM_SAMPLE2_PROPERTIES p;
  std::memset(&p, 0xEE, sizeof p);
  EXPECT_HR(S_OK, sample2_->GetProperties(0, reinterpret_cast<BYTE*>(&p)));
  AM_SAMPLE2_PROPERTIES fill;
  std::memset(&fill, 0xEE, sizeof fill);
  EXPECT_EQ(0, std::memcmp(&fill, &p, sizeof p));
  EXPECT_HR(E_POINTER, sample2_->GetProperties(1, nullptr));
  EXPECT_HR(E_POINTER, sample2_->GetProperties(kSize, nullptr));
}

// checks: SAMPLE2.GETPROPS.IMAGE
TEST_F(Sample2GetProperties, WritesTheFullImage) {
  REFERENCE_TIME start = 0x1234, stop = 0x4321;
  ASSERT_HR(S_OK, sample_->SetTime(&start, &stop));
  ASSERT_HR(S_OK, sample_->SetActualDataLength(77));
  ASSERT_HR(S_OK, sample_->SetDiscontinuity(TRUE));
  LONGLONG ms = 1, me = 2;
  ASSERT_HR(S_OK, sample_->SetMediaTime(&ms, &me));
  AM_SAMPLE2_PROPERTIES want = {};
  want.cbData = kSize;
  // Media-time validity is no visible flag.
  want.dwSampleFlags = AM_SAMPLE_DATADISCONTINUITY | AM_SAMPLE_TIMEVALID | AM_SAMPLE_STOPVALID;
  want.lActual = 77;
  want.tStart = 0x1234;
  want.tStop = 0x4321;
  want.pbBuffer = buffer_;
  want.cbBuffer = 256;
  ExpectSameFields(want, Current());
  // Raw times even when not valid.
  ASSERT_HR(S_OK, sample_->SetTime(nullptr, nullptr));
  AM_SAMPLE2_PROPERTIES p = Current();
  EXPECT_EQ(0x1234, p.tStart);
  EXPECT_EQ(0x4321, p.tStop);
}

// checks: SAMPLE2.GETPROPS.IMAGE
TEST_F(Sample2GetProperties, WritesOnlyTheFirstCbBytes) {
  REFERENCE_TIME start = 0x0102030405060708LL, stop = 9;
  ASSERT_HR(S_OK, sample_->SetTime(&start, &stop));
  AM_SAMPLE2_PROPERTIES full = Current();
  const DWORD counts[] = {1, 4, 8, 12, 16, 20, 24, 31, 32, 36, 40, kSize - 1};
  for (DWORD cb : counts) {
    SCOPED_TRACE(cb);
    BYTE out[sizeof(AM_SAMPLE2_PROPERTIES) + 16];
    std::memset(out, 0xEE, sizeof out);
    ASSERT_HR(S_OK, sample2_->GetProperties(cb, out));
    AM_SAMPLE2_PROPERTIES want = full;
    want.cbData = cb;
    const BYTE* w = reinterpret_cast<const BYTE*>(&want);
    for (DWORD i = 0; i < cb; ++i) {
      if (IsFieldByte(i)) {
        EXPECT_EQ(w[i], out[i]) << "byte " << i;
      }
    }
    for (DWORD i = cb; i < sizeof out; ++i) {
      EXPECT_EQ(0xEE, out[i]) << "byte " << i << " written";
    }
  }
  // More than the structure: sizeof bytes, cbData = sizeof.
  BYTE out[sizeof(AM_SAMPLE2_PROPERTIES) + 16];
  std::memset(out, 0xEE, sizeof out);
  ASSERT_HR(S_OK, sample2_->GetProperties(kSize + 16, out));
  AM_SAMPLE2_PROPERTIES got;
  std::memcpy(&got, out, kSize);
  ExpectSameFields(full, got);
  for (DWORD i = kSize; i < sizeof out; ++i) EXPECT_EQ(0xEE, out[i]);
}

// checks: SAMPLE2.SETPROPS.SHORT, SAMPLE2.SETPROPS.NULL, GEN.BADINPUT
TEST_F(Sample2SetProperties, FewerThanFourBytesDoNothingAndNullGivesEPointer) {
  Snapshot before = Take();
  AM_SAMPLE2_PROPERTIES junk;
  std::memset(&junk, 0xFF, sizeof junk);
  for (DWORD cb : {0u, 1u, 2u, 3u}) {
    EXPECT_HR(S_OK, sample2_->SetProperties(cb, nullptr));
    EXPECT_HR(S_OK, Set(cb, junk));
  }
  ExpectUnchanged(before);
  EXPECT_HR(E_POINTER, sample2_->SetProperties(4, nullptr));
  EXPECT_HR(E_POINTER, sample2_->SetProperties(kSize, nullptr));
  ExpectUnchanged(before);
}

// checks: SAMPLE2.SETPROPS.CBDATA, GEN.ATOMIC
TEST_F(Sample2SetProperties, CbDataLargerThanTheStructureIsInvalid) {
  Snapshot before = Take();
  AM_SAMPLE2_PROPERTIES p = Current();
  p.dwStreamId = 5;
  p.cbData = kSize + 1;
  EXPECT_HR(E_INVALIDARG, Set(kSize, p));
  p.cbData = 0xFFFFFFFF;
  EXPECT_HR(E_INVALIDARG, Set(kSize, p));
  ExpectUnchanged(before);
}

// checks: SAMPLE2.SETPROPS.ASSIGN
TEST_F(Sample2SetProperties, TheEffectiveCountIsTheSmallerOfCbAndCbData) {
  AM_SAMPLE2_PROPERTIES p = Current();
  p.dwTypeSpecificFlags = 0x55;
  p.dwSampleFlags = AM_SAMPLE_SPLICEPOINT;
  p.lActual = 3;
  p.dwStreamId = 9;
  p.cbData = kThroughFlags;  // cb says more, cbData limits it
  ASSERT_HR(S_OK, Set(kSize, p));
  AM_SAMPLE2_PROPERTIES now = Current();
  EXPECT_EQ(0x55u, now.dwTypeSpecificFlags);
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_SPLICEPOINT), now.dwSampleFlags);
  EXPECT_EQ(256, now.lActual);
  EXPECT_EQ(0u, now.dwStreamId);
  // And cb limits it when cbData says more.
  p = Current();
  p.dwStreamId = 9;
  p.lActual = 4;
  ASSERT_HR(S_OK, Set(kThroughActual, p));
  now = Current();
  EXPECT_EQ(4, now.lActual);
  EXPECT_EQ(0u, now.dwStreamId);
  // Type-specific flags without the sample flags: only those change.
  p = Current();
  p.dwTypeSpecificFlags = 0x66;
  p.dwSampleFlags = 0;
  ASSERT_HR(S_OK, Set(kThroughTypeFlags, p));
  now = Current();
  EXPECT_EQ(0x66u, now.dwTypeSpecificFlags);
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_SPLICEPOINT), now.dwSampleFlags);
}

// checks: SAMPLE2.SETPROPS.FLAGS, GEN.ATOMIC
TEST_F(Sample2SetProperties, FlagsOutside0x1FFOrBit0x20AreInvalid) {
  Snapshot before = Take();
  for (DWORD bad : {0x20u, 0x200u, 0x400u, 0x80000000u, 0x21u, 0xFFFFFFFFu}) {
    AM_SAMPLE2_PROPERTIES p = Current();
    p.dwSampleFlags = bad;
    p.dwStreamId = 3;
    EXPECT_HR(E_INVALIDARG, Set(kSize, p)) << std::hex << bad;
    EXPECT_HR(E_INVALIDARG, Set(kThroughFlags, p)) << std::hex << bad;
  }
  ExpectUnchanged(before);
  // Every other bit of 0x1FF is accepted.
  AM_SAMPLE2_PROPERTIES p = Current();
  p.dwSampleFlags = 0x1DF & ~static_cast<DWORD>(AM_SAMPLE_TYPECHANGED);
  EXPECT_HR(S_OK, Set(kSize, p));
  EXPECT_EQ(0x1D7u, Current().dwSampleFlags);
}

// checks: SAMPLE2.SETPROPS.TIMEVALID, GEN.ATOMIC, SAMPLE2.SETPROPS.ASSIGN
TEST_F(Sample2SetProperties, TimeValidWithoutTStopNeedsTimeValidAlready) {
  Snapshot before = Take();
  AM_SAMPLE2_PROPERTIES p = Current();
  p.dwSampleFlags = AM_SAMPLE_TIMEVALID;
  p.tStart = 0x55;
  EXPECT_HR(E_INVALIDARG, Set(kThroughFlags, p));
  EXPECT_HR(E_INVALIDARG, Set(kThroughStart, p));  // tStart is not enough
  ExpectUnchanged(before);
  EXPECT_HR(S_OK, Set(kThroughStop, p));  // tStop included
  REFERENCE_TIME a = 0, b = 0;
  EXPECT_HR(VFW_S_NO_STOP_TIME, sample_->GetTime(&a, &b));
  EXPECT_EQ(0x55, a);
  // Now the sample has TIMEVALID: a short call is accepted.
  p.tStart = 0x66;
  EXPECT_HR(S_OK, Set(kThroughStart, p));
  EXPECT_HR(VFW_S_NO_STOP_TIME, sample_->GetTime(&a, &b));
  EXPECT_EQ(0x66, a);
  EXPECT_EQ(0x67, b);
}

// checks: SAMPLE2.SETPROPS.BUFFER, SAMPLE2.SETPROPS.SIZE, SAMPLE2.SETPROPS.ACTUAL, GEN.ATOMIC
TEST_F(Sample2SetProperties, BufferSizeAndLengthChecks) {
  Snapshot before = Take();
  AM_SAMPLE2_PROPERTIES p = Current();
  p.dwStreamId = 7;
  p.pbBuffer = buffer_ + 1;
  EXPECT_HR(E_INVALIDARG, Set(kSize, p));
  EXPECT_HR(E_INVALIDARG, Set(kThroughBuffer, p));
  p.pbBuffer = buffer_;
  p.cbBuffer = 255;
  EXPECT_HR(E_INVALIDARG, Set(kSize, p));
  p.cbBuffer = 512;
  EXPECT_HR(E_INVALIDARG, Set(kSize, p));
  p.cbBuffer = 256;
  p.lActual = 257;
  EXPECT_HR(E_INVALIDARG, Set(kSize, p));
  p.cbBuffer = 0;  // "no change", but 0 < lActual
  p.lActual = 5;
  EXPECT_HR(E_INVALIDARG, Set(kSize, p));
  ExpectUnchanged(before);

  // NULL pbBuffer and zero cbBuffer with lActual 0 mean "unchanged".
  p.pbBuffer = nullptr;
  p.cbBuffer = 0;
  p.lActual = 0;
  EXPECT_HR(S_OK, Set(kSize, p));
  AM_SAMPLE2_PROPERTIES now = Current();
  EXPECT_EQ(buffer_, now.pbBuffer);
  EXPECT_EQ(256, now.cbBuffer);
  EXPECT_EQ(0, now.lActual);
  EXPECT_EQ(7u, now.dwStreamId);
  // A negative lActual passes the cbBuffer check.
  p = Current();
  p.lActual = -1;
  EXPECT_HR(S_OK, Set(kSize, p));
  EXPECT_EQ(-1, sample_->GetActualDataLength());
  // Without cbBuffer in the call, lActual is not range-checked at all.
  p.lActual = 100000;
  EXPECT_HR(S_OK, Set(kThroughBuffer, p));
  EXPECT_EQ(100000, sample_->GetActualDataLength());
  p.lActual = 256;
  EXPECT_HR(S_OK, Set(kSize, p));
  EXPECT_EQ(256, sample_->GetActualDataLength());
}

// checks: SAMPLE2.SETPROPS.TYPE, SAMPLE2.SETPROPS.TYPEFIX, GEN.ATOMIC
TEST_F(Sample2SetProperties, MediaTypeIsCopiedOnlyWithTypeChanged) {
  Snapshot before = Take();
  AM_SAMPLE2_PROPERTIES p = Current();
  p.dwSampleFlags = AM_SAMPLE_TYPECHANGED;
  p.pMediaType = nullptr;
  p.dwStreamId = 4;
  EXPECT_HR(E_POINTER, Set(kSize, p));
  EXPECT_HR(E_POINTER, Set(kThroughType, p));  // pMediaType is the last in
  ExpectUnchanged(before);

  CountingCallback unk;
  AM_MEDIA_TYPE mt = PatternMediaType();
  mt.pUnk = &unk;
  p.pMediaType = &mt;
  ASSERT_HR(S_OK, Set(kSize, p));
  EXPECT_EQ(2, unk.refs()) << "a copy, holding pUnk";
  AM_SAMPLE2_PROPERTIES now = Current();
  ASSERT_NE(nullptr, now.pMediaType);
  EXPECT_NE(&mt, now.pMediaType);
  EXPECT_EQ(0, std::memcmp(&mt, now.pMediaType, sizeof mt));
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_TYPECHANGED), now.dwSampleFlags);
  EXPECT_EQ(4u, now.dwStreamId);

  // Flags without TYPECHANGED: the stored type survives, the flag returns.
  AM_MEDIA_TYPE other = PatternMediaType();
  p.pMediaType = &other;
  p.dwSampleFlags = AM_SAMPLE_PREROLL;
  ASSERT_HR(S_OK, Set(kSize, p));
  now = Current();
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_PREROLL | AM_SAMPLE_TYPECHANGED), now.dwSampleFlags);
  ASSERT_NE(nullptr, now.pMediaType);
  EXPECT_EQ(&unk, now.pMediaType->pUnk) << "not replaced";

  // Replacing it with TYPECHANGED releases the old copy.
  p.dwSampleFlags = AM_SAMPLE_TYPECHANGED;
  ASSERT_HR(S_OK, Set(kSize, p));
  EXPECT_EQ(1, unk.refs());
  ASSERT_HR(S_OK, sample_->SetMediaType(nullptr));
  EXPECT_EQ(0u, Current().dwSampleFlags);

  // TYPECHANGED with pMediaType outside the count: no type, flag dropped.
  p = Current();
  p.dwSampleFlags = AM_SAMPLE_TYPECHANGED | AM_SAMPLE_SPLICEPOINT;
  p.pMediaType = nullptr;
  ASSERT_HR(S_OK, Set(kThroughStop, p));
  now = Current();
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_SPLICEPOINT), now.dwSampleFlags);
  EXPECT_EQ(nullptr, now.pMediaType);
  EXPECT_EQ(0, unk.calls_after_final_release());
}

// checks: SAMPLE2.SETPROPS.ASSIGN, SAMPLE.GETTIME.1, SAMPLE.MEDIATIME.INDEPENDENT
TEST_F(Sample2SetProperties, AssignsEveryIncludedField) {
  LONGLONG ms = 10, me = 20;
  ASSERT_HR(S_OK, sample_->SetMediaTime(&ms, &me));
  AM_SAMPLE2_PROPERTIES p = Current();
  p.dwTypeSpecificFlags = 0xF00D;
  p.dwSampleFlags = AM_SAMPLE_STOPVALID | AM_SAMPLE_PREROLL;  // no TIMEVALID
  p.lActual = 200;
  p.tStart = 0x1234;
  p.tStop = 0x4321;
  p.dwStreamId = AM_STREAM_CONTROL;
  ASSERT_HR(S_OK, Set(kSize, p));
  AM_SAMPLE2_PROPERTIES now = Current();
  EXPECT_EQ(0xF00Du, now.dwTypeSpecificFlags);
  EXPECT_EQ(static_cast<DWORD>(AM_SAMPLE_STOPVALID | AM_SAMPLE_PREROLL), now.dwSampleFlags);
  EXPECT_EQ(200, now.lActual);
  EXPECT_EQ(200, sample_->GetActualDataLength());
  EXPECT_EQ(0x1234, now.tStart);
  EXPECT_EQ(0x4321, now.tStop);
  EXPECT_EQ(static_cast<DWORD>(AM_STREAM_CONTROL), now.dwStreamId);
  EXPECT_HR(S_OK, sample_->IsPreroll());
  // STOPVALID alone: the strict GetTime checks STOPVALID first.
  REFERENCE_TIME a = 0, b = 0;
  EXPECT_HR(S_OK, sample_->GetTime(&a, &b));
  EXPECT_EQ(0x1234, a);
  EXPECT_EQ(0x4321, b);
  // The media time is no visible flag and survives.
  LONGLONG x = 0, y = 0;
  EXPECT_HR(S_OK, sample_->GetMediaTime(&x, &y));
  EXPECT_EQ(10, x);
  EXPECT_EQ(20, y);
}

}  // namespace
}  // namespace dsalloc::testing
